/**
 * The route a request matched, read once per request. Fastify's `req.routeOptions` is a getter
 * that builds a new object on every read, and the access line, the journal and the fault hook
 * each need the route: they share this one.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'

export type RouteSeen = Pick<FastifyRequest['routeOptions'], 'url' | 'schema' | 'config'>

declare module 'fastify' {
  interface FastifyRequest {
    matchedRoute: RouteSeen | null
  }
}

export function registerRouteOf(app: FastifyInstance): void {
  app.decorateRequest('matchedRoute', null)
}

export function routeOf(req: FastifyRequest): RouteSeen {
  return (req.matchedRoute ??= req.routeOptions)
}
