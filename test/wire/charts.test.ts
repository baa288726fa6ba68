/**
 * The chart API on the real app (app.inject) with hand-built multipart bodies: both part orders,
 * paths in filenames, `parameters=""`, override, quota, re-upload, delete, archive, values,
 * hostile packages, and releases that install uploaded charts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { canonicalRequest, formatSdkDate, sha256Hex, sign, stringToSign } from '../../src/auth/signature.js'
import { stableChartId } from '../../src/charts/chart-metadata.js'
import { ManualClock } from '../../src/clock.js'
import { defaultConfig, type EmulatorConfig } from '../../src/config.js'
import { openDatabase } from '../../src/storage/db.js'
import { AUTH, buildTestApp, testChartPackage, type TestApp } from '../helpers/app.js'
import { chartUpload, multipart, type Multipart } from '../helpers/multipart.js'
import { buildTar, buildTgz, chartEntries, chartYaml, gzip, zeroBomb } from '../helpers/tgz.js'

const EXAMPLES = fileURLToPath(new URL('../../examples/charts', import.meta.url))
const example = (file: string) => readFileSync(join(EXAMPLES, file))
const NGINX_1 = example('nginx-demo-1.0.0.tgz')
const NGINX_2 = example('nginx-demo-1.1.0.tgz')
const REDIS = example('redis-lite-0.3.0.tgz')

let t: TestApp
afterEach(async () => t?.close())

/** A fresh app whose chart stores start empty (the release tests' seeded charts are left out). */
const app = (overrides: Partial<EmulatorConfig> = {}) => buildTestApp(overrides, { seedCharts: [] })

const send = (method: 'POST' | 'PUT', url: string, body: Multipart, headers: Record<string, string> = {}) =>
  t.app.inject({ method, url, headers: { ...AUTH, ...body.headers, ...headers }, payload: body.payload })
const upload = (pkg: Buffer, opts: Parameters<typeof chartUpload>[1] = {}, base = '/v2/charts', headers: Record<string, string> = {}) =>
  send('POST', base, chartUpload(pkg, opts), headers)
const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers: { ...AUTH, ...headers } })
const del = (url: string) => t.app.inject({ method: 'DELETE', url, headers: AUTH })
const json = { ...AUTH, 'content-type': 'application/json' }

async function uploaded(pkg: Buffer, base = '/v2/charts'): Promise<string> {
  const res = await upload(pkg, {}, base)
  expect(res.statusCode).toBe(201)
  return res.json().id as string
}

const expectCceError = (res: { statusCode: number; json: () => unknown; headers: Record<string, unknown> }, status: number, code: string, msg?: RegExp) => {
  expect(res.statusCode).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/json/)
  const body = res.json() as Record<string, string>
  expect(body).toMatchObject({ error_code: code, errorCode: code })
  if (msg) expect(body.error_msg).toMatch(msg)
}

