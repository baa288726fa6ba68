/**
 * Authentication at the edge, standing in for Huawei's API gateway in front of CCE.
 *
 *   off       nothing is checked
 *   presence  401 unless the request carries X-Auth-Token or an SDK-HMAC-SHA256 Authorization header
 *   verify    SDK-HMAC-SHA256 signatures are checked against the configured AK/SK pairs (spec
 *             huawei-sdk-wire.md §1.5, via src/auth/signature.ts) on the emulator's clock, and
 *             X-Auth-Token against the configured tokens
 *
 * The check is a `preParsing` hook: it runs after routing and the request context (so the
 * project is known) but before the body is parsed, validated or handled. In verify mode it reads
 * the raw body itself, hashes exactly those bytes, and hands the parser an identical stream, so:
 * a refused request never reaches a parser or a handler (it changes nothing), and a tampered
 * body is answered 401 by the "gateway" before CCE could answer 400/415 about it. The one body
 * not read is that of a request whose *signed* headers include `X-Sdk-Content-Sha256:
 * UNSIGNED-PAYLOAD` (the SDKs send and sign it for multipart chart uploads): the signer chose not
 * to cover the body, as the real gateway allows. An unsigned `X-Sdk-Content-Sha256` is ignored
 * and the bytes are hashed, so a captured request cannot be replayed with another body.
 *
 * Failures are WireErrors, so the dialect's error handler renders them with X-Request-Id:
 *   401 APIGW.0301  missing credentials, bad or expired signature, unknown AK, unknown token
 *   403 CCE.01403001  a genuine credential bound to another project than the request's X-Project-Id
 *   413             a signed body larger than the buffering limit (it could not be verified)
 *
 * Usage in any route scope (release routes in src/app.ts; chart routes likewise):
 *   const auth = authHook({ mode, credentials, tokens, clock })
 *   scope.addHook('preParsing', auth)          // or registerAuth(scope, options)
 */
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest, preParsingHookHandler, RequestPayload } from 'fastify'
import { CredentialStore, type AkSkCredential, type TokenCredential } from '../auth/credentials.js'
import { APIGW_IAM_AUTH_ERROR_CODE, APIGW_MESSAGES, AUTH_ERROR_STATUS, payloadClaim, verifySignature } from '../auth/signature.js'
import type { Clock } from '../clock.js'
import type { AuthMode } from '../config.js'
import { WireError } from './errors.js'

export interface AuthOptions {
  mode: AuthMode
  /** AK/SK pairs for verify mode. */
  credentials?: readonly AkSkCredential[]
  /** X-Auth-Token values for verify mode. */
  tokens?: readonly TokenCredential[]
  /** The emulator's clock: X-Sdk-Date is compared with this, never with the host's time. */
  clock: Clock
  /** Allowed distance between X-Sdk-Date and the clock; the gateway's 15 minutes by default. */
  maxSkewMs?: number
  /**
   * Largest body read for hashing (every body but a signed UNSIGNED-PAYLOAD one). Use the route's own
   * body limit; a larger signed body is refused with 413 rather than let through unverified.
   */
  maxBodyBytes?: number
}

export type AuthHook = preParsingHookHandler | ((req: FastifyRequest, reply: FastifyReply, payload: RequestPayload) => Promise<RequestPayload>)

const DEFAULT_MAX_BODY = 1024 * 1024
const FORBIDDEN_CODE = 'CCE.01403001'

/** The API gateway's answer when a request carries no credentials at all (presence mode). */
/** The refusal of a request without credentials, or null (always null when auth is off). */
export function presenceCheck(mode: AuthMode) {
  return (req: FastifyRequest): WireError | null => {
    if (mode === 'off') return null
    const token = req.headers['x-auth-token']
    const auth = req.headers.authorization
    if ((typeof token === 'string' && token !== '') || (typeof auth === 'string' && auth.startsWith('SDK-HMAC-SHA256 '))) return null
    return new WireError(401, 'APIGW.0301', 'Incorrect IAM authentication information: the request carries neither X-Auth-Token nor an SDK-HMAC-SHA256 Authorization header')
  }
}

