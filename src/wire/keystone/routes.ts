/**
 * Keystone v3 for climc, mounted at /v3 (so OS_AUTH_URL=http://HOST:PORT/v3): POST /auth/tokens
 * answers 201, the token in X-Subject-Token (never in the body) and a catalog whose `k8s` service
 * points at this emulator's own address + /api. Errors are the Cloudpods flat body.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { KeystoneError, stableKeystoneId, type AuthInput, type KeystoneService, type TokenGrant } from '../../auth/keystone.js'
import { CloudpodsErrorSchema } from '../cloudpods/schemas.js'
import { AuthTokensBodySchema, TokenResponseSchema, type AuthTokensBody, type TokenResponse } from './schemas.js'

export interface KeystoneRoutesOptions {
  keystone: KeystoneService
  /** The catalog's region_id and region (--region). */
  region: string
}

const INTERFACES = ['internal', 'public', 'admin'] as const
const errorRef = Type.Ref(CloudpodsErrorSchema)

/** Keystone's time format, with microseconds: `2026-12-01T05:12:48.724000Z`. */
export const keystoneTime = (d: Date): string => `${d.toISOString().slice(0, 23)}000Z`

// A Host header this strict can only name an address; anything else falls back to the socket's.
const HOST = /^(?:\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9.-]{1,253})(?::\d{1,5})?$/

/** The address the request came in on: what the client used (Host), else the socket's. */
export function baseUrlOf(req: FastifyRequest): string {
  const host = req.headers.host
  if (typeof host === 'string' && HOST.test(host)) return `${req.protocol}://${host}`
  const address = req.socket.localAddress ?? '127.0.0.1'
  const port = req.socket.localPort
  const shown = address.includes(':') ? `[${address}]` : address
  return `${req.protocol}://${shown}${port ? `:${port}` : ''}`
}

function toAuthInput(body: AuthTokensBody): AuthInput {
  const { identity, scope } = body.auth
  const method = identity.methods.find((m) => m === 'password' || m === 'token')
  // It also reads bodies schema validation has not seen yet (the preValidation hook below).
  const project = typeof scope?.project === 'object' && scope.project !== null ? scope.project : undefined
  const scoped = project === undefined ? undefined : { name: project.name, id: project.id, domain: project.domain }
  if (method === 'password') {
    const user = identity.password?.user
    const name = user?.name ?? user?.id
    if (name === undefined || name === '' || typeof user?.password !== 'string') {
      throw new KeystoneError('InputParameter', 'auth.identity.password.user needs a name and a password')
    }
    return { identity: { method, user: { name, domain: user.domain }, password: user.password }, project: scoped }
  }
  if (method === 'token') {
    const id = identity.token?.id
    if (id === undefined || id === '') throw new KeystoneError('InputParameter', 'auth.identity.token needs an id')
    return { identity: { method, token: id }, project: scoped }
  }
  throw new KeystoneError('InputParameter', `unsupported auth method ${JSON.stringify(identity.methods)}: this emulator accepts password and token`)
}

export function tokenBody(grant: TokenGrant, baseUrl: string, region: string): TokenResponse {
  const endpoints = (service: string, path: string) =>
    INTERFACES.map((i) => ({ id: stableKeystoneId('endpoint', `${service}/${i}`), interface: i, region, region_id: region, url: `${baseUrl}${path}` }))
  return {
    token: {
      methods: grant.methods,
      user: { ...grant.user, password_expires_at: null },
      ...(grant.project === null ? {} : { project: grant.project }),
      ...(grant.roles.length === 0 ? {} : { roles: grant.roles }),
      is_domain: false,
      catalog: [
        { id: stableKeystoneId('service', 'k8s'), name: 'k8s', type: 'k8s', endpoints: endpoints('k8s', '/api') },
        { id: stableKeystoneId('service', 'keystone'), name: 'keystone', type: 'identity', endpoints: endpoints('keystone', '/v3') },
      ],
      audit_ids: grant.auditId === '' ? [] : [grant.auditId],
      issued_at: keystoneTime(grant.issuedAt),
      expires_at: keystoneTime(grant.expiresAt),
    },
  }
}

export async function keystoneRoutes(app: FastifyInstance, opts: KeystoneRoutesOptions): Promise<void> {
  const { keystone, region } = opts
  app.addSchema(AuthTokensBodySchema)

  app.post(
    '/auth/tokens',
    {
      schema: {
        operationId: 'KeystoneIssueToken',
        tags: ['Keystone'],
        summary: 'Log in (password or token method) and get a token and the service catalog',
        description:
          'Keystone v3 as climc calls it. The token is in the X-Subject-Token header. The catalog lists the `k8s` service (internal, public and admin endpoints) at the address the request came in on + /api, in the configured region.',
        body: Type.Ref(AuthTokensBodySchema),
        response: {
          201: { ...TokenResponseSchema, headers: { 'X-Subject-Token': { type: 'string', description: 'The token: send it as X-Auth-Token' } } },
          400: errorRef,
          401: errorRef,
          413: errorRef,
          415: errorRef,
          500: errorRef,
        },
      },
      // The schema states what each method needs; this answers first, with Keystone's sentences.
      preValidation: async (req) => {
        const methods = (req.body as { auth?: { identity?: { methods?: unknown } } } | undefined)?.auth?.identity?.methods
        if (Array.isArray(methods) && methods.every((m) => typeof m === 'string')) toAuthInput(req.body as AuthTokensBody)
      },
    },
    async (req, reply) => {
      const { token, grant } = keystone.issue(toAuthInput(req.body as AuthTokensBody))
      return reply.code(201).header('x-subject-token', token).send(tokenBody(grant, baseUrlOf(req), region))
    },
  )
}