describe('upload (POST /v2/charts, multipart)', () => {
  it('answers 201 with a ChartResp whose field types match the SDK models', async () => {
    t = await app()
    const res = await upload(NGINX_1, { parameters: '{"override":false,"skip_lint":true,"source":"package"}' })
    expect(res.statusCode).toBe(201)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    const body = res.json()
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      name: 'nginx-demo',
      values: expect.any(String),
      translate: '',
      instruction: 'README.md',
      version: '1.0.0',
      description: expect.stringContaining('nginx'),
      source: 'package',
      icon_url: 'https://nginx.org/nginx.png',
      public: false,
      chart_url: 'nginx-demo-1.0.0.tgz',
      create_at: '2026-03-01T08:00:00Z',
      update_at: '2026-03-01T08:00:00Z',
    })
    expect(JSON.parse(body.values)).toMatchObject({ replicaCount: 1, image: { repository: 'nginx' } })
  })

  it('takes the parts in either order, a path in the filename, parameters="" and no parameters at all', async () => {
    t = await app()
    const sdkOrder = await upload(NGINX_1, { parameters: '{"source":"package"}', filename: 'nginx-demo-1.0.0.tgz' })
    const terraformOrder = await upload(NGINX_2, { parameters: '', filename: './charts/nested/nginx-demo-1.1.0.tgz', fileFirst: true })
    const windowsPath = await upload(REDIS, { filename: 'C:\\Users\\me\\charts\\redis-lite-0.3.0.tgz' })
    expect([sdkOrder.statusCode, terraformOrder.statusCode, windowsPath.statusCode]).toEqual([201, 201, 201])
    expect(terraformOrder.json()).toMatchObject({ name: 'nginx-demo', version: '1.1.0', source: '' })
    // A parameters part sent as application/json (already parsed by the multipart reader) works too.
    await del(`/v2/charts/${windowsPath.json().id}`)
    const jsonPart = await send('POST', '/v2/charts', multipart([
      { name: 'parameters', value: '{"source":"json-part"}', contentType: 'application/json' },
      { name: 'content', file: REDIS, filename: 'redis.tgz' },
    ]))
    expect(jsonPart.statusCode).toBe(201)
    expect(jsonPart.json().source).toBe('json-part')
  })

  it('refuses the same name and version with 409 unless parameters say override: true', async () => {
    t = await app()
    const first = (await upload(NGINX_1)).json()
    t.clock.advance(60_000)
    const again = await upload(NGINX_1, { parameters: '{"override":false}' })
    expectCceError(again, 409, 'CCE.01409001', /nginx-demo" version 1\.0\.0 already exists.*"override": true/)
    const replaced = await upload(NGINX_1, { parameters: '{"override":true,"source":"again"}' })
    expect(replaced.statusCode).toBe(201)
    expect(replaced.json()).toMatchObject({ id: first.id, create_at: '2026-03-01T08:00:00Z', update_at: '2026-03-01T08:01:00Z', source: 'again' })
    expect((await get('/v2/charts')).json()).toHaveLength(1)
  })

  it('refuses what is not a chart upload with a clear CCE 4xx', async () => {
    t = await app({ chartMaxBytes: 64 * 1024 })
    const asJson = await t.app.inject({ method: 'POST', url: '/v2/charts', headers: json, payload: JSON.stringify({ content: 'chart-file.tgz' }) })
    expectCceError(asJson, 415, 'CCE.01400006', /multipart\/form-data/)
    expectCceError(await send('POST', '/v2/charts', multipart([{ name: 'parameters', value: '{}' }])), 400, 'CCE.01400001', /content: a chart package is required/)
    expectCceError(await send('POST', '/v2/charts', multipart([{ name: 'content', value: 'nginx.tgz' }])), 400, 'CCE.01400001', /content: "content" must be a file part/)
    expectCceError(await upload(NGINX_1, { parameters: '{override:true}' }), 400, 'CCE.01400001', /parameters: must be a JSON object/)
    expectCceError(await upload(NGINX_1, { parameters: '[true]' }), 400, 'CCE.01400001', /parameters: must be a JSON object/)
    expectCceError(await upload(NGINX_1, { parameters: '{"override":"yes"}' }), 400, 'CCE.01400001', /parameters\.override: must be a boolean/)
    const twoFiles = multipart([
      { name: 'content', file: NGINX_1, filename: 'a.tgz' },
      { name: 'extra', file: NGINX_2, filename: 'b.tgz' },
    ])
    expectCceError(await send('POST', '/v2/charts', twoFiles), 413, 'CCE.01400001', /exactly one file/)
    const big = Buffer.concat([NGINX_1, Buffer.alloc(128 * 1024)])
    expectCceError(await upload(big), 413, 'CCE.01400001', /content: the chart package exceeds 65536 bytes/)
    expect((await get('/v2/charts')).json()).toEqual([])
    expect((await upload(NGINX_1)).statusCode).toBe(201)
  })
})

