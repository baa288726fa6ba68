/**
 * The token check in front of the Cloudpods API (`/api`), for the Cloudpods dialect plugin to
 * register in its scope:
 *
 *   registerCloudpodsAuth(scope, { keystone, clock })
 *   // or: scope.decorateRequest('keystoneGrant', null); scope.addHook('onRequest', cloudpodsAuthHook({ keystone, clock }))
 *
 *   off       nothing is checked
 *   presence  401 UnauthorizedError "Unauthorized" without X-Auth-Token; any token passes
 *   verify    401 "Unauthorized" without a token, 401 "InvalidToken" for one this emulator did not
 *             issue (or that expired on its clock) and that is not in --tokens
 *
 * An onRequest hook: a refused request is answered before its body is read, so it changes nothing.
 * It answers by itself (the Cloudpods flat body), whatever error handler the scope has.
 * `req.keystoneGrant` carries the token's user and project when the token is one issued here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { KeystoneService, TokenGrant } from '../../auth/keystone.js'
import type { Clock } from '../../clock.js'
import { mapCloudpodsError } from '../cloudpods/error-map.js'

declare module 'fastify' {
  interface FastifyRequest {
    keystoneGrant: TokenGrant | null
  }
}

export interface CloudpodsAuthOptions {
  keystone: KeystoneService
  clock: Clock
}

export type CloudpodsAuthHook = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>

export function cloudpodsAuthHook({ keystone, clock }: CloudpodsAuthOptions): CloudpodsAuthHook {
  return async (req, reply) => {
    const header = req.headers['x-auth-token']
    const token = Array.isArray(header) ? header[0] : header
    try {
      req.keystoneGrant = keystone.authenticate(token)
    } catch (err) {
      const { statusCode, body } = mapCloudpodsError(err, clock.now())
      return reply.code(statusCode).type('application/json').send(body)
    }
    return undefined
  }
}

export function registerCloudpodsAuth(scope: FastifyInstance, options: CloudpodsAuthOptions): void {
  if (!scope.hasRequestDecorator('keystoneGrant')) scope.decorateRequest('keystoneGrant', null)
  scope.addHook('onRequest', cloudpodsAuthHook(options))
}