const single = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v)

function hasBody(req: FastifyRequest): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true
  const length = Number(single(req.headers['content-length']) ?? '0')
  return Number.isFinite(length) && length > 0
}

async function readAll(payload: RequestPayload, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of payload) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    total += buf.length
    if (total > limit) {
      payload.destroy()
      throw new WireError(413, 'CCE.01400001', 'Invalid request: the request body is too large.')
    }
    chunks.push(buf)
  }
  return Buffer.concat(chunks, total)
}

/** A fresh stream with the same bytes for the content-type parser that runs next. */
function replay(body: Buffer): RequestPayload {
  return Readable.from([body], { objectMode: false }) as RequestPayload
}

/**
 * A credential bound to a project only works for that project. Without X-Project-Id the bound
 * project scopes the request (the SDKs always send the header when they know the project).
 */
function enforceProject(req: FastifyRequest, bound: string | undefined, who: string): void {
  if (bound === undefined) return
  const header = single(req.headers['x-project-id'])
  if (header === undefined || header === '') {
    req.projectId = bound
    return
  }
  if (req.projectId !== bound) {
    throw new WireError(403, FORBIDDEN_CODE, `Forbidden. ${who} is bound to project ${bound}; the request is for project ${req.projectId} (X-Project-Id).`)
  }
}

export function authHook(options: AuthOptions): AuthHook {
  const { mode, clock } = options
  const presence = presenceCheck(mode)
  if (mode !== 'verify') {
    // Callback style: this runs on every request, and an async hook costs promises each.
    return (req, _reply, payload, done) => {
      const refusal = presence(req)
      if (refusal) return done(refusal)
      done(null, payload)
    }
  }

  // An empty store is legitimate when only Keystone users (--users) are configured: then every
  // CCE request is refused, as a gateway that knows no key refuses every signature.
  const store = new CredentialStore(options.credentials ?? [], options.tokens ?? [])
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY
  const refuse = (message: string) => new WireError(AUTH_ERROR_STATUS, APIGW_IAM_AUTH_ERROR_CODE, message)

  const verify: AuthHook = async (req: FastifyRequest, _reply: FastifyReply, payload: RequestPayload) => {
    const authorization = single(req.headers.authorization)
    if (authorization !== undefined && authorization.trim() !== '') {
      let body: Buffer | null = Buffer.alloc(0)
      let next = payload
      if (hasBody(req)) {
        if (payloadClaim(req.headers).kind === 'unsigned') {
          body = null
        } else {
          body = await readAll(payload, maxBody)
          next = replay(body)
        }
      }
      const result = verifySignature({
        method: req.method,
        url: req.raw.url ?? req.url,
        headers: req.headers,
        body,
        now: clock.now(),
        lookupSecret: (ak) => store.accessKey(ak)?.secretKey,
        ...(options.maxSkewMs === undefined ? {} : { maxSkewMs: options.maxSkewMs }),
      })
      if (!result.ok) {
        req.log.debug({ reason: result.reason }, 'signature refused')
        throw refuse(result.message)
      }
      enforceProject(req, store.accessKey(result.accessKey)?.projectId, `Access key ${result.accessKey}`)
      return next
    }

    const token = single(req.headers['x-auth-token'])
    if (token !== undefined && token !== '') {
      const grant = store.token(token)
      if (!grant) throw refuse(APIGW_MESSAGES.badToken)
      enforceProject(req, grant.projectId, 'The token')
      return payload
    }
    throw refuse(APIGW_MESSAGES.missing)
  }
  return verify
}

/** Adds the auth check to every route registered in `scope` (an encapsulated plugin). */
export function registerAuth(scope: FastifyInstance, options: AuthOptions): void {
  scope.addHook('preParsing', authHook(options))
}
