/**
 * The one place where any error becomes a CCE error body. 5xx answers never carry the
 * original message or stack: those go to the log only.
 */
import type { FastifyError } from 'fastify'
import { DomainError, ValidationError, type DomainErrorCode } from '../../errors.js'
import type { CceError } from '../common/schemas.js'
import { MAX_PATH_PARAM_LENGTH } from '../common/schemas.js'
import { validationProblem } from '../common/validation.js'
import { WireError } from '../errors.js'

export { MAX_PATH_PARAM_LENGTH }

export interface MappedError {
  statusCode: number
  body: CceError
  /** True when the cause is our bug, not the caller's: log it at error level. */
  internal: boolean
}

const DOMAIN_STATUS: Record<DomainErrorCode, [number, string]> = {
  VALIDATION_FAILED: [400, 'CCE.01400001'],
  NOT_FOUND: [404, 'CCE.01404001'],
  ALREADY_EXISTS: [409, 'CCE.01409001'],
  OPERATION_PENDING: [409, 'CCE.01409001'],
  QUOTA_EXCEEDED: [403, 'CCE.01403001'],
  // Only the Cloudpods domain raises these; CCE would call either a bad request.
  NOT_EMPTY: [400, 'CCE.01400001'],
  NOT_ACCEPTABLE: [400, 'CCE.01400001'],
  AMBIGUOUS: [409, 'CCE.01409001'],
  INVALID_TRANSITION: [500, 'CCE.01500001'],
  INTERNAL: [500, 'CCE.01500001'],
}

export const cceError = (code: string, msg: string): CceError => ({ error_code: code, error_msg: msg, errorCode: code, errorMessage: msg })

const internal = (): MappedError => ({ statusCode: 500, body: cceError('CCE.01500001', 'Internal error.'), internal: true })

export function mapCceError(err: unknown): MappedError {
  if (err instanceof WireError) return { statusCode: err.statusCode, body: cceError(err.errorCode, err.message), internal: err.statusCode >= 500 }
  if (err instanceof DomainError) {
    const [statusCode, code] = DOMAIN_STATUS[err.code]
    if (statusCode >= 500) return internal()
    const msg = err instanceof ValidationError && err.field ? `Invalid request: ${err.field}: ${err.message}` : err.message
    return { statusCode, body: cceError(code, msg), internal: false }
  }
  return mapFastifyError(err as FastifyError)
}

function mapFastifyError(err: FastifyError): MappedError {
  const problem = validationProblem(err)
  if (problem) return { statusCode: 400, body: cceError('CCE.01400001', `Invalid request: ${problem.field}: ${problem.message}`), internal: false }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { statusCode: 415, body: cceError('CCE.01400006', 'Content type not supported.'), internal: false }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { statusCode: 413, body: cceError('CCE.01400001', 'Invalid request: the request body is too large.'), internal: false }
    // Router refusals (Fastify's frameworkErrors, see src/app.ts): before any route, hook or schema runs.
    case 'FST_ERR_BAD_URL':
      return { statusCode: 400, body: cceError('CCE.01400001', 'Invalid request: the path is not a valid URL (malformed %-encoding)'), internal: false }
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { statusCode: 400, body: cceError('CCE.01400001', `Invalid request: a path segment is longer than ${MAX_PATH_PARAM_LENGTH} characters`), internal: false }
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { statusCode: 400, body: cceError('CCE.01400001', `Invalid request: body: ${err.message}`), internal: false }
  }
  const status = err.statusCode ?? 500
  if (status >= 400 && status < 500) return { statusCode: status, body: cceError('CCE.01400001', `Invalid request: ${err.message}`), internal: false }
  return internal()
}
