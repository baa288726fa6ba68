import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { SqliteClockStore } from '../../src/storage/clock-store.js'
import { openDatabase } from '../../src/storage/db.js'
import { DatabaseFromFutureError, migrate, MIGRATIONS, schemaSnapshot } from '../../src/storage/migrations/index.js'
import { SqliteReleaseRepository } from '../../src/storage/release-repository.js'

describe('migrations', () => {
  it('bring a new database to the latest version, and are idempotent', () => {
    const db = new Database(':memory:')
    expect(migrate(db)).toEqual({ from: 0, to: MIGRATIONS.length })
    expect(migrate(db)).toEqual({ from: MIGRATIONS.length, to: MIGRATIONS.length })
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all()
    expect(tables).toEqual(expect.arrayContaining(['pending_operations', 'release_revisions', 'releases']))
  })

  it('give a new database from the schema snapshot exactly the schema the steps give', () => {
    const stepped = new Database(':memory:')
    migrate(stepped, MIGRATIONS, undefined)
    const snapshot = schemaSnapshot(stepped)
    const dir = mkdtempSync(join(tmpdir(), 'migrate-'))
    try {
      const fresh = new Database(join(dir, 'new.db'))
      fresh.pragma('foreign_keys = ON')
      expect(migrate(fresh, MIGRATIONS, snapshot)).toEqual({ from: 0, to: MIGRATIONS.length })
      const schema = (db: Database.Database) => db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid').all()
      expect(schema(fresh)).toEqual(schema(stepped))
      expect(schema(fresh).length).toBeGreaterThan(10)
      expect(fresh.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
      expect(fresh.pragma('foreign_key_check')).toEqual([])
      expect(migrate(fresh, MIGRATIONS, snapshot)).toEqual({ from: MIGRATIONS.length, to: MIGRATIONS.length })
      fresh.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('take the snapshot only for an empty database at version 0, and only one of the latest version', () => {
    const probe = new Database(':memory:')
    probe.exec('CREATE TABLE probe (x)')
    const snapshot = { ...schemaSnapshot(probe), version: MIGRATIONS.length }
    const empty = new Database(':memory:')
    migrate(empty, MIGRATIONS, snapshot)
    expect(empty.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'probe'").pluck().get()).toBe(1)
    const older = new Database(':memory:')
    migrate(older, MIGRATIONS.slice(0, 3))
    // A snapshot of another schema would create `probe`; the steps from 4 on run instead.
    migrate(older, MIGRATIONS, snapshot)
    expect(older.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'probe'").pluck().get()).toBe(0)
    const stale = new Database(':memory:')
    migrate(stale, MIGRATIONS, { ...snapshot, version: MIGRATIONS.length - 1 })
    expect(stale.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'probe'").pluck().get()).toBe(0)
    expect(stale.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
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

  it('upgrade a database file written by migrations 001-003 to the Cloudpods tables (006) without losing a row', () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrate-'))
    try {
      const file = join(dir, 'old.db')
      const old = new Database(file)
      old.pragma('foreign_keys = ON')
      migrate(old, MIGRATIONS.slice(0, 3))
      old.prepare("INSERT INTO releases VALUES ('p1', 'cce', 'c1', 'ns', 'web', 1)").run()
      old
        .prepare(
          `INSERT INTO release_revisions VALUES ('p1', 'cce', 'c1', 'ns', 'web', 1, 'deployed', 'Install complete', 'chart-1', 'demo', '1.0.0', 0, '{}', '{"a":1}', 1700000000000, 1700000000000)`,
        )
        .run()
      old.prepare("INSERT INTO pending_operations VALUES ('p1', 'cce', 'c1', 'ns', 'web', 'upgrade', 2, 1, 1700000001000, 'succeed', NULL, 3)").run()
      old
        .prepare(
          "INSERT INTO charts VALUES ('p1', 'cce', 'chart-1', 'demo', '1.0.0', 'd', '', '', 0, 1, '', 0, '{}', '[]', x'1f8b', 'abc', 1700000000000, 1700000000000)",
        )
        .run()
      const before = Object.fromEntries(['releases', 'release_revisions', 'pending_operations', 'charts'].map((t) => [t, old.prepare(`SELECT * FROM ${t}`).all()]))
      old.close()

      const db = openDatabase(file)
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
      // Every row keeps every column it had; 004 adds reference columns and moves chart defaults
      // (charts.values_json) to chart_values, which its own test covers.
      for (const [table, rows] of Object.entries(before)) {
        const kept = rows.map((r) => Object.fromEntries(Object.entries(r as object).filter(([k]) => !(table === 'charts' && k === 'values_json'))))
        expect(db.prepare(`SELECT * FROM ${table}`).all(), table).toMatchObject(kept)
      }
      // 008 adds releases.id (null for CCE) and created_at (the first deployment).
      expect(db.prepare('SELECT id, created_at FROM releases').all()).toEqual([{ id: null, created_at: 1700000000000 }])
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'cloudpods_%' ORDER BY name").pluck().all()
      expect(tables).toEqual(['cloudpods_chart_packages', 'cloudpods_clusters', 'cloudpods_namespaces', 'cloudpods_repo_charts', 'cloudpods_repos'])
      // The new tables work, foreign keys included.
      db.prepare("INSERT INTO cloudpods_clusters VALUES ('c', 'default', 1)").run()
      db.prepare("INSERT INTO cloudpods_namespaces VALUES ('n', 'c', 'default', 1)").run()
      expect(() => db.prepare("INSERT INTO cloudpods_namespaces VALUES ('n2', 'missing', 'x', 1)").run()).toThrow(/FOREIGN KEY/)
      expect(db.pragma('foreign_key_check')).toEqual([])
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      db.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
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
      // Written as schema 3 stored it (today's repository writes later columns).
      old.prepare("INSERT INTO releases VALUES ('p', 'cce', 'c1', 'ns', 'web', 1)").run()
      old
        .prepare(
          `INSERT INTO release_revisions VALUES ('p', 'cce', 'c1', 'ns', 'web', 1, 'DEPLOYED', 'Install complete', 'chart-1', 'demo', '1.0.0', 0, '{"a":1}', '{"a":1}', ${at.getTime()}, ${at.getTime()})`,
        )
        .run()
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
