/**
 * Cloudpods releases at /api/releases (spec cloudpods-release-api.md §3-§8): every route and its
 * errors, on an app whose --charts folder holds the Cloudpods repo `bitnami-new` with etcd 8.11.1
 * and 8.11.2. Bodies are the framework's envelopes; errors the flat {code, class, details, time}.
 */
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { clusterId, namespaceId, repoId } from '../../src/cloudpods/ids.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/cloudpods-charts', import.meta.url))
const H = { 'x-auth-token': 'test-token' }
const NOW = '2026-03-01T08:00:00.000000Z'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

let t: TestApp
beforeEach(async () => {
  t = await buildTestApp({ charts: FIXTURES })
})
afterEach(async () => {
  await t.close()
})

const req = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD', url: string, payload?: unknown) =>
  t.app.inject({ method, url, headers: H, ...(payload === undefined ? {} : { payload: payload as object }) })

/** The seed page's create, wrapped as climc sends it. */
const seedCreate = (extra: Record<string, unknown> = {}) => ({
  release: { chart_name: 'bitnami-new/etcd', cluster: 'test122', namespace: 'default', release_name: 'etcd-release', timeout: 600, ...extra },
})
async function create(extra: Record<string, unknown> = {}) {
  const res = await req('POST', '/api/releases', seedCreate(extra))
  expect(res.statusCode, res.body).toBe(200)
  return res.json().release as Record<string, unknown>
}
const errorOf = (code: number, cls: string, details: string | RegExp) => ({
  code,
  class: cls,
  details: typeof details === 'string' ? details : expect.stringMatching(details),
  time: expect.any(String),
})

