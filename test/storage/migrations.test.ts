import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { SqliteClockStore } from '../../src/storage/clock-store.js'
import { openDatabase } from '../../src/storage/db.js'
import { DatabaseFromFutureError, migrate, MIGRATIONS } from '../../src/storage/migrations/index.js'
import { SqliteReleaseRepository } from '../../src/storage/release-repository.js'

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

describe('migration 005 (emulator clock)', () => {
  it('upgrades a database file written by migrations 001-003 without touching its releases', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cce-emu-migrate-'))
    try {
      const path = join(dir, 'old.db')
      const old = new Database(path)
      migrate(old, MIGRATIONS.slice(0, 3))
      const key = { projectId: 'p', flavor: 'cce' as const, clusterId: 'c1', namespace: 'ns', name: 'web' }
      const at = new Date('2026-01-01T00:00:00Z')
      const revision = {
        key, revision: 1, status: 'DEPLOYED' as const, description: 'Install complete',
        chart: { id: 'chart-1', name: 'demo', version: '1.0.0', public: false },
        config: { a: 1 }, values: { a: 1 }, firstDeployedAt: at, updatedAt: at,
      }
      new SqliteReleaseRepository(old).apply(key, { insert: revision, updates: [], purge: false, pending: undefined, prune: [] })
      old.close()

      const db = openDatabase(path)
      try {
        expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
        expect(new SqliteReleaseRepository(db).history(key)).toEqual([revision])
        const store = new SqliteClockStore(db)
        expect(store.load()).toBeNull()
        store.save({ offsetMs: 3_600_000, readingMs: at.getTime() })
        expect(store.load()).toEqual({ offsetMs: 3_600_000, readingMs: at.getTime() })
      } finally {
        db.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
