/**
 * Stored answers kept in memory for shows (AnswerCache): bounded by bytes, oldest out first, one
 * copy of each answer (a namespace list's bytes are lent to its items' shows), and never an
 * answer a write, or a refused write read inside its transaction, made stale.
 */
import { describe, expect, it } from 'vitest'
import { planInstall, planUpgrade, type Schedule } from '../../src/releases/lifecycle.js'
import type { ReleaseKey, ReleaseStatus, Revision } from '../../src/releases/release.js'
import { AnswerCache } from '../../src/storage/answer-cache.js'
import { openDatabase } from '../../src/storage/db.js'
import { SqliteReleaseRepository, type AnswerCodec } from '../../src/storage/release-repository.js'

const chart = { id: 'chart', name: 'nginx', version: '1.0.0', public: false }
const t0 = new Date('2026-01-01T00:00:00Z')
const at: Schedule = { dueAt: null, outcome: 'succeed', failureReason: null }
const keyOf = (namespace: string, name: string): ReleaseKey => ({ projectId: 'p', flavor: 'cce', clusterId: 'c', namespace, name })
const scope = keyOf('', '')
const install = (k: ReleaseKey) => planInstall([], { key: k, chart, config: {}, values: {}, now: t0, schedule: at })
const upgrade = (repo: SqliteReleaseRepository, k: ReleaseKey) =>
  repo.apply(k, planUpgrade(repo.history(k).map((r) => ({ ...r, status: 'DEPLOYED' as const })), { chart, config: { x: 1 }, values: { x: 1 }, now: t0, schedule: at }))

