import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it, vi } from 'vitest'

const trims = vi.hoisted(() => ({ count: 0 }))
vi.mock('../../src/storage/native-heap.js', () => ({
  trimNativeHeap: () => {
    trims.count++
    return true
  },
}))

const { returnMemoryAfterStream } = await import('../../src/control/release-memory.js')

afterEach(() => {
  vi.useRealTimers()
})

describe('returnMemoryAfterStream', () => {
  it('gives memory back once for a burst of long streams, then again only after its interval, leaving V8 flags as they were', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] })
    trims.count = 0
    // Three long streams ending together: one collection and one trim.
    returnMemoryAfterStream()
    returnMemoryAfterStream()
    returnMemoryAfterStream()
    vi.advanceTimersByTime(1000)
    expect(trims.count).toBe(1)
    // Another one right after waits for the interval since the last collection.
    returnMemoryAfterStream()
    vi.advanceTimersByTime(500)
    expect(trims.count).toBe(1)
    vi.advanceTimersByTime(2000)
    expect(trims.count).toBe(2)
    // Contexts made after it get no gc: --expose-gc is off again (code caches are stamped with flags).
    expect(runInNewContext('typeof gc')).toBe('undefined')
  })
})
