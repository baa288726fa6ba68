/**
 * Answers sent before the request body was read (a body over the limit, a refused upload, a
 * failed gateway check) must reach the client. Fastify marks such answers `Connection: close`,
 * and Node then closes the socket as soon as the answer is written: the kernel resets the
 * connection on the bytes still arriving, and a client still sending (Node fetch, often) sees
 * EPIPE/ECONNRESET instead of the 413. Here the connection stays open and the rest of the body
 * is read and thrown away, as Node's parser frames it, so the client finishes sending, reads the
 * answer, and may even reuse the connection. The drain is bounded: past DRAIN_MAX_BYTES or
 * DRAIN_MAX_MS the socket is destroyed (a client sending gigabytes gets a reset, not our time).
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** Enough for every body a test suite sends by mistake; loopback reads it in well under a second. */
export const DRAIN_MAX_BYTES = 64 * 1024 * 1024
export const DRAIN_MAX_MS = 10_000
const DRAIN_BOUNDS = { maxBytes: DRAIN_MAX_BYTES, maxMs: DRAIN_MAX_MS }

/** The first step of the app's onSend hook (src/app.ts), for every answer. */
export function drainUnread(req: FastifyRequest, reply: FastifyReply, bounds = DRAIN_BOUNDS): void {
  const raw = req.raw
  // A request without a body (every GET) is not yet `complete` while it is answered in the turn
  // its headers arrived, yet has nothing left to read: no timer and listeners for it.
  if (!raw.complete && hasBody(req.headers) && !raw.destroyed && !reply.raw.headersSent) {
    reply.removeHeader('connection')
    drain(raw, bounds.maxBytes, bounds.maxMs)
  }
}

const hasBody = (headers: IncomingHttpHeaders): boolean =>
  headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0')

function drain(raw: IncomingMessage, maxBytes: number, maxMs: number): void {
  let read = 0
  const socket = raw.socket
  const timer = setTimeout(() => socket.destroy(), maxMs)
  timer.unref()
  const onData = (chunk: Buffer) => {
    read += chunk.length
    if (read > maxBytes) {
      clearTimeout(timer)
      socket.destroy()
    }
  }
  raw.on('data', onData)
  raw.once('end', () => clearTimeout(timer))
  raw.once('close', () => clearTimeout(timer))
  // Whoever stopped reading (a parser over its limit, a hook that threw) may have unpiped it.
  raw.resume()
}
