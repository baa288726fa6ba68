import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { returnMemorySoon } from '../../src/control/release-memory.js'

describe('returnMemorySoon', () => {
  it('collects on the next turn and leaves V8 flags as they were (code caches are stamped with them)', async () => {
    returnMemorySoon()
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
    // Contexts made after it get no gc: --expose-gc is off again.
    expect(runInNewContext('typeof gc')).toBe('undefined')
  })
})
