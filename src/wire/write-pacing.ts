/**
 * Paces writes so that no turn of the event loop spends more than a bounded time (and count) on
 * them.
 *
 * Why: Node reads every socket that is ready in one poll phase, so 200 clients creating at once
 * put 200 writes in a single turn: 60 ms and more during which nothing else is read, the health
 * probe included (issue 9's stall budget is 50 ms). A count alone is not enough: a create whose
 * chart brings 250 KiB of defaults costs ten times a small one, and 30 of them in one turn held
 * it 66 ms. So each turn starts writes while both hold: fewer than `perTurn` started (the
 * smaller `whileReading` while reads arrive, this turn or the last: a turn's length is mostly its
 * writes, and every waiting reader waits for the whole turn), and less than `budgetMs` of wall
 * time since the turn's first write started. Writes that arrive together in the poll phase run
 * one after the other (Node runs each socket's callbacks to the end before the next), so the
 * budget is checked against what they really took; the writes waiting for a later turn start
 * together in its check phase, as many as the budget fits at the cost per write measured so far.
 * The others wait, in arrival order. Reads are never held: they are cheap, and reads next to a
 * write load are what must stay fast. Every write still commits and is answered with its batch
 * (group-commit.ts); a burst simply spans several batches.
 *
 * New connections shorten the turns too. Node 20's libuv accepts one connection per turn
 * (uv__server_io accepts once and returns), so 50 clients connecting at once are let in over 50
 * turns: at 10 ms of writes a turn, the last one's first request waited ~500 ms, most of a write
 * load's p99. A turn that accepted a connection (and the turn after it) spends `connectingMs` on
 * writes instead, so the next connection waiting is accepted within a few milliseconds.
 */
export interface WriteBudget {
  /** Wall time a turn may spend on writes before the next ones wait for a later turn. */
  ms: number
  /** A clock in milliseconds (tests pass their own). */
  now?: () => number
  /** Wall time for writes in a turn that accepted a connection, and the next (default `ms`). */
  connectingMs?: number
}

export class WritePacer {
  /** Writes started in the current turn. */
  #started = 0
  #reads = 0
  #readsBefore = 0
  #connections = 0
  #connectionsBefore = 0
  #turnScheduled = false
  #holds = 0
  /** When the current turn's first write started (budget's clock), or null. */
  #turnStart: number | null = null
  /** Measured wall time per write (moving average), for the writes a turn starts at once. */
  #costMs: number
  readonly #budgetMs: number
  readonly #connectingMs: number
  readonly #now: () => number
  readonly #waiting: Array<() => void> = []

  constructor(
    readonly perTurn: number,
    readonly whileReading: number = perTurn,
    /** Runs once the current turn's I/O is done (tests pass their own). */
    private readonly afterTurn: (fn: () => void) => void = (fn) => void setImmediate(fn),
    budget?: WriteBudget,
  ) {
    this.#budgetMs = budget?.ms ?? Infinity
    this.#connectingMs = Math.min(budget?.connectingMs ?? this.#budgetMs, this.#budgetMs)
    this.#now = budget?.now ?? (() => performance.now())
    this.#costMs = Number.isFinite(this.#budgetMs) ? this.#budgetMs / perTurn : 0
  }

  /** A read arrived: writes get the smaller allowance this turn and the next. */
  noteRead(): void {
    this.#reads += 1
    this.#scheduleTurnEnd()
  }

  /** A connection was accepted: more may be waiting, one per turn. */
  noteConnection(): void {
    this.#connections += 1
    this.#scheduleTurnEnd()
  }

  /** This turn's wall time for writes. */
  get #budget(): number {
    return this.#connections > 0 || this.#connectionsBefore > 0 ? this.#connectingMs : this.#budgetMs
  }

  get #allowance(): number {
    return this.#reads > 0 || this.#readsBefore > 0 ? this.whileReading : this.perTurn
  }

  /** Calls `start` now if this turn has room for another write, else in a later turn. */
  admit(start: () => void): void {
    this.#scheduleTurnEnd()
    if (this.#holds === 0 && this.#waiting.length === 0 && this.#started < this.#allowance && !this.#spent()) {
      this.#started += 1
      this.#turnStart ??= this.#now()
      start()
      return
    }
    this.#waiting.push(start)
  }

  /**
   * Starts no write until the returned release is called (each release once); they wait in
   * line. For work that needs the database without writers for a moment (a WAL restart).
   */
  hold(): () => void {
    this.#holds += 1
    let released = false
    return () => {
      if (released) return
      released = true
      this.#holds -= 1
      if (this.#holds === 0 && this.#waiting.length > 0) this.#scheduleTurnEnd()
    }
  }

  /** Writes waiting for a later turn. */
  get waiting(): number {
    return this.#waiting.length
  }

  /** The budget is used up: the turn's writes so far took `budgetMs`. */
  #spent(): boolean {
    return this.#turnStart !== null && this.#now() - this.#turnStart >= this.#budget
  }

  #scheduleTurnEnd(): void {
    if (this.#turnScheduled) return
    this.#turnScheduled = true
    this.afterTurn(() => this.#turnEnded())
  }

  #turnEnded(): void {
    this.#turnScheduled = false
    if (this.#turnStart !== null && this.#started > 0 && Number.isFinite(this.#budgetMs)) {
      // What this turn's writes took each (with whatever ran between them: it delays readers too).
      // Up fast, down slowly: a costlier kind of write gets fewer starts from the next turn on,
      // while one turn stretched by something else (the process waiting for a CPU on a busy
      // machine, a GC) does not shrink the batches, and multiply the commits, for long.
      const each = (this.#now() - this.#turnStart) / this.#started
      this.#costMs = each >= this.#costMs ? 0.5 * this.#costMs + 0.5 * each : 0.8 * this.#costMs + 0.2 * each
    }
    this.#turnStart = null
    // A new turn: start the next writes in line, up to the allowance and what the budget fits.
    this.#readsBefore = this.#reads
    this.#reads = 0
    this.#connectionsBefore = this.#connections
    this.#connections = 0
    if (this.#holds > 0) {
      this.#started = 0
      return
    }
    const fits = this.#costMs > 0 ? Math.max(1, Math.floor(this.#budget / this.#costMs)) : Infinity
    const batch = this.#waiting.splice(0, Math.min(this.#allowance, fits))
    this.#started = batch.length
    if (batch.length > 0) this.#turnStart = this.#now()
    if (this.#waiting.length > 0 || batch.length > 0 || this.#readsBefore > 0 || this.#connectionsBefore > 0) this.#scheduleTurnEnd()
    for (const start of batch) start()
  }
}
