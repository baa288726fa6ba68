/**
 * Group commit: every write made in one turn of the event loop shares one SQLite transaction,
 * committed once, right after the turn (setImmediate). Each write runs in a savepoint of its own,
 * so a refused write rolls back alone. Nothing is acknowledged before the commit: the app holds
 * every answer sent while a batch is open until `durable()` resolves (src/app.ts, onSend), so a
 * client never sees a write, its own or another's, that a crash could still undo.
 *
 * Why: a commit per request, and a second one for the work the next request settles, cost a WAL
 * write each on the event loop; 50 clients' creates now cost one per turn.
 *
 * Stores that keep answers in memory listen for rollbacks (a refused write's savepoint, or a
 * lost batch) and commits, so they may cache what they read or wrote inside an open batch and
 * drop it if it is undone. Work registered with beforeCommit (settling due operations) joins the
 * batch just before it commits: no second commit, nothing answered before it.
 */
import type { DatabaseHandle } from './db.js'

export class GroupCommit {
  #open = false
  #waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = []
  /** Commit failures so far (each fails that batch's answers); for tests and diagnostics. */
  failures = 0
  readonly #rolledBack: Array<() => void> = []
  readonly #committed: Array<() => void> = []
  readonly #beforeCommit: Array<() => void> = []

  // Prepared once: better-sqlite3's db.transaction(fn) builds a wrapper per call, a tenth of a create.
  readonly #savepoint
  readonly #release
  readonly #rollbackTo

  constructor(
    private readonly db: DatabaseHandle,
    /** When the open batch commits; tests pass their own. */
    private readonly schedule: (commit: () => void) => void = (commit) => void setImmediate(commit),
    /** Called when a batch is lost (a failed commit, or SQLite rolled it back): cached reads may be stale. */
    private readonly onLost: () => void = () => {},
  ) {
    this.#savepoint = db.prepare('SAVEPOINT group_commit_write')
    this.#release = db.prepare('RELEASE group_commit_write')
    this.#rollbackTo = db.prepare('ROLLBACK TO group_commit_write')
  }

  /** Called after any write of the batch is undone: a refused write's savepoint, or the whole batch. */
  onRolledBack(listener: () => void): void {
    this.#rolledBack.push(listener)
  }

  /** Called once a batch is committed. */
  onCommitted(listener: () => void): void {
    this.#committed.push(listener)
  }

  /**
   * Runs `work` inside each batch just before it commits (in a savepoint of its own: if it
   * throws, its writes are undone and the batch commits without them).
   */
  beforeCommit(work: () => void): void {
    this.#beforeCommit.push(work)
  }

  /** True while writes are waiting for their commit. */
  get pending(): boolean {
    return this.#open
  }

  /** Runs fn atomically inside the current turn's transaction (opening it if needed). */
  run<T>(fn: () => T): T {
    const { db } = this
    if (this.#open && !db.inTransaction) {
      // SQLite rolled the batch back by itself (an I/O or full-disk error): its writes are gone.
      this.#lose(new Error('the write batch was rolled back by SQLite'))
    }
    if (!db.inTransaction) {
      db.exec('BEGIN IMMEDIATE')
      this.#open = true
      this.schedule(() => this.commitNow())
    }
    this.#savepoint.run()
    let result: T
    try {
      result = fn()
    } catch (err) {
      // SQLite may have rolled the whole batch back already (run() notices next time).
      if (db.inTransaction) {
        this.#rollbackTo.run()
        this.#release.run()
      }
      for (const listener of this.#rolledBack) listener()
      throw err
    }
    this.#release.run()
    return result
  }

  /** Resolves once every write made so far is committed; rejects if its batch was lost. */
  durable(): Promise<void> {
    if (!this.#open) return Promise.resolve()
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }))
  }

  /** Commits the open batch now (the scheduled commit, and before the database closes). */
  commitNow(): void {
    if (!this.#open) return
    const { db } = this
    if (!db.inTransaction) return this.#lose(new Error('the write batch was rolled back by SQLite'))
    for (const work of this.#beforeCommit) {
      try {
        this.run(work)
      } catch {
        // Undone alone (run's savepoint); the batch's own writes still commit.
      }
    }
    if (!db.inTransaction) return this.#lose(new Error('the write batch was rolled back by SQLite'))
    try {
      db.exec('COMMIT')
    } catch (err) {
      try {
        if (db.inTransaction) db.exec('ROLLBACK')
      } catch {
        // The connection is unusable; the waiters hear the commit's error.
      }
      return this.#lose(err)
    }
    this.#open = false
    for (const listener of this.#committed) listener()
    const waiters = this.#waiters
    this.#waiters = []
    for (const w of waiters) w.resolve()
  }

  #lose(err: unknown): void {
    this.#open = false
    this.failures += 1
    const waiters = this.#waiters
    this.#waiters = []
    this.onLost()
    for (const listener of this.#rolledBack) listener()
    for (const w of waiters) w.reject(err)
  }
}