describe('POST /api/releases (create)', () => {
  it("installs the seed's body: creating, an id, the newest chart, ids derived from names", async () => {
    const r = await create({ values_json: { image: { tag: '3.5.8-debian-11-r9' } } })
    expect(r).toMatchObject({
      name: 'etcd-release', status: 'creating', chart: 'etcd', chart_version: '8.11.2', type: 'external',
      cluster: 'test122', cluster_id: clusterId('test122'), clusterID: clusterId('test122'),
      namespace: 'default', namespace_id: namespaceId(clusterId('test122'), 'default'), repo_id: repoId('bitnami-new'),
      config: { image: { tag: '3.5.8-debian-11-r9' } }, version: 1, progress: 100, deleted: false,
      created_at: NOW, updated_at: NOW, info: { status: 'pending-install', description: 'Initial install underway' },
    })
    expect(r.id).toMatch(UUID)
    expect(r).not.toHaveProperty('external_id')
    expect(r).not.toHaveProperty('resources')
  })

  it('takes repo + chart + name + version, values YAML and sets, with values_json last', async () => {
    const res = await req('POST', '/api/releases', {
      release: { repo: 'bitnami-new', chart: 'etcd', name: 'e1', cluster_id: 'test122', namespace_id: 'default', version: '8.11.1', values: 'replicaCount: 2\nimage:\n  tag: a\n', sets: { 'image.tag': 'b' }, values_json: { replicaCount: 3 } },
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().release).toMatchObject({ chart_version: '8.11.1', config: { replicaCount: 3, image: { tag: 'b' } } })
  })

  it('dry_run answers the unsaved release without id and stores nothing', async () => {
    const r = await create({ dry_run: true })
    expect(r).not.toHaveProperty('id')
    expect((await req('GET', '/api/releases')).json()).toEqual({ releases: [] })
  })

  it.each([
    ['no wrapper', { chart_name: 'bitnami-new/etcd' }, 400, 'InputParameterError', 'No request key: release'],
    ['chart_name with 3 parts', seedCreate({ chart_name: 'a/b/c' }), 400, 'InputParameterError', 'Illegal chart name: "a/b/c"'],
    ['no repo', { release: { chart: 'etcd', release_name: 'x', cluster: 'c', namespace: 'n' } }, 406, 'NotEmptyError', 'repo must provided'],
    ['no chart', { release: { repo: 'bitnami-new', release_name: 'x', cluster: 'c', namespace: 'n' } }, 406, 'NotEmptyError', 'chart must provided'],
    ['unknown repo', seedCreate({ chart_name: 'nosuch/etcd' }), 404, 'ResourceNotFoundError', /nosuch/],
    ['unknown chart', seedCreate({ chart_name: 'bitnami-new/nosuch' }), 404, 'ResourceNotFoundError', /nosuch/],
    ['no matching version', seedCreate({ version: '9.0.0' }), 404, 'ResourceNotFoundError', /9\.0\.0/],
    ['no name', seedCreate({ release_name: undefined }), 400, 'InputParameterError', 'invalid name: no release provided'],
    ['bad name', seedCreate({ release_name: 'bad name!' }), 400, 'InputParameterError', /invalid name/],
    ['no cluster', seedCreate({ cluster: undefined }), 406, 'NotEmptyError', 'cluster is empty'],
    ['no namespace', seedCreate({ namespace: undefined }), 406, 'NotEmptyError', 'namespace is empty'],
    ['bad values YAML', seedCreate({ values: 'a: [' }), 400, 'InputParameterError', /values is not valid YAML/],
    ['values_json not an object', seedCreate({ values_json: 'x' }), 400, 'InputParameterError', /values_json/],
  ])('%s: refused, nothing stored', async (_what, body, code, cls, details) => {
    const res = await req('POST', '/api/releases', body)
    expect(res.statusCode, res.body).toBe(code)
    expect(res.json()).toEqual(errorOf(code, cls, details))
    expect((await req('GET', '/api/releases')).json()).toEqual({ releases: [] })
  })

  it('a name in use in the namespace is 409 DuplicateNameError; another namespace is fine', async () => {
    await create()
    const res = await req('POST', '/api/releases', seedCreate())
    expect(res.statusCode).toBe(409)
    expect(res.json()).toEqual(errorOf(409, 'DuplicateNameError', 'Duplicate name release etcd-release'))
    expect((await req('POST', '/api/releases', seedCreate({ namespace: 'other' }))).statusCode).toBe(200)
  })
})

describe('GET /api/releases/{id} (show) and HEAD', () => {
  it('by name and by id, deployed after the install, with resources by kubeserver keyword', async () => {
    const created = await create()
    const res = await req('GET', '/api/releases/etcd-release?cluster=test122&namespace=default')
    expect(res.statusCode).toBe(200)
    const r = res.json().release
    expect(r).toMatchObject({ id: created.id, status: 'deployed', external_id: `${clusterId('test122')}/default/etcd-release`, info: { status: 'deployed', description: 'Install complete' } })
    expect(Object.keys(r.resources).sort()).toEqual(['configmap', 'k8s_service', 'statefulset'])
    expect(r.resources.statefulset).toEqual([{ name: 'etcd-release', namespace: 'default', kind: 'StatefulSet', cluster_id: clusterId('test122'), cluster: 'test122' }])
    expect(r.manifest).toContain('kind: StatefulSet')
    expect((await req('GET', `/api/releases/${created.id as string}`)).json().release.name).toBe('etcd-release')
    expect((await req('HEAD', `/api/releases/${created.id as string}`)).statusCode).toBe(200)
  })

  it('unknown → 404 ResourceNotFoundError "release <id> not found" (HEAD: 404 too)', async () => {
    const res = await req('GET', '/api/releases/nosuch?cluster=c1&namespace=n1')
    expect(res.statusCode).toBe(404)
    // An unknown cluster in the scope is a 404 too, naming the cluster.
    expect(res.json()).toEqual(errorOf(404, 'ResourceNotFoundError', /not found/))
    expect((await req('GET', '/api/releases/nosuch')).json()).toEqual(errorOf(404, 'ResourceNotFoundError', 'release nosuch not found'))
    expect((await req('HEAD', '/api/releases/nosuch')).statusCode).toBe(404)
  })

  it('a name in two clusters needs the scope: 409 ConflictError without it', async () => {
    await create()
    await create({ cluster: 'other' })
    const res = await req('GET', '/api/releases/etcd-release')
    expect(res.statusCode).toBe(409)
    expect(res.json()).toEqual(errorOf(409, 'ConflictError', /matches 2 releases/))
    expect((await req('GET', '/api/releases/etcd-release?cluster=other')).json().release.cluster).toBe('other')
  })
})

describe('GET /api/releases (list)', () => {
  it('empty is exactly {"releases": []}', async () => {
    expect((await req('GET', '/api/releases')).json()).toEqual({ releases: [] })
  })

  it("climc's query: DB columns only (details=false), total and limit", async () => {
    await create()
    const res = await req('GET', '/api/releases?all=true&details=false&limit=20&offset=0&summary_stats=false')
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ total: 1, limit: 20 })
    expect(body).not.toHaveProperty('offset')
    expect(Object.keys(body.releases[0]).sort()).toEqual(['chart', 'chart_version', 'cluster_id', 'created_at', 'deleted', 'domain_id', 'external_id', 'id', 'is_emulated', 'name', 'namespace_id', 'progress', 'repo_id', 'status', 'update_version', 'updated_at'])
  })

  it('details by default; filters by cluster, name, status, type, search, filter=, order and paging', async () => {
    for (const name of ['a1', 'b2', 'c3']) {
      await create({ release_name: name })
      t.clock.advance(1000)
    }
    await create({ release_name: 'd4', cluster: 'other' })
    const names = async (q: string) => {
      const res = await req('GET', `/api/releases?${q}`)
      expect(res.statusCode, res.body).toBe(200)
      return (res.json().releases as Array<{ name: string }>).map((r) => r.name)
    }
    expect(await names('')).toEqual(['d4', 'c3', 'b2', 'a1'])
    expect((await req('GET', '/api/releases')).json().releases[0]).toMatchObject({ cluster: 'other', type: 'external', info: { status: 'deployed' } })
    expect(await names('cluster=test122&namespace=default')).toEqual(['c3', 'b2', 'a1'])
    expect(await names('name=a1&name=c3')).toEqual(['c3', 'a1'])
    expect(await names('name.0=a1&name.1=b2')).toEqual(['b2', 'a1'])
    expect(await names('search=2')).toEqual(['b2'])
    expect(await names('type=external&limit=2&offset=1')).toEqual(['c3', 'b2'])
    expect(await names('type=internal')).toEqual([])
    expect(await names('status=deployed')).toEqual(['d4', 'c3', 'b2', 'a1'])
    expect(await names("filter.0=status.equals('deployed')&filter.1=name.contains(2)")).toEqual(['b2'])
    expect(await names('filter=name.in(a1,d4)')).toEqual(['d4', 'a1'])
    expect(await names('filter_any=name.startswith(a)&filter_any=cluster.equals(other)')).toEqual(['d4', 'a1'])
    expect(await names('order_by.0=name&order=asc')).toEqual(['a1', 'b2', 'c3', 'd4'])
    expect((await req('GET', '/api/releases?limit=1&offset=2')).json()).toMatchObject({ total: 4, limit: 1, offset: 2 })
  })

  it("climc's legacy status flags are an OR of statuses (extension)", async () => {
    await create()
    await req('GET', '/api/releases/etcd-release')
    t.lifecycle.use('manual')
    await create({ release_name: 'stuck' })
    const names = async (q: string) => ((await req('GET', `/api/releases?${q}`)).json().releases as Array<{ name: string }>).map((r) => r.name)
    expect(await names('deployed=true')).toEqual(['etcd-release'])
    expect(await names('pending=true')).toEqual(['stuck'])
    expect(await names('deployed=true&pending=true')).toEqual(['stuck', 'etcd-release'])
    expect(await names('deployed=false')).toEqual(['stuck', 'etcd-release'])
  })

  it.each([
    ['limit=-1', 400, 'InputParameterError', 'limit must be a non-negative integer'],
    ['order=up', 400, 'InputParameterError', 'order must be asc or desc'],
    ['order_by=password', 400, 'InputParameterError', /unknown field "password"/],
    ['filter=status', 400, 'InputParameterError', /field\.op/],
    ['filter=status.like(x)', 400, 'InputParameterError', /unknown operator/],
    ['cluster=nosuch', 404, 'ResourceNotFoundError', 'Cluster nosuch not found'],
    ['namespace=default', 406, 'NotEmptyError', /cluster must provided/],
  ])('%s → %i %s', async (q, code, cls, details) => {
    const res = await req('GET', `/api/releases?${q}`)
    expect(res.statusCode, res.body).toBe(code)
    expect(res.json()).toEqual(errorOf(code, cls, details))
  })
})

