import { describe, expect, it } from 'vitest'
import { complete, completeAtOnce, MAX_HISTORY, planInstall, planRollback, planUninstall, planUpgrade, type Effects, type Schedule } from '../../src/releases/lifecycle.js'
import type { PendingOperation, ReleaseKey, Revision } from '../../src/releases/release.js'
import { AlreadyExistsError, OperationPendingError, ValidationError } from '../../src/errors.js'

const key: ReleaseKey = { projectId: 'p', flavor: 'cce', clusterId: 'c', namespace: 'ns', name: 'web' }
const chart = { id: 'chart-1', name: 'nginx', version: '1.0.0', public: false }
const t0 = new Date('2026-01-01T00:00:00Z')
const now = (s: number) => new Date(t0.getTime() + s * 1000)
const soon: Schedule = { dueAt: now(5), outcome: 'succeed', failureReason: null }

/** Applies effects to an in-memory history the way the repository does. */
function apply(history: Revision[], fx: Effects): Revision[] {
  if (fx.purge) return []
  let next = fx.insert ? [...history, fx.insert] : [...history]
  next = next.map((r) => {
    const u = fx.updates.find((x) => x.revision === r.revision)
    return u ? { ...r, status: u.status, description: u.description } : r
  })
  return next.filter((r) => !fx.prune.includes(r.revision))
}

function install(): { history: Revision[]; pending: PendingOperation } {
  const fx = planInstall([], { key, chart, config: { a: 1 }, values: { a: 1 }, now: t0, schedule: soon })
  return { history: apply([], fx), pending: fx.pending! }
}

function deployed(): Revision[] {
  const { history, pending } = install()
  return apply(history, complete(history, pending, 'succeed'))
}

describe('install', () => {
  it('writes revision 1 as PENDING_INSTALL with Helm text and a due pending operation', () => {
    const { history, pending } = install()
    expect(history).toHaveLength(1)
    expect(history[0]).toMatchObject({ revision: 1, status: 'PENDING_INSTALL', description: 'Initial install underway' })
    expect(pending).toMatchObject({ operation: 'install', revision: 1, dueAt: now(5) })
  })

  it('completes to DEPLOYED "Install complete" or FAILED with Helm\'s failure text', () => {
    const { history, pending } = install()
    expect(apply(history, complete(history, pending, 'succeed'))[0]).toMatchObject({ status: 'DEPLOYED', description: 'Install complete' })
    expect(apply(history, complete(history, pending, 'fail', 'timed out'))[0]).toMatchObject({
      status: 'FAILED',
      description: 'Release "web" failed: timed out',
    })
  })

  it('refuses a name still in use, even while it is pending', () => {
    const { history } = install()
    expect(() => planInstall(history, { key, chart, config: {}, values: {}, now: t0, schedule: soon })).toThrow(AlreadyExistsError)
  })
})

describe('upgrade', () => {
  it('adds revision N+1 PENDING_UPGRADE and on success supersedes the base, keeping its description', () => {
    const h1 = deployed()
    const fx = planUpgrade(h1, { chart, config: { a: 2 }, values: { a: 2 }, now: now(10), schedule: soon })
    const h2 = apply(h1, fx)
    expect(h2[1]).toMatchObject({ revision: 2, status: 'PENDING_UPGRADE', description: 'Preparing upgrade', firstDeployedAt: t0 })
    const h3 = apply(h2, complete(h2, fx.pending!, 'succeed'))
    expect(h3.map((r) => [r.status, r.description])).toEqual([
      ['SUPERSEDED', 'Install complete'],
      ['DEPLOYED', 'Upgrade complete'],
    ])
  })

  it('is refused with "Update release is forbidden" while an operation is pending', () => {
    const { history } = install()
    expect(() => planUpgrade(history, { chart, config: {}, values: {}, now: t0, schedule: soon })).toThrow(OperationPendingError)
    expect(() => planUpgrade(history, { chart, config: {}, values: {}, now: t0, schedule: soon })).toThrow(/Update release is forbidden/)
  })

  it('a failed upgrade leaves the base DEPLOYED and the new revision FAILED', () => {
    const h1 = deployed()
    const fx = planUpgrade(h1, { chart, config: {}, values: {}, now: now(10), schedule: soon })
    const h2 = apply(h1, fx)
    const h3 = apply(h2, complete(h2, fx.pending!, 'fail', 'boom'))
    expect(h3.map((r) => r.status)).toEqual(['DEPLOYED', 'FAILED'])
    expect(h3[1]!.description).toBe('Upgrade "web" failed: boom')
  })

  it('allows upgrading a failed first install (Helm ≥ 3.3)', () => {
    const { history, pending } = install()
    const failed = apply(history, complete(history, pending, 'fail'))
    const fx = planUpgrade(failed, { chart, config: {}, values: {}, now: now(10), schedule: soon })
    expect(fx.insert).toMatchObject({ revision: 2, status: 'PENDING_UPGRADE' })
  })
})

