/** The only source of "now" for the domain; injected so tests and the control plane can move time. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/**
 * A clock that follows real time plus an offset that only grows: advancing it makes simulated
 * work fall due without anyone sleeping.
 */
export class OffsetClock implements Clock {
  #offsetMs = 0
  constructor(private readonly base: Clock = systemClock) {}
  now(): Date {
    return new Date(this.base.now().getTime() + this.#offsetMs)
  }
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('clock can only move forward')
    this.#offsetMs += ms
  }
  get offsetMs(): number {
    return this.#offsetMs
  }
}

/** A frozen clock for unit tests. */
export class ManualClock implements Clock {
  #ms: number
  readonly #start: number
  constructor(start: Date | string = '2026-01-01T00:00:00Z') {
    this.#ms = new Date(start).getTime()
    this.#start = this.#ms
  }
  now(): Date {
    return new Date(this.#ms)
  }
  advance(ms: number): void {
    this.#ms += ms
  }
  /** How far the clock has been moved since it was made. */
  get offsetMs(): number {
    return this.#ms - this.#start
  }
}
