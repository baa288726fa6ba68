/**
 * Paces writes so that no turn of the event loop runs more than a bounded number of them.
 *
 * Why: Node reads every socket that is ready in one poll phase, so 200 clients creating at once
 * put 200 writes (~0.3 ms each) in a single turn: 60 ms and more during which nothing else is
 * read, the health probe included (issue 9's stall budget is 50 ms). Each turn now starts at
 * most `perTurn` writes; the others wait, in arrival order, for the turns after it (they start
 * in the check phase, after that turn's I/O). Reads are never held: they are cheap, and reads
 * next to a write load are what must stay fast, so while reads arrive (this turn or the last)
 * writes get the smaller allowance `whileReading`: a turn's length is mostly its writes, and
 * every waiting reader waits for the whole turn. Every write still commits and is answered
 * with its batch (group-commit.ts); a burst simply spans several batches.
 */
export class WritePacer {
  /** Writes started in the current turn. */
  #started = 0
  #reads = 0
  #readsBefore = 0
  #turnScheduled = false
  readonly #waiting: Array<() => void> = []

  constructor(
    readonly perTurn: number,
    readonly whileReading: number = perTurn,
    /** Runs once the current turn's I/O is done (tests pass their own). */
    private readonly afterTurn: (fn: () => void) => void = (fn) => void setImmediate(fn),
  ) {}

  /** A read arrived: writes get the smaller allowance this turn and the next. */
  noteRead(): void {
    this.#reads += 1
    this.#scheduleTurnEnd()
  }

  get #allowance(): number {
    return this.#reads > 0 || this.#readsBefore > 0 ? this.whileReading : this.perTurn
  }

  /** Calls `start` now if this turn has room for another write, else in a later turn. */
  admit(start: () => void): void {
    this.#scheduleTurnEnd()
    if (this.#waiting.length === 0 && this.#started < this.#allowance) {
      this.#started += 1
      start()
      return
    }
    this.#waiting.push(start)
  }

  /** Writes waiting for a later turn. */
  get waiting(): number {
    return this.#waiting.length
  }

  #scheduleTurnEnd(): void {
    if (this.#turnScheduled) return
    this.#turnScheduled = true
    this.afterTurn(() => this.#turnEnded())
  }

  #turnEnded(): void {
    this.#turnScheduled = false
    // A new turn: start the next writes in line, up to the allowance.
    this.#readsBefore = this.#reads
    this.#reads = 0
    const batch = this.#waiting.splice(0, this.#allowance)
    this.#started = batch.length
    if (this.#waiting.length > 0 || batch.length > 0 || this.#readsBefore > 0) this.#scheduleTurnEnd()
    for (const start of batch) start()
  }
}