/** A codec whose answer is the item's name, revision and status, recording what each revision was handed. */
function recordingCodec() {
  const adopted = new WeakMap<Revision, Buffer>()
  const answerOf = (r: { key: ReleaseKey; revision: number; status: ReleaseStatus }) => `"${r.key.namespace}/${r.key.name}@${r.revision}:${r.status}"`
  const codec: AnswerCodec = {
    format: 'test/1',
    render: (r) => Buffer.from(answerOf(r)),
    adopt: (r, bytes) => adopted.set(r, bytes),
    adoptList: () => {},
    joints: { open: '[', separator: ',', close: ']' },
    adoptJoinedList: () => {},
    restate: (bytes, status) => Buffer.from(bytes.toString().replace(/:[A-Z_]+"$/, `:${status}"`)),
  }
  /** What a show answers: the bytes the revision was handed. */
  const shown = (r: Revision | null) => (r ? adopted.get(r)?.toString() : undefined)
  return { codec, shown }
}

const revisionOf = (name: string) => ({ key: keyOf('ns', name) }) as Revision

describe('AnswerCache', () => {
  it('holds answers up to its byte budget, oldest out first; an answer kept again is the newest', () => {
    const cache = new AnswerCache(30)
    for (const name of ['a', 'b', 'c']) cache.copy(keyOf('ns', name), revisionOf(name), Buffer.from(`${name}`.repeat(10)))
    cache.copy(keyOf('ns', 'a'), revisionOf('a'), Buffer.from('A'.repeat(10)))
    cache.copy(keyOf('ns', 'd'), revisionOf('d'), Buffer.from('d'.repeat(10)))
    expect(['a', 'b', 'c', 'd'].map((name) => cache.get(keyOf('ns', name))?.bytes().toString() ?? null)).toEqual(['A'.repeat(10), null, 'c'.repeat(10), 'd'.repeat(10)])
    cache.delete(keyOf('ns', 'c'))
    expect(cache.size).toBe(2)
    cache.clear()
    expect(cache.get(keyOf('ns', 'a'))).toBeUndefined()
  })

  it('keeps scopes apart, through a scope emptied and filled again', () => {
    const cache = new AnswerCache(1024)
    const inCluster = (clusterId: string): ReleaseKey => ({ ...keyOf('ns', 'a'), clusterId })
    cache.copy(inCluster('c1'), revisionOf('a'), Buffer.from('one'))
    cache.copy(inCluster('c2'), revisionOf('a'), Buffer.from('two'))
    expect([cache.get(inCluster('c1'))?.bytes().toString(), cache.get(inCluster('c2'))?.bytes().toString()]).toEqual(['one', 'two'])
    cache.delete(inCluster('c1'))
    expect(cache.get(inCluster('c1'))).toBeUndefined()
    cache.copy(inCluster('c1'), revisionOf('a'), Buffer.from('again'))
    expect([cache.get(inCluster('c1'))?.bytes().toString(), cache.get(inCluster('c2'))?.bytes().toString()]).toEqual(['again', 'two'])
    expect(cache.size).toBe(2)
  })

  it('copies an answer read alone rather than keeping the Buffer it came in', () => {
    const cache = new AnswerCache(1024)
    const read = Buffer.from('"answer"')
    const kept = cache.copy(keyOf('ns', 'a'), revisionOf('a'), read)
    read.fill(0)
    expect(kept.bytes().toString()).toBe('"answer"')
  })

  it('keeps its queue of places bounded however often the same answers are kept again', () => {
    const cache = new AnswerCache(1 << 20)
    for (let i = 0; i < 20_000; i++) cache.copy(keyOf('ns', `r${i % 10}`), revisionOf(`r${i % 10}`), Buffer.from(`${i}`))
    expect(cache.size).toBe(10)
    expect(cache.queued).toBeLessThanOrEqual(2 * 10 + 1024)
    expect(cache.get(keyOf('ns', 'r9'))!.bytes().toString()).toBe('19999')
  })
})

describe('shows answered from stored answers in memory', () => {
  it('a namespace list lends its items their answers: shows hand out the list items with their own bytes', () => {
    const { codec, shown } = recordingCodec()
    const db = openDatabase(':memory:')
    const writer = new SqliteReleaseRepository(db, undefined, codec)
    for (const name of ['b', 'a', 'c']) writer.apply(keyOf('ns', name), install(keyOf('ns', name)))
    // Nothing in memory: the list is read joined, and each show finds its item.
    const repo = new SqliteReleaseRepository(db, undefined, codec)
    const list = repo.listUpTo(scope, { namespace: 'ns' }, 100)!
    for (const r of list) {
      expect(repo.latest(r.key)).toBe(r)
      expect(shown(r)).toBe(`"ns/${r.key.name}@1:PENDING_INSTALL"`)
    }
  })

  it('a show read alone is kept: the next show is the same revision, with the same answer', () => {
    const { codec, shown } = recordingCodec()
    const db = openDatabase(':memory:')
    new SqliteReleaseRepository(db, undefined, codec).apply(keyOf('ns', 'a'), install(keyOf('ns', 'a')))
    const repo = new SqliteReleaseRepository(db, undefined, codec)
    const first = repo.latest(keyOf('ns', 'a'))
    expect(repo.latest(keyOf('ns', 'a'))).toBe(first)
    expect(shown(first)).toBe('"ns/a@1:PENDING_INSTALL"')
  })

  it('a write inside a transaction that is refused leaves no answer it made, even one a list or a show read inside it', () => {
    const { codec, shown } = recordingCodec()
    const db = openDatabase(':memory:')
    const repo = new SqliteReleaseRepository(db, undefined, codec)
    for (const name of ['a', 'b']) repo.apply(keyOf('ns', name), install(keyOf('ns', name)))
    const b = keyOf('ns', 'b')
    repo.listUpTo(scope, { namespace: 'ns' }, 100)
    expect(shown(repo.latest(b))).toBe('"ns/b@1:PENDING_INSTALL"')
    expect(() =>
      repo.transaction(() => {
        upgrade(repo, b)
        repo.listUpTo(scope, { namespace: 'ns' }, 100)
        expect(shown(repo.latest(b))).toMatch(/^"ns\/b@2:/)
        throw new Error('refused')
      }),
    ).toThrow('refused')
    expect(shown(repo.latest(b))).toBe('"ns/b@1:PENDING_INSTALL"')
    expect(repo.listUpTo(scope, { namespace: 'ns' }, 100)!.map((r) => r.revision)).toEqual([1, 1])
  })
})
