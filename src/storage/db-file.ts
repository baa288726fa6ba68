/**
 * The database file as a resource one process owns: its folder is made without Node's recursive
 * mkdir, the file is held through a lock file beside it (`<db>-lock`, an empty SQLite database
 * this process keeps exclusively locked), and the holder's pid is written beside it so a refused
 * second emulator can say who holds it.
 *
 * Why SQLite's lock: it is a POSIX record lock, so the kernel drops it when the process dies
 * (kill -9 leaves nothing stale), and SQLite tracks it per connection, so a second connection in
 * the same process is refused too. Why on a file of its own rather than the database: the
 * database itself must stay open to a second connection of this process, the WAL checkpointer's
 * worker thread (wal-checkpointer.ts), whose fsyncs would otherwise block the event loop. The
 * lock file is never removed (unlinking a lock file races with the next opener); the pid file is
 * only ever a hint.
 */
import Database from 'better-sqlite3'
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

/** Opening failed for a reason the user can act on; `reason` never repeats the path. */
export class DatabaseFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    /** The file is held by another emulator, as opposed to unusable. */
    readonly inUse = false,
  ) {
    super(`database ${path}: ${reason}`)
    this.name = 'DatabaseFileError'
  }
}

const errno = (err: unknown): string => {
  const e = err as NodeJS.ErrnoException
  return e.code ? `${e.code}: ${e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}` : String(err)
}

/** /proc and /sys hold kernel state, not files: say so rather than leave a bare ENOENT. */
function pseudoFsHint(abs: string): string {
  const m = /^\/(proc|sys)(\/|$)/.exec(abs)
  return m ? `; /${m[1]} is a kernel pseudo-filesystem, not a disk: give a path on one` : ''
}

/**
 * Creates the database's folder one level at a time from the nearest existing ancestor. Node 20's
 * `mkdirSync(…, { recursive: true })` loops forever (100% CPU) when mkdir answers ENOENT for a
 * parent that exists, as it does under /proc.
 */
export function prepareFolder(path: string): void {
  const abs = resolve(path)
  const missing: string[] = []
  let dir = dirname(abs)
  for (;;) {
    try {
      if (!statSync(dir).isDirectory()) throw new DatabaseFileError(path, `${dir} is not a folder`)
      break
    } catch (err) {
      if (err instanceof DatabaseFileError) throw err
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new DatabaseFileError(path, `cannot use the folder ${dir} (${errno(err)})${pseudoFsHint(abs)}`)
      missing.push(dir)
      const parent = dirname(dir)
      if (parent === dir) break
      dir = parent
    }
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new DatabaseFileError(path, `cannot create the folder ${folder} (${errno(err)})${pseudoFsHint(abs)}`)
      }
    }
  }
  try {
    if (!statSync(abs).isFile()) throw new DatabaseFileError(path, 'is not a regular file (SQLite needs one)')
  } catch (err) {
    if (err instanceof DatabaseFileError) throw err
    // Absent is fine: SQLite creates it.
  }
}

/** Why SQLite could not open or lock the file, in the user's terms. */
export function describeOpenFailure(path: string, err: unknown): DatabaseFileError {
  const code = (err as { code?: string }).code ?? ''
  const abs = resolve(path)
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    const pid = holderPid(path)
    const who = pid === undefined ? 'another process' : pid === process.pid ? `another emulator in this process (pid ${pid})` : `another emulator (pid ${pid})`
    return new DatabaseFileError(path, `in use by ${who}; one database file serves one emulator process: stop that one, or give this one a file of its own`, true)
  }
  if (code === 'SQLITE_NOTADB') return new DatabaseFileError(path, 'is not an SQLite database')
  if (code.startsWith('SQLITE_CANTOPEN')) return new DatabaseFileError(path, `cannot be opened or created (SQLite: ${(err as Error).message})${pseudoFsHint(abs)}`)
  if (code.startsWith('SQLITE_READONLY')) return new DatabaseFileError(path, `is read-only (SQLite: ${(err as Error).message})`)
  return new DatabaseFileError(path, `cannot be used (${code || 'error'}: ${(err as Error).message})`)
}

const pidFile = (path: string): string => `${path}-pid`

/** The lock file of a database file; a second emulator is refused here, before it opens the database. */
export const lockFile = (path: string): string => `${path}-lock`

/**
 * Takes the one-process lock of a database file and holds it until the returned connection is
 * closed (or the process dies). Waits up to `waitMs` for a holder that is closing; a DatabaseFileError
 * naming the holder otherwise.
 */
export function lockDatabaseFile(path: string, waitMs: number): Database.Database {
  let lock: Database.Database
  try {
    lock = new Database(lockFile(path))
  } catch (err) {
    throw describeOpenFailure(path, err)
  }
  try {
    lock.pragma(`busy_timeout = ${waitMs}`)
    lock.pragma('locking_mode = EXCLUSIVE')
    // Nothing is ever written to it: no journal file beside it either.
    lock.pragma('journal_mode = MEMORY')
    // Takes the exclusive lock now; locking_mode keeps it after the commit, until close.
    lock.exec('BEGIN EXCLUSIVE; COMMIT')
    return lock
  } catch (err) {
    lock.close()
    throw describeOpenFailure(path, err)
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The pid written by whoever holds the lock, if that process still runs. */
function holderPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(path), 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined
  } catch {
    return undefined
  }
}

/** Called once the lock is held: a leftover from a killed holder is simply overwritten. */
export function writeHolderPid(path: string): void {
  try {
    writeFileSync(pidFile(path), `${process.pid}\n`)
  } catch {
    // Only a hint for the message a second emulator prints; the lock does not depend on it.
  }
}

/** Called just before the lock is released, and only removes a pid file this process wrote. */
export function removeHolderPid(path: string): void {
  try {
    if (readFileSync(pidFile(path), 'utf8').trim() === String(process.pid)) rmSync(pidFile(path))
  } catch {
    // already gone
  }
}
