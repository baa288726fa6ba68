/**
 * Lists of stored answers are joined by SQLite where they are read (#joinedPage): one Buffer per
 * list or streamed page. Its answer must be what joining the items' own answers gives, in key
 * order, never a stale one, and a range where some release has no current stored answer must be
 * answered from the revisions instead.
 */
import { describe, expect, it } from 'vitest'
import { planInstall, planUpgrade, type Schedule } from '../../src/releases/lifecycle.js'
import type { ReleaseKey, ReleaseStatus, Revision } from '../../src/releases/release.js'
import { openDatabase } from '../../src/storage/db.js'
import { SqliteReleaseRepository, type AnswerCodec } from '../../src/storage/release-repository.js'

const chart = { id: 'chart', name: 'nginx', version: '1.0.0', public: false }
const t0 = new Date('2026-01-01T00:00:00Z')
const at: Schedule = { dueAt: null, outcome: 'succeed', failureReason: null }
const keyOf = (namespace: string, name: string): ReleaseKey => ({ projectId: 'p', flavor: 'cce', clusterId: 'c', namespace, name })
const scope = keyOf('', '')

/** A codec whose answer is the item's name, revision and status; names starting with "big" keep none. */
function recordingCodec() {
  const joined = new WeakMap<readonly Revision[], string>()
  const byItems = new WeakMap<readonly Revision[], string>()
  const answerOf = (r: { key: ReleaseKey; revision: number; status: ReleaseStatus }) => `"${r.key.namespace}/${r.key.name}@${r.revision}:${r.status}"`
  const codec: AnswerCodec = {
    format: 'test/1',
    render: (r) => (r.key.name.startsWith('big') ? null : Buffer.from(answerOf(r))),
    adopt: () => {},
    adoptList: (list, items) => byItems.set(list, `[${items.map((b) => b.toString()).join(',')}]`),
    joints: { open: '[', separator: ',', close: ']' },
    adoptJoinedList: (list, bytes) => joined.set(list, bytes.toString()),
    restate: (bytes, status) => Buffer.from(bytes.toString().replace(/:[A-Z_]+"$/, `:${status}"`)),
  }
  return { codec, joined, byItems, answerOf }
}

const install = (k: ReleaseKey) => planInstall([], { key: k, chart, config: {}, values: {}, now: t0, schedule: at })

describe('lists joined by SQLite', () => {
  it('a namespace list of stored answers is one joined answer, in key order, current after every write', () => {
    const { codec, joined, answerOf } = recordingCodec()
    const repo = new SqliteReleaseRepository(openDatabase(':memory:'), undefined, codec)
    for (const name of ['b', 'a', 'c']) repo.apply(keyOf('ns', name), install(keyOf('ns', name)))
    repo.apply(keyOf('other', 'z'), install(keyOf('other', 'z')))
    const list = repo.listUpTo(scope, { namespace: 'ns' }, 100)!
    expect(list.map((r) => r.key.name)).toEqual(['a', 'b', 'c'])
    expect(joined.get(list)).toBe(`[${list.map(answerOf).join(',')}]`)
    // An upgrade of one item: the next list joins its new answer, not the one read before.
    const b = keyOf('ns', 'b')
    repo.apply(b, planUpgrade(repo.history(b).map((r) => ({ ...r, status: 'DEPLOYED' as const })), { chart, config: { x: 1 }, values: { x: 1 }, now: t0, schedule: at }))
    const after = repo.listUpTo(scope, { namespace: 'ns' }, 100)!
    expect(after.map((r) => `${r.key.name}@${r.revision}`)).toEqual(['a@1', 'b@2', 'c@1'])
    expect(joined.get(after)).toBe(`[${after.map(answerOf).join(',')}]`)
    // A fresh repository (nothing in memory) reads the same answer from SQLite alone.
    const cold = new SqliteReleaseRepository((repo as unknown as { db: ReturnType<typeof openDatabase> }).db, undefined, codec).listUpTo(scope, { namespace: 'ns' }, 100)!
    expect(joined.get(cold)).toBe(joined.get(after))
  })

  it('a release without a stored answer sends its list, or the streamed page holding it, to the revisions', () => {
    const { codec, joined, byItems } = recordingCodec()
    const repo = new SqliteReleaseRepository(openDatabase(':memory:'), undefined, codec)
    for (const name of ['a', 'big', 'c']) repo.apply(keyOf('ns', name), install(keyOf('ns', name)))
    const list = repo.listUpTo(scope, { namespace: 'ns' }, 100)!
    expect(list.map((r) => r.key.name)).toEqual(['a', 'big', 'c'])
    expect(joined.has(list)).toBe(false)
    expect(byItems.has(list)).toBe(false)
    // Pages of a stream: the page without the answerless release is joined, the one with it is not.
    for (const name of ['d', 'e']) repo.apply(keyOf('ns', name), install(keyOf('ns', name)))
    const first = repo.listPage(scope, {}, null, 2)
    const second = repo.listPage(scope, {}, { namespace: 'ns', name: 'c' }, 2)
    expect(first.map((r) => r.key.name)).toEqual(['a', 'big'])
    expect(joined.has(first)).toBe(false)
    expect(second.map((r) => r.key.name)).toEqual(['d', 'e'])
    expect(joined.get(second)).toBe('["ns/d@1:PENDING_INSTALL","ns/e@1:PENDING_INSTALL"]')
  })

  it('item fields holding the separator (NUL) or empty ones never shift the items: such a list is read by rows', () => {
    const { codec, joined, answerOf } = recordingCodec()
    const repo = new SqliteReleaseRepository(openDatabase(':memory:'), undefined, codec)
    const withDescription = (k: ReleaseKey, description: string) => {
      const fx = install(k)
      return { ...fx, insert: { ...fx.insert!, description } }
    }
    repo.apply(keyOf('ns', 'a'), withDescription(keyOf('ns', 'a'), ''))
    repo.apply(keyOf('ns', 'b'), withDescription(keyOf('ns', 'b'), 'x\0y'))
    repo.apply(keyOf('ns', 'c'), install(keyOf('ns', 'c')))
    const fresh = new SqliteReleaseRepository((repo as unknown as { db: ReturnType<typeof openDatabase> }).db, undefined, codec)
    const list = fresh.listUpTo(scope, { namespace: 'ns' }, 100)!
    expect(list.map((r) => [r.key.name, r.description])).toEqual([['a', ''], ['b', 'x\0y'], ['c', list[2]!.description]])
    expect(joined.has(list)).toBe(false)
    // Without the NUL, an empty description joins and splits back in place.
    fresh.apply(keyOf('ns', 'b'), { ...install(keyOf('ns', 'b')), insert: null, updates: [{ revision: 1, status: 'DEPLOYED', description: 'ok' }], prune: [], pending: null })
    const after = fresh.listUpTo(scope, { namespace: 'ns' }, 100)!
    expect(after.map((r) => [r.key.name, r.description])).toEqual([['a', ''], ['b', 'ok'], ['c', list[2]!.description]])
    expect(joined.get(after)).toBe(`[${after.map(answerOf).join(',')}]`)
  })
})
