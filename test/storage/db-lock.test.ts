/**
 * One database file, one emulator: the file is locked at open (through its lock file), so a
 * second emulator (in this process or another) is refused instead of silently diverging, and the
 * lock goes with the connection that held it. The cross-process and kill -9 cases run against
 * the real CLI in test/e2e/db-file.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator } from '../../src/emulator.js'
import { closeDatabase, DatabaseFileError, openDatabase } from '../../src/storage/db.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cce-emu-lock-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function refusal(open: () => unknown): DatabaseFileError {
  try {
    open()
  } catch (err) {
    expect(err).toBeInstanceOf(DatabaseFileError)
    return err as DatabaseFileError
  }
  throw new Error('expected the open to be refused')
}

describe('openDatabase: one connection holds the file', () => {
  it('refuses a second open in the same process, naming the file and this process', () => {
    const file = join(dir, 'emulator.db')
    const first = openDatabase(file)
    try {
      const err = refusal(() => openDatabase(file))
      expect(err.inUse).toBe(true)
      expect(err.path).toBe(file)
      expect(err.message).toBe(
        `database ${file}: in use by another emulator in this process (pid ${process.pid}); one database file serves one emulator process: stop that one, or give this one a file of its own`,
      )
      // The refused attempt must not have loosened the holder's lock.
      expect(refusal(() => openDatabase(file)).inUse).toBe(true)
      expect(first.prepare('SELECT count(*) AS n FROM sqlite_master').get()).toBeTruthy()
    } finally {
      closeDatabase(first)
    }
  })

  it('refuses a second emulator while a plain SQLite reader (the checkpointer\'s kind) reads every commit', () => {
    const file = join(dir, 'emulator.db')
    const holder = openDatabase(file)
    const reader = new Database(file, { readonly: true })
    try {
      holder.exec('CREATE TABLE seen (x)')
      holder.prepare('INSERT INTO seen VALUES (1)').run()
      // The WAL index is shared (not kept in the holder's memory): a second connection of this
      // process, such as the checkpointer's, sees every committed write, and no stale file.
      expect(reader.prepare('SELECT x FROM seen').pluck().all()).toEqual([1])
      expect(refusal(() => openDatabase(file)).inUse).toBe(true)
    } finally {
      reader.close()
      closeDatabase(holder)
    }
  })

  it('releases the file on close, with the pid file, so the next emulator opens it', () => {
    const file = join(dir, 'emulator.db')
    const first = openDatabase(file)
    expect(readFileSync(`${file}-pid`, 'utf8')).toBe(`${process.pid}\n`)
    first.exec('CREATE TABLE kept (x)')
    closeDatabase(first)
    expect(existsSync(`${file}-pid`)).toBe(false)
    const second = openDatabase(file)
    expect(second.prepare("SELECT name FROM sqlite_master WHERE name = 'kept'").get()).toEqual({ name: 'kept' })
    closeDatabase(second)
  })

  it('ignores a pid file left by a process that is gone', () => {
    const file = join(dir, 'emulator.db')
    writeFileSync(`${file}-pid`, '2147483646\n')
    const db = openDatabase(file)
    expect(readFileSync(`${file}-pid`, 'utf8')).toBe(`${process.pid}\n`)
    closeDatabase(db)
  })
})

describe('openDatabase: unusable paths name the path and the reason', () => {
  it('a path under /proc fails at once (Node\'s recursive mkdir spins there) and says why', () => {
    const err = refusal(() => openDatabase('/proc/x/y.db'))
    expect(err.inUse).toBe(false)
    expect(err.message).toMatch(/^database \/proc\/x\/y\.db: cannot create the folder \/proc\/x \(ENOENT: .*\); \/proc is a kernel pseudo-filesystem, not a disk/)
    expect(refusal(() => openDatabase('/proc/self/y.db')).message).toMatch(/^database \/proc\/self\/y\.db: cannot be opened or created .*\/proc is a kernel pseudo-filesystem/)
  })

  it('a folder, a file where a folder should be, and a file that is not a database', () => {
    expect(refusal(() => openDatabase(dir)).message).toBe(`database ${dir}: is not a regular file (SQLite needs one)`)
    const plain = join(dir, 'notes.txt')
    writeFileSync(plain, 'not a database, just some text that is long enough to have a header\n'.repeat(20))
    expect(refusal(() => openDatabase(join(plain, 'x.db'))).message).toBe(`database ${join(plain, 'x.db')}: ${plain} is not a folder`)
    expect(refusal(() => openDatabase(plain)).message).toBe(`database ${plain}: is not an SQLite database`)
  })

  it('creates missing folders one level at a time', () => {
    const file = join(dir, 'a', 'b', 'c', 'emulator.db')
    closeDatabase(openDatabase(file))
    expect(existsSync(file)).toBe(true)
  })
})

describe('startEmulator on a file', () => {
  it('refuses a second emulator on the same file before it listens, and a closed one hands the file on', async () => {
    const db = join(dir, 'emulator.db')
    const first = await startEmulator({ db })
    try {
      await expect(startEmulator({ db })).rejects.toThrow(`database ${db}: in use by another emulator in this process (pid ${process.pid})`)
      expect((await fetch(`${first.url}/_emulator/health`)).status).toBe(200)
    } finally {
      await first.close()
    }
    const next = await startEmulator({ db })
    await next.close()
  })
})
