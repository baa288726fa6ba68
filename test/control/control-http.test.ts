/**
 * The /_emulator control plane through HTTP (app.inject): each control a test suite needs to
 * exercise its polling, failure and retry paths without sleeping.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { AUTH, buildTestApp, createBody, TEST_CHART_ID, type TestApp } from '../helpers/app.js'
import { chartUpload } from '../helpers/multipart.js'

const BASE = '/cce/cam/v3/clusters/c1'
const item = (name: string, cluster = 'c1', ns = 'project01') => `/cce/cam/v3/clusters/${cluster}/namespace/${ns}/releases/${name}`

let t: TestApp
afterEach(async () => {
  await t?.close()
})

async function start(overrides: Parameters<typeof buildTestApp>[0] = {}) {
  t = await buildTestApp(overrides)
  return t
}

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = AUTH) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) })

const control = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, payload?: unknown) => call(method, `/_emulator${path}`, payload, {})

async function status(name: string, cluster = 'c1', ns = 'project01'): Promise<string> {
  const r = await call('GET', item(name, cluster, ns))
  expect(r.statusCode).toBe(200)
  return r.json().status
}

async function install(name: string, cluster = 'c1', ns = 'project01') {
  const r = await call('POST', `/cce/cam/v3/clusters/${cluster}/releases`, createBody(name, { namespace: ns }))
  expect(r.statusCode).toBe(201)
  return r.json()
}

const upgrade = (name: string, values: Record<string, unknown> = { replicas: 2 }) =>
  call('PUT', item(name), { chart_id: createBody(name).chart_id, action: 'upgrade', parameters: {}, values })
const rollback = (name: string, to: number) => call('PUT', item(name), { chart_id: createBody(name).chart_id, action: 'rollback', parameters: { release_version: to } })

describe('health', () => {
  it('answers 200 ready with version, uptime, database mode, seed and its checks', async () => {
    await start({ seed: 42 })
    const r = await control('GET', '/health')
    expect(r.statusCode).toBe(200)
    expect(r.json()).toMatchObject({ status: 'ready', database: 'memory', lifecycle: 'fast', seed: 42, checks: { database: true } })
    expect(r.json().version).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('answers 503 while a readiness check fails', async () => {
    await start()
    let loaded = false
    t.control.registerReadiness('charts', () => loaded)
    expect((await control('GET', '/health')).statusCode).toBe(503)
    expect((await control('GET', '/health')).json()).toMatchObject({ status: 'starting', checks: { charts: false } })
    loaded = true
    expect((await control('GET', '/health')).statusCode).toBe(200)
  })
})

describe('clock and lifecycle', () => {
  it('lets a Terraform-style poll loop see PENDING_INSTALL for exactly the configured time, then DEPLOYED', async () => {
    await start()
    const put = await control('PUT', '/lifecycle', { operations: { install: { mode: 'time', delay_ms: 30_000 }, uninstall: { mode: 'time', delay_ms: 0 } } })
    expect(put.statusCode).toBe(200)
    expect(put.json()).toMatchObject({ profile: 'custom', operations: { install: { mode: 'time', delay_ms: 30_000, jitter_ms: 0 } } })

    expect((await install('web')).status).toBe('PENDING_INSTALL')
    const seen: Array<[number, string]> = []
    // Terraform's StateChangeConf polls every few seconds; here time passes only when we say so.
    for (let elapsed = 0; elapsed <= 40; elapsed += 5) {
      seen.push([elapsed, await status('web')])
      await control('POST', '/clock/advance', { seconds: 5 })
    }
    expect(seen.filter(([, s]) => s === 'PENDING_INSTALL').map(([e]) => e)).toEqual([0, 5, 10, 15, 20, 25])
    expect(seen.filter(([, s]) => s === 'DEPLOYED').map(([e]) => e)).toEqual([30, 35, 40])
  })

  it('completes exactly at the due time, not a millisecond before', async () => {
    await start()
    await control('PUT', '/lifecycle', { operations: { install: { mode: 'time', delay_ms: 30_000 } } })
    await install('edge')
    await control('POST', '/clock/advance', { seconds: 29.999 })
    expect(await status('edge')).toBe('PENDING_INSTALL')
    const adv = await control('POST', '/clock/advance', { seconds: 0.001 })
    expect(adv.json()).toMatchObject({ settled: 1, advanceable: true })
    expect(await status('edge')).toBe('DEPLOYED')
  })

  it('reports the clock and refuses to move it backwards', async () => {
    await start()
    const before = (await control('GET', '/clock')).json()
    expect(before).toMatchObject({ now: '2026-03-01T08:00:00.000Z', offset_ms: 0 })
    const after = (await control('POST', '/clock/advance', { seconds: 90 })).json()
    expect(after).toMatchObject({ now: '2026-03-01T08:01:30.000Z', offset_ms: 90_000 })
    const back = await control('POST', '/clock/advance', { seconds: -1 })
    expect(back.statusCode).toBe(400)
    expect(back.json().error_code).toBe('CCE.01400001')
  })

  it('switches profiles at runtime and says deletes are instant while installs take 30 s', async () => {
    await start()
    expect((await control('GET', '/lifecycle')).json().profile).toBe('fast')
    const r = await control('PUT', '/lifecycle', { profile: 'realistic' })
    expect(r.json()).toMatchObject({ profile: 'realistic', operations: { install: { mode: 'time', delay_ms: 6000, jitter_ms: 3000 } } })
    const m = await control('PUT', '/lifecycle', { profile: 'manual' })
    expect(m.json().operations.upgrade).toEqual({ mode: 'manual', after_reads: null })
    expect((await control('PUT', '/lifecycle', { profile: 'slow' })).statusCode).toBe(400)
  })

  it('manual after N reads: the Nth show sees the outcome (moto manual progression)', async () => {
    await start()
    await control('PUT', '/lifecycle', { profile: 'manual', operations: { install: { mode: 'manual', after_reads: 3 } } })
    await install('polled')
    expect(await status('polled')).toBe('PENDING_INSTALL')
    expect(await status('polled')).toBe('PENDING_INSTALL')
    expect(await status('polled')).toBe('DEPLOYED')
    // Upgrades stay manual (no after_reads): they wait for a trigger however often they are read.
    expect((await upgrade('polled')).statusCode).toBe(200)
    for (let i = 0; i < 5; i++) expect(await status('polled')).toBe('PENDING_UPGRADE')
    const done = await control('POST', '/releases/cce/c1/project01/polled/complete')
    expect(done.statusCode).toBe(200)
    expect(done.json()).toMatchObject({ operation: 'upgrade', revision: 2, outcome: 'succeed', release: { status: 'DEPLOYED', description: 'Upgrade complete' } })
  })

  it('fails a pending operation now with Helm text, or answers 409 when nothing is pending', async () => {
    await start({ lifecycle: 'manual' })
    await install('web')
    const failed = await control('POST', '/releases/cce/c1/project01/web/fail', { reason: 'pre-install hook timed out' })
    expect(failed.json().release).toMatchObject({ status: 'FAILED', description: 'Release "web" failed: pre-install hook timed out' })
    const again = await control('POST', '/releases/cce/c1/project01/web/complete')
    expect(again.statusCode).toBe(409)
    expect((await control('POST', '/releases/cce/c1/project01/nope/complete')).statusCode).toBe(404)
  })
})

describe('faults', () => {
  it('a lifecycle rule makes the next upgrade end FAILED, and a later rollback recovers it', async () => {
    await start()
    await install('app')
    expect(await status('app')).toBe('DEPLOYED')
    const rule = await control('POST', '/faults', { match: { operation: 'upgrade', name: 'app' }, count: 1, lifecycle: { outcome: 'fail', reason: 'context deadline exceeded' } })
    expect(rule.statusCode).toBe(201)
    expect(rule.json()).toMatchObject({ id: 'f1', remaining: 1, lifecycle: { outcome: 'fail' } })

    expect((await upgrade('app')).json().status).toBe('PENDING_UPGRADE')
    const failed = (await call('GET', item('app'))).json()
    expect(failed).toMatchObject({ status: 'FAILED', version: 2, description: 'Upgrade "app" failed: context deadline exceeded' })
    expect((await control('GET', '/faults')).json().rules[0]).toMatchObject({ remaining: 0, fired: 1 })

    expect((await rollback('app', 1)).statusCode).toBe(200)
    expect((await call('GET', item('app'))).json()).toMatchObject({ status: 'DEPLOYED', version: 3, description: 'Rollback to 1' })
    // The rule is spent: the next upgrade succeeds.
    await upgrade('app')
    expect(await status('app')).toBe('DEPLOYED')
  })

  it('an update without an action (Terraform sends "") is an upgrade to faults and the journal', async () => {
    await start()
    await install('tf')
    await status('tf')
    await control('POST', '/faults', { match: { operation: 'upgrade', name: 'tf' }, count: 1, error: { status: 503 } })
    const faulted = await call('PUT', item('tf'), { chart_id: TEST_CHART_ID, action: '', values: { replicas: 2 } })
    expect(faulted.statusCode).toBe(503)
    const res = await call('PUT', item('tf'), { chart_id: TEST_CHART_ID, values: { replicas: 2 } })
    expect(res.json()).toMatchObject({ version: 2, status: 'PENDING_UPGRADE' })
    const journal = (await control('GET', '/requests?operation=upgrade')).json().requests
    expect(journal.map((e: { operation: string; status: number }) => [e.operation, e.status])).toEqual([
      ['upgrade', 200],
      ['upgrade', 503],
    ])
  })

  it('a stuck PENDING_UPGRADE blocks upgrades with 409 until a rollback, as Helm does', async () => {
    await start()
    await install('db')
    await status('db')
    await control('POST', '/faults', { match: { operation: ['upgrade'] }, count: 1, lifecycle: { outcome: 'stick' } })
    await upgrade('db')
    await control('POST', '/clock/advance', { seconds: 3600 })
    expect(await status('db')).toBe('PENDING_UPGRADE')
    const refused = await upgrade('db', { replicas: 3 })
    expect(refused.statusCode).toBe(409)
    expect(refused.json().error_msg).toContain('Update release is forbidden')
    expect((await rollback('db', 1)).statusCode).toBe(200)
    expect(await status('db')).toBe('DEPLOYED')
    const history = (await call('GET', `${item('db')}/history`)).json() as Array<{ version: number; status: string }>
    expect(history.map((h) => [h.version, h.status])).toEqual([
      [1, 'SUPERSEDED'],
      [2, 'PENDING_UPGRADE'],
      [3, 'DEPLOYED'],
    ])
    expect((await upgrade('db')).statusCode).toBe(200)
  })

  it('a refused or dry-run operation does not use up a lifecycle rule', async () => {
    await start({ lifecycle: 'manual' })
    await install('busy')
    await control('POST', '/faults', { match: { operation: 'upgrade' }, count: 1, lifecycle: { outcome: 'fail' } })
    // Still PENDING_INSTALL: the upgrade is refused (409) before anything is scheduled.
    expect((await upgrade('busy')).statusCode).toBe(409)
    await control('POST', '/releases/cce/c1/project01/busy/complete')
    const dry = await call('PUT', item('busy'), { chart_id: createBody('busy').chart_id, action: 'upgrade', parameters: { dry_run: true }, values: {} })
    expect(dry.json().description).toBe('Dry run complete')
    expect((await control('GET', '/faults')).json().rules[0]).toMatchObject({ remaining: 1, fired: 0 })
    await upgrade('busy')
    await control('POST', '/releases/cce/c1/project01/busy/complete')
    expect((await control('GET', '/faults')).json().rules[0]).toMatchObject({ remaining: 0, fired: 1 })
  })

  it('an unknown outcome leaves the release UNKNOWN until it is deleted', async () => {
    await start()
    await control('POST', '/faults', { match: { operation: 'install' }, lifecycle: { outcome: 'unknown' } })
    await install('odd')
    expect((await call('GET', item('odd'))).json()).toMatchObject({ status: 'UNKNOWN', description: 'Release "odd" is in an unknown state: timed out waiting for the condition' })
    expect((await call('DELETE', item('odd'))).statusCode).toBe(200)
    expect((await call('GET', item('odd'))).statusCode).toBe(404)
  })

  it('a 429 rule answers the CCE error body before anything changes, then stops when its count is spent', async () => {
    await start()
    await control('POST', '/faults', { match: { operation: 'create', dialect: 'cce' }, count: 1, error: { status: 429 } })
    const throttled = await call('POST', `${BASE}/releases`, createBody('web'))
    expect(throttled.statusCode).toBe(429)
    expect(throttled.headers['content-type']).toMatch(/application\/json/)
    expect(throttled.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/)
    expect(throttled.json()).toEqual({
      error_code: 'APIGW.0308',
      error_msg: 'The throttling threshold has been reached: policy user over ratelimit',
      errorCode: 'APIGW.0308',
      errorMessage: 'The throttling threshold has been reached: policy user over ratelimit',
    })
    expect((await call('GET', item('web'))).statusCode).toBe(404)
    expect((await call('POST', `${BASE}/releases`, createBody('web'))).statusCode).toBe(201)
  })

  it('matches on flavor, cluster, namespace, name, chart and path prefix', async () => {
    await start()
    await control('PUT', '/faults', {
      rules: [
        { id: 'ap', match: { flavor: 'autopilot' }, error: { status: 503 } },
        { id: 'c2', match: { cluster_id: 'c2', operation: 'list' }, error: { status: 500, error_code: 'CCE.01500001', error_msg: 'Internal error.' } },
        { id: 'charts', match: { path_prefix: '/v2/charts' }, error: { status: 502 } },
        { id: 'by-chart', match: { chart: 'no-such-chart' }, error: { status: 400 } },
      ],
    })
    expect((await call('GET', '/autopilot/cam/v3/clusters/c1/releases')).statusCode).toBe(503)
    expect((await call('GET', '/cce/cam/v3/clusters/c2/releases')).statusCode).toBe(500)
    expect((await call('GET', '/cce/cam/v3/clusters/c1/releases')).statusCode).toBe(200)
    expect((await call('POST', `${BASE}/releases`, createBody('x', { chart_id: 'no-such-chart' }))).statusCode).toBe(400)
    const listed = (await control('GET', '/faults')).json().rules.map((r: { id: string; fired: number }) => [r.id, r.fired])
    expect(listed).toEqual([
      ['ap', 1],
      ['c2', 1],
      ['charts', 0],
      ['by-chart', 1],
    ])
    expect((await control('DELETE', '/faults/c2')).json()).toEqual({ deleted: 1 })
    expect((await control('DELETE', '/faults/c2')).statusCode).toBe(404)
    expect((await control('DELETE', '/faults')).json()).toEqual({ deleted: 3 })
  })

  it('adds latency before answering', async () => {
    await start()
    await control('POST', '/faults', { match: { operation: 'list' }, latency_ms: 60 })
    const t0 = performance.now()
    expect((await call('GET', `${BASE}/releases`)).statusCode).toBe(200)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55)
  })

  it('refuses rules that are invalid or mix HTTP and lifecycle outcomes', async () => {
    await start()
    expect((await control('POST', '/faults', { match: {} })).statusCode).toBe(400)
    expect((await control('POST', '/faults', { error: { status: 429 }, lifecycle: { outcome: 'fail' } })).statusCode).toBe(400)
    expect((await control('POST', '/faults', { error: { status: 200 } })).statusCode).toBe(400)
    expect((await control('POST', '/faults', { latency_ms: 10_000_000 })).statusCode).toBe(400)
    expect((await control('PUT', '/faults', { rules: [{ latency_ms: 1 }, { probability: 2, latency_ms: 1 }] })).statusCode).toBe(400)
    expect((await control('GET', '/faults')).json().rules).toEqual([])
  })

  it('repeats the same probabilistic outcomes for the same seed', async () => {
    const run = async () => {
      await start({ seed: 1234 })
      await control('POST', '/faults', { match: { operation: 'list' }, probability: 0.5, error: { status: 500 } })
      const codes: number[] = []
      for (let i = 0; i < 24; i++) codes.push((await call('GET', `${BASE}/releases`)).statusCode)
      // A full reset re-seeds: the same sequence again.
      await control('POST', '/reset')
      await control('POST', '/faults', { match: { operation: 'list' }, probability: 0.5, error: { status: 500 } })
      const again: number[] = []
      for (let i = 0; i < 24; i++) again.push((await call('GET', `${BASE}/releases`)).statusCode)
      await t.close()
      return { codes, again }
    }
    const a = await run()
    const b = await run()
    expect(a.codes).toEqual(b.codes)
    expect(a.codes).toEqual(a.again)
    expect(new Set(a.codes)).toEqual(new Set([200, 500]))
  })
})

describe('journal', () => {
  it('never grows past its cap, lists newest first, filters, and skips the control plane', async () => {
    await start({ journalSize: 10 })
    for (let i = 0; i < 57; i++) await call('GET', `${BASE}/releases?namespace=n${i}`)
    await control('GET', '/health')
    const j = (await control('GET', '/requests?limit=100')).json()
    expect(j).toMatchObject({ capacity: 10, size: 10, total: 57 })
    expect(j.requests.map((e: { id: number }) => e.id)).toEqual([57, 56, 55, 54, 53, 52, 51, 50, 49, 48])
    expect(j.requests[0]).toMatchObject({ method: 'GET', operation: 'list', dialect: 'cce', flavor: 'cce', cluster_id: 'c1', status: 200, query: 'namespace=n56' })
    expect((await control('GET', '/requests?limit=3&since_id=55')).json().requests.map((e: { id: number }) => e.id)).toEqual([57, 56])
    expect((await control('DELETE', '/requests')).json()).toEqual({ deleted: 10 })
    expect((await control('GET', '/requests')).json().size).toBe(0)
  })

  it('redacts tokens and signatures, caps bodies, and names the fault that answered', async () => {
    await start()
    const signature = 'SDK-HMAC-SHA256 Access=AKTEST, SignedHeaders=content-type;host;x-sdk-date, Signature=0123abcd'
    await call('GET', `${BASE}/releases`, undefined, { 'x-auth-token': 'secret-token' })
    await call('GET', `${BASE}/releases`, undefined, { authorization: signature, 'x-sdk-date': '20260301T080000Z' })
    await control('POST', '/faults', { match: { operation: 'create' }, error: { status: 429 } })
    await call('POST', `${BASE}/releases`, createBody('big', { values: { blob: 'x'.repeat(10_000) } }))
    const [create, signed, token] = (await control('GET', '/requests')).json().requests
    expect(token.request_headers['x-auth-token']).toBe('REDACTED')
    expect(signed.request_headers.authorization).toBe('SDK-HMAC-SHA256 Access=AKTEST, SignedHeaders=content-type;host;x-sdk-date, Signature=REDACTED')
    expect(JSON.stringify(signed)).not.toContain('0123abcd')
    expect(create).toMatchObject({ operation: 'create', name: 'big', namespace: 'project01', status: 429, fault: 'f1', request_body_truncated: true })
    expect(create.request_body.length).toBeLessThanOrEqual(4096)
    expect(JSON.parse(create.response_body).error_code).toBe('APIGW.0308')
    const filtered = (await control('GET', '/requests?status=429')).json().requests
    expect(filtered).toHaveLength(1)
  })
})

describe('reset', () => {
  it('removes uploaded charts on a project or full reset and keeps the preloaded ones', async () => {
    await start()
    const upload = chartUpload(readFileSync(new URL('../../examples/charts/redis-lite-0.3.0.tgz', import.meta.url)))
    const uploaded = await t.app.inject({ method: 'POST', url: '/v2/charts', headers: { ...AUTH, ...upload.headers }, payload: upload.payload })
    expect(uploaded.statusCode).toBe(201)
    const chartUrl = `/v2/charts/${uploaded.json().id}`
    // Charts belong to a project, not a cluster: a cluster reset leaves them.
    expect((await control('POST', '/reset?cluster_id=c1')).json().deleted).toMatchObject({ charts: 0 })
    expect((await call('GET', chartUrl)).statusCode).toBe(200)
    expect((await control('POST', '/reset')).json().deleted).toMatchObject({ charts: 1 })
    expect((await call('GET', chartUrl)).statusCode).toBe(404)
    expect((await call('GET', `/v2/charts/${TEST_CHART_ID}`)).statusCode).toBe(200)
    expect((await call('POST', `${BASE}/releases`, createBody('after-reset'))).statusCode).toBe(201)
  })

  it('scopes to a namespace, a cluster, a project, or everything', async () => {
    await start()
    await install('a', 'c1', 'ns1')
    await install('b', 'c1', 'ns2')
    await install('c', 'c2', 'ns1')
    const other = await t.app.inject({ method: 'POST', url: `${BASE}/releases`, headers: { ...AUTH, 'x-project-id': 'p2' }, payload: createBody('d') })
    // (Another project may have no charts seeded; what matters is that a reset leaves it alone.)
    const p2Count = other.statusCode === 201 ? 1 : 0

    expect((await control('POST', '/reset?cluster_id=c1&namespace=ns1')).json()).toMatchObject({ scoped: true, deleted: { releases: 1 } })
    expect((await call('GET', item('a', 'c1', 'ns1'))).statusCode).toBe(404)
    expect(await status('b', 'c1', 'ns2')).toBe('DEPLOYED')

    expect((await control('POST', '/reset', { cluster_id: 'c2' })).json()).toMatchObject({ deleted: { releases: 1 } })
    expect((await call('GET', item('c', 'c2', 'ns1'))).statusCode).toBe(404)

    await control('POST', '/faults', { match: { operation: 'show' }, error: { status: 500 } })
    expect((await control('POST', '/reset', { project_id: 'default' })).json()).toMatchObject({ deleted: { releases: 1 }, faults_restored: false })
    expect((await control('GET', '/faults')).json().rules).toHaveLength(1)

    const all = (await control('POST', '/reset')).json()
    expect(all).toMatchObject({ scoped: false, deleted: { releases: p2Count }, faults_restored: true, lifecycle_restored: true })
    expect((await control('GET', '/faults')).json().rules).toEqual([])
  })

  it('restores the start-up lifecycle on a full reset', async () => {
    await start({ lifecycle: 'manual' })
    await control('PUT', '/lifecycle', { profile: 'fast' })
    await control('POST', '/reset')
    expect((await control('GET', '/lifecycle')).json().profile).toBe('manual')
  })
})

describe('OpenAPI', () => {
  it('documents every control route under its own tag, apart from the CCE tags', async () => {
    await start()
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { tags: string[] }>> }
    const control = Object.entries(doc.paths).filter(([p]) => p.startsWith('/_emulator'))
    expect(control.length).toBeGreaterThanOrEqual(9)
    for (const [, ops] of control) for (const op of Object.values(ops)) expect(op.tags).toEqual(['Emulator control'])
    for (const [p, ops] of Object.entries(doc.paths)) if (!p.startsWith('/_emulator')) for (const op of Object.values(ops)) expect(op.tags).not.toContain('Emulator control')
  })
})
