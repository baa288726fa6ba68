/**
 * The database file as a resource one process owns: its folder is made without Node's recursive
 * mkdir, the file is held with SQLite's own exclusive lock, and the holder's pid is written beside
 * it so a refused second emulator can say who holds it.
 *
 * Why SQLite's lock: it is a POSIX record lock on the database file itself, so the kernel drops it
 * when the process dies (kill -9 leaves nothing stale), every SQLite client honours it (a second
 * emulator, a WAL reader, the sqlite3 shell), and SQLite tracks it per connection, so a second
 * connection in the same process is refused too. The pid file is only ever a hint.
 */
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
