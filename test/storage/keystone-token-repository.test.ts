/** Issued Keystone tokens in SQLite (migration 007): digests only, expiry, the cap, and the upgrade of an older file. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import type { TokenGrant } from '../../src/auth/keystone.js'
import { openDatabase } from '../../src/storage/db.js'
import { SqliteKeystoneTokenRepository } from '../../src/storage/keystone-token-repository.js'
import { migrate, MIGRATIONS } from '../../src/storage/migrations/index.js'

const grant = (issuedMs: number, ttlMs = 1000): TokenGrant => ({
  user: { id: 'u1', name: 'alice', domain: { id: 'default', name: 'Default' } },
  project: { id: 'p1', name: 'system', domain: { id: 'default', name: 'Default' } },
  roles: [{ id: 'r1', name: 'admin' }],
  methods: ['password'],
  issuedAt: new Date(issuedMs),
  expiresAt: new Date(issuedMs + ttlMs),
  auditId: 'a1',
})

describe('SqliteKeystoneTokenRepository', () => {
  it('finds a grant by digest, with its dates, and prunes expired then oldest rows', () => {
    const repo = new SqliteKeystoneTokenRepository(openDatabase(':memory:'))
    for (let i = 0; i < 5; i++) repo.save({ digest: `d${i}`, grant: grant(i * 100, i < 2 ? 50 : 10_000) })
    expect(repo.find('d3')).toEqual(grant(300, 10_000))
    expect(repo.find('missing')).toBeUndefined()
    expect(repo.prune(new Date(1000), 2)).toBe(3) // d0, d1 expired; then d2, the oldest
    expect(['d0', 'd1', 'd2', 'd3', 'd4'].map((d) => repo.find(d) !== undefined)).toEqual([false, false, false, true, true])
  })

  it('comes with migration 007, which upgrades a database written at schema 3 without touching its rows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ks-migrate-'))
    try {
      const file = join(dir, 'old.db')
      const old = new Database(file)
      migrate(old, MIGRATIONS.slice(0, 3))
      old.prepare("INSERT INTO releases (project_id, flavor, cluster_id, namespace, name, latest_revision) VALUES ('p', 'cce', 'c', 'ns', 'r', 0)").run()
      old.close()
      const db = openDatabase(file)
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
      expect(db.prepare('SELECT name FROM releases').pluck().all()).toEqual(['r'])
      new SqliteKeystoneTokenRepository(db).save({ digest: 'd', grant: grant(0) })
      expect(db.prepare('SELECT count(*) FROM keystone_tokens').pluck().get()).toBe(1)
      db.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
