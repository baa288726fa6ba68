/**
 * Per-request plumbing shared by every dialect: the X-Request-Id every answer carries and the
 * project a request is scoped to, which starts as --project-id. Each dialect reads its own
 * project or tenant on top (CCE: X-Project-Id, src/wire/cce/request-hooks.ts). Authentication
 * lives in ./auth.ts.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'

declare module 'fastify' {
  interface FastifyRequest {
    projectId: string
  }
}

/** Huawei request ids are 32 lowercase hex digits. */
export const newRequestId = (): string => randomUUID().replaceAll('-', '')

export function registerRequestContext(app: FastifyInstance, defaultProjectId: string): void {
  app.decorateRequest('projectId', '')
  // Callback style: it runs on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id)
    req.projectId = defaultProjectId
    done()
  })
}