describe('upgrade: POST /api/releases/{id}/upgrade and the seed PUT', () => {
  it("answers Helm's release object; no values keep the config; empty version is the newest", async () => {
    await create({ version: '8.11.1', values_json: { image: { tag: 'r9' } } })
    const res = await req('POST', '/api/releases/etcd-release/upgrade', { release: { release_name: 'etcd-release', timeout: 600 } })
    expect(res.statusCode, res.body).toBe(200)
    const h = res.json().release
    expect(h).toMatchObject({ name: 'etcd-release', namespace: 'default', version: 2, config: { image: { tag: 'r9' } }, info: { status: 'pending-upgrade', description: 'Preparing upgrade' }, chart: { metadata: { name: 'etcd', version: '8.11.2' } } })
    expect(h.chart.values).toMatchObject({ replicaCount: 1 })
    expect(h).not.toHaveProperty('id')
    expect(h.manifest).toContain('kind: StatefulSet')
    const show = (await req('GET', '/api/releases/etcd-release')).json().release
    expect(show).toMatchObject({ status: 'deployed', version: 2, chart_version: '8.11.2' })
  })

  it("the seed's PUT with chart_name/release_name/values_json upgrades; bare bodies work", async () => {
    await create()
    await req('GET', '/api/releases/etcd-release')
    const res = await req('PUT', '/api/releases/etcd-release', { chart_name: 'bitnami-new/etcd', release_name: 'etcd-release', values_json: { image: { tag: '3.5.8-debian-11-r9' } } })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().release).toMatchObject({ version: 2, config: { image: { tag: '3.5.8-debian-11-r9' } } })
    const down = await req('POST', '/api/releases/etcd-release/upgrade', { version: '8.11.1' })
    expect(down.json().release).toMatchObject({ version: 3, chart: { metadata: { version: '8.11.1' } } })
  })

  it.each([
    ['POST', '/api/releases/nosuch/upgrade', { release: {} }, 404, 'ResourceNotFoundError', 'release nosuch not found'],
    ['POST', '/api/releases/etcd-release/upgrade', { release: { version: '9.9.9' } }, 404, 'ResourceNotFoundError', /9\.9\.9/],
    ['POST', '/api/releases/etcd-release/upgrade', { release: 'x' }, 400, 'InputParameterError', /release/],
    ['PUT', '/api/releases/etcd-release', { release: { description: 'x' } }, 400, 'InputParameterError', /does not update release rows/],
    ['PATCH', '/api/releases/etcd-release', { release: { description: 'x' } }, 400, 'InputParameterError', /does not update release rows/],
  ] as const)('%s %s %j: refused, nothing changed', async (method, url, body, code, cls, details) => {
    await create()
    const res = await req(method, url, body)
    expect(res.statusCode, res.body).toBe(code)
    expect(res.json()).toEqual(errorOf(code, cls, details))
    expect((await req('GET', '/api/releases/etcd-release')).json().release.version).toBe(1)
  })

  it('an upgrade while the install is pending is refused (400 InvalidStatusError)', async () => {
    t.lifecycle.use('manual')
    await create()
    const res = await req('POST', '/api/releases/etcd-release/upgrade', { release: {} })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual(errorOf(400, 'InvalidStatusError', /in progress/))
  })
})

