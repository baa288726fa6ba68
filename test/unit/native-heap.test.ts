import { readFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { trimNativeHeap } from '../../src/storage/native-heap.js'

const glibc = process.platform === 'linux' && !readFileSync('/proc/self/maps', 'utf8').includes('musl')

describe('trimNativeHeap', () => {
  it('runs glibc malloc_trim through the extension loader where there is one, and SQLite works on afterwards', () => {
    // Freed native memory to hand back: Buffers outside V8's heap.
    let chunks: Buffer[] | null = Array.from({ length: 200 }, () => Buffer.alloc(64 * 1024, 1))
    expect(chunks).toHaveLength(200)
    chunks = null
    expect(trimNativeHeap()).toBe(glibc)
    expect(trimNativeHeap()).toBe(glibc)
    const db = new Database(':memory:')
    expect(db.prepare('SELECT 1 + 1').pluck().get()).toBe(2)
    db.close()
  })
})
