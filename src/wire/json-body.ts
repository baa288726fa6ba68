/**
 * JSON bodies. Replaces Fastify's parser so that (a) an empty body with a JSON Content-Type,
 * as the SDKs send on DELETE, is no body rather than an error, and (b) the raw bytes stay on
 * the request for signature verification.
 */
import type { FastifyInstance } from 'fastify'

declare module 'fastify' {
  interface FastifyRequest {
    rawBody: Buffer | undefined
  }
}

export function registerJsonParser(app: FastifyInstance): void {
  app.decorateRequest('rawBody', undefined)
  // Only JSON (and, where a route adds it, multipart) is accepted: anything else is a 415.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const raw = body as Buffer
    req.rawBody = raw
    if (raw.length === 0 || raw.toString('utf8').trim() === '') return done(null, undefined)
    try {
      done(null, JSON.parse(raw.toString('utf8')))
    } catch (err) {
      const e = err as Error & { statusCode?: number; code?: string }
      e.statusCode = 400
      e.code = 'FST_ERR_CTP_INVALID_JSON_BODY'
      e.message = `body is not valid JSON: ${e.message}`
      done(e, undefined)
    }
  })
}
