import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/storage/db.js'
import { migrate, MIGRATIONS, type Migration } from '../../src/storage/migrations/index.js'
import { SqliteReleaseRepository } from '../../src/storage/release-repository.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const at = new Date('2026-01-01T00:00:00Z')
const key = { projectId: 'p', flavor: 'cce' as const, clusterId: 'c1', namespace: 'ns', name: 'web' }
const revision = (n: number, status: 'DEPLOYED' | 'SUPERSEDED' | 'PENDING_UPGRADE') => ({
  key, revision: n, status, description: `rev ${n}`,
  chart: { id: 'chart-1', name: 'demo', version: `1.0.${n}`, public: false },
  config: { a: n }, values: { a: n }, firstDeployedAt: at, updatedAt: new Date(at.getTime() + n * 1000),
})

describe('migration 008 (cloudpods releases)', () => {
  it('upgrades a file written by the schema before it without losing revisions or pending work', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cprel-migrate-'))
    dirs.push(dir)
    const path = join(dir, 'old.db')
    const old = new Database(path)
    old.pragma('foreign_keys = ON')
    migrate(old, MIGRATIONS.slice(0, 7))
    // The rows the release repository wrote under schema 7 (today's repository reads tables added since).
    const k = { p: 'p', f: 'cce', c: 'c1', ns: 'ns', n: 'web' }
    old.prepare('INSERT INTO releases (project_id, flavor, cluster_id, namespace, name, latest_revision) VALUES (@p, @f, @c, @ns, @n, 2)').run(k)
    const insertRevision = old.prepare(`INSERT INTO release_revisions (project_id, flavor, cluster_id, namespace, name, revision, status, description,
        chart_id, chart_name, chart_version, chart_public, config_json, values_json, defaults_hash, first_deployed_at, updated_at)
      VALUES (@p, @f, @c, @ns, @n, @revision, @status, @description, 'chart-1', 'demo', @version, 0, @json, @json, NULL, @first, @updated)`)
    for (const r of [revision(1, 'DEPLOYED'), revision(2, 'PENDING_UPGRADE')]) {
      insertRevision.run({ ...k, revision: r.revision, status: r.status, description: r.description, version: r.chart.version, json: JSON.stringify(r.config), first: r.firstDeployedAt.getTime(), updated: r.updatedAt.getTime() })
    }
    const pending = { key, operation: 'upgrade' as const, revision: 2, baseRevision: 1, dueAt: null, outcome: 'stick' as const, failureReason: 'held', readsLeft: null }
    old.prepare(`INSERT INTO pending_operations (project_id, flavor, cluster_id, namespace, name, operation, revision, base_revision, due_at, outcome, failure_reason, reads_left)
      VALUES (@p, @f, @c, @ns, @n, 'upgrade', 2, 1, NULL, 'stick', 'held', NULL)`).run(k)
    old.close()

    const db = openDatabase(path)
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
      const after = new SqliteReleaseRepository(db)
      expect(after.history(key)).toEqual([revision(1, 'DEPLOYED'), revision(2, 'PENDING_UPGRADE')])
      expect(after.pending(key)).toEqual(pending)
      // No answer is kept for them yet (migration 010 copies nothing): shows and lists read the revisions.
      expect(after.latest(key)).toEqual(revision(2, 'PENDING_UPGRADE'))
      expect(after.list({ projectId: 'p', flavor: 'cce', clusterId: 'c1' }, {})).toEqual([revision(2, 'PENDING_UPGRADE')])
      expect(db.prepare('SELECT id, created_at FROM releases').get()).toEqual({ id: null, created_at: at.getTime() })
      // The cascade still works on the rebuilt parent: deleting the release removes its children.
      db.prepare('DELETE FROM releases').run()
      expect(db.prepare('SELECT count(*) FROM release_revisions').pluck().get()).toBe(0)
      expect(db.prepare('SELECT count(*) FROM pending_operations').pluck().get()).toBe(0)
      // The new flavour and the id are accepted; ids are unique.
      const insert = db.prepare("INSERT INTO releases (project_id, flavor, cluster_id, namespace, name, latest_revision, id, created_at) VALUES ('default', 'cloudpods', 'c', 'n', ?, 1, ?, 0)")
      insert.run('a', 'id-1')
      expect(() => insert.run('b', 'id-1')).toThrow(/UNIQUE/)
    } finally {
      db.close()
    }
  })

  it('a foreign-keys-off step that leaves a dangling reference is rolled back, and foreign keys come back on', () => {
    const db = new Database(':memory:')
    db.pragma('foreign_keys = ON')
    migrate(db)
    const dangling: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'dangling',
      foreignKeysOff: true,
      up: `INSERT INTO release_revisions (project_id, flavor, cluster_id, namespace, name, revision, status, description, chart_id, chart_name,
             chart_version, chart_public, config_json, values_json, first_deployed_at, updated_at)
           VALUES ('p','cce','c','n','x',1,'DEPLOYED','','c','c','1',0,'{}','{}',0,0)`,
    }
    expect(() => migrate(db, [...MIGRATIONS, dangling])).toThrow(/migration \d+ \(dangling\) failed: 1 row\(s\) break a foreign key/)
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    expect(db.prepare('SELECT count(*) FROM release_revisions').pluck().get()).toBe(0)
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
  })
})
