/**
 * Domain errors. Each carries a stable `code` that the wire layer maps to a dialect's status and
 * error body in one place per dialect (src/wire/<dialect>/error-map.ts); nothing here knows about HTTP.
 */
export type DomainErrorCode =
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'OPERATION_PENDING'
  | 'INVALID_TRANSITION'
  | 'QUOTA_EXCEEDED'
  | 'NOT_EMPTY'
  | 'NOT_ACCEPTABLE'
  | 'AMBIGUOUS'
  | 'INTERNAL'

export class DomainError extends Error {
  readonly code: DomainErrorCode
  constructor(code: DomainErrorCode, message: string) {
    // Domain errors are answers (4xx), not bugs: skip the stack trace, which is most of their cost.
    // The internal ones (INVALID_TRANSITION, INTERNAL) keep it for the log.
    const limit = Error.stackTraceLimit
    if (code !== 'INVALID_TRANSITION' && code !== 'INTERNAL') Error.stackTraceLimit = 0
    super(message)
    Error.stackTraceLimit = limit
    this.name = new.target.name
    this.code = code
  }
}

/** Input that can never succeed; `field` names the offending request field when there is one. */
export class ValidationError extends DomainError {
  readonly field: string | undefined
  constructor(message: string, field?: string) {
    super('VALIDATION_FAILED', message)
    this.field = field
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string) {
    super('NOT_FOUND', message)
  }
}

export class AlreadyExistsError extends DomainError {
  constructor(message: string) {
    super('ALREADY_EXISTS', message)
  }
}

/**
 * Helm refuses an upgrade while another operation is pending (errPending); CCE wraps that in a
 * message containing "Update release is forbidden", which terraform retries on.
 */
export class OperationPendingError extends DomainError {
  constructor(message: string) {
    super('OPERATION_PENDING', message)
  }
}

/** A lifecycle move the transition table does not allow (a bug or a race, never user input). */
export class InvalidTransitionError extends DomainError {
  constructor(message: string) {
    super('INVALID_TRANSITION', message)
  }
}

export class QuotaExceededError extends DomainError {
  constructor(message: string) {
    super('QUOTA_EXCEEDED', message)
  }
}

/** A required input is missing (Cloudpods answers these 406 NotEmptyError, e.g. "repo must provided"). */
export class NotEmptyError extends DomainError {
  readonly field: string | undefined
  constructor(message: string, field?: string) {
    super('NOT_EMPTY', message)
    this.field = field
  }
}

/**
 * Well-formed input the current state refuses: a repo that releases still use, a repository
 * URL that cannot be read (Cloudpods answers these 406 NotAcceptableError).
 */
export class NotAcceptableError extends DomainError {
  constructor(message: string) {
    super('NOT_ACCEPTABLE', message)
  }
}

/** A name that matches more than one resource where exactly one is meant (use its id instead). */
export class AmbiguousNameError extends DomainError {
  constructor(message: string) {
    super('AMBIGUOUS', message)
  }
}
