import Database from 'better-sqlite3'
import { existsSync } from 'node:fs'
import { describeOpenFailure, lockDatabaseFile, prepareFolder, removeHolderPid, writeHolderPid } from './db-file.js'
import { migrate } from './migrations/index.js'

export { DatabaseFileError } from './db-file.js'
export type DatabaseHandle = Database.Database

/**
 * WAL pages between checkpoints when no WalCheckpointer runs (SQLite's default is 1,000). Each
 * such checkpoint costs two fsyncs on the calling thread; the WAL a kill -9 leaves, which the
 * next start replays, stays bounded by it (4,000 pages of 4 KiB: 16 MiB). The emulator's app runs
 * a WalCheckpointer instead, which turns these off and checkpoints on a worker thread.
 */
export const WAL_CHECKPOINT_PAGES = 4000

/** How long start-up waits for a lock someone else holds before refusing. */
const LOCK_WAIT_MS = 200

/**
 * Opens (creating if needed), locks and migrates the database. WAL with synchronous=NORMAL: a
 * commit is one append to the WAL file, in the kernel's hands once it returns, so every
 * acknowledged write survives the process dying (kill -9, a crash). Only checkpoints sync to disk
 * (fsync of the WAL, then of the database): a power cut or kernel crash can lose the writes
 * committed since the last checkpoint, never the file's consistency. synchronous=FULL paid an
 * fsync per commit on the event loop (~1,000 creates/s, every other request stalled behind it).
 *
 * One file, one process: reads are served from memory in front of SQLite, so a second emulator on
 * the same file would silently diverge. It is refused here, before anything listens, with a
 * DatabaseFileError naming the holder: the lock is taken on a lock file beside the database
 * (db-file.ts), so that this process may open the database a second time, on the checkpointer's
 * thread. Closing the handle (closeDatabase, or db.close()) releases the lock.
 */
export function openDatabase(path: string): DatabaseHandle {
  const file = path !== ':memory:'
  if (file) prepareFolder(path)
  // Before the database is touched: a refused emulator must not even run SQLite's WAL recovery.
  const lock = file ? lockDatabaseFile(path, LOCK_WAIT_MS) : undefined
  const created = file && !existsSync(path)
  let db: DatabaseHandle
  try {
    db = new Database(path)
  } catch (err) {
    lock?.close()
    throw describeOpenFailure(path, err)
  }
  if (lock) {
    const close = db.close.bind(db)
    db.close = () => {
      try {
        return close()
      } finally {
        lock.close()
      }
    }
  }
  try {
    if (file) {
      db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`)
      // A new, empty file switches to WAL through a rollback journal, which synchronous=FULL (the
      // default) fsyncs twice: 1-9 ms of every start on a new file. Nothing is there to lose yet.
      if (created) db.pragma('synchronous = OFF')
      db.pragma('journal_mode = WAL')
      writeHolderPid(path)
    }
  } catch (err) {
    db.close()
    throw describeOpenFailure(path, err)
  }
  try {
    db.pragma('synchronous = NORMAL')
    // Each write runs in a savepoint of its turn's batch (group-commit.ts): keep its undo pages in memory, not a temp file.
    db.pragma('temp_store = MEMORY')
    db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`)
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    migrate(db)
    prepareOnFirstUse(db)
    return db
  } catch (err) {
    closeDatabase(db)
    throw err
  }
}

/** Closes the database and releases its file for the next emulator. */
export function closeDatabase(db: DatabaseHandle): void {
  if (!db.open) return
  // Before the lock goes: the pid file names the holder only while there is one.
  if (!db.memory) removeHolderPid(db.name)
  db.close()
}

type Statement = Database.Statement<unknown[], unknown>
type Mode = 'pluck' | 'raw' | 'expand' | 'safeIntegers'

/**
 * A statement SQLite compiles when it is first run, not when a repository is built: the app
 * prepared ~70 statements before its first answer (~3 ms), most of which no request needs for a
 * while. Modes set before then (pluck(), raw(), ...) are applied as it compiles; results,
 * errors of a run and every mode behave as the statement's own. (SQL that does not compile now
 * fails at its first run instead of at construction.)
 */
class LazyStatement {
  #real: Statement | undefined
  readonly #db: DatabaseHandle
  readonly #modes: Array<[Mode, unknown[]]> = []
  readonly #bound: unknown[][] = []
  readonly source: string

  constructor(db: DatabaseHandle, source: string) {
    this.#db = db
    this.source = source
  }

  #compiled(): Statement {
    if (this.#real) return this.#real
    let stmt = preparedNow(this.#db, this.source)
    for (const [mode, args] of this.#modes) stmt = (stmt[mode] as (...a: unknown[]) => Statement)(...args)
    for (const params of this.#bound) stmt = stmt.bind(...params)
    return (this.#real = stmt)
  }

  #mode(mode: Mode, args: unknown[]): this {
    if (this.#real) (this.#real[mode] as (...a: unknown[]) => Statement)(...args)
    else this.#modes.push([mode, args])
    return this
  }

  run(...params: unknown[]) {
    return this.#compiled().run(...params)
  }
  get(...params: unknown[]) {
    return this.#compiled().get(...params)
  }
  all(...params: unknown[]) {
    return this.#compiled().all(...params)
  }
  iterate(...params: unknown[]) {
    return this.#compiled().iterate(...params)
  }
  columns() {
    return this.#compiled().columns()
  }
  pluck(...args: unknown[]) {
    return this.#mode('pluck', args)
  }
  raw(...args: unknown[]) {
    return this.#mode('raw', args)
  }
  expand(...args: unknown[]) {
    return this.#mode('expand', args)
  }
  safeIntegers(...args: unknown[]) {
    return this.#mode('safeIntegers', args)
  }
  bind(...params: unknown[]): this {
    if (this.#real) this.#real.bind(...params)
    else this.#bound.push(params)
    return this
  }
  get database(): DatabaseHandle {
    return this.#db
  }
  get reader(): boolean {
    return this.#compiled().reader
  }
  get readonly(): boolean {
    return this.#compiled().readonly
  }
  get busy(): boolean {
    return this.#compiled().busy
  }
}

const preparedNow = (db: DatabaseHandle, source: string): Statement => Object.getPrototypeOf(db).prepare.call(db, source) as Statement

/** From here on, db.prepare() returns statements compiled on first use (see LazyStatement). */
function prepareOnFirstUse(db: DatabaseHandle): void {
  db.prepare = ((source: string) => new LazyStatement(db, source)) as unknown as DatabaseHandle['prepare']
}
