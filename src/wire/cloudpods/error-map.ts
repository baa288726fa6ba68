/**
 * The one place where any error becomes a Cloudpods error body (spec cloudpods-release-api.md §8):
 * flat `{"code", "class", "details", "time"}`, `code` equal to the HTTP status. 5xx answers never
 * carry the original message or stack: those go to the log only.
 *
 * Routes raise Cloudpods-specific answers as `cloudpodsError(406, 'NotEmptyError', 'repo must
 * provided')` (a WireError whose errorCode is the class), and domain errors by their code. A
 * WireError whose code is not a class name (a CCE/APIGW code, e.g. a fault rule's default) gets
 * the class of its status.
 */
import type { FastifyError } from 'fastify'
import { KeystoneError } from '../../auth/keystone.js'
import { DomainError, type DomainErrorCode } from '../../errors.js'
import { MAX_PATH_PARAM_LENGTH, rfc3339 } from '../common/schemas.js'
import { validationProblem } from '../common/validation.js'
import { WireError } from '../errors.js'
import type { RenderedError } from '../dialect.js'
import type { CloudpodsError } from './schemas.js'

/** The framework's class for a bare status (httperrors' constructors). */
const STATUS_CLASS: Record<number, string> = {
  400: 'InputParameterError',
  401: 'UnauthorizedError',
  403: 'ForbiddenError',
  404: 'NotFoundError',
  406: 'NotAcceptableError',
  409: 'ConflictError',
  413: 'TooLargeEntityError',
  429: 'TooManyRequestsError',
  500: 'InternalServerError',
  501: 'NotImplementedError',
  502: 'BadGatewayError',
  503: 'ServiceUnavailableError',
  504: 'TimeoutError',
}

export const classForStatus = (status: number): string => STATUS_CLASS[status] ?? (status >= 500 ? 'InternalServerError' : 'BadRequestError')

const DOMAIN: Record<DomainErrorCode, [number, string]> = {
  VALIDATION_FAILED: [400, 'InputParameterError'],
  NOT_FOUND: [404, 'ResourceNotFoundError'],
  ALREADY_EXISTS: [409, 'DuplicateNameError'],
  // Helm's "another operation is in progress": the framework refuses actions on a busy resource so.
  OPERATION_PENDING: [400, 'InvalidStatusError'],
  QUOTA_EXCEEDED: [400, 'OutOfQuotaError'],
  NOT_EMPTY: [406, 'NotEmptyError'],
  NOT_ACCEPTABLE: [406, 'NotAcceptableError'],
  // kubeserver answers an ambiguous name with 500 "duplicate entry"; a 409 says what it is.
  AMBIGUOUS: [409, 'ConflictError'],
  INVALID_TRANSITION: [500, 'InternalServerError'],
  INTERNAL: [500, 'InternalServerError'],
}

/** A class name as the framework writes them (ResourceNotFoundError), not a dotted CCE code. */
const CLASS_NAME = /^[A-Z][A-Za-z0-9]*$/

/** A Cloudpods answer raised from a route or hook: `class` is the framework's error class. */
export const cloudpodsError = (status: number, cls: string, details: string): WireError => new WireError(status, cls, details)

export const cloudpodsBody = (code: number, cls: string, details: string, now: Date): CloudpodsError => ({ code, class: cls, details, time: rfc3339(now) })

export function mapCloudpodsError(err: unknown, now: Date): RenderedError {
  const answer = (status: number, cls: string, details: string): RenderedError => ({ statusCode: status, body: cloudpodsBody(status, cls, details, now), internal: false })
  // Untyped failures are UnclassifiedError on a real server (spec §8); the cause stays in the log.
  const internal = (): RenderedError => ({ statusCode: 500, body: cloudpodsBody(500, 'UnclassifiedError', 'Internal error.', now), internal: true })

  // Keystone's refusals (spec climc-wire §1): a wrong password is 401 "Unauthorized".
  if (err instanceof KeystoneError) {
    return err.reason === 'InputParameter' ? answer(400, 'InputParameterError', err.message) : answer(401, 'UnauthorizedError', err.reason)
  }
  if (err instanceof WireError) {
    const cls = CLASS_NAME.test(err.errorCode) ? err.errorCode : classForStatus(err.statusCode)
    return { ...answer(err.statusCode, cls, err.message), internal: err.statusCode >= 500 }
  }
  if (err instanceof DomainError) {
    const [status, cls] = DOMAIN[err.code]
    if (status >= 500) return internal()
    return answer(status, cls, err.message)
  }
  const fe = err as FastifyError
  const problem = validationProblem(fe)
  if (problem) {
    // The framework's own words for a body without its wrapper key ({"release": ...}).
    if (problem.where === 'body' && problem.keyword === 'required' && problem.path === problem.missing) return answer(400, 'InputParameterError', `No request key: ${problem.missing}`)
    if (problem.keyword === 'required' && problem.missing) return answer(400, 'MissingParameterError', `Missing parameter ${problem.path}`)
    return answer(400, 'InputParameterError', `${problem.field}: ${problem.message}`)
  }
  switch (fe?.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return answer(415, 'UnsupportedMediaTypeError', 'Content type not supported.')
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return answer(413, 'TooLargeEntityError', 'the request body is too large')
    case 'FST_ERR_BAD_URL':
      return answer(400, 'InputParameterError', 'the path is not a valid URL (malformed %-encoding)')
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return answer(400, 'InputParameterError', `a path segment is longer than ${MAX_PATH_PARAM_LENGTH} characters`)
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return answer(400, 'InputParameterError', fe.message)
  }
  const status = fe?.statusCode ?? 500
  if (status >= 400 && status < 500) return answer(status, classForStatus(status), fe.message)
  return internal()
}
