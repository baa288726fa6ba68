/**
 * The one place Keystone refusals and edge errors become the Cloudpods flat body
 * `{"code","class","details","time"}` (spec cloudpods-release-api.md §8, climc-wire §1). The
 * Cloudpods dialect plugin can render its own errors with `cloudpodsErrorBody` too.
 */
import { KeystoneError } from '../../auth/keystone.js'
import { rfc3339 } from '../common/schemas.js'
import { WireError } from '../errors.js'
import type { CloudpodsError } from './schemas.js'

export function cloudpodsErrorBody(code: number, klass: string, details: string, now: Date): CloudpodsError {
  return { code, class: klass, details, time: rfc3339(now) }
}

/** Classes of httperrors/consts.go by status, for answers that have no more specific class. */
const CLASS_BY_STATUS: Record<number, string> = {
  400: 'InputParameterError',
  401: 'UnauthorizedError',
  403: 'ForbiddenError',
  404: 'NotFoundError',
  405: 'NotImplementedError',
  406: 'NotAcceptableError',
  409: 'ConflictError',
  413: 'TooLargeEntityError',
  415: 'UnsupportedMediaTypeError',
}

export interface MappedError {
  statusCode: number
  body: CloudpodsError
  /** A bug rather than an answer: log it. */
  internal: boolean
}

export function mapKeystoneError(err: unknown, now: Date): MappedError {
  if (err instanceof KeystoneError) {
    if (err.reason === 'InputParameter') return { statusCode: 400, body: cloudpodsErrorBody(400, 'InputParameterError', err.message, now), internal: false }
    return { statusCode: 401, body: cloudpodsErrorBody(401, 'UnauthorizedError', err.reason, now), internal: false }
  }
  const e = err as { statusCode?: unknown; validation?: unknown; message?: unknown }
  const status = err instanceof WireError ? err.statusCode : typeof e.statusCode === 'number' ? e.statusCode : 500
  if (status >= 400 && status < 500) {
    const message = typeof e.message === 'string' ? e.message : 'bad request'
    const details = e.validation !== undefined ? `invalid auth request: ${message}` : message
    return { statusCode: status, body: cloudpodsErrorBody(status, CLASS_BY_STATUS[status] ?? 'BadRequestError', details, now), internal: false }
  }
  // Never a stack trace or an internal message on the wire.
  return { statusCode: 500, body: cloudpodsErrorBody(500, 'InternalServerError', 'internal error', now), internal: true }
}
