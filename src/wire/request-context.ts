/**
 * Per-request plumbing shared by every dialect: the X-Request-Id every answer carries, the
 * project a request is scoped to, and presence-mode authentication.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AuthMode } from '../config.js'
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
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id)
    const header = req.headers['x-project-id']
    const value = Array.isArray(header) ? header[0] : header
    if (value === undefined || value === '') {
      req.projectId = defaultProjectId
    } else if (PROJECT_ID.test(value)) {
      req.projectId = value
    } else {
      throw new WireError(400, 'CCE.01400001', 'Invalid request: X-Project-Id must be 1-64 letters, digits, "_" or "-"')
    }
  })
}

/** The API gateway's answer when a request carries no credentials at all. */
export function presenceCheck(mode: AuthMode) {
  return async (req: FastifyRequest): Promise<void> => {
    if (mode === 'off') return
    const token = req.headers['x-auth-token']
    const auth = req.headers.authorization
    if ((typeof token === 'string' && token !== '') || (typeof auth === 'string' && auth.startsWith('SDK-HMAC-SHA256 '))) return
    throw new WireError(401, 'APIGW.0301', 'Incorrect IAM authentication information: the request carries neither X-Auth-Token nor an SDK-HMAC-SHA256 Authorization header')
  }
}
