/**
 * The answer bytes of each release's latest revision are kept in the database at write time
 * (release_answers: migration 010), so lists and shows of releases not in memory
 * send stored bytes. Stored bytes must never be stale: after every kind of write, an app started
 * afresh on the same database (empty caches, so every answer is read from the tables) answers
 * byte for byte what the app that wrote answers, and what the response schema makes of the
 * revision history (release_revisions, the source of truth).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { defaultConfig } from '../../src/config.js'
import { seededRandom } from '../../src/releases/progression.js'
import { KEPT_ANSWER_MAX } from '../../src/storage/release-repository.js'
import { releaseListBytes } from '../../src/wire/cce/release-mapper.js'
import { AUTH, buildTestApp, createBody, TEST_CHART_ID, TEST_CHART_V2_ID, type TestApp } from '../helpers/app.js'

const BASE = '/cce/cam/v3/clusters/c1'
const item = (name: string) => `${BASE}/namespace/project01/releases/${name}`
const json = { ...AUTH, 'content-type': 'application/json' }
const URLS = [`${BASE}/releases`, `${BASE}/releases?namespace=project01`, `${BASE}/releases?chart_id=${TEST_CHART_V2_ID}`, item('web'), item('other'), item('quiet')]

let t: TestApp
afterEach(async () => t?.close())

const write = async (method: 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) => {
  const res = await t.app.inject({ method, url, headers: body === undefined ? AUTH : json, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) })
  expect(res.statusCode, res.payload).toBeLessThan(300)
}

/** Every answer from the app that wrote, from a fresh app on its database, and from the history. */
async function expectStoredAnswersCurrent() {
  const fresh = await buildApp({ config: defaultConfig({ db: ':memory:' }), db: t.db, clock: t.clock, logger: false, random: seededRandom(7) })
  try {
    for (const url of URLS) {
      const mine = await t.app.inject({ method: 'GET', url, headers: AUTH })
      const theirs = await fresh.app.inject({ method: 'GET', url, headers: AUTH })
      expect(theirs.statusCode, url).toBe(mine.statusCode)
      expect(theirs.payload, url).toBe(mine.payload)
    }
    const scope = { projectId: 'default', flavor: 'cce' as const, clusterId: 'c1' }
    const truth = fresh.releases.list(scope, {}).map((r) => fresh.releases.history(r.key).at(-1)!)
    expect((await fresh.app.inject({ method: 'GET', url: `${BASE}/releases`, headers: AUTH })).rawPayload.equals(releaseListBytes(truth))).toBe(true)
  } finally {
    await fresh.app.close()
  }
}

