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
