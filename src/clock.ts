/** The only source of "now" for the domain; injected so tests and the control plane can move time. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

/** What the emulator clock keeps across restarts. */
export interface ClockState {
  /** How far the emulator clock runs ahead of the host clock. */
  offsetMs: number
  /** The emulator time when the state was saved: the clock never restarts below it. */
  readingMs: number
}

/** Where the emulator clock's state lives between runs; storage implements it. */
export interface ClockStore {
  load(): ClockState | null
  /** Durable when it returns: an advance is acknowledged only after this. */
  save(state: ClockState): void
}

/**
 * A clock that follows real time plus an offset that only grows: advancing it makes simulated
 * work fall due without anyone sleeping. It never goes backwards: if the host clock steps back
 * (while running, or between runs against a stored reading), the offset grows to absorb the
 * step and time carries on from where it was.
 */
export class OffsetClock implements Clock {
  #offsetMs = 0
  #lastMs = Number.NEGATIVE_INFINITY
  constructor(
    private readonly base: Clock = systemClock,
    private readonly store?: ClockStore,
  ) {}

  /**
   * The clock as the last run left it (offset, and never below its last saved reading), with
   * that state saved again at once: a later restart then continues from here even if this run
   * ends by kill -9 before any advance.
   */
  static restore(store: ClockStore, base: Clock = systemClock): OffsetClock {
    const clock = new OffsetClock(base, store)
    const saved = store.load()
    if (saved) {
      clock.#offsetMs = saved.offsetMs
      clock.#lastMs = saved.readingMs
    }
    clock.checkpoint()
    return clock
  }

  now(): Date {
    // The host clock read without a Date of its own: every request reads this two or three times.
    let ms = (this.base === systemClock ? Date.now() : this.base.now().getTime()) + this.#offsetMs
    if (ms < this.#lastMs) {
      this.#offsetMs += this.#lastMs - ms
      ms = this.#lastMs
    }
    this.#lastMs = ms
    return new Date(ms)
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('clock can only move forward')
    const readingMs = this.now().getTime() + ms
    const offsetMs = this.#offsetMs + ms
    // Stored before the move takes effect: if storing fails, the clock has not moved.
    this.store?.save({ offsetMs, readingMs })
    this.#offsetMs = offsetMs
    this.#lastMs = readingMs
  }

  /** Saves the current offset and reading (start-up, clean shutdown); a no-op without a store. */
  checkpoint(): void {
    const readingMs = this.now().getTime()
    this.store?.save({ offsetMs: this.#offsetMs, readingMs })
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