describe('history, rollback, delete', () => {
  async function threeRevisions() {
    await create({ version: '8.11.1' })
    await req('POST', '/api/releases/etcd-release/upgrade', { release: { values_json: { a: 1 }, version: '8.11.1' } })
    await req('GET', '/api/releases/etcd-release')
    await req('POST', '/api/releases/etcd-release/upgrade', { release: { values_json: { a: 2 } } })
    await req('GET', '/api/releases/etcd-release')
  }

  it('history is {"release": [...]} newest first, chart as name-version', async () => {
    await threeRevisions()
    const res = await req('GET', '/api/releases/etcd-release/history?max=5&cluster=test122&namespace=default')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      release: [
        { revision: 3, updated: '2026-03-01T08:00:00Z', status: 'deployed', chart: 'etcd-8.11.2', description: 'Upgrade complete' },
        { revision: 2, updated: '2026-03-01T08:00:00Z', status: 'superseded', chart: 'etcd-8.11.1', description: 'Upgrade complete' },
        { revision: 1, updated: '2026-03-01T08:00:00Z', status: 'superseded', chart: 'etcd-8.11.1', description: 'Install complete' },
      ],
    })
    expect((await req('GET', '/api/releases/nosuch/history')).json()).toEqual(errorOf(404, 'ResourceNotFoundError', 'release nosuch not found'))
    expect((await req('GET', '/api/releases/etcd-release/history?cluster=other')).statusCode).toBe(404)
  })

  it('rollback to 2 (wrapped or bare, 0 = previous) answers the detail; bad revisions are 400', async () => {
    await threeRevisions()
    const res = await req('POST', '/api/releases/etcd-release/rollback', { release: { revision: 2, description: 'ignored' } })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().release).toMatchObject({ name: 'etcd-release', status: 'pending-rollback', version: 4, config: { a: 1 }, info: { description: 'Rollback to 2' } })
    await req('GET', '/api/releases/etcd-release')
    expect((await req('POST', '/api/releases/etcd-release/rollback', { revision: 0 })).json().release.info.description).toBe('Rollback to 3')
    expect((await req('POST', '/api/releases/etcd-release/rollback', { release: { revision: -1 } })).json()).toEqual(errorOf(400, 'InputParameterError', 'invalid release revision'))
    expect((await req('POST', '/api/releases/etcd-release/rollback', { release: { revision: 99 } })).statusCode).toBe(400)
    expect((await req('POST', '/api/releases/nosuch/rollback', { release: { revision: 1 } })).statusCode).toBe(404)
  })

  it("delete answers the release as deleting (climc's body is ignored), then it is 404", async () => {
    const created = await create()
    await req('GET', '/api/releases/etcd-release')
    const res = await req('DELETE', '/api/releases/etcd-release', { release: { cluster: 'test122', namespace: 'default' } })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().release).toMatchObject({ id: created.id, status: 'deleting', info: { status: 'uninstalling' } })
    const gone = await req('GET', '/api/releases/etcd-release')
    expect(gone.statusCode).toBe(404)
    expect(gone.json()).toEqual(errorOf(404, 'ResourceNotFoundError', 'release etcd-release not found'))
    expect((await req('DELETE', '/api/releases/etcd-release')).statusCode).toBe(404)
  })

  it('unknown spec and action are 404 SpecNotFoundError / ActionNotFoundError', async () => {
    expect((await req('GET', '/api/releases/x/rawdata')).json()).toEqual(errorOf(404, 'SpecNotFoundError', 'release x rawdata not found'))
    expect((await req('POST', '/api/releases/x/purge', {})).json()).toEqual(errorOf(404, 'ActionNotFoundError', /release perform purge not found/))
  })
})

