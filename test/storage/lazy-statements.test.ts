import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { closeDatabase, openDatabase, type DatabaseHandle } from '../../src/storage/db.js'

describe('statements of an opened database (compiled on first use)', () => {
  let db: DatabaseHandle | undefined
  let dir: string | undefined
  afterEach(() => {
    if (db) closeDatabase(db)
    if (dir) rmSync(dir, { recursive: true, force: true })
    db = dir = undefined
  })
  const open = () => {
    dir = mkdtempSync(join(tmpdir(), 'lazy-stmt-'))
    db = openDatabase(join(dir, 'x.db'))
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER) STRICT')
    return db
  }

  it('run, get, all and iterate as the statement itself, with modes set before the first run', () => {
    const d = open()
    const put = d.prepare('INSERT INTO t (k, v) VALUES (?, ?)')
    expect(put.run('a', 1)).toEqual({ changes: 1, lastInsertRowid: 1 })
    put.run('b', 2)
    expect(d.prepare('SELECT v FROM t WHERE k = ?').pluck().get('b')).toBe(2)
    expect(d.prepare('SELECT k, v FROM t ORDER BY k').raw().all()).toEqual([['a', 1], ['b', 2]])
    expect([...d.prepare('SELECT k FROM t ORDER BY k').pluck().iterate()]).toEqual(['a', 'b'])
    const bound = d.prepare('SELECT v FROM t WHERE k = ?').pluck().bind('a')
    expect(bound.get()).toBe(1)
    expect(d.prepare('SELECT k, v FROM t').columns().map((c) => c.name)).toEqual(['k', 'v'])
    const reader = d.prepare('SELECT 1')
    expect(reader.reader).toBe(true)
    expect(reader.source).toBe('SELECT 1')
    expect(d.prepare('DELETE FROM t').reader).toBe(false)
  })

  it('set a mode after the first run on the statement itself', () => {
    const d = open()
    d.prepare('INSERT INTO t (k, v) VALUES (?, ?)').run('a', 1)
    const s = d.prepare('SELECT v FROM t WHERE k = ?')
    expect(s.get('a')).toEqual({ v: 1 })
    expect(s.pluck().get('a')).toBe(1)
    expect(s.pluck(false).get('a')).toEqual({ v: 1 })
  })

  it('throw SQLite’s own errors, from the run', () => {
    const d = open()
    const put = d.prepare('INSERT INTO t (k, v) VALUES (?, ?)')
    put.run('a', 1)
    expect(() => put.run('a', 2)).toThrow(/UNIQUE constraint failed/)
    const broken = d.prepare('SELECT nope FROM t')
    expect(() => broken.get()).toThrow(/no such column: nope/)
  })
})
