/**
 * One access line per answered request, at info: method, path, status, duration, request id and
 * the route's operation (its operationId, e.g. CreateRelease; null for an unknown path). The
 * message reads like a web server's access log so it also works without a JSON viewer.
 */
import type { FastifyInstance } from 'fastify'
import { routeOf } from '../wire/route-of.js'
import { lineSinkOf, type LineBytes } from './logger.js'

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
    const { method, id } = req
    const status = reply.statusCode
    if (!sink) req.log.info({ method, path, status, duration_ms: tenths / 10, request_id: id, operation }, accessMessage(method, path, status, ms, operation))
    else if (!sink.bytes || !writeAccessBytes(sink.bytes, sink.bindings, id, method, path, status, ms, operation)) {
      sink.write(accessLine(sink.bindings, id, method, path, status, ms, operation, accessMessage(method, path, status, ms, operation)))
    }
    done()
  })
}

const accessMessage = (method: string, path: string, status: number, ms: string, operation: string | null): string =>
  `${method} ${path} ${status} ${ms}ms${operation ? ` ${operation}` : ''}`

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
export function accessLine(bindings: string, reqId: string, method: string, path: string, status: number, ms: string, operation: string | null, msg: string, now = Date.now()): string {
  const id = json(reqId)
  // The message is the method (an HTTP token: plain), the path, numbers and the operation.
  const plainMsg = PLAIN.test(path) && (operation === null || PLAIN.test(operation))
  return `{"level":30,"time":${now}${bindings},"reqId":${id},"method":${json(method)},"path":${plainMsg ? `"${path}"` : json(path)},"status":${status},"duration_ms":${ms},"request_id":${id},"operation":${operation === null ? 'null' : jsonOperation(operation)},"msg":${plainMsg ? `"${msg}"` : JSON.stringify(msg)}}\n`
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0))
const LEVEL_TIME = ascii('{"level":30,"time":')
const REQ_ID = ascii(',"reqId":"')
const METHOD = ascii('","method":"')
const PATH = ascii('","path":"')
const STATUS = ascii('","status":')
const DURATION = ascii(',"duration_ms":')
const REQUEST_ID = ascii(',"request_id":"')
const OPERATION = ascii('","operation":')
const NULL = ascii('null')
const MSG = ascii(',"msg":"')
const END = ascii('"}\n')
const MS = ascii('ms')
let bindingsText = ''
let bindingsBytes = new Uint8Array(0)

const put = (buf: Buffer, at: number, bytes: Uint8Array): number => {
  for (let i = 0; i < bytes.length; i++) buf[at + i] = bytes[i]!
  return at + bytes.length
}

/** Copies a string that is PLAIN (see above) as its bytes; -1 when it is not. */
const putPlain = (buf: Buffer, at: number, s: string): number => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return -1
    buf[at + i] = c
  }
  return at + s.length
}

/** A non-negative integer's digits. */
const putInt = (buf: Buffer, at: number, n: number): number => {
  let digits = 1
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++
  for (let i = at + digits - 1, x = n; i >= at; i--, x = Math.floor(x / 10)) buf[i] = 48 + (x % 10)
  return at + digits
}

/**
 * accessLine's bytes, written straight into the log stream's buffer: no string is built,
 * joined or flattened (a twentieth of a show's CPU). Only for lines whose strings all need no
 * escaping, where the line is the template's as it is; false (nothing written) otherwise.
 */
export function writeAccessBytes(out: LineBytes, bindings: string, id: string, method: string, path: string, status: number, ms: string, operation: string | null, now = Date.now()): boolean {
  if (bindings !== bindingsText) {
    bindingsText = bindings
    bindingsBytes = Buffer.from(bindings, 'utf8')
  }
  const op = operation ?? ''
  let at = out.reserve(128 + bindingsBytes.length + 2 * (id.length + method.length + path.length + op.length + ms.length))
  const buf = out.buffer
  at = put(buf, at, LEVEL_TIME)
  at = putInt(buf, at, now)
  at = put(buf, at, bindingsBytes)
  at = put(buf, at, REQ_ID)
  const idAt = at
  at = putPlain(buf, at, id)
  if (at < 0) return false
  const idEnd = at
  at = put(buf, at, METHOD)
  const methodAt = at
  at = putPlain(buf, at, method)
  if (at < 0) return false
  const methodEnd = at
  at = put(buf, at, PATH)
  const pathAt = at
  at = putPlain(buf, at, path)
  if (at < 0) return false
  const pathEnd = at
  at = put(buf, at, STATUS)
  const statusAt = at
  at = putInt(buf, at, status)
  const statusEnd = at
  at = put(buf, at, DURATION)
  at = putPlain(buf, at, ms)
  if (at < 0) return false
  at = put(buf, at, REQUEST_ID)
  buf.copyWithin(at, idAt, idEnd)
  at += idEnd - idAt
  at = put(buf, at, OPERATION)
  let opAt = -1
  if (operation === null) at = put(buf, at, NULL)
  else {
    buf[at++] = 0x22
    opAt = at
    at = putPlain(buf, at, operation)
    if (at < 0) return false
    buf[at++] = 0x22
  }
  at = put(buf, at, MSG)
  // The message: method, path, status, duration, operation, each copied from above.
  buf.copyWithin(at, methodAt, methodEnd)
  at += methodEnd - methodAt
  buf[at++] = 0x20
  buf.copyWithin(at, pathAt, pathEnd)
  at += pathEnd - pathAt
  buf[at++] = 0x20
  buf.copyWithin(at, statusAt, statusEnd)
  at += statusEnd - statusAt
  buf[at++] = 0x20
  at = putPlain(buf, at, ms)
  at = put(buf, at, MS)
  if (operation !== null && operation !== '') {
    buf[at++] = 0x20
    buf.copyWithin(at, opAt, opAt + operation.length)
    at += operation.length
  }
  at = put(buf, at, END)
  out.commit(at)
  return true
}
