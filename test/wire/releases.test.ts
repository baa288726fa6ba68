import { afterEach, describe, expect, it } from 'vitest'
import { AUTH, buildTestApp, createBody, TEST_CHART_ID, TEST_CHART_V2_ID, type TestApp } from '../helpers/app.js'

const BASE = '/cce/cam/v3/clusters/a870253f-5dc7-11ee-bf71-0255ac100b03'
const item = (name: string, ns = 'project01') => `${BASE}/namespace/${ns}/releases/${name}`

let t: TestApp
afterEach(async () => t?.close())

const json = { ...AUTH, 'content-type': 'application/json' }
const create = (body: unknown, base = BASE, headers: Record<string, string> = json) =>
  t.app.inject({ method: 'POST', url: `${base}/releases`, headers, payload: JSON.stringify(body) })
const get = (url: string, headers: Record<string, string> = AUTH) => t.app.inject({ method: 'GET', url, headers })
const put = (url: string, body: unknown) => t.app.inject({ method: 'PUT', url, headers: json, payload: JSON.stringify(body) })
const del = (url: string, headers: Record<string, string> = json) => t.app.inject({ method: 'DELETE', url, headers })

// Upgrades move the release from the test chart's 1.0.0 to its 1.1.0 (both seeded by buildTestApp).
const upgradeBody = (values: unknown = { imagePullPolicy: 'IfNotPresent', imageTag: 'v3' }, parameters: unknown = {}) => ({
  chart_id: TEST_CHART_V2_ID,
  action: 'upgrade',
  parameters,
  values,
})

describe('create (seed page "Creating a Release")', () => {
  it('answers 201 with a ReleaseResp whose field types match the SDK models, then DEPLOYED on the next read', async () => {
    t = await buildTestApp()
    const res = await create({
      name: 'nino21',
      namespace: 'project01',
      version: '1.0.0',
      chart_id: TEST_CHART_ID,
      values: { imageTag: 'v2', imagePullPolicy: 'IfNotPresent' },
      parameters: { dry_run: false, no_hooks: false, replace: false, name_template: '' },
    })
    expect(res.statusCode).toBe(201)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/)
    const body = res.json()
    expect(body).toEqual({
      chart_name: 'demo',
      chart_public: false,
      chart_version: '1.0.0',
      cluster_id: 'a870253f-5dc7-11ee-bf71-0255ac100b03',
      cluster_name: expect.any(String),
      create_at: '2026-03-01T08:00:00Z',
      update_at: '2026-03-01T08:00:00Z',
      description: 'Initial install underway',
      name: 'nino21',
      namespace: 'project01',
      parameters: '',
      resources: '',
      status: 'PENDING_INSTALL',
      status_description: 'Initial install underway',
      values: JSON.stringify({ imageTag: 'v2', imagePullPolicy: 'IfNotPresent' }),
      version: 1,
    })
    const shown = (await get(item('nino21'))).json()
    expect(shown).toMatchObject({ status: 'DEPLOYED', status_description: 'Install complete', description: 'Install complete', version: 1 })
  })

  it('accepts what the Go SDK sends: explicit nulls and a trailing newline', async () => {
    t = await buildTestApp()
    const res = await t.app.inject({
      method: 'POST',
      url: `${BASE}/releases`,
      headers: json,
      payload: `${JSON.stringify({ ...createBody('go-client'), values: null, parameters: null, description: null })}\n`,
    })
    expect(res.statusCode).toBe(201)
    expect(res.json().values).toBe('{}')
  })

  it('keeps arbitrary nested values, including camelCase keys', async () => {
    t = await buildTestApp()
    const values = { imageTag: 'v2', basic: { admin_username: 'u', mysql_port: 3306 }, list: [1, 'two', { three: true }] }
    const res = await create(createBody('nested', { values }))
    expect(JSON.parse(res.json().values)).toEqual(values)
  })

  it('refuses a name still in use with 409, whatever its state', async () => {
    t = await buildTestApp()
    await create(createBody('dup'))
    const res = await create(createBody('dup', { values: { other: true } }))
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({ error_code: 'CCE.01409001', error_msg: expect.stringContaining('cannot re-use a name that is still in use') })
    expect(JSON.parse((await get(item('dup'))).json().values)).toEqual(createBody('dup').values)
  })

  it('dry_run validates and stores nothing', async () => {
    t = await buildTestApp()
    const res = await create(createBody('dry', { parameters: { dry_run: true } }))
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ status: 'PENDING_INSTALL', description: 'Dry run complete' })
    expect((await get(item('dry'))).statusCode).toBe(404)
    expect((await create(createBody('Bad', { parameters: { dry_run: true } }))).statusCode).toBe(400)
  })
})

