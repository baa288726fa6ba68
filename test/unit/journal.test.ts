import { describe, expect, it } from 'vitest'
import { JOURNAL_BODY_LIMIT, JOURNAL_HELD_BYTES, Journal, keepBody, keptText, type JournalEntry } from '../../src/control/journal.js'

const entry = (status: number, path = '/p'): Omit<JournalEntry, 'id'> => ({
  time: '2026-01-01T00:00:00.000Z', method: 'GET', path, query: '', route: null, operation: null, dialect: null, flavor: null,
  project_id: null, cluster_id: null, namespace: null, name: null, status, duration_ms: 1, request_id: 'r', request_headers: {},
  request_body: null, request_body_truncated: false, response_body: null, response_body_truncated: false, fault: null,
})

describe('the request journal', () => {
  it('builds a deferred entry on its first read only, once, and counts it at once', () => {
    const journal = new Journal(3)
    let builds = 0
    journal.defer(500, () => (builds++, entry(500, '/deferred')))
    expect(builds).toBe(0)
    expect(journal.total).toBe(1)
    expect(journal.errors).toBe(1)
    expect(journal.list()).toMatchObject([{ id: 1, path: '/deferred', status: 500 }])
    expect(journal.list({ status: 500 })).toHaveLength(1)
    expect(builds).toBe(1)
  })

  it('never builds entries the ring has already dropped', () => {
    const journal = new Journal(2)
    const built: number[] = []
    for (let i = 1; i <= 5; i++) journal.defer(200, () => (built.push(i), entry(200, `/${i}`)))
    expect(journal.list().map((e) => e.path)).toEqual(['/5', '/4'])
    expect(built.sort()).toEqual([4, 5])
  })

  it('keeps a short body by reference and clips a long one at once', () => {
    const short = Buffer.from('{"a":1}')
    expect(keepBody(short)).toBe(short)
    const long = Buffer.alloc(JOURNAL_BODY_LIMIT * 100, 0x61)
    const kept = keepBody(long)
    expect(Buffer.isBuffer(kept)).toBe(false)
    expect(keptText(kept)).toEqual({ text: 'a'.repeat(JOURNAL_BODY_LIMIT), truncated: true })
    expect(keptText(keepBody('x'.repeat(JOURNAL_BODY_LIMIT + 1)))).toMatchObject({ truncated: true })
    expect(keptText(null)).toEqual({ text: null, truncated: false })
  })
})

describe('large answers in the journal', () => {
  const held = (body: Buffer) => ({ held: body, build: () => ({ ...entry(200), response_body: keptText(body).text, response_body_truncated: keptText(body).truncated }) })

  it('are referred to, each distinct body counted once, and let go when their entries are dropped or built', () => {
    const journal = new Journal(2)
    const big = Buffer.alloc(JOURNAL_BODY_LIMIT * 3, 0x62)
    for (let i = 0; i < 2; i++) {
      expect(journal.hold(big)).toBe(true)
      journal.defer(200, held(big))
    }
    expect(journal.heldBytes).toBe(big.length)
    journal.defer(200, () => entry(200))
    expect(journal.heldBytes).toBe(big.length)
    expect(journal.list()[1]).toMatchObject({ response_body: 'b'.repeat(JOURNAL_BODY_LIMIT), response_body_truncated: true })
    expect(journal.heldBytes).toBe(0)
  })

  it('are refused past JOURNAL_HELD_BYTES of distinct bodies (the caller clips those), and by a disabled journal', () => {
    const journal = new Journal(1000)
    const first = Buffer.alloc(JOURNAL_HELD_BYTES - 10)
    expect(journal.hold(first)).toBe(true)
    expect(journal.hold(Buffer.alloc(JOURNAL_BODY_LIMIT + 1))).toBe(false)
    expect(journal.hold(first)).toBe(true)
    journal.clear()
    expect(journal.heldBytes).toBe(0)
    expect(new Journal(0).hold(first)).toBe(false)
  })
})