describe('rollback', () => {
  it('copies the target into a new revision "Rollback to N" and supersedes every deployed revision', () => {
    const h1 = deployed()
    const up = planUpgrade(h1, { chart: { ...chart, version: '2.0.0' }, config: { a: 2 }, values: { a: 2 }, now: now(10), schedule: soon })
    let h = apply(h1, up)
    h = apply(h, complete(h, up.pending!, 'succeed'))
    const rb = planRollback(h, { target: 1, now: now(20), schedule: soon })
    h = apply(h, rb)
    expect(h[2]).toMatchObject({ revision: 3, status: 'PENDING_ROLLBACK', description: 'Rollback to 1', config: { a: 1 } })
    expect(h[2]!.chart.version).toBe('1.0.0')
    h = apply(h, complete(h, rb.pending!, 'succeed'))
    expect(h.map((r) => r.status)).toEqual(['SUPERSEDED', 'SUPERSEDED', 'DEPLOYED'])
    expect(h[2]!.description).toBe('Rollback to 1')
  })

  it('defaults to the previous revision and refuses a missing one, naming the field', () => {
    const h1 = deployed()
    expect(() => planRollback(h1, { target: undefined, now: t0, schedule: soon })).toThrow(/release has no 0 version/)
    try {
      planRollback(h1, { target: 7, now: t0, schedule: soon })
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError)
      expect((err as ValidationError).field).toBe('parameters.release_version')
    }
  })

  it('works on a stuck PENDING_UPGRADE, which keeps its status in history', () => {
    const h1 = deployed()
    const stuck = apply(h1, planUpgrade(h1, { chart, config: {}, values: {}, now: now(1), schedule: { dueAt: null, outcome: 'stick', failureReason: null } }))
    const rb = planRollback(stuck, { target: 1, now: now(2), schedule: soon })
    let h = apply(stuck, rb)
    h = apply(h, complete(h, rb.pending!, 'succeed'))
    expect(h.map((r) => r.status)).toEqual(['SUPERSEDED', 'PENDING_UPGRADE', 'DEPLOYED'])
    // …and upgrades are allowed again, since the latest revision is no longer pending.
    expect(() => planUpgrade(h, { chart, config: {}, values: {}, now: now(3), schedule: soon })).not.toThrow()
  })
})

describe('uninstall', () => {
  it('marks the latest revision DELETING and purges everything on success', () => {
    const h1 = deployed()
    const fx = planUninstall(h1, null, { now: now(1), schedule: soon })
    const h2 = apply(h1, fx)
    expect(h2[0]).toMatchObject({ status: 'DELETING', description: 'Deletion in progress (or silently failed)' })
    expect(apply(h2, complete(h2, fx.pending!, 'succeed'))).toEqual([])
  })

  it('a failed uninstall stays DELETING, and deleting twice keeps the first schedule', () => {
    const h1 = deployed()
    const fx = planUninstall(h1, null, { now: now(1), schedule: soon })
    const h2 = apply(h1, fx)
    expect(apply(h2, complete(h2, fx.pending!, 'fail'))[0]!.status).toBe('DELETING')
    const again = planUninstall(h2, fx.pending!, { now: now(2), schedule: soon })
    expect(again.pending).toBeUndefined()
    expect(again.updates).toEqual([])
  })
})

