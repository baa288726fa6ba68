/**
 * The control plane's read-across-scopes routes (what the web dashboard reads, usable by scripts):
 * releases of every project and flavour with paging, filters and counts; one release with its
 * revisions' timing; pending work and its triggers by stored key; the change counter; the fault
 * form's catalog; chart stores with downloads; and the dashboard's own files.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { AUTH, buildTestApp, createBody, TEST_CHART_ID, type TestApp } from '../helpers/app.js'

let t: TestApp
afterEach(async () => {
  await t?.close()
})

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = AUTH) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) })
const control = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, payload?: unknown) => call(method, `/_emulator${path}`, payload, {})

async function install(name: string, opts: { cluster?: string; ns?: string; project?: string; autopilot?: boolean } = {}) {
  const { cluster = 'c1', ns = 'project01', project, autopilot = false } = opts
  const headers = project ? { ...AUTH, 'x-project-id': project } : AUTH
  const r = await call('POST', `/${autopilot ? 'autopilot' : 'cce'}/cam/v3/clusters/${cluster}/releases`, createBody(name, { namespace: ns }), headers)
  expect(r.statusCode, r.body).toBe(201)
}

describe('GET /_emulator/releases', () => {
  it('lists releases of every project, flavour and cluster, a page at a time, with counts per status', async () => {
    t = await buildTestApp({ lifecycle: 'manual' }, { seedCharts: ['default', 'p2'] })
    await install('a1')
    await install('a2', { cluster: 'c2' })
    await install('b1', { project: 'p2' })
    await install('ap1', { autopilot: true })
    await control('POST', '/releases/cce/c1/project01/a1/complete')

    const all = (await control('GET', '/releases')).json()
    expect(all.total).toBe(4)
    expect(all.status_counts).toEqual({ DEPLOYED: 1, PENDING_INSTALL: 3 })
    expect(all.releases.map((r: { project_id: string; flavor: string; dialect: string; cluster_id: string; name: string }) => [r.project_id, r.dialect, r.flavor, r.cluster_id, r.name])).toEqual([
      ['default', 'cce', 'autopilot', 'c1', 'ap1'],
      ['default', 'cce', 'cce', 'c1', 'a1'],
      ['default', 'cce', 'cce', 'c2', 'a2'],
      ['p2', 'cce', 'cce', 'c1', 'b1'],
    ])
    expect(all.releases[1]).toMatchObject({ status: 'DEPLOYED', revision: 1, chart_id: TEST_CHART_ID, chart_name: 'demo', chart_version: '1.0.0', pending: null })
    expect(all.releases[0].pending).toEqual({ operation: 'install', revision: 1, due_at: null })

    const page = (await control('GET', '/releases?limit=2&offset=2')).json()
    expect(page).toMatchObject({ total: 4, offset: 2, limit: 2 })
    expect(page.releases.map((r: { name: string }) => r.name)).toEqual(['a2', 'b1'])

    // Status counts ignore the status filter (they are the chips' numbers); total honours it.
    const pendingOnly = (await control('GET', '/releases?status=PENDING_INSTALL&flavor=cce')).json()
    expect(pendingOnly.total).toBe(2)
    expect(pendingOnly.status_counts).toEqual({ DEPLOYED: 1, PENDING_INSTALL: 2 })
    expect((await control('GET', '/releases?project_id=p2')).json().releases.map((r: { name: string }) => r.name)).toEqual(['b1'])
    expect((await control('GET', '/releases?q=A2')).json().releases.map((r: { name: string }) => r.name)).toEqual(['a2'])
    expect((await control('GET', '/releases?cluster_id=c2&chart=demo')).json().total).toBe(1)
    expect((await control('GET', '/releases?dialect=cce')).json().total).toBe(4)
    expect((await control('GET', '/releases?dialect=cloudpods')).json().total).toBe(0)
    expect((await control('GET', '/releases?limit=0')).statusCode).toBe(400)
  })

  it('facets list every stored flavour with its dialect, and the values each filter takes', async () => {
    t = await buildTestApp({ lifecycle: 'fast' })
    await install('a1')
    await install('a2', { cluster: 'c2', ns: 'ns2' })
    const f = (await control('GET', '/releases/facets')).json()
    expect(f.flavors).toEqual(expect.arrayContaining([{ value: 'cce', dialect: 'cce', count: 2 }, { value: 'autopilot', dialect: 'cce', count: 0 }]))
    expect(f.dialects).toContainEqual({ value: 'cce', count: 2 })
    expect(f.clusters).toEqual([{ value: 'c1', count: 1 }, { value: 'c2', count: 1 }])
    expect(f.namespaces).toEqual([{ value: 'ns2', count: 1 }, { value: 'project01', count: 1 }])
    expect(f.statuses).toEqual([{ value: 'DEPLOYED', count: 2 }])
  })
})

describe('GET /_emulator/releases/{flavor}/{cluster}/{namespace}/{name}', () => {
  it('shows every revision with its values, when its pending state started and ended, pending work and resources', async () => {
    t = await buildTestApp({ lifecycle: 'manual' })
    await control('PUT', '/lifecycle', { operations: { install: { mode: 'time', delay_ms: 30_000 } } })
    await install('web')
    t.clock.advance(40_000)
    const upgrade = await call('PUT', '/cce/cam/v3/clusters/c1/namespace/project01/releases/web', {
      chart_id: TEST_CHART_ID,
      action: 'upgrade',
      parameters: {},
      values: { imageTag: 'v3' },
    })
    expect(upgrade.statusCode, upgrade.body).toBe(200)

    const d = (await control('GET', '/releases/cce/c1/project01/web')).json()
    expect(d.release).toMatchObject({ name: 'web', revision: 2, status: 'PENDING_UPGRADE', pending: { operation: 'upgrade', revision: 2, due_at: null } })
    expect(d.revisions).toHaveLength(2)
    const [r1, r2] = d.revisions
    // Installed at 08:00:00, due 30 s later: it ended then, though the next read came at 08:00:40.
    expect(r1).toMatchObject({ revision: 1, operation: 'install', status: 'DEPLOYED', started_at: '2026-03-01T08:00:00.000Z', ended_at: '2026-03-01T08:00:30.000Z', end_known: true })
    expect(r1.config).toEqual({ imageTag: 'v2', imagePullPolicy: 'IfNotPresent' })
    expect(r2).toMatchObject({ revision: 2, operation: 'upgrade', status: 'PENDING_UPGRADE', started_at: '2026-03-01T08:00:40.000Z', ended_at: null, end_known: true })
    expect(r2.values).toMatchObject({ imageTag: 'v3' })
    expect(d.pending).toMatchObject({ operation: 'upgrade', revision: 2, base_revision: 1, started_at: '2026-03-01T08:00:40.000Z', due_at: null, outcome: 'succeed' })
    expect(d.resources.map((r: { kind: string }) => r.kind).sort()).toEqual(['Deployment', 'Service'])
    expect(d.cluster_refs).toEqual(['c1'])

    t.clock.advance(5_000)
    expect((await control('POST', '/pending/complete', { project_id: 'default', flavor: 'cce', cluster_id: 'c1', namespace: 'project01', name: 'web' })).json()).toEqual({
      operation: 'upgrade',
      revision: 2,
      outcome: 'succeed',
      deleted: false,
      status: 'DEPLOYED',
    })
    const after = (await control('GET', '/releases/cce/c1/project01/web')).json()
    expect(after.revisions[1]).toMatchObject({ status: 'DEPLOYED', ended_at: '2026-03-01T08:00:45.000Z' })
    expect(after.revisions[0].status).toBe('SUPERSEDED')
  })

  it('does not count as a read: a release completing on its 2nd read still needs two API reads', async () => {
    t = await buildTestApp({ lifecycle: 'manual' })
    await control('PUT', '/lifecycle', { operations: { install: { mode: 'manual', after_reads: 2 } } })
    await install('web')
    for (let i = 0; i < 3; i++) expect((await control('GET', '/releases/cce/c1/project01/web')).json().release.status).toBe('PENDING_INSTALL')
    const show = () => call('GET', '/cce/cam/v3/clusters/c1/namespace/project01/releases/web')
    expect((await show()).json().status).toBe('PENDING_INSTALL')
    expect((await show()).json().status).toBe('DEPLOYED')
  })

  it('answers 404 in the CCE body for an unknown release', async () => {
    t = await buildTestApp()
    const r = await control('GET', '/releases/cce/c1/project01/nosuch')
    expect(r.statusCode).toBe(404)
    expect(r.json().error_code).toBe('CCE.01404001')
  })
})

describe('pending work', () => {
  it('lists pending operations earliest due first, and fails one by its stored key', async () => {
    t = await buildTestApp({ lifecycle: 'manual' })
    await control('PUT', '/lifecycle', { operations: { install: { mode: 'time', delay_ms: 60_000 } } })
    await install('later')
    await control('PUT', '/lifecycle', { operations: { install: { mode: 'time', delay_ms: 10_000 } } })
    await install('sooner')
    await control('PUT', '/lifecycle', { profile: 'manual' })
    await install('waiting', { autopilot: true })
    const list = (await control('GET', '/pending')).json()
    expect(list.total).toBe(3)
    expect(list.operations.map((o: { name: string; flavor: string; due_at: string | null }) => [o.name, o.flavor, o.due_at])).toEqual([
      ['sooner', 'cce', '2026-03-01T08:00:10.000Z'],
      ['later', 'cce', '2026-03-01T08:01:00.000Z'],
      ['waiting', 'autopilot', null],
    ])
    const failed = await control('POST', '/pending/fail', { project_id: 'default', flavor: 'autopilot', cluster_id: 'c1', namespace: 'project01', name: 'waiting', reason: 'image pull backoff' })
    expect(failed.json()).toEqual({ operation: 'install', revision: 1, outcome: 'fail', deleted: false, status: 'FAILED' })
    const shown = await call('GET', '/autopilot/cam/v3/clusters/c1/namespace/project01/releases/waiting')
    expect(shown.json().status_description ?? shown.json().description).toContain('image pull backoff')
    expect((await control('GET', '/pending')).json().total).toBe(2)
    // Nothing pending: the control plane's 409.
    expect((await control('POST', '/pending/complete', { project_id: 'default', flavor: 'autopilot', cluster_id: 'c1', namespace: 'project01', name: 'waiting' })).statusCode).toBe(409)
  })
})

describe('GET /_emulator/changes', () => {
  it('changes version when releases, the journal, faults, the clock or the lifecycle change, and only then', async () => {
    t = await buildTestApp({ lifecycle: 'manual' })
    const version = async () => (await control('GET', '/changes')).json().version as string
    const v0 = await version()
    expect(await version()).toBe(v0)
    await install('web')
    const v1 = await version()
    expect(v1).not.toBe(v0)
    const snap = (await control('GET', '/changes')).json()
    expect(snap.journal).toEqual({ total: 1, errors: 0 })
    await call('GET', '/cce/cam/v3/clusters/c1/namespace/project01/releases/nosuch')
    expect((await control('GET', '/changes')).json().journal).toEqual({ total: 2, errors: 1 })
    const v2 = await version()
    await control('POST', '/faults', { match: { operation: 'show' }, error: { status: 503 } })
    const v3 = await version()
    expect(v3).not.toBe(v2)
    await control('POST', '/clock/advance', { seconds: 1 })
    const v4 = await version()
    expect(v4).not.toBe(v3)
    await control('PUT', '/lifecycle', { profile: 'fast' })
    expect(await version()).not.toBe(v4)
  })
})

describe('GET /_emulator/faults/catalog', () => {
  it('lists the operation names of the served routes per dialect, the HTTP errors and the lifecycle outcomes', async () => {
    t = await buildTestApp()
    const c = (await control('GET', '/faults/catalog')).json()
    expect(c.dialects).toEqual(['cce', 'cloudpods'])
    expect(c.flavors).toEqual(expect.arrayContaining([{ flavor: 'cce', dialect: 'cce' }, { flavor: 'autopilot', dialect: 'cce' }]))
    const names = c.operations.map((o: { name: string }) => o.name)
    for (const op of ['create', 'install', 'list', 'show', 'update', 'upgrade', 'rollback', 'delete', 'uninstall', 'history', 'uploadchart']) expect(names).toContain(op)
    expect(c.operations.find((o: { name: string }) => o.name === 'show').dialects).toContain('cce')
    expect(c.errors).toContainEqual({ status: 429, error_code: 'APIGW.0308', error_msg: 'The throttling threshold has been reached: policy user over ratelimit' })
    expect(c.lifecycle_outcomes).toEqual(['fail', 'stick', 'unknown'])
    expect(c.max_latency_ms).toBe(30_000)
  })
})

describe('chart stores', () => {
  it('lists charts of every project and flavour with archive and values links that work', async () => {
    t = await buildTestApp({}, { seedCharts: ['default', 'p2'] })
    const { charts } = (await control('GET', '/charts')).json()
    expect(charts).toHaveLength(8)
    const one = charts.find((c: { project_id: string; flavor: string; version: string }) => c.project_id === 'p2' && c.flavor === 'autopilot' && c.version === '1.0.0')
    expect(one).toMatchObject({ id: TEST_CHART_ID, name: 'demo', dialect: 'cce', archive_url: `/_emulator/charts/autopilot/${TEST_CHART_ID}/archive?project_id=p2` })
    const archive = await call('GET', one.archive_url, undefined, {})
    expect(archive.statusCode).toBe(200)
    expect(archive.headers['content-disposition']).toContain('demo-1.0.0.tgz')
    expect(archive.rawPayload.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]))
    expect((await call('GET', one.values_url, undefined, {})).json()).toEqual({ values: {} })
    expect((await control('GET', '/charts/cce/nosuch/values')).statusCode).toBe(404)
  })
})

describe('Cloudpods repo charts', () => {
  it('lists every version of every repo chart with values and archive links that work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ui-repos-'))
    cpSync(fileURLToPath(new URL('../fixtures/cloudpods-charts/bitnami-new', import.meta.url)), join(dir, 'bitnami-new'), { recursive: true })
    try {
      t = await buildTestApp({ charts: dir })
      const { repo_charts } = (await control('GET', '/charts')).json()
      expect(repo_charts.map((c: { repo: string; name: string; version: string; dialect: string }) => [c.repo, c.name, c.version, c.dialect])).toEqual([
        ['bitnami-new', 'etcd', '8.11.2', 'cloudpods'],
        ['bitnami-new', 'etcd', '8.11.1', 'cloudpods'],
      ])
      const older = repo_charts[1]
      const archive = await call('GET', older.archive_url, undefined, {})
      expect(archive.statusCode).toBe(200)
      expect(archive.headers['content-disposition']).toContain('etcd-8.11.1.tgz')
      expect(archive.rawPayload.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]))
      expect((await call('GET', older.values_url, undefined, {})).json().values).toBeTypeOf('object')
      expect((await control('GET', '/repos/bitnami-new/charts/etcd/9.9.9/values')).statusCode).toBe(404)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('the dashboard page', () => {
  it('is served from the package with content types and caching headers, / redirects to it, and --no-ui turns both off', async () => {
    t = await buildTestApp()
    const root = await call('GET', '/', undefined, {})
    expect(root.statusCode).toBe(302)
    expect(root.headers.location).toBe('/_emulator/ui')
    const page = await call('GET', '/_emulator/ui', undefined, { 'accept-encoding': 'gzip' })
    expect(page.statusCode, 'run `npm run build` first: the page is dist/ui/').toBe(200)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.headers['content-encoding']).toBe('gzip')
    expect(page.headers['cache-control']).toBe('no-cache')
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    const html = (await call('GET', '/_emulator/ui/', undefined, {})).body
    const script = /src="(\/_emulator\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1]
    const style = /href="(\/_emulator\/ui\/assets\/[^"]+\.css)"/.exec(html)?.[1]
    expect(script && style).toBeTruthy()
    const js = await call('GET', script!, undefined, {})
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect((await call('GET', script!, undefined, { 'if-none-match': String(js.headers.etag) })).statusCode).toBe(304)
    expect((await call('GET', style!, undefined, {})).headers['content-type']).toBe('text/css; charset=utf-8')
    expect((await call('GET', '/_emulator/ui/assets/nosuch.js', undefined, {})).statusCode).toBe(404)
    // Neither the page nor the redirect is API traffic.
    expect((await control('GET', '/requests')).json().total).toBe(0)
    await t.close()

    t = await buildTestApp({ ui: false })
    expect((await call('GET', '/_emulator/ui', undefined, {})).statusCode).toBe(404)
    expect((await call('GET', '/', undefined, {})).statusCode).toBe(404)
    expect((await control('GET', '/releases')).statusCode).toBe(200)
  })
})