describe('hostile packages', () => {
  it('answers each with 400 in the CCE format and keeps serving', async () => {
    t = await app({ chartMaxUnpackedBytes: 8 * 1024 * 1024 })
    const MiB = 1024 * 1024
    const cases: Array<[string, Buffer, RegExp]> = [
      ['not gzip', Buffer.from('this is not a chart, just text that is long enough'), /not a gzip file/],
      ['gzip without a tar', gzip('hello '.repeat(200)), /not a valid tar archive|empty archive/],
      ['no Chart.yaml', await buildTgz([{ name: 'demo/values.yaml', content: 'a: 1' }]), /no Chart\.yaml/],
      ['an invalid chart name', await buildTgz(chartEntries({ folder: 'Bad_Name', chartYaml: chartYaml({ name: 'Bad_Name' }) })), /name "Bad_Name" is invalid/],
      ['an invalid version', await buildTgz(chartEntries({ chartYaml: chartYaml({ version: '1.0.0-rc.1' }) })), /version "1\.0\.0-rc\.1" is invalid/],
      ['apiVersion v1 (Helm 2)', await buildTgz(chartEntries({ chartYaml: chartYaml({ apiVersion: 'v1' }) })), /Helm 2 chart/],
      ['a path escaping the chart folder', await buildTgz(chartEntries({ extra: [{ name: 'demo/../../etc/passwd', content: 'x' }] })), /escapes the chart folder/],
      ['an absolute path', await buildTgz(chartEntries({ extra: [{ name: '/etc/cron.d/evil', content: 'x' }] })), /absolute path/],
      ['a symlink', await buildTgz(chartEntries({ extra: [{ name: 'demo/templates/link.yaml', type: 'symlink', linkname: '/etc/passwd' }] })), /symbolic link/],
      ['a hard link', await buildTgz(chartEntries({ extra: [{ name: 'demo/templates/hard.yaml', type: 'link', linkname: 'demo/Chart.yaml' }] })), /hard link/],
      ['a gzip bomb (one 64 MiB file)', await zeroBomb({ files: 1, fileSize: 64 * MiB }), /unpacked size exceeds 8 MiB/],
      ['a gzip bomb (many 1 MiB files)', await zeroBomb({ files: 32, fileSize: MiB }), /unpacked size exceeds 8 MiB/],
      ['a truncated package', NGINX_1.subarray(0, Math.floor(NGINX_1.length / 2)), /not valid gzip data|unexpected end|not a valid tar/i],
      ['an uncompressed tar', await buildTar(chartEntries()), /not a gzip file/],
    ]
    for (const [what, pkg, msg] of cases) {
      const res = await upload(pkg, { filename: `${what}.tgz` })
      expect(res.statusCode, what).toBe(400)
      expect(res.json(), what).toMatchObject({ error_code: 'CCE.01400001', errorCode: 'CCE.01400001' })
      expect(res.json().error_msg, what).toMatch(/^Invalid request: content: /)
      expect(res.json().error_msg, what).toMatch(msg)
      expect((await get('/v2/charts')).statusCode, `still serving after ${what}`).toBe(200)
    }
    expect((await get('/v2/charts')).json()).toEqual([])
    expect((await upload(NGINX_1)).statusCode).toBe(201)
  })
})

describe('list, show, archive, values', () => {
  it('lists every version as a bare array ([] when empty), ordered by name then version', async () => {
    t = await app()
    expect((await get('/v2/charts')).body).toBe('[]')
    await uploaded(REDIS)
    await uploaded(NGINX_2)
    await uploaded(NGINX_1)
    const list = (await get('/v2/charts')).json() as Array<{ name: string; version: string; values: unknown }>
    expect(list.map((c) => `${c.name}@${c.version}`)).toEqual(['nginx-demo@1.0.0', 'nginx-demo@1.1.0', 'redis-lite@0.3.0'])
    expect(list.every((c) => typeof c.values === 'string')).toBe(true)
  })

  it('shows one chart, and answers 404 for an unknown id', async () => {
    t = await app()
    const id = await uploaded(NGINX_1)
    expect((await get(`/v2/charts/${id}`)).json()).toMatchObject({ id, name: 'nginx-demo', version: '1.0.0' })
    expectCceError(await get('/v2/charts/e99a7e86-afdd-11eb-aca3-0255ac100b0e'), 404, 'CCE.01404001', /chart/)
    expectCceError(await get('/v2/charts/e99a7e86-afdd-11eb-aca3-0255ac100b0e/values'), 404, 'CCE.01404001')
    expectCceError(await get('/v2/charts/e99a7e86-afdd-11eb-aca3-0255ac100b0e/archive'), 404, 'CCE.01404001')
  })

  it('downloads the exact bytes uploaded as application/octet-stream with a <name>-<version>.tgz filename', async () => {
    t = await app()
    const id = await uploaded(NGINX_2)
    const res = await get(`/v2/charts/${id}/archive`)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/octet-stream')
    expect(res.headers['content-disposition']).toBe('attachment; filename="nginx-demo-1.1.0.tgz"')
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/)
    expect(res.rawPayload.equals(NGINX_2)).toBe(true)
  })

  it('answers values.yaml as {"values": {...}} with every top-level key', async () => {
    t = await app()
    const id = await uploaded(NGINX_2)
    const res = (await get(`/v2/charts/${id}/values`)).json()
    expect(Object.keys(res)).toEqual(['values'])
    expect(res.values).toMatchObject({ replicaCount: 1, image: { repository: 'nginx', tag: '1.25.4' }, indexHtml: expect.stringContaining('1.1.0') })
  })
})