describe('list', () => {
  it('is a bare array, [] when empty, filtered by chart_id and namespace, tolerant of unknown query parameters', async () => {
    t = await buildTestApp()
    expect((await get(`${BASE}/releases`)).body).toBe('[]')
    await create(createBody('a', { chart_id: TEST_CHART_V2_ID, version: '1.1.0' }))
    await create(createBody('b', { namespace: 'other' }))
    await create(createBody('c'))
    const names = async (q: string) => ((await get(`${BASE}/releases${q}`)).json() as Array<{ name: string }>).map((r) => r.name)
    // Ordered by namespace, then name.
    expect(await names('')).toEqual(['b', 'a', 'c'])
    expect(await names(`?chart_id=${TEST_CHART_V2_ID}`)).toEqual(['a'])
    expect(await names('?namespace=other')).toEqual(['b'])
    expect(await names(`?namespace=project01&chart_id=${TEST_CHART_V2_ID}&page=2&whatever=1`)).toEqual(['a'])
    expect(await names('?chart_id=&namespace=')).toHaveLength(3)
  })

  it('takes the first value of a parameter given twice, as a gateway does, instead of refusing it', async () => {
    t = await buildTestApp()
    await create(createBody('b', { namespace: 'other' }))
    await create(createBody('c'))
    const res = await get(`${BASE}/releases?namespace=other&namespace=project01`)
    expect(res.statusCode).toBe(200)
    expect(res.json().map((r: { name: string }) => r.name)).toEqual(['b'])
  })

  it('shows only the latest revision of each release', async () => {
    t = await buildTestApp()
    await create(createBody('web'))
    await get(item('web'))
    await put(item('web'), upgradeBody())
    const list = (await get(`${BASE}/releases`)).json()
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({ name: 'web', version: 2 })
  })
})

describe('show and delete with or without a Content-Type', () => {
  it('GET and DELETE work with Content-Type: application/json and an empty body (as the SDKs send) and without one', async () => {
    t = await buildTestApp()
    await create(createBody('x1'))
    await create(createBody('x2'))
    expect((await get(item('x1'), json)).statusCode).toBe(200)
    expect((await get(item('x1'), AUTH)).statusCode).toBe(200)
    const d1 = await del(item('x1'), json)
    const d2 = await del(item('x2'), AUTH)
    expect([d1.statusCode, d2.statusCode]).toEqual([200, 200])
    expect(d1.json()).toMatchObject({ name: 'x1', status: 'DELETING', status_description: 'Deletion in progress (or silently failed)' })
  })

  it('show_resources=true fills resources with a JSON string', async () => {
    t = await buildTestApp()
    await create(createBody('r'))
    const res = (await get(`${item('r')}?show_resources=true`)).json()
    expect(typeof res.resources).toBe('string')
    expect(Array.isArray(JSON.parse(res.resources))).toBe(true)
    expect((await get(`${item('r')}?show_resources=false`)).json().resources).toBe('')
  })
})

