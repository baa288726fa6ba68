/**
 * Requests Node's HTTP parser refuses before Fastify sees them (a header block over the size
 * limit, broken chunked framing, a garbage request line, a request timeout). Fastify's default
 * handler writes its own `{"error","message","statusCode"}` body; this one writes the CCE error
 * body with an X-Request-Id, like every other answer, and then closes the connection as Node does.
 */
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { cceError } from './cce/error-map.js'
import { newRequestId } from './request-context.js'

/** The raw HTTP/1.1 answer for a parser error, or null when nothing can or should be written. */
export function clientErrorResponse(err: NodeJS.ErrnoException): string | null {
  if (err.code === 'ECONNRESET') return null
  const [status, code, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'CCE.01400001', 'Invalid request: the request was not received in time.']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'CCE.01400001', 'Invalid request: the request headers are too large.']
        : [400, 'CCE.01400001', 'Invalid request: malformed HTTP request.']
  const body = JSON.stringify(cceError(code, message))
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `X-Request-Id: ${newRequestId()}\r\nConnection: close\r\n\r\n${body}`
  )
}

/** Fastify's `clientErrorHandler`. */
export function handleClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (socket.destroyed) return
  const answer = clientErrorResponse(err)
  if (answer === null) return
  // As Node's own handler: never write into a response already under way on this socket.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
  if (socket.writable && !inFlight?.headersSent) socket.write(answer)
  socket.destroy(err)
}