describe('control plane', () => {
  it('complete / fail a Cloudpods release by id or by name; create_fail and failed statuses', async () => {
    t.lifecycle.use('manual')
    const created = await create()
    const fail = await t.app.inject({ method: 'POST', url: `/_emulator/cloudpods/releases/${created.id as string}/fail`, payload: { reason: 'image pull' } })
    expect(fail.statusCode, fail.body).toBe(200)
    expect(fail.json()).toEqual({ operation: 'install', revision: 1, outcome: 'fail', deleted: false, status: 'create_fail' })
    const show = (await req('GET', '/api/releases/etcd-release')).json().release
    expect(show).toMatchObject({ status: 'create_fail', info: { status: 'failed', description: 'Release "etcd-release" failed: image pull' } })
    expect(show).not.toHaveProperty('external_id')

    await create({ release_name: 'ok' })
    const done = await t.app.inject({ method: 'POST', url: '/_emulator/cloudpods/releases/ok/complete?cluster=test122&namespace=default' })
    expect(done.json()).toMatchObject({ operation: 'install', status: 'deployed' })
    const none = await t.app.inject({ method: 'POST', url: '/_emulator/cloudpods/releases/ok/complete' })
    expect(none.statusCode).toBe(409)
  })

  it('a lifecycle fault with dialect cloudpods makes the install create_fail; the journal names the dialect and operation', async () => {
    const rule = await t.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { match: { dialect: 'cloudpods', operation: 'install' }, lifecycle: { outcome: 'fail', reason: 'quota' } } })
    expect(rule.statusCode, rule.body).toBe(201)
    await create()
    expect((await req('GET', '/api/releases/etcd-release')).json().release.status).toBe('create_fail')
    const journal = await t.app.inject({ method: 'GET', url: '/_emulator/requests?dialect=cloudpods&operation=create' })
    expect(journal.json().requests).toHaveLength(1)
    expect(journal.json().requests[0]).toMatchObject({ dialect: 'cloudpods', operation: 'create', status: 200, name: 'etcd-release' })
  })

  it('an HTTP fault on show answers in the Cloudpods body', async () => {
    await t.app.inject({ method: 'POST', url: '/_emulator/faults', payload: { match: { dialect: 'cloudpods', operation: 'show' }, error: { status: 503 } } })
    await create()
    const res = await req('GET', '/api/releases/etcd-release')
    expect(res.statusCode).toBe(503)
    expect(res.json()).toMatchObject({ code: 503, class: 'ServiceUnavailableError' })
  })

  it('reset with dialect cloudpods (cluster by name) removes only Cloudpods releases', async () => {
    await create()
    await create({ cluster: 'other' })
    const res = await t.app.inject({ method: 'POST', url: '/_emulator/reset', payload: { dialect: 'cloudpods', cluster_id: 'test122' } })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().deleted.releases).toBe(1)
    expect(((await req('GET', '/api/releases')).json().releases as Array<{ cluster: string }>).map((r) => r.cluster)).toEqual(['other'])
  })
})

