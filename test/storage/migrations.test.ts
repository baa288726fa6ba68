import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { DatabaseFromFutureError, migrate, MIGRATIONS } from '../../src/storage/migrations/index.js'

describe('migrations', () => {
  it('bring a new database to the latest version, and are idempotent', () => {
    const db = new Database(':memory:')
    expect(migrate(db)).toEqual({ from: 0, to: MIGRATIONS.length })
    expect(migrate(db)).toEqual({ from: MIGRATIONS.length, to: MIGRATIONS.length })
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all()
    expect(tables).toEqual(expect.arrayContaining(['pending_operations', 'release_revisions', 'releases']))
  })

  it('refuse a database written by a newer emulator', () => {
    const db = new Database(':memory:')
    db.pragma('user_version = 999')
    expect(() => migrate(db)).toThrow(DatabaseFromFutureError)
  })

  it('roll a failing step back entirely and name it', () => {
    const db = new Database(':memory:')
    const broken = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'broken', up: 'CREATE TABLE ok (x INTEGER); SELECT * FROM missing;' }]
    expect(() => migrate(db, broken)).toThrow(new RegExp(`migration ${MIGRATIONS.length + 1} \\(broken\\) failed`))
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'ok'").pluck().get()).toBe(0)
  })
})
