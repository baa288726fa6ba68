import Database from 'better-sqlite3'
import { describeOpenFailure, prepareFolder, removeHolderPid, writeHolderPid } from './db-file.js'
import { migrate } from './migrations/index.js'

export { DatabaseFileError } from './db-file.js'
export type DatabaseHandle = Database.Database

/**
 * WAL pages between checkpoints (SQLite's default is 1,000). Each checkpoint costs two fsyncs
 * on the event loop, so fewer, larger ones keep write latency flat; the WAL a kill -9 leaves,
 * which the next start replays, stays bounded by it (4,000 pages of 4 KiB: 16 MiB).
 */
export const WAL_CHECKPOINT_PAGES = 4000

/** How long start-up waits for a lock someone else holds before refusing. */
const LOCK_WAIT_MS = 200

/**
 * Opens (creating if needed), locks and migrates the database. WAL with synchronous=NORMAL: a
 * commit is one append to the WAL file, in the kernel's hands once it returns, so every
 * acknowledged write survives the process dying (kill -9, a crash). Only checkpoints sync to disk
 * (fsync of the WAL, then of the database): a power cut or kernel crash can lose the writes
 * committed since the last checkpoint (at most WAL_CHECKPOINT_PAGES pages of them), never the
 * file's consistency. synchronous=FULL paid an fsync per commit on the event loop (~1,000 creates/s,
 * every other request stalled behind it).
 *
 * A file is locked for this connection alone (locking_mode=EXCLUSIVE, set before WAL is entered,
 * so SQLite keeps the WAL index in memory and never shares it): reads are served from memory in
 * front of SQLite, so a second emulator on the same file would silently diverge. It is refused
 * here, before anything listens, with a DatabaseFileError naming the holder. Release the lock
 * with closeDatabase (or db.close()).
 */
export function openDatabase(path: string): DatabaseHandle {
  const file = path !== ':memory:'
  if (file) prepareFolder(path)
  let db: DatabaseHandle
  try {
    db = new Database(path)
  } catch (err) {
    throw describeOpenFailure(path, err)
  }
  try {
    if (file) {
      db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`)
      db.pragma('locking_mode = EXCLUSIVE')
      db.pragma('journal_mode = WAL')
      // Takes the exclusive lock now, not at the first write, and keeps it until close.
      db.exec('BEGIN EXCLUSIVE; COMMIT')
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
