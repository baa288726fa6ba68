/** RevisionTimes: the repository it hands the release service is the same store, apply() observed. */
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/clock.js'
import { RevisionTimes } from '../../src/control/revision-times.js'
import type { Effects } from '../../src/releases/lifecycle.js'
import type { ReleaseRepository } from '../../src/releases/ports.js'
import type { PendingOperation, ReleaseKey } from '../../src/releases/release.js'

const key: ReleaseKey = { projectId: 'p', flavor: 'cce', clusterId: 'c', namespace: 'n', name: 'web' }
const none: Effects = { insert: null, updates: [], purge: false, pending: undefined, prune: [] }

/** A store with a private field and a method the port may gain later. */
class Store {
  #pending: PendingOperation | null = null
  applied = 0
  pending(): PendingOperation | null {
    return this.#pending
  }
  apply(_key: ReleaseKey, fx: Effects): void {
    this.applied++
    if (fx.pending !== undefined) this.#pending = fx.pending
  }
  listPage(): string {
    return `page of ${this.applied}`
  }
}

describe('RevisionTimes', () => {
  it('passes every method through to the store (private fields, methods the port gains) and notes starts and ends', () => {
    const clock = new ManualClock('2026-03-01T08:00:00Z')
    const times = new RevisionTimes(clock)
    const store = new Store()
    const repo = times.observe(store as unknown as ReleaseRepository) as unknown as Store

    const op: PendingOperation = { key, operation: 'install', revision: 1, baseRevision: null, dueAt: new Date('2026-03-01T08:00:30Z'), outcome: 'succeed', failureReason: null }
    repo.apply(key, { ...none, pending: op })
    expect(times.get(key, 1)).toEqual({ operation: 'install', startedAt: new Date('2026-03-01T08:00:00Z'), endedAt: null })
    expect(repo.pending()).toEqual(op)
    expect(repo.listPage()).toBe('page of 1')

    // Settled by a read a minute later: it ended when it fell due.
    clock.advance(60_000)
    repo.apply(key, { ...none, pending: null })
    expect(times.get(key, 1)).toEqual({ operation: 'install', startedAt: new Date('2026-03-01T08:00:00Z'), endedAt: new Date('2026-03-01T08:00:30Z') })
    expect(store.applied).toBe(2)
  })

  it('forgets the revisions of the releases a reset removes, in its scope only', () => {
    const clock = new ManualClock('2026-03-01T08:00:00Z')
    const times = new RevisionTimes(clock)
    const repo = times.observe(new Store() as unknown as ReleaseRepository)
    const other: ReleaseKey = { ...key, namespace: 'm' }
    for (const k of [key, other]) repo.apply(k, { ...none, pending: { key: k, operation: 'install', revision: 1, baseRevision: null, dueAt: null, outcome: 'succeed', failureReason: null } })

    times.forget({ projectId: 'p', namespace: 'n' })
    expect(times.get(key, 1)).toBeUndefined()
    expect(times.get(other, 1)).toEqual({ operation: 'install', startedAt: new Date('2026-03-01T08:00:00Z'), endedAt: null })
    times.forget({})
    expect(times.get(other, 1)).toBeUndefined()
    expect(times.size).toBe(0)
  })

  it('forgets the oldest timing first once full; a timing noted again is the newest', () => {
    const times = new RevisionTimes(new ManualClock('2026-03-01T08:00:00Z'))
    const repo = times.observe(new Store() as unknown as ReleaseRepository)
    const start = (revision: number) =>
      repo.apply(key, { ...none, pending: { key, operation: 'upgrade', revision, baseRevision: null, dueAt: null, outcome: 'succeed', failureReason: null } })
    for (let revision = 1; revision <= 100_000; revision++) start(revision)
    start(1)
    start(100_001)
    expect(times.size).toBe(100_000)
    expect(times.get(key, 1)?.operation).toBe('upgrade')
    expect(times.get(key, 2)).toBeUndefined()
    expect(times.get(key, 3)?.operation).toBe('upgrade')
    expect(times.get(key, 100_001)?.operation).toBe('upgrade')
  })
})
