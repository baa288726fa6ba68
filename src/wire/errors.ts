/**
 * Errors raised by the HTTP edge itself (authentication, media type, size, routing). Domain
 * errors live in src/errors.ts; both are turned into a dialect's body in one place per dialect.
 */
export class WireError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorCode: string,
    message: string,
  ) {
    // An answer to the caller, not a bug: capturing a stack trace would cost more than the
    // rest of a 404 and nobody reads it.
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    super(message)
    Error.stackTraceLimit = limit
    this.name = 'WireError'
  }
}
