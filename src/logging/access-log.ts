/**
 * One access line per answered request, at info: method, path, status, duration, request id and
 * the route's operation (its operationId, e.g. CreateRelease; null for an unknown path). The
 * message reads like a web server's access log so it also works without a JSON viewer.
 */
import type { FastifyInstance } from 'fastify'

export function registerAccessLog(app: FastifyInstance, enabled: () => boolean): void {
  // Callback style, and the level checked first: this runs for every request.
  app.addHook('onResponse', (req, reply, done) => {
    if (!enabled()) return done()
    const path = req.url.split('?', 1)[0] ?? req.url
    const ms = Math.round(reply.elapsedTime * 10) / 10
    const opId = req.routeOptions.schema?.operationId
    const operation = typeof opId === 'string' ? opId : null
    req.log.info(
      { method: req.method, path, status: reply.statusCode, duration_ms: ms, request_id: req.id, operation },
      `${req.method} ${path} ${reply.statusCode} ${ms}ms${operation ? ` ${operation}` : ''}`,
    )
    done()
  })
}
