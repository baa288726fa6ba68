/**
 * Fastify makes a child logger per request (the reqId binding) whether or not anything is logged
 * through it; a pino child serializes its bindings when made. Most requests log nothing through
 * req.log (the access line is written from a template), so the child is made on first use.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'pino'

class LazyChild {
  #real: FastifyBaseLogger | undefined
  constructor(
    readonly parent: FastifyBaseLogger,
    readonly bindings: Bindings,
    readonly options: ChildLoggerOptions,
  ) {}

  get real(): FastifyBaseLogger {
    return (this.#real ??= this.parent.child(this.bindings, this.options))
  }

  get level(): string {
    return this.#real ? this.#real.level : this.parent.level
  }

  set level(level: string) {
    this.real.level = level
  }

  isLevelEnabled(level: string): boolean {
    return ((this.#real ?? this.parent) as FastifyBaseLogger & { isLevelEnabled(level: string): boolean }).isLevelEnabled(level)
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real.child(bindings, options)
  }

  fatal(...args: unknown[]): void {
    ;(this.real.fatal as (...a: unknown[]) => void)(...args)
  }

  error(...args: unknown[]): void {
    ;(this.real.error as (...a: unknown[]) => void)(...args)
  }

  warn(...args: unknown[]): void {
    ;(this.real.warn as (...a: unknown[]) => void)(...args)
  }

  info(...args: unknown[]): void {
    ;(this.real.info as (...a: unknown[]) => void)(...args)
  }

  debug(...args: unknown[]): void {
    ;(this.real.debug as (...a: unknown[]) => void)(...args)
  }

  trace(...args: unknown[]): void {
    ;(this.real.trace as (...a: unknown[]) => void)(...args)
  }

  silent(): void {}
}

/** A Fastify childLoggerFactory. */
export const lazyChildLogger = (logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger =>
  new LazyChild(logger, bindings, options) as unknown as FastifyBaseLogger
