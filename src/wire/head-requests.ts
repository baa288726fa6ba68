/**
 * HEAD is answered as the GET of the same path without its body (RFC 9110 §9.3.2), by one rule
 * instead of a HEAD route beside every GET route. Fastify's exposeHeadRoutes registers that twin
 * for each GET route: ~70 more routes for its router to build at every start, ~14 ms of CPU
 * (7% of start-up, measured on the bundled CLI).
 *
 * The router is asked for the GET route; Node's ServerResponse (and light-my-request's, for
 * app.inject), made for the HEAD request before routing, already sends no body and keeps the
 * Content-Length the GET would send, as HEAD must. From the first hook on the method reads HEAD
 * again, so the access line, the journal, fault rules and the 405 check see the request as sent.
 */
import type { IncomingMessage } from 'node:http'
import type { FastifyRequest } from 'fastify'

const routedAsGet = Symbol('routed as GET')
type Raw = IncomingMessage & { [routedAsGet]?: true }

/** Fastify's `rewriteUrl`: runs before routing, on every request. */
export function routeHeadAsGet(req: Raw): string {
  if (req.method === 'HEAD') {
    req.method = 'GET'
    req[routedAsGet] = true
  }
  return req.url!
}

/** Gives a HEAD request its method back: the first step of the app's onRequest hook (src/app.ts). */
export function restoreHeadMethod(req: FastifyRequest): void {
  if ((req.raw as Raw)[routedAsGet]) req.raw.method = 'HEAD'
}