describe('quota (GET /v2/charts/{project_id}/quotas)', () => {
  it('counts distinct chart names, whatever their versions', async () => {
    t = await app()
    const quota = async (project = 'default') => (await get(`/v2/charts/${project}/quotas`)).json()
    expect(await quota()).toEqual({ quotas: { resources: [{ type: 'Charts', quota: 200, used: 0 }] } })
    await uploaded(NGINX_1)
    await uploaded(NGINX_2)
    await uploaded(REDIS)
    expect(await quota()).toEqual({ quotas: { resources: [{ type: 'Charts', quota: 200, used: 2 }] } })
    expect((await quota('another-project')).quotas.resources[0].used).toBe(0)
    expect((await get('/autopilot/v2/charts/default/quotas')).json().quotas.resources[0].used).toBe(0)
  })

  it('refuses a new chart name past the quota (403), still accepts new versions of stored names', async () => {
    t = await app({ chartQuota: 1 })
    await uploaded(NGINX_1)
    expectCceError(await upload(REDIS), 403, 'CCE.01403001', /Insufficient chart quota: .* 1 of 1 charts/)
    expect((await upload(NGINX_2)).statusCode).toBe(201)
    expect((await get('/v2/charts/default/quotas')).json().quotas.resources[0]).toEqual({ type: 'Charts', quota: 1, used: 1 })
  })

  it('answers for the project in the path; a different X-Project-Id is 403, a placeholder is 400', async () => {
    t = await app()
    await upload(NGINX_1, {}, '/v2/charts', { 'x-project-id': 'proj-a' })
    expect((await get('/v2/charts/proj-a/quotas', { 'x-project-id': 'proj-a' })).json().quotas.resources[0].used).toBe(1)
    expect((await get('/v2/charts/proj-a/quotas')).json().quotas.resources[0].used).toBe(1)
    expectCceError(await get('/v2/charts/proj-a/quotas', { 'x-project-id': 'proj-b' }), 403, 'CCE.01403001')
    expectCceError(await get('/v2/charts/%7Bproject_id%7D/quotas'), 400, 'CCE.01400001', /project_id/)
  })
})

describe('update (PUT /v2/charts/{chart_id}, multipart re-upload)', () => {
  it('replaces the package, keeps the id, and may move to another version of the same chart', async () => {
    t = await app()
    const id = await uploaded(NGINX_1)
    t.clock.advance(5_000)
    const same = await send('PUT', `/v2/charts/${id}`, chartUpload(NGINX_1, { fileFirst: true, filename: 'x/y/nginx-demo-1.0.0.tgz' }))
    expect(same.statusCode).toBe(200)
    expect(same.json()).toMatchObject({ id, version: '1.0.0', update_at: '2026-03-01T08:00:05Z' })
    const moved = await send('PUT', `/v2/charts/${id}`, chartUpload(NGINX_2, { parameters: '' }))
    expect(moved.statusCode).toBe(200)
    expect(moved.json()).toMatchObject({ id, version: '1.1.0', chart_url: 'nginx-demo-1.1.0.tgz', create_at: '2026-03-01T08:00:00Z' })
    expect((await get(`/v2/charts/${id}/archive`)).rawPayload.equals(NGINX_2)).toBe(true)
    expect((await get('/v2/charts')).json()).toHaveLength(1)
  })

  it('refuses another chart name (400), a version another chart already holds (409), an unknown id (404)', async () => {
    t = await app()
    const id1 = await uploaded(NGINX_1)
    await uploaded(NGINX_2)
    expectCceError(await send('PUT', `/v2/charts/${id1}`, chartUpload(REDIS)), 400, 'CCE.01400001', /content: .*same chart name/)
    expectCceError(await send('PUT', `/v2/charts/${id1}`, chartUpload(NGINX_2)), 409, 'CCE.01409001', /already exists as chart/)
    expectCceError(await send('PUT', '/v2/charts/no-such-chart', chartUpload(NGINX_1)), 404, 'CCE.01404001')
    expectCceError(await send('PUT', `/v2/charts/${id1}`, chartUpload(Buffer.from('garbage, not a package at all!'))), 400, 'CCE.01400001', /not a gzip/)
    expect((await get(`/v2/charts/${id1}`)).json().version).toBe('1.0.0')
  })
})

