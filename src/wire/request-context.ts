/**
 * Per-request plumbing shared by every dialect: the X-Request-Id every answer carries, the
 * project a request is scoped to. Authentication lives in ./auth.ts.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { WireError } from './errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    projectId: string
  }
}

/** Huawei request ids are 32 lowercase hex digits. */
export const newRequestId = (): string => randomUUID().replaceAll('-', '')

const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/

export function registerRequestContext(app: FastifyInstance, defaultProjectId: string): void {
  app.decorateRequest('projectId', '')
  // Callback style: it runs on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id)
    const header = req.headers['x-project-id']
    const value = Array.isArray(header) ? header[0] : header
    if (value === undefined || value === '') {
      req.projectId = defaultProjectId
    } else if (PROJECT_ID.test(value)) {
      req.projectId = value
    } else {
      return done(new WireError(400, 'CCE.01400001', 'Invalid request: X-Project-Id must be 1-64 letters, digits, "_" or "-"'))
    }
    done()
  })
}