describe('X-Auth-Token', () => {
  it('presence: no token is 401 UnauthorizedError before anything is read or stored', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/releases', payload: seedCreate() })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toMatchObject({ code: 401, class: 'UnauthorizedError' })
    expect((await req('GET', '/api/releases')).json()).toEqual({ releases: [] })
  })

  it('verify: a token this emulator did not issue is 401 InvalidToken; an issued one passes', async () => {
    const v = await buildTestApp({ charts: FIXTURES, auth: 'verify', users: [{ name: 'u', password: 'p' }] })
    try {
      const bad = await v.app.inject({ method: 'GET', url: '/api/releases', headers: { 'x-auth-token': 'forged' } })
      expect(bad.statusCode).toBe(401)
      expect(bad.json()).toMatchObject({ code: 401, class: 'UnauthorizedError', details: 'InvalidToken' })
      const login = await v.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: { auth: { identity: { methods: ['password'], password: { user: { name: 'u', password: 'p' } } } } } })
      expect(login.statusCode, login.body).toBe(201)
      const token = login.headers['x-subject-token'] as string
      expect((await v.app.inject({ method: 'GET', url: '/api/releases', headers: { 'x-auth-token': token } })).json()).toEqual({ releases: [] })
    } finally {
      await v.close()
    }
  })
})
