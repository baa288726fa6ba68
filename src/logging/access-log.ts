/**
 * One access line per answered request, at info: method, path, status, duration, request id and
 * the route's operation (its operationId, e.g. CreateRelease; null for an unknown path). The
 * message reads like a web server's access log so it also works without a JSON viewer.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { routeOf } from '../wire/route-of.js'
import { lineSinkOf, type LineSink } from './logger.js'

export function registerAccessLog(app: FastifyInstance, enabled: () => boolean): void {
  const sink = lineSinkOf(app.log)
  // Callback style, and the level checked first: this runs for every request.
  app.addHook('onResponse', (req, reply, done) => {
    if (!enabled()) return done()
    const url = req.url
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    const tenths = Math.round(reply.elapsedTime * 10)
    const opId = routeOf(req).schema?.operationId
    const operation = typeof opId === 'string' ? opId : null
    const ms = decimal(tenths)
    const msg = `${req.method} ${path} ${reply.statusCode} ${ms}ms${operation ? ` ${operation}` : ''}`
    if (sink) sink.write(accessLine(sink, req, reply, path, ms, operation, msg))
    else req.log.info({ method: req.method, path, status: reply.statusCode, duration_ms: tenths / 10, request_id: req.id, operation }, msg)
    done()
  })
}

/**
 * tenths / 10 as JSON writes it (12.3, 5), from integers: formatting a fraction costs several
 * times as much, and this runs twice a request.
 */
export const decimal = (tenths: number): string => (tenths % 10 === 0 ? `${tenths / 10}` : `${(tenths - (tenths % 10)) / 10}.${tenths % 10}`)

/** Printable ASCII without quote or backslash: the same in a JSON string as it is. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/

/** A JSON string; JSON.stringify (several times slower on short strings) only for what needs escaping. */
const json = (s: string): string => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s))

/** Operation names are a few dozen route constants: each quoted once. */
const quotedOperations = new Map<string, string>()
const jsonOperation = (op: string): string => {
  let quoted = quotedOperations.get(op)
  if (quoted === undefined) quotedOperations.set(op, (quoted = JSON.stringify(op)))
  return quoted
}

/**
 * The line pino writes for `req.log.info({ method, path, status, duration_ms, request_id,
 * operation }, msg)` on the request's child logger (bindings, then reqId), field for field, from
 * a template: pino's serializer walking an object was a tenth of a show's CPU.
 */
function accessLine(sink: LineSink, req: FastifyRequest, reply: FastifyReply, path: string, ms: string, operation: string | null, msg: string): string {
  const id = json(req.id)
  // The message is the method (an HTTP token: plain), the path, numbers and the operation.
  const plainMsg = PLAIN.test(path) && (operation === null || PLAIN.test(operation))
  return `{"level":30,"time":${Date.now()}${sink.bindings},"reqId":${id},"method":${json(req.method)},"path":${plainMsg ? `"${path}"` : json(path)},"status":${reply.statusCode},"duration_ms":${ms},"request_id":${id},"operation":${operation === null ? 'null' : jsonOperation(operation)},"msg":${plainMsg ? `"${msg}"` : JSON.stringify(msg)}}\n`
}
