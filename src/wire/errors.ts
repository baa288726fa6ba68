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
    super(message)
    this.name = 'WireError'
  }
}