describe('delete (DELETE /v2/charts/{chart_id})', () => {
  it('answers 200 with the deleted ChartResp, then 404', async () => {
    t = await app()
    const id = await uploaded(NGINX_1)
    const res = await del(`/v2/charts/${id}`)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ id, name: 'nginx-demo', version: '1.0.0', values: expect.any(String) })
    expectCceError(await get(`/v2/charts/${id}`), 404, 'CCE.01404001')
    expectCceError(await del(`/v2/charts/${id}`), 404, 'CCE.01404001')
    expect((await get('/v2/charts/default/quotas')).json().quotas.resources[0].used).toBe(0)
  })
})

describe('scoping', () => {
  it('keeps projects (X-Project-Id) and the CCE / Autopilot chart stores apart', async () => {
    t = await app()
    const cce = await uploaded(NGINX_1)
    const autopilot = await uploaded(NGINX_1, '/autopilot/v2/charts')
    expect(autopilot).not.toBe(cce)
    expect((await get('/autopilot/v2/charts')).json().map((c: { id: string }) => c.id)).toEqual([autopilot])
    expectCceError(await get(`/autopilot/v2/charts/${cce}`), 404, 'CCE.01404001')
    expect((await get('/v2/charts', { 'x-project-id': 'proj-b' })).json()).toEqual([])
    expectCceError(await get(`/v2/charts/${cce}`, { 'x-project-id': 'proj-b' }), 404, 'CCE.01404001')
    // Autopilot serves the whole chart surface.
    expect((await get(`/autopilot/v2/charts/${autopilot}/values`)).json().values.replicaCount).toBe(1)
    expect((await get(`/autopilot/v2/charts/${autopilot}/archive`)).rawPayload.equals(NGINX_1)).toBe(true)
    expect((await send('PUT', `/autopilot/v2/charts/${autopilot}`, chartUpload(NGINX_2))).json().version).toBe('1.1.0')
    expect((await del(`/autopilot/v2/charts/${autopilot}`)).statusCode).toBe(200)
  })

  it('verify mode: signed uploads pass with the body hashed (as a hand-made signer does) or UNSIGNED-PAYLOAD (the SDKs)', async () => {
    t = await app({ auth: 'verify', credentials: [{ accessKey: 'AKCHARTS', secretKey: 'SKCHARTS' }], chartMaxBytes: 256 * 1024 })
    const signedUpload = (body: Multipart, declared?: string, payload: Buffer = body.payload) => {
      const date = formatSdkDate(t.clock.now())
      const headers: Record<string, string> = { ...body.headers, host: 'emulator', 'x-sdk-date': date, ...(declared ? { 'x-sdk-content-sha256': declared } : {}) }
      // The SDKs sign X-Sdk-Content-Sha256 whenever they send it; unsigned, it would not count.
      const names = ['content-type', 'host', ...(declared ? ['x-sdk-content-sha256'] : []), 'x-sdk-date']
      const canonical = canonicalRequest({ method: 'POST', rawPath: '/v2/charts', rawQuery: '', headers, signedHeaders: names, bodyHash: declared ?? sha256Hex(body.payload) })
      headers.authorization = `SDK-HMAC-SHA256 Access=AKCHARTS, SignedHeaders=${names.join(';')}, Signature=${sign('SKCHARTS', stringToSign(date, canonical))}`
      return t.app.inject({ method: 'POST', url: '/v2/charts', headers, payload })
    }
    const hashed = await signedUpload(chartUpload(NGINX_1, { fileFirst: true, filename: './dist/nginx-demo-1.0.0.tgz', parameters: '{"source":"hashed"}' }))
    expect(hashed.statusCode).toBe(201)
    expect(hashed.json()).toMatchObject({ name: 'nginx-demo', version: '1.0.0', source: 'hashed' })
    const unsigned = await signedUpload(chartUpload(NGINX_2, { parameters: '' }), 'UNSIGNED-PAYLOAD')
    expect(unsigned.statusCode).toBe(201)
    // The gateway read the hashed body; the same refusals apply to it.
    expectCceError(await signedUpload(chartUpload(NGINX_1)), 409, 'CCE.01409001')
    expectCceError(await signedUpload(multipart([{ name: 'parameters', value: '{}' }])), 400, 'CCE.01400001', /content: a chart package is required/)
    expectCceError(await signedUpload(chartUpload(Buffer.concat([REDIS, Buffer.alloc(300 * 1024)]))), 413, 'CCE.01400001', /exceeds 262144 bytes/)
    const body = chartUpload(REDIS)
    const tampered = Buffer.from(body.payload)
    tampered[tampered.length - 100] = (tampered[tampered.length - 100]! + 1) % 256
    expectCceError(await signedUpload(body, undefined, tampered), 401, 'APIGW.0301')
    const archive = await t.app.inject({ method: 'GET', url: `/v2/charts/${hashed.json().id}/archive`, headers: { 'x-auth-token': 'unknown' } })
    expect(archive.statusCode).toBe(401)
  })

  it('needs credentials like the release API (presence mode)', async () => {
    t = await app()
    const res = await t.app.inject({ method: 'GET', url: '/v2/charts' })
    expectCceError(res, 401, 'APIGW.0301')
    const body = chartUpload(NGINX_1)
    expectCceError(await t.app.inject({ method: 'POST', url: '/v2/charts', headers: body.headers, payload: body.payload }), 401, 'APIGW.0301')
  })
})

