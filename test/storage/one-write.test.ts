/**
 * An operation that ends the moment it starts (the fast profile) is written once, already ended
 * (ReleaseService's oneWrite, lifecycle's completeAtOnce): the database, the answers and the
 * dashboard's timeline must be those of the two-step path, where the write stores the pending
 * state and the batch settles it before committing.
 */
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/clock.js'
import { RevisionTimes } from '../../src/control/revision-times.js'
import type { ChartCatalog } from '../../src/releases/ports.js'
import { ReleaseService } from '../../src/releases/release-service.js'
import type { ReleaseKey, Scope } from '../../src/releases/release.js'
import { LifecycleSettings, ProfileScheduler, type OutcomeOverride } from '../../src/releases/scheduler.js'
import { openDatabase } from '../../src/storage/db.js'
import { GroupCommit } from '../../src/storage/group-commit.js'
import { SqliteReleaseRepository } from '../../src/storage/release-repository.js'
import { releaseAnswers, releaseBytes } from '../../src/wire/cce/release-mapper.js'

const scope: Scope = { projectId: 'p', flavor: 'cce', clusterId: 'c' }
const chart = { id: 'chart', name: 'nginx', version: '1.0.0', public: false }
const catalog: ChartCatalog = {
  resolve: () => ({ ref: chart, defaults: { replicaCount: 1, image: { repository: 'nginx', tag: '1.25' } } }),
  resources: () => [],
}

function stack(oneWrite: boolean) {
  const db = openDatabase(':memory:')
  const commits: Array<() => void> = []
  const batch = new GroupCommit(db, (commit) => commits.push(commit))
  const repo = new SqliteReleaseRepository(db, batch, releaseAnswers)
  const clock = new ManualClock('2026-03-01T08:00:00Z')
  const times = new RevisionTimes(clock)
  let next: OutcomeOverride | null = null
  const scheduler = new ProfileScheduler(new LifecycleSettings('fast', () => 0.5), { decide: () => next })
  const releases = new ReleaseService({ repo: times.observe(repo), charts: catalog, clock, scheduler })
  // As the app does: due work joins the batch that made it.
  batch.beforeCommit(() => void releases.settleJoined(25))
  // What the path writes besides the final rows: pending operations, and revisions rewritten.
  db.exec(`CREATE TEMP TABLE writes (what TEXT);
    CREATE TEMP TRIGGER pending_written AFTER INSERT ON main.pending_operations BEGIN INSERT INTO writes VALUES ('pending'); END;
    CREATE TEMP TRIGGER revision_updated AFTER UPDATE ON main.release_revisions BEGIN INSERT INTO writes VALUES ('update ' || NEW.revision); END;`)
  const writes = () => (db.prepare('SELECT what FROM writes').pluck().all() as string[]).splice(0)
  const clearWrites = () => db.exec('DELETE FROM writes')
  /** One request: its write, then the batch's commit (settling what is due), the clock moving on. */
  const run = <T>(fn: () => T, outcome: OutcomeOverride | null = null): T => {
    next = outcome
    clearWrites()
    const result = batch.run(fn)
    commits.splice(0).forEach((c) => c())
    clock.advance(1500)
    return result
  }
  const dump = () =>
    Object.fromEntries(
      ['releases', 'release_revisions', 'pending_operations', 'release_answers'].map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3, 4, 5, 6`).all()]),
    )
  const key = (name: string): ReleaseKey => ({ ...scope, namespace: 'ns', name })
  const create = (name: string, outcome?: OutcomeOverride) =>
    run(() => releases.create(scope, { name, namespace: 'ns', chartId: 'chart', version: '1.0.0', values: { replicaCount: name.length }, dryRun: false, oneWrite }), outcome)
  const upgrade = (name: string, i: number, outcome?: OutcomeOverride) =>
    run(() => releases.upgrade(key(name), { chartId: 'chart', values: { i }, dryRun: false, resetValues: false, reuseValues: false, oneWrite }), outcome)
  const rollback = (name: string, target: number | undefined, outcome?: OutcomeOverride) =>
    run(() => releases.rollback(key(name), { target, dryRun: false, oneWrite }), outcome)
  return { db, releases, times, create, upgrade, rollback, dump, writes, key }
}

type Stack = ReturnType<typeof stack>

/** Every operation's answer and the writes it made besides its final rows. */
function script(s: Stack) {
  const answers: string[] = []
  const extra: string[][] = []
  const step = (r: Parameters<typeof releaseBytes>[0]) => {
    answers.push(releaseBytes(r).toString())
    extra.push(s.writes())
  }
  step(s.create('web'))
  for (let i = 0; i < 11; i++) step(s.upgrade('web', i))
  step(s.rollback('web', undefined))
  step(s.upgrade('web', 99, { outcome: 'fail', reason: 'image pull failed' }))
  step(s.rollback('web', 12, { outcome: 'unknown', reason: 'lost contact' }))
  step(s.create('api', { outcome: 'fail', reason: 'timed out' }))
  step(s.create('db', { outcome: 'unknown', reason: 'node lost' }))
  step(s.create('cache'))
  return { answers, extra }
}

describe('an operation that ends at once, written once', () => {
  it('leaves the rows, answers, history and timeline of the two-step path, without writing the pending state', () => {
    const one = stack(true)
    const two = stack(false)
    const a = script(one)
    const b = script(two)
    // The answers show each operation as it started (PENDING_*), on both paths.
    expect(a.answers).toEqual(b.answers)
    expect(a.answers[0]).toContain('"status":"PENDING_INSTALL"')
    expect(a.answers[1]).toContain('"status":"PENDING_UPGRADE"')
    expect(one.dump()).toEqual(two.dump())
    expect(one.dump().pending_operations).toEqual([])
    for (const name of ['web', 'api', 'db', 'cache']) {
      const key = one.key(name)
      expect(one.releases.history(key)).toEqual(two.releases.history(key))
      expect(releaseBytes(one.releases.get(key)).toString()).toEqual(releaseBytes(two.releases.get(key)).toString())
      for (const r of two.releases.history(key)) expect(one.times.get(key, r.revision)).toEqual(two.times.get(key, r.revision))
    }
    expect(one.releases.get(one.key('cache')).status).toBe('DEPLOYED')
    expect(one.releases.get(one.key('api')).status).toBe('FAILED')
    // One write: no pending operation stored, no revision rewritten by a create.
    expect(a.extra.flat().filter((w) => w === 'pending')).toEqual([])
    expect(a.extra[0]).toEqual([])
    expect(b.extra[0]).toEqual(['pending', 'update 1'])
    // An upgrade still supersedes its base, once.
    expect(a.extra[1]).toEqual(['update 1'])
  })
})
