import { describe, expect, it } from 'vitest'
import { complete, planInstall, planRollback, planUpgrade, type Schedule } from '../../src/releases/lifecycle.js'
import type { ReleaseKey, Revision } from '../../src/releases/release.js'
import { openDatabase } from '../../src/storage/db.js'
import { GroupCommit } from '../../src/storage/group-commit.js'
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

/** What a reader would get from SQLite itself: a fresh repository on the same connection. */
const stored = (db: ReturnType<typeof openDatabase>, k: ReleaseKey = key) => new SqliteReleaseRepository(db).history(k)
const plain = (history: Revision[]) => JSON.parse(JSON.stringify(history)) as unknown

// Writes run in a per-turn batch (group-commit.ts) and the repository caches what a write makes
// and what is read inside the open batch: whatever a rollback takes back must not be answered.
describe('SqliteReleaseRepository caches inside a write batch', () => {
  function batched() {
    const db = openDatabase(':memory:')
    const commits: Array<() => void> = []
    const batch = new GroupCommit(db, (commit) => commits.push(commit))
    const repo = new SqliteReleaseRepository(db, batch)
    const commit = () => commits.splice(0).forEach((c) => c())
    return { db, batch, repo, commit }
  }

  it('keeps the history a write made (write-through), equal to what SQLite holds, through settle, upgrade, rollback and prune', () => {
    const { db, repo, commit } = batched()
    const later = (s: number) => new Date(t0.getTime() + s * 1000)
    repo.transaction(() => {
      repo.apply(key, planInstall(repo.history(key), { key, chart, config: { a: 1 }, values: { a: 1 }, now: t0, schedule: at(0) }))
    })
    let history = repo.history(key)
    repo.transaction(() => repo.apply(key, complete(history, repo.pending(key)!, 'succeed')))
    for (let i = 0; i < 12; i++) {
      history = repo.history(key)
      const fx = i % 3 === 2
        ? planRollback(history, { target: undefined, now: later(i), schedule: at(i) })
        : planUpgrade(history, { chart, config: { i }, values: { i }, now: later(i), schedule: at(i) })
      repo.transaction(() => repo.apply(key, fx))
      history = repo.history(key)
      repo.transaction(() => repo.apply(key, complete(history, repo.pending(key)!, i % 4 === 3 ? 'fail' : 'succeed')))
      expect(plain(repo.history(key))).toEqual(plain(stored(db)))
      expect(plain([repo.latest(key)!])).toEqual(plain(stored(db).slice(-1)))
    }
    commit()
    expect(repo.history(key)).toHaveLength(10)
    expect(plain(repo.history(key))).toEqual(plain(stored(db)))
  })

  it('forgets what a write inside the batch made when an outer transaction refuses it afterwards', () => {
    const { repo, batch, commit } = batched()
    const other = { ...key, name: 'other' }
    repo.transaction(() => repo.apply(other, install(other)))
    expect(() =>
      batch.run(() => {
        // As Cloudpods does: the core write succeeds, then its own step refuses the whole write.
        repo.transaction(() => repo.apply(key, planInstall(repo.history(key), { key, chart, config: {}, values: {}, now: t0, schedule: at(5) })))
        expect(repo.latest(key)?.status).toBe('PENDING_INSTALL')
        expect(repo.history(key)).toHaveLength(1)
        expect(repo.list(key, {})).toHaveLength(2)
        throw new Error('refused after the core write')
      }),
    ).toThrow('refused')
    expect(repo.latest(key)).toBeNull()
    expect(repo.history(key)).toEqual([])
    expect(repo.list(key, {}).map((r) => r.key.name)).toEqual(['other'])
    commit()
    expect(repo.latest(other)?.status).toBe('PENDING_INSTALL')
    expect(repo.latest(key)).toBeNull()
  })

  it('forgets everything when a refused write had reset a whole scope', () => {
    const { repo, batch, commit } = batched()
    repo.transaction(() => repo.apply(key, install()))
    commit()
    expect(repo.latest(key)?.revision).toBe(1)
    expect(() =>
      batch.run(() => {
        repo.deleteWhere({ projectId: 'p' })
        expect(repo.latest(key)).toBeNull()
        throw new Error('refused')
      }),
    ).toThrow('refused')
    expect(repo.latest(key)?.revision).toBe(1)
    expect(repo.list(key, {})).toHaveLength(1)
  })

  it('forgets the whole batch when SQLite loses it', async () => {
    const { db, repo, batch, commit } = batched()
    repo.transaction(() => repo.apply(key, install()))
    expect(repo.latest(key)?.revision).toBe(1)
    const durable = batch.durable()
    db.exec('ROLLBACK')
    commit()
    await expect(durable).rejects.toThrow(/rolled back/)
    expect(repo.latest(key)).toBeNull()
    expect(repo.history(key)).toEqual([])
  })
})
