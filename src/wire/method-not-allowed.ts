/**
 * A known path asked with a method it does not serve answers 405 with an `Allow` header (RFC
 * 9110 §15.5.6) in the owning dialect's error body, not the 404 of an unknown path: a client
 * sending TRACE /v2/charts learns the path exists and what it takes. Fastify's router only knows
 * "no route for this method and path", so the routes are indexed here as they are added.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import type { Clock } from '../clock.js'
import type { DialectRouter } from './dialect.js'

interface RouteShape {
  pattern: RegExp
  /** Literal segments: more is more specific (`/releases/:id/upgrade` over `/releases/:id/:spec`). */
  literals: number
  methods: Set<string>
}

/** `/v2/charts/:chart_id/values` → a matcher for one concrete path; `*` takes the rest. */
function matcherOf(url: string): RegExp {
  const segments = url.split('/').map((s) => (s.startsWith(':') ? '[^/]+' : s === '*' ? '.*' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
  return new RegExp(`^${segments.join('/')}$`)
}

/**
 * Indexes the routes as they are added, and returns the onRequest step: true when it answered
 * the request (a 405), for a request nothing was routed to (req.is404) only.
 */
export function registerMethodNotAllowed(app: FastifyInstance, dialects: DialectRouter, clock: Clock): (req: FastifyRequest, reply: FastifyReply) => boolean {
  const routes = new Map<string, RouteShape>()
  app.addHook('onRoute', (route) => {
    const methods = ([] as HTTPMethods[]).concat(route.method)
    const literals = route.url.split('/').filter((seg) => seg !== '' && !seg.startsWith(':') && seg !== '*').length
    const shape = routes.get(route.url) ?? { pattern: matcherOf(route.url), literals, methods: new Set<string>() }
    for (const m of methods) shape.methods.add(m.toUpperCase())
    if (shape.methods.has('GET')) shape.methods.add('HEAD')
    routes.set(route.url, shape)
  })

  return (req, reply) => {
    const path = req.url.split('?')[0]!
    // Allow names the methods of the most specific template matching the path, as the OpenAPI
    // document groups them; a less specific one (Cloudpods' /:id/:spec) may serve others too.
    const matching = [...routes.values()].filter((r) => r.pattern.test(path))
    const best = Math.max(...matching.map((r) => r.literals))
    const allowed = new Set<string>()
    for (const r of matching) if (r.literals === best) for (const m of r.methods) allowed.add(m)
    if (allowed.size === 0 || allowed.has(req.method)) return false
    const allow = [...allowed].sort().join(', ')
    const dialect = dialects.forUrl(req.url)
    const { statusCode, body } = dialect.renderError(dialect.methodNotAllowed(req.method, req.url, allow), clock.now())
    reply.code(statusCode).header('allow', allow).type('application/json').send(body)
    return true
  }
}
