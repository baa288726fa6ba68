/**
 * Requests Node's HTTP parser refuses before Fastify sees them (a header block over the size
 * limit, broken chunked framing, a garbage request line, a request timeout). Fastify's default
 * handler writes its own `{"error","message","statusCode"}` body; this one writes the error body
 * of the dialect owning the request's path, with an X-Request-Id, like every other answer, and
 * then closes the connection as Node does. Without a readable request line (a timeout, garbage)
 * the default dialect (CCE) answers.
 */
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { Clock } from '../clock.js'
import type { Dialect, DialectRouter } from './dialect.js'
import { newRequestId } from './request-context.js'

/** The path of the request line at the start of the packet Node choked on, if it is one. */
export function requestPathOf(rawPacket: unknown): string | null {
  if (!Buffer.isBuffer(rawPacket)) return null
  const m = /^[A-Z]{3,16} (\/[^ \r\n]*) HTTP\/1\.[01]\r?\n/.exec(rawPacket.subarray(0, 8192).toString('latin1'))
  return m ? m[1]! : null
}

/** The raw HTTP/1.1 answer for a parser error, or null when nothing can or should be written. */
export function clientErrorResponse(err: NodeJS.ErrnoException & { rawPacket?: unknown }, dialect: Pick<Dialect, 'renderError'>, now: Date): string | null {
  if (err.code === 'ECONNRESET') return null
  const [status, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'the request was not received in time.']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'the request headers are too large.']
        : [400, 'malformed HTTP request.']
  // A Fastify-shaped 4xx: every dialect's error map answers those in its own body.
  const refusal = Object.assign(new Error(message), { statusCode: status, code: 'FST_ERR_CLIENT' })
  const body = JSON.stringify(dialect.renderError(refusal, now).body)
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `X-Request-Id: ${newRequestId()}\r\nConnection: close\r\n\r\n${body}`
  )
}

/**
 * Request timeouts answered per turn. Node checks every connection's deadline at once (each
 * `connectionsCheckingInterval`) and reports every late one in the same turn: a thousand
 * slowloris connections opened together all time out together, and answering and closing them
 * in one go held every other client ~90-320 ms (`npm run stress -- slowloris`). A late request
 * has already waited seconds; waiting a few more turns costs it nothing.
 */
export const TIMEOUTS_PER_TURN = 64

/** Fastify's `clientErrorHandler`, answering in the dialect that owns the refused request's path. */
export function clientErrorHandler(router: DialectRouter, clock: Clock, perTurn = TIMEOUTS_PER_TURN) {
  const answer = (err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Socket): void => {
    if (socket.destroyed) return
    const path = requestPathOf(err.rawPacket)
    const text = clientErrorResponse(err, path === null ? router.default : router.forUrl(path), clock.now())
    if (text === null) return
    // As Node's own handler: never write into a response already under way on this socket.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
    if (socket.writable && !inFlight?.headersSent) socket.write(text)
    socket.destroy(err)
  }
  let late: Array<[NodeJS.ErrnoException, Socket]> = []
  let next = 0
  const answerSome = (): void => {
    const end = Math.min(late.length, next + perTurn)
    for (; next < end; next++) answer(...late[next]!)
    if (next < late.length) setImmediate(answerSome)
    else {
      late = []
      next = 0
    }
  }
  return (err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Socket): void => {
    if (err.code !== 'ERR_HTTP_REQUEST_TIMEOUT') return answer(err, socket)
    if (late.length === next) setImmediate(answerSome)
    late.push([err, socket])
  }
}
