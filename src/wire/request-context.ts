/**
 * Per-request plumbing shared by every dialect: the X-Request-Id every answer carries and the
 * project a request is scoped to, which starts as --project-id. Each dialect reads its own
 * project or tenant on top (CCE: X-Project-Id, src/wire/cce/request-hooks.ts). Authentication
 * lives in ./auth.ts.
 */
import { randomFillSync } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

declare module 'fastify' {
  interface FastifyRequest {
    projectId: string
  }
}

const POOL_IDS = 256
const pool = Buffer.alloc(16 * POOL_IDS)
let taken = POOL_IDS

/**
 * Huawei request ids are 32 lowercase hex digits: 16 random bytes, taken from a pool refilled
 * 256 ids at a time (one hex encoding per id instead of a UUID and a replaceAll).
 */
export function newRequestId(): string {
  if (taken === POOL_IDS) {
    randomFillSync(pool)
    taken = 0
  }
  const at = 16 * taken++
  return pool.toString('hex', at, at + 16)
}

/** The request's X-Request-Id answer header and starting project. */
export function enterRequestContext(req: FastifyRequest, reply: FastifyReply, defaultProjectId: string): void {
  reply.header('x-request-id', req.id)
  req.projectId = defaultProjectId
}

export function decorateRequestContext(app: FastifyInstance): void {
  app.decorateRequest('projectId', '')
}

/** The context as a hook of its own (the app runs enterRequestContext in its one onRequest hook). */
export function registerRequestContext(app: FastifyInstance, defaultProjectId: string): void {
  decorateRequestContext(app)
  // Callback style: it runs on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (req, reply, done) => {
    enterRequestContext(req, reply, defaultProjectId)
    done()
  })
}