describe('upgrade (seed page "Updating a Release")', () => {
  it('writes revision 2 PENDING_UPGRADE, then DEPLOYED "Upgrade complete"; history is oldest first', async () => {
    t = await buildTestApp()
    await create(createBody('web'))
    await get(item('web'))
    const res = await put(item('web'), {
      chart_id: TEST_CHART_V2_ID,
      action: 'upgrade',
      parameters: { dry_run: false, name_template: 'string', no_hooks: false, replace: false, recreate: false, reset_values: false, release_version: 1, include_hooks: false },
      values: { imagePullPolicy: 'IfNotPresent', imageTag: 'v2' },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ version: 2, status: 'PENDING_UPGRADE', status_description: 'Preparing upgrade', chart_version: '1.1.0' })
    expect((await get(item('web'))).json()).toMatchObject({ version: 2, status: 'DEPLOYED', status_description: 'Upgrade complete' })
    const history = (await get(`${item('web')}/history`)).json()
    expect(history.map((r: { version: number; status: string; status_description: string }) => [r.version, r.status, r.status_description])).toEqual([
      [1, 'SUPERSEDED', 'Install complete'],
      [2, 'DEPLOYED', 'Upgrade complete'],
    ])
  })

  it('merges values as Helm does: no values reuses, reset_values resets, replace reuses and merges', async () => {
    t = await buildTestApp()
    await create(createBody('v', { values: { a: 1, nested: { x: 1 } } }))
    const valuesAfter = async (body: unknown) => {
      await get(item('v'))
      const res = await put(item('v'), body)
      expect(res.statusCode).toBe(200)
      return JSON.parse(res.json().values)
    }
    expect(await valuesAfter(upgradeBody(null))).toEqual({ a: 1, nested: { x: 1 } })
    expect(await valuesAfter(upgradeBody({ nested: { y: 2 } }, { replace: true }))).toEqual({ a: 1, nested: { x: 1, y: 2 } })
    expect(await valuesAfter(upgradeBody({ b: 2 }))).toEqual({ b: 2 })
    expect(await valuesAfter(upgradeBody({}, { reset_values: true }))).toEqual({})
  })

  it('an empty, absent or null action is an upgrade (the Terraform provider sends "" when `action` is unset)', async () => {
    t = await buildTestApp()
    await create(createBody('tf', { values: { tag: 'v1' } }))
    const { action: _, ...noAction } = upgradeBody()
    const bodies = [
      { ...noAction, action: '', values: { tag: 'v2' } },
      { ...noAction, values: { tag: 'v3' } },
      { ...noAction, action: null, values: { tag: 'v4' } },
    ]
    for (const [i, body] of bodies.entries()) {
      await get(item('tf'))
      const res = await put(item('tf'), body)
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({ version: i + 2, status: 'PENDING_UPGRADE', status_description: 'Preparing upgrade', chart_version: '1.1.0' })
      expect(JSON.parse(res.json().values)).toEqual(body.values)
    }
  })

  it('is refused with 409 "Update release is forbidden" while an operation is pending, changing nothing', async () => {
    t = await buildTestApp({ lifecycle: 'manual' })
    await create(createBody('busy'))
    const res = await put(item('busy'), upgradeBody())
    expect(res.statusCode).toBe(409)
    expect(res.json().error_msg).toContain('Update release is forbidden')
    expect((await get(`${item('busy')}/history`)).json()).toHaveLength(1)
  })

  it('dry_run upgrade answers the would-be revision and stores nothing', async () => {
    t = await buildTestApp()
    await create(createBody('d'))
    await get(item('d'))
    const res = await put(item('d'), upgradeBody({ z: 1 }, { dry_run: true }))
    expect(res.json()).toMatchObject({ version: 2, description: 'Dry run complete' })
    expect((await get(item('d'))).json()).toMatchObject({ version: 1, status: 'DEPLOYED' })
  })

  it('answers 404 for a release that does not exist', async () => {
    t = await buildTestApp()
    const res = await put(item('ghost'), upgradeBody())
    expect(res.statusCode).toBe(404)
    expect(res.json().error_code).toBe('CCE.01404001')
  })
})

