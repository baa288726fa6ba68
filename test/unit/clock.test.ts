import { describe, expect, it } from 'vitest'
import { OffsetClock, type Clock, type ClockState, type ClockStore } from '../../src/clock.js'

/** A host clock a test can set, backwards too. */
class HostClock implements Clock {
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms)
  }
}

class MemoryStore implements ClockStore {
  state: ClockState | null = null
  failing = false
  load(): ClockState | null {
    return this.state
  }
  save(state: ClockState): void {
    if (this.failing) throw new Error('disk full')
    this.state = { ...state }
  }
}

const T0 = Date.parse('2026-03-01T08:00:00Z')
const HOUR = 3_600_000

describe('OffsetClock with a store', () => {
  it('resumes an advance after a restart, and keeps following the host clock', () => {
    const host = new HostClock(T0)
    const store = new MemoryStore()
    OffsetClock.restore(store, host).advance(HOUR)
    expect(store.state).toEqual({ offsetMs: HOUR, readingMs: T0 + HOUR })

    host.ms = T0 + 5_000
    const again = OffsetClock.restore(store, host)
    expect(again.now().getTime()).toBe(T0 + HOUR + 5_000)
    expect(again.offsetMs).toBe(HOUR)
  })

  it('never restarts before its last saved reading when the host clock went back, and ticks on from there', () => {
    const host = new HostClock(T0)
    const store = new MemoryStore()
    OffsetClock.restore(store, host).advance(60_000)
    host.ms = T0 - HOUR
    const clock = OffsetClock.restore(store, host)
    expect(clock.now().getTime()).toBe(T0 + 60_000)
    host.ms += 1_000
    expect(clock.now().getTime()).toBe(T0 + 61_000)
    // The step back was absorbed into the offset and saved at start, so a second restart agrees.
    expect(OffsetClock.restore(store, host).now().getTime()).toBe(T0 + 61_000)
  })

  it('never goes backwards while running when the host clock steps back', () => {
    const host = new HostClock(T0)
    const clock = OffsetClock.restore(new MemoryStore(), host)
    const before = clock.now().getTime()
    host.ms -= 10 * 60_000
    expect(clock.now().getTime()).toBe(before)
    host.ms += 1
    expect(clock.now().getTime()).toBe(before + 1)
  })

  it('does not move when the advance cannot be stored', () => {
    const host = new HostClock(T0)
    const store = new MemoryStore()
    const clock = OffsetClock.restore(store, host)
    store.failing = true
    expect(() => clock.advance(HOUR)).toThrow('disk full')
    expect(clock.now().getTime()).toBe(T0)
    expect(clock.offsetMs).toBe(0)
  })

  it('saves its reading on checkpoint (clean shutdown), so a restart with the host clock behind resumes there', () => {
    const host = new HostClock(T0)
    const store = new MemoryStore()
    const clock = OffsetClock.restore(store, host)
    host.ms = T0 + 30 * 60_000
    clock.checkpoint()
    host.ms = T0
    expect(OffsetClock.restore(store, host).now().getTime()).toBe(T0 + 30 * 60_000)
  })
})
