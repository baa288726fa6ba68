import { describe, expect, it } from 'vitest'
import { planInstall, planUpgrade, type Schedule } from '../../src/releases/lifecycle.js'
import type { ReleaseKey } from '../../src/releases/release.js'
import { openDatabase } from '../../src/storage/db.js'
import { SqliteReleaseRepository } from '../../src/storage/release-repository.js'

const key: ReleaseKey = { projectId: 'p', flavor: 'cce', clusterId: 'c', namespace: 'ns', name: 'web' }
const chart = { id: 'chart', name: 'nginx', version: '1.0.0', public: false }
const t0 = new Date('2026-01-01T00:00:00Z')
const at = (s: number): Schedule => ({ dueAt: new Date(t0.getTime() + s * 1000), outcome: 'succeed', failureReason: null })
const install = (k: ReleaseKey = key, s = 5) => planInstall([], { key: k, chart, config: {}, values: {}, now: t0, schedule: at(s) })

// The repository answers reads from memory in front of SQLite; these pin down that a cached
// answer never outlives the write that changes it, nor a rolled-back write.
describe('SqliteReleaseRepository read caches', () => {
  it('a write replaces the cached latest revision and every cached list', () => {
    const repo = new SqliteReleaseRepository(openDatabase(':memory:'))
    expect(repo.latest(key)).toBeNull()
    expect(repo.list(key, {})).toEqual([])
    repo.apply(key, install())
    expect(repo.latest(key)?.status).toBe('PENDING_INSTALL')
    expect(repo.list(key, {}).map((r) => r.key.name)).toEqual(['web'])
    repo.apply(key, planUpgrade([{ ...repo.latest(key)!, status: 'DEPLOYED' }], { chart, config: { a: 1 }, values: { a: 1 }, now: t0, schedule: at(9) }))
    expect(repo.latest(key)?.revision).toBe(2)
    expect(repo.list(key, { namespace: 'ns' })[0]?.revision).toBe(2)
  })

  it('a rolled-back write leaves no trace in the caches, even if read inside its transaction', () => {
    const repo = new SqliteReleaseRepository(openDatabase(':memory:'))
    expect(() =>
      repo.transaction(() => {
        repo.apply(key, install())
        expect(repo.latest(key)?.revision).toBe(1)
        expect(repo.list(key, {})).toHaveLength(1)
        expect(repo.pendingWork(new Date(t0.getTime() + 10_000)).due).toBe(true)
        throw new Error('abort')
      }),
    ).toThrow('abort')
    expect(repo.latest(key)).toBeNull()
    expect(repo.list(key, {})).toEqual([])
    expect(repo.pendingWork(new Date(t0.getTime() + 10_000)).due).toBe(false)
  })

  it('pending work falls due by the clock without another query, and a scope delete forgets everything', () => {
    const repo = new SqliteReleaseRepository(openDatabase(':memory:'))
    repo.apply(key, install(key, 5))
    expect(repo.pendingWork(new Date(t0.getTime() + 4_000))).toEqual({ due: false, counting: false })
    expect(repo.pendingWork(new Date(t0.getTime() + 5_000))).toEqual({ due: true, counting: false })
    expect(repo.deleteWhere({ projectId: 'p' })).toBe(1)
    expect(repo.latest(key)).toBeNull()
    expect(repo.list(key, {})).toEqual([])
    expect(repo.pendingWork(new Date(t0.getTime() + 5_000)).due).toBe(false)
  })
})