describe('answers stored with the latest revision', () => {
  it('are current after create, settle, upgrade, rollback, a completed pending upgrade, delete and reset', async () => {
    t = await buildTestApp()
    await write('PUT', '/_emulator/lifecycle', { operations: { install: { mode: 'time', delay_ms: 10_000 }, upgrade: { mode: 'manual' } } })
    await write('POST', `${BASE}/releases`, createBody('web'))
    await write('POST', `${BASE}/releases`, createBody('other'))
    await expectStoredAnswersCurrent()
    // Settled with nothing in memory (no read since its create): its kept answer is restated.
    await write('POST', `${BASE}/releases`, createBody('quiet'))
    await write('POST', '/_emulator/clock/advance', { seconds: 11 })
    await expectStoredAnswersCurrent()
    expect(t.db.prepare("SELECT status FROM release_answers WHERE name = 'quiet'").pluck().get()).toBe('DEPLOYED')
    await write('PUT', item('web'), { chart_id: TEST_CHART_V2_ID, action: 'upgrade', values: { v: 2 } })
    await expectStoredAnswersCurrent()
    await write('POST', '/_emulator/releases/cce/c1/project01/web/complete', {})
    await expectStoredAnswersCurrent()
    await write('PUT', item('web'), { chart_id: TEST_CHART_ID, action: 'rollback', parameters: { release_version: 1 } })
    await expectStoredAnswersCurrent()
    await write('DELETE', item('web'))
    await expectStoredAnswersCurrent()
    await write('POST', '/_emulator/reset', { cluster_id: 'c1' })
    await expectStoredAnswersCurrent()
    expect(t.db.prepare('SELECT count(*) FROM release_answers').pluck().get()).toBe(0)
  })

  it('are removed by the database as soon as they stop showing the latest revision as it is (migration 011)', async () => {
    t = await buildTestApp()
    await write('POST', `${BASE}/releases`, createBody('web'))
    await write('POST', `${BASE}/releases`, createBody('other'))
    await write('POST', `${BASE}/releases`, createBody('quiet'))
    await t.app.inject({ method: 'GET', url: `${BASE}/releases`, headers: AUTH })
    const kept = () => t.db.prepare('SELECT name FROM release_answers ORDER BY name').pluck().all()
    expect(kept()).toEqual(['other', 'quiet', 'web'])
    // Whatever writes the tables (here, SQL behind the repository's back), a stale answer does not survive it:
    // the state of the answered revision changes...
    t.db.prepare("UPDATE release_revisions SET status = 'FAILED', description = 'edited' WHERE name = 'web'").run()
    // ...the release's latest revision moves...
    t.db.prepare("INSERT INTO release_revisions SELECT project_id, flavor, cluster_id, namespace, name, 2, status, 'second', chart_id, chart_name, chart_version, chart_public, config_json, values_json, defaults_hash, first_deployed_at, updated_at FROM release_revisions WHERE name = 'other'").run()
    t.db.prepare("UPDATE releases SET latest_revision = 2 WHERE name = 'other'").run()
    expect(kept()).toEqual(['quiet'])
    // ...or the answered revision goes.
    t.db.prepare("DELETE FROM release_revisions WHERE name = 'quiet'").run()
    expect(kept()).toEqual([])
    t.db.prepare("DELETE FROM releases WHERE name = 'quiet'").run()
    // An app reading these tables afresh (no cache) answers the revisions as they are.
    const fresh = await buildApp({ config: defaultConfig({ db: ':memory:' }), db: t.db, clock: t.clock, logger: false, random: seededRandom(7) })
    try {
      const show = (name: string) => fresh.app.inject({ method: 'GET', url: item(name), headers: AUTH })
      expect(JSON.parse((await show('web')).payload)).toMatchObject({ status: 'FAILED', description: 'edited', version: 1 })
      expect(JSON.parse((await show('other')).payload)).toMatchObject({ description: 'second', version: 2 })
      expect((await show('quiet')).statusCode).toBe(404)
      const listed = JSON.parse((await fresh.app.inject({ method: 'GET', url: `${BASE}/releases?namespace=project01`, headers: AUTH })).payload)
      expect(listed.map((r: { name: string; version: number; status: string }) => `${r.name}:${r.version}:${r.status}`)).toEqual(['other:2:DEPLOYED', 'web:1:FAILED'])
    } finally {
      await fresh.app.close()
    }
  })

  it('answer streamed lists page by page from release_answers alone, and pages where some release has none from the revisions', async () => {
    t = await buildTestApp()
    const { WHOLE_LIST_MAX, LIST_PAGE } = await import('../../src/wire/cce/release-routes.js')
    const scope = { projectId: 'default', flavor: 'cce' as const, clusterId: 'big' }
    const n = WHOLE_LIST_MAX + 2 * LIST_PAGE + 7
    for (let i = 0; i < n; i++) t.releases.create(scope, { name: `r${String(i).padStart(5, '0')}`, namespace: i < 20 ? 'a' : 'b', chartId: TEST_CHART_ID, version: '1.0.0', values: { i }, dryRun: false })
    // Some releases keep no answer (as if written before migration 010): their pages join the revisions.
    t.db.prepare("DELETE FROM release_answers WHERE name IN ('r00003', 'r00500', 'r01250')").run()
    const fresh = await buildApp({ config: defaultConfig({ db: ':memory:' }), db: t.db, clock: t.clock, logger: false, random: seededRandom(7) })
    try {
      for (const filter of [{}, { namespace: 'a' }, { namespace: 'b' }]) {
        const truth = fresh.releases.list(scope, filter).map((r) => fresh.releases.history(r.key).at(-1)!)
        const query = 'namespace' in filter ? `?namespace=${filter.namespace}` : ''
        const res = await fresh.app.inject({ method: 'GET', url: `/cce/cam/v3/clusters/big/releases${query}`, headers: AUTH })
        expect(res.statusCode).toBe(200)
        expect(JSON.parse(res.payload).length, query).toBe(truth.length)
        expect(res.rawPayload.equals(releaseListBytes(truth)), query).toBe(true)
      }
    } finally {
      await fresh.app.close()
    }
  })

  it('are sent as stored only in the format of this emulator, and not kept over KEPT_ANSWER_MAX', async () => {
    t = await buildTestApp()
    await write('POST', `${BASE}/releases`, createBody('web'))
    await write('POST', `${BASE}/releases`, createBody('big', { values: { blob: 'x'.repeat(KEPT_ANSWER_MAX) } }))
    await t.app.inject({ method: 'GET', url: `${BASE}/releases`, headers: AUTH })
    expect(t.db.prepare('SELECT name FROM release_answers').pluck().all()).toEqual(['web'])
    const fresh = async () => buildApp({ config: defaultConfig({ db: ':memory:' }), db: t.db, clock: t.clock, logger: false, random: seededRandom(7) })
    // The stored bytes are what is sent: marked, they show (so the tables, not a recomputation, answered)...
    const stored = t.db.prepare("SELECT answer FROM release_answers WHERE name = 'web'").pluck().get() as Buffer
    t.db.prepare("UPDATE release_answers SET answer = CAST(replace(CAST(answer AS TEXT), '\"web\"', '\"WEB\"') AS BLOB) WHERE name = 'web'").run()
    let app = await fresh()
    expect(JSON.parse((await app.app.inject({ method: 'GET', url: item('web'), headers: AUTH })).payload).name).toBe('WEB')
    await app.app.close()
    // ...unless another serializer wrote them.
    t.db.prepare("UPDATE release_answers SET answer_format = 'cce-release/0/other' WHERE name = 'web'").run()
    app = await fresh()
    expect((await app.app.inject({ method: 'GET', url: item('web'), headers: AUTH })).rawPayload.equals(stored)).toBe(true)
    expect(JSON.parse((await app.app.inject({ method: 'GET', url: `${BASE}/releases`, headers: AUTH })).payload).map((r: { name: string }) => r.name)).toEqual(['big', 'web'])
    await app.app.close()
  })
})