describe('releases install uploaded charts', () => {
  const BASE = '/cce/cam/v3/clusters/c1'
  const item = (name: string) => `${BASE}/namespace/default/releases/${name}`
  const createRelease = (body: Record<string, unknown>, base = BASE) =>
    t.app.inject({ method: 'POST', url: `${base}/releases`, headers: json, payload: JSON.stringify({ namespace: 'default', values: {}, ...body }) })
  const update = (name: string, body: Record<string, unknown>, query = '') =>
    t.app.inject({ method: 'PUT', url: `${item(name)}${query}`, headers: json, payload: JSON.stringify({ action: 'upgrade', parameters: {}, values: {}, ...body }) })

  it('refuse an unknown chart (404) and a version the chart does not have (400, field version)', async () => {
    t = await app()
    const id = await uploaded(NGINX_1)
    expectCceError(await createRelease({ name: 'web', chart_id: 'e99a7e86-afdd-11eb-aca3-0255ac100b0e', version: '1.0.0' }), 404, 'CCE.01404001', /chart/)
    expectCceError(await createRelease({ name: 'web', chart_id: id, version: '1.1.0' }), 400, 'CCE.01400001', /^Invalid request: version: .*version 1\.0\.0, not version "1\.1\.0"/)
    expect((await t.app.inject({ method: 'GET', url: `${BASE}/releases`, headers: AUTH })).json()).toEqual([])
  })

  it('take chart_name, chart_version, chart_public from the chart and coalesce its defaults with the user values', async () => {
    t = await app()
    const id = await uploaded(NGINX_1)
    const res = await createRelease({ name: 'web', chart_id: id, version: '1.0.0', values: { imageTag: '1.25.5', image: { pullPolicy: 'Always' }, nodeSelector: null } })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ chart_name: 'nginx-demo', chart_version: '1.0.0', chart_public: false })
    const values = JSON.parse(res.json().values)
    expect(values).toMatchObject({ replicaCount: 1, imageTag: '1.25.5', image: { repository: 'nginx', tag: '1.25.3', pullPolicy: 'Always' } })
    // A null user value deletes the chart default, as in Helm.
    expect(values).not.toHaveProperty('nodeSelector')
  })

  it('upgrade across chart versions of the same chart, never to another chart (400, field chart_id)', async () => {
    t = await app()
    const v1 = await uploaded(NGINX_1)
    const v2 = await uploaded(NGINX_2)
    const redis = await uploaded(REDIS)
    await createRelease({ name: 'web', chart_id: v1, version: '1.0.0', values: { imageTag: 'a' } })
    await t.app.inject({ method: 'GET', url: item('web'), headers: AUTH })
    expectCceError(await update('web', { chart_id: redis }), 400, 'CCE.01400001', /^Invalid request: chart_id: .*"redis-lite" but the release runs chart "nginx-demo"/)
    expectCceError(await update('web', { chart_id: 'missing-chart' }), 404, 'CCE.01404001')
    const up = await update('web', { chart_id: v2, values: { imageTag: 'b' } })
    expect(up.statusCode).toBe(200)
    expect(up.json()).toMatchObject({ chart_version: '1.1.0', version: 2 })
    expect(JSON.parse(up.json().values)).toMatchObject({ imageTag: 'b', indexHtml: expect.stringContaining('1.1.0') })
    // list ?chart_id= filters by the chart id the release now runs.
    const byChart = await t.app.inject({ method: 'GET', url: `${BASE}/releases?chart_id=${v2}`, headers: AUTH })
    expect(byChart.json().map((r: { name: string }) => r.name)).toEqual(['web'])
  })

  it('show_resources=true on show, update and delete lists the objects of the chart templates', async () => {
    t = await app()
    const v1 = await uploaded(NGINX_1)
    const v2 = await uploaded(NGINX_2)
    await createRelease({ name: 'web', chart_id: v1, version: '1.0.0' })
    const shown = (await t.app.inject({ method: 'GET', url: `${item('web')}?show_resources=true`, headers: AUTH })).json()
    expect(JSON.parse(shown.resources)).toEqual([
      { kind: 'Deployment', name: 'web', namespace: 'default' },
      { kind: 'Service', name: 'web', namespace: 'default' },
    ])
    const upgraded = (await update('web', { chart_id: v2 }, '?show_resources=true')).json()
    expect(JSON.parse(upgraded.resources).map((r: { kind: string }) => r.kind)).toEqual(['ConfigMap', 'Deployment', 'Service'])
    await t.app.inject({ method: 'GET', url: item('web'), headers: AUTH })
    const deleted = (await t.app.inject({ method: 'DELETE', url: `${item('web')}?show_resources=true`, headers: AUTH })).json()
    expect(deleted.status).toBe('DELETING')
    expect(JSON.parse(deleted.resources)).toHaveLength(3)
  })

  it('a chart that live releases use can be deleted; the releases keep running, upgrading to it is then 404', async () => {
    t = await app()
    const v1 = await uploaded(NGINX_1)
    await createRelease({ name: 'web', chart_id: v1, version: '1.0.0', values: { imageTag: 'keep' } })
    await t.app.inject({ method: 'GET', url: item('web'), headers: AUTH })
    expect((await del(`/v2/charts/${v1}`)).statusCode).toBe(200)
    const shown = (await t.app.inject({ method: 'GET', url: `${item('web')}?show_resources=true`, headers: AUTH })).json()
    expect(shown).toMatchObject({ status: 'DEPLOYED', chart_name: 'nginx-demo', chart_version: '1.0.0' })
    expect(JSON.parse(shown.values)).toMatchObject({ imageTag: 'keep', replicaCount: 1 })
    // The templates went with the chart: nothing left to approximate resources from.
    expect(shown.resources).toBe('[]')
    expectCceError(await update('web', { chart_id: v1 }), 404, 'CCE.01404001')
    // Re-uploading the same name and version brings the resources back, under a new id.
    await uploaded(NGINX_1)
    expect(JSON.parse((await t.app.inject({ method: 'GET', url: `${item('web')}?show_resources=true`, headers: AUTH })).json().resources)).toHaveLength(2)
    expect((await t.app.inject({ method: 'DELETE', url: item('web'), headers: AUTH })).statusCode).toBe(200)
  })

  it('CCE and Autopilot releases only see their own chart store', async () => {
    t = await app()
    const cceChart = await uploaded(NGINX_1)
    expectCceError(await createRelease({ name: 'ap', chart_id: cceChart, version: '1.0.0' }, '/autopilot/cam/v3/clusters/ap1'), 404, 'CCE.01404001')
    const apChart = await uploaded(NGINX_1, '/autopilot/v2/charts')
    expect((await createRelease({ name: 'ap', chart_id: apChart, version: '1.0.0' }, '/autopilot/cam/v3/clusters/ap1')).statusCode).toBe(201)
  })
})