describe('rollback', () => {
  it('action rollback + release_version writes a new revision copying the target', async () => {
    t = await buildTestApp()
    await create(createBody('rb', { values: { tag: 'v1' } }))
    await get(item('rb'))
    await put(item('rb'), upgradeBody({ tag: 'v2' }))
    await get(item('rb'))
    const res = await put(item('rb'), { chart_id: 'x', action: 'rollback', parameters: { release_version: 1 }, values: {} })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ version: 3, status: 'PENDING_ROLLBACK', status_description: 'Rollback to 1' })
    expect(JSON.parse(res.json().values)).toEqual({ tag: 'v1' })
    const history = (await get(`${item('rb')}/history`)).json() as Array<{ version: number; status: string }>
    expect(history.map((r) => [r.version, r.status])).toEqual([
      [1, 'SUPERSEDED'],
      [2, 'SUPERSEDED'],
      [3, 'DEPLOYED'],
    ])
  })

  it('refuses a revision that does not exist with 400 naming parameters.release_version', async () => {
    t = await buildTestApp()
    await create(createBody('rb'))
    const res = await put(item('rb'), { chart_id: 'x', action: 'rollback', parameters: { release_version: 9 }, values: {} })
    expect(res.statusCode).toBe(400)
    expect(res.json().error_msg).toContain('parameters.release_version')
    expect(res.json().error_msg).toContain('release has no 9 version')
  })
})

describe('delete', () => {
  it('answers DELETING, then the release and its history are gone (404)', async () => {
    t = await buildTestApp({ lifecycle: 'realistic' })
    await create(createBody('gone'))
    t.clock.advance(60_000)
    const res = await del(item('gone'))
    expect(res.json()).toMatchObject({ status: 'DELETING' })
    expect((await get(item('gone'))).json().status).toBe('DELETING')
    t.clock.advance(60_000)
    expect((await get(item('gone'))).statusCode).toBe(404)
    expect((await get(`${item('gone')}/history`)).statusCode).toBe(404)
    expect((await get(`${BASE}/releases`)).json()).toEqual([])
  })
})

describe('lifecycle timing', () => {
  it('realistic: stays PENDING_INSTALL until its due time, on the injected clock', async () => {
    t = await buildTestApp({ lifecycle: 'realistic' })
    await create(createBody('slow'))
    t.clock.advance(2_000)
    expect((await get(item('slow'))).json().status).toBe('PENDING_INSTALL')
    t.clock.advance(30_000)
    expect((await get(item('slow'))).json().status).toBe('DEPLOYED')
  })

  it('manual: never advances by itself', async () => {
    t = await buildTestApp({ lifecycle: 'manual' })
    await create(createBody('still'))
    t.clock.advance(24 * 3600_000)
    expect((await get(item('still'))).json().status).toBe('PENDING_INSTALL')
  })
})

describe('scoping', () => {
  it('separates projects (X-Project-Id), clusters and the CCE / Autopilot flavours', async () => {
    t = await buildTestApp({}, { seedCharts: ['default', 'proj-a'] })
    await create(createBody('mine'), BASE, { ...json, 'x-project-id': 'proj-a' })
    expect((await get(`${BASE}/releases`, { ...AUTH, 'x-project-id': 'proj-a' })).json()).toHaveLength(1)
    expect((await get(`${BASE}/releases`, { ...AUTH, 'x-project-id': 'proj-b' })).json()).toEqual([])
    expect((await get(`${BASE}/releases`)).json()).toEqual([])
    expect((await get('/cce/cam/v3/clusters/other/releases', { ...AUTH, 'x-project-id': 'proj-a' })).json()).toEqual([])
    expect((await get(`/autopilot/cam/v3/clusters/a870253f-5dc7-11ee-bf71-0255ac100b03/releases`, { ...AUTH, 'x-project-id': 'proj-a' })).json()).toEqual([])
  })

  it('serves the same operations under /autopilot/cam/v3', async () => {
    t = await buildTestApp()
    const ap = '/autopilot/cam/v3/clusters/ap1'
    expect((await create(createBody('auto'), ap)).statusCode).toBe(201)
    expect((await get(`${ap}/namespace/project01/releases/auto`)).json().status).toBe('DEPLOYED')
    expect((await put(`${ap}/namespace/project01/releases/auto`, upgradeBody())).json().version).toBe(2)
    expect((await get(`${ap}/namespace/project01/releases/auto/history`)).json()).toHaveLength(2)
    expect((await del(`${ap}/namespace/project01/releases/auto`)).json().status).toBe('DELETING')
  })
})