describe('history cap', () => {
  it(`keeps at most ${MAX_HISTORY} revisions and never prunes the newest DEPLOYED one`, () => {
    let h = deployed()
    for (let i = 0; i < 15; i++) {
      const fx = planUpgrade(h, { chart, config: { i }, values: { i }, now: now(i + 10), schedule: soon })
      h = apply(h, fx)
      // Every other upgrade fails, so the newest DEPLOYED revision falls further behind.
      h = apply(h, complete(h, fx.pending!, i >= 5 ? 'fail' : 'succeed'))
    }
    expect(h).toHaveLength(MAX_HISTORY)
    expect(h.at(-1)!.revision).toBe(16)
    expect(h.filter((r) => r.status === 'DEPLOYED').map((r) => r.revision)).toEqual([6])
  })
})

describe('completeAtOnce (an operation that ends the moment it starts, written once)', () => {
  const at0: Schedule = { dueAt: t0, outcome: 'succeed', failureReason: null }
  /** The two-step path: the plan applied, then its completion applied to what it left. */
  const twoStep = (h: Revision[], fx: Effects) => {
    const started = apply(h, fx)
    return apply(started, complete(started, fx.pending!, fx.pending!.outcome as 'succeed' | 'fail' | 'unknown'))
  }
  const outcomes = ['succeed', 'fail', 'unknown'] as const

  it.each(outcomes)('leaves the history of the two-step path: install, upgrades past the history cap, rollback (outcome %s)', (outcome) => {
    const s: Schedule = { ...at0, outcome, failureReason: outcome === 'succeed' ? null : 'boom' }
    const check = (h: Revision[], fx: Effects): Revision[] => {
      const once = completeAtOnce(h, fx, t0)!
      expect(once.pending).toBeNull()
      expect(once.ends).toEqual(fx.pending)
      const expected = twoStep(h, fx)
      expect(apply(h, once)).toEqual(expected)
      return expected
    }
    check([], planInstall([], { key, chart, config: { a: 1 }, values: { a: 1 }, now: t0, schedule: s }))
    let h = deployed()
    for (let i = 0; i < 12; i++) {
      const last = i === 11
      const fx = planUpgrade(h, { chart, config: { i }, values: { i }, now: now(i), schedule: last ? s : at0 })
      if (i > MAX_HISTORY) expect(fx.prune.length).toBeGreaterThan(0)
      const next = check(h, fx)
      if (!last) h = next
    }
    check(h, planRollback(h, { target: undefined, now: now(20), schedule: s }))
    check(h, planRollback(h, { target: 3, now: now(20), schedule: s }))
  })

  it('leaves an operation that does not end at once to the two-step path', () => {
    const plan = (schedule: Schedule) => planInstall([], { key, chart, config: {}, values: {}, now: t0, schedule })
    expect(completeAtOnce([], plan(soon), t0)).toBeNull()
    expect(completeAtOnce([], plan({ ...at0, outcome: 'stick' }), t0)).toBeNull()
    expect(completeAtOnce([], plan({ dueAt: null, outcome: 'succeed', failureReason: null, afterReads: 2 }), t0)).toBeNull()
    expect(completeAtOnce([], plan({ dueAt: null, outcome: 'succeed', failureReason: null }), t0)).toBeNull()
    // Uninstall inserts no revision: its answer is read back after the write.
    expect(completeAtOnce(deployed(), planUninstall(deployed(), null, { now: t0, schedule: at0 }), t0)).toBeNull()
  })
})