describe('preloading (--charts DIR)', () => {
  it('loads every .tgz under stable ids into both flavours of the default project, idempotently', async () => {
    const db = openDatabase(':memory:')
    try {
      const build = async () => {
        const built = await buildApp({ config: defaultConfig({ db: ':memory:', charts: EXAMPLES }), db, clock: new ManualClock('2026-03-01T08:00:00Z'), logger: false })
        await built.app.ready()
        return built
      }
      const first = await build()
      const ids = ['nginx-demo@1.0.0', 'nginx-demo@1.1.0', 'redis-lite@0.3.0'].map((s) => {
        const [name, version] = s.split('@') as [string, string]
        return stableChartId(name, version)
      })
      for (const base of ['/v2/charts', '/autopilot/v2/charts']) {
        const list = (await first.app.inject({ method: 'GET', url: base, headers: AUTH })).json() as Array<{ id: string }>
        expect(list.map((c) => c.id)).toEqual(ids)
      }
      // The ids the README documents for CI pipelines.
      expect(ids).toEqual(['01c9f6d9-5c1a-55f3-a3d3-118677c0d7bd', '35539dc1-62cd-54f4-ad72-d4eee0071516', 'd4cfbb6e-3d83-5c00-9ad4-6364e2b84286'])
      const archive = await first.app.inject({ method: 'GET', url: `/v2/charts/${ids[2]}/archive`, headers: AUTH })
      expect(archive.rawPayload.equals(REDIS)).toBe(true)
      await first.app.close()
      // A restart on the same database finds them unchanged, same ids, nothing duplicated.
      const second = await build()
      expect((await second.app.inject({ method: 'GET', url: '/v2/charts', headers: AUTH })).json()).toHaveLength(3)
      expect((await second.app.inject({ method: 'GET', url: '/v2/charts/default/quotas', headers: AUTH })).json().quotas.resources[0].used).toBe(2)
      await second.app.close()
    } finally {
      db.close()
    }
  })

  it('fails the start with a message naming the folder and the bad file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cce-charts-'))
    const db = openDatabase(':memory:')
    try {
      writeFileSync(join(dir, 'good-1.0.0.tgz'), await testChartPackage('1.0.0'))
      writeFileSync(join(dir, 'broken.tgz'), Buffer.from('not a package'))
      await expect(buildApp({ config: defaultConfig({ db: ':memory:', charts: dir }), db, clock: new ManualClock(), logger: false })).rejects.toThrow(
        /--charts .*broken\.tgz is not a valid chart package: chart package is not a gzip file/,
      )
      await expect(buildApp({ config: defaultConfig({ db: ':memory:', charts: join(dir, 'nope') }), db, clock: new ManualClock(), logger: false })).rejects.toThrow(
        /--charts .*nope: cannot read the folder/,
      )
    } finally {
      db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('reset and preloaded charts', () => {
  // Found by fuzzing: a DELETE of a preloaded chart (or a PUT re-upload over it) stuck through
  // every later /_emulator/reset, so "a reset returns to the start-up state" was false and one
  // test deleting a --charts chart broke every test after it. The reset now puts them back.
  it('a reset brings back a deleted or re-uploaded preloaded chart, in its own flavour and project only', async () => {
    t = await buildTestApp({ charts: EXAMPLES }, { seedCharts: [] })
    const nginx = stableChartId('nginx-demo', '1.0.0')
    const redis = stableChartId('redis-lite', '0.3.0')
    expect((await del(`/v2/charts/${nginx}`)).statusCode).toBe(200)
    expect((await del(`/autopilot/v2/charts/${nginx}`)).statusCode).toBe(200)
    // A re-upload over a preloaded chart: same name, new bytes, another version.
    const bumped = await buildTgz(chartEntries({ folder: 'redis-lite', chartYaml: chartYaml({ name: 'redis-lite', version: '0.4.0' }) }))
    expect((await send('PUT', `/v2/charts/${redis}`, chartUpload(bumped))).json()).toMatchObject({ id: redis, version: '0.4.0' })

    // A reset scoped to another flavour leaves the CCE store alone.
    const reset = (query: string) => t.app.inject({ method: 'POST', url: `/_emulator/reset${query}` })
    expect((await reset('?flavor=autopilot')).statusCode).toBe(200)
    expect((await get(`/autopilot/v2/charts/${nginx}`)).statusCode).toBe(200)
    expectCceError(await get(`/v2/charts/${nginx}`), 404, 'CCE.01404001')

    expect((await reset('')).statusCode).toBe(200)
    expect((await get(`/v2/charts/${nginx}`)).json()).toMatchObject({ id: nginx, version: '1.0.0' })
    expect((await get(`/v2/charts/${redis}`)).json()).toMatchObject({ id: redis, version: '0.3.0' })
    expect((await get(`/v2/charts/${redis}/archive`)).rawPayload.equals(REDIS)).toBe(true)
    expect(((await get('/v2/charts')).json() as unknown[]).length).toBe(3)
  })
})
