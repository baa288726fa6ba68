/**
 * The OpenAPI document says what the server enforces, and the server answers as the document
 * says (issue 9 item 8; found by schemathesis --checks all through `npm run stress`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AUTH, buildTestApp, createBody, type TestApp } from '../helpers/app.js'
import { openApiDocument } from '../../src/scripts/openapi-document.js'

let t: TestApp
let doc: any
beforeAll(async () => {
  t = await buildTestApp()
  doc = JSON.parse(await openApiDocument())
})
afterAll(async () => t?.close())

const json = { ...AUTH, 'content-type': 'application/json' }

describe('an undeclared method on a known path', () => {
  it.each([
    ['TRACE', '/v2/charts', 'GET, HEAD, POST'],
    ['PATCH', '/cce/cam/v3/clusters/c1/namespace/default/releases/web', 'DELETE, GET, HEAD, PUT'],
    ['POST', '/v2/charts/abc/values', 'GET, HEAD'],
    ['DELETE', '/autopilot/v2/charts/default/quotas', 'GET, HEAD'],
    ['PUT', '/_emulator/health', 'GET, HEAD'],
    ['OPTIONS', '/cce/cam/v3/clusters/c1/releases', 'GET, HEAD, POST'],
  ])('%s %s is a 405 in the CCE body with Allow: %s', async (method, url, allow) => {
    const res = await t.app.inject({ method: method as 'GET', url, headers: AUTH })
    expect(res.statusCode).toBe(405)
    expect(res.headers.allow).toBe(allow)
    expect(res.json()).toMatchObject({ error_code: 'CCE.01405001' })
    expect(res.json().error_msg).toContain(allow)
  })

  it('in the Cloudpods body under /api', async () => {
    const res = await t.app.inject({ method: 'PATCH', url: '/api/repos', headers: AUTH })
    expect(res.statusCode).toBe(405)
    expect(res.headers.allow).toBe('GET, HEAD, POST')
    expect(res.json()).toMatchObject({ code: 405, class: 'MethodNotAllowedError' })
  })

  it('the Allow header lists exactly the methods the document declares for the path (and HEAD)', async () => {
    for (const [path, item] of Object.entries<Record<string, unknown>>(doc.paths)) {
      const url = path.replace(/\{[^}]+\}/g, 'x1')
      const res = await t.app.inject({ method: 'TRACE', url, headers: AUTH })
      const declared = Object.keys(item).map((m) => m.toUpperCase())
      const expected = [...new Set([...declared, ...(declared.includes('GET') ? ['HEAD'] : [])])].sort().join(', ')
      expect(res.statusCode, path).toBe(405)
      expect(res.headers.allow, path).toBe(expected)
    }
  })

  it('an unknown path is still a 404', async () => {
    const res = await t.app.inject({ method: 'TRACE', url: '/v2/nothing/here', headers: AUTH })
    expect(res.statusCode).toBe(404)
    const ok = await t.app.inject({ method: 'POST', url: '/cce/cam/v3/clusters/c1/releases', headers: json, payload: createBody('web') })
    expect(ok.statusCode).toBe(201)
  })
})

const op = (path: string, method: string) => doc.paths[path][method]
const CCE_PATHS = () => Object.keys(doc.paths).filter((p) => /^\/(cce|autopilot|v2)\//.test(p))

describe('the document states what the server enforces', () => {
  it('POST /_emulator/reset: the body is optional, and the server takes none', async () => {
    expect(op('/_emulator/reset', 'post').requestBody.required).toBe(false)
    const res = await t.app.inject({ method: 'POST', url: '/_emulator/reset', headers: AUTH })
    expect(res.statusCode).toBe(200)
  })

  it('every CCE operation declares X-Project-Id with its pattern, and the server refuses what the pattern refuses', async () => {
    for (const path of CCE_PATHS()) {
      for (const [method, o] of Object.entries<any>(doc.paths[path])) {
        const header = (o.parameters ?? []).find((p: any) => p.in === 'header' && p.name === 'x-project-id')
        expect(header, `${method} ${path}`).toBeDefined()
        expect(new RegExp(header.schema.pattern).test('proj_1-A')).toBe(true)
        expect(new RegExp(header.schema.pattern).test('')).toBe(true)
        expect(new RegExp(header.schema.pattern).test('a/b')).toBe(false)
      }
    }
    const bad = await t.app.inject({ method: 'GET', url: '/v2/charts', headers: { ...AUTH, 'x-project-id': 'a b' } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error_msg).toMatch(/X-Project-Id must be 1-64 letters/)
  })

  it('release name and namespace carry the domain rules; the server keeps Helm wording for refusals', async () => {
    const body = doc.components.schemas.CreateReleaseReqBody.properties
    const name = new RegExp(body.name.pattern)
    const ns = new RegExp(body.namespace.pattern)
    expect([body.name.maxLength, body.namespace.maxLength]).toEqual([53, 63])
    expect(name.test('web.v1-2') && !name.test('Web') && !name.test('-web')).toBe(true)
    expect(ns.test('team-a') && !ns.test('team.a')).toBe(true)
    const refused = await t.app.inject({ method: 'POST', url: '/cce/cam/v3/clusters/c1/releases', headers: json, payload: createBody('Not_Valid') })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().error_msg).toMatch(/^Invalid request: name: invalid release name "Not_Valid", must match regex/)
    const emptyNs = await t.app.inject({ method: 'POST', url: '/cce/cam/v3/clusters/c1/releases', headers: json, payload: { ...createBody('ok'), namespace: '' } })
    expect(emptyNs.json().error_msg).toMatch(/namespace: invalid namespace/)
  })

  it('the quota path takes a project id, and a literal {project_id} is refused with a hint', async () => {
    const param = op('/v2/charts/{project_id}/quotas', 'get').parameters.find((p: any) => p.in === 'path')
    expect(new RegExp(param.schema.pattern).test('{project_id}')).toBe(false)
    const res = await t.app.inject({ method: 'GET', url: '/v2/charts/%7Bproject_id%7D/quotas', headers: AUTH })
    expect(res.statusCode).toBe(400)
    expect(res.json().error_msg).toMatch(/configure project_id in the SDK credentials/)
  })

  it('a fault rule is either an HTTP or a lifecycle rule; both or neither is a 400 saying so', async () => {
    const schema = op('/_emulator/faults', 'post').requestBody.content['application/json'].schema
    expect(schema.anyOf).toHaveLength(2)
    for (const payload of [{ error: { status: 500 }, lifecycle: { outcome: 'fail' } }, { match: { operation: 'create' } }]) {
      const res = await t.app.inject({ method: 'POST', url: '/_emulator/faults', headers: json, payload })
      expect(res.statusCode).toBe(400)
      expect(res.json().error_msg).toMatch(/either an HTTP outcome .* or a lifecycle outcome/)
      const all = await t.app.inject({ method: 'PUT', url: '/_emulator/faults', headers: json, payload: { rules: [{ latency_ms: 1 }, payload] } })
      expect(all.statusCode).toBe(400)
      expect(all.json().error_msg).toMatch(/either an HTTP outcome/)
    }
  })

  it('a fault rule count stays an integer in JSON (at most 2^53-1)', async () => {
    const huge = await t.app.inject({ method: 'POST', url: '/_emulator/faults', headers: json, payload: { latency_ms: 0, count: 2.0997997533014487e21 } })
    expect(huge.statusCode).toBe(400)
    const max = await t.app.inject({ method: 'POST', url: '/_emulator/faults', headers: json, payload: { latency_ms: 0, count: Number.MAX_SAFE_INTEGER } })
    expect(max.statusCode).toBe(201)
    expect(max.body).toContain(`"remaining":${Number.MAX_SAFE_INTEGER}`)
    await t.app.inject({ method: 'DELETE', url: '/_emulator/faults', headers: AUTH })
  })

  it('a chart upload is multipart with a gzip file part and bounded text parts', () => {
    const body = op('/v2/charts', 'post').requestBody.content
    expect(Object.keys(body)).toEqual(['multipart/form-data'])
    expect(body['multipart/form-data'].encoding.content.contentType).toMatch(/application\/gzip/)
    const upload = doc.components.schemas.ChartUploadBody
    expect(upload.properties.parameters.maxLength).toBe(64 * 1024)
    expect(upload.maxProperties).toBe(9)
  })
})

describe('answers the fuzzer expected', () => {
  it('a fault rule id already in use is a 409 conflict, not a 400', async () => {
    const first = await t.app.inject({ method: 'POST', url: '/_emulator/faults', headers: json, payload: { id: 'dup', latency_ms: 0 } })
    expect(first.statusCode).toBe(201)
    const again = await t.app.inject({ method: 'POST', url: '/_emulator/faults', headers: json, payload: { id: 'dup', latency_ms: 0 } })
    expect(again.statusCode).toBe(409)
    expect(again.json().error_msg).toMatch(/already exists/)
    await t.app.inject({ method: 'DELETE', url: '/_emulator/faults', headers: AUTH })
  })

  it('a chart upload with more text parts than the limit is a 400 (malformed), not a 413', async () => {
    const b = '----honesty'
    const parts = Array.from({ length: 10 }, (_, i) => `--${b}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nx\r\n`).join('')
    const res = await t.app.inject({ method: 'POST', url: '/v2/charts', headers: { ...AUTH, 'content-type': `multipart/form-data; boundary=${b}` }, payload: `${parts}--${b}--\r\n` })
    expect(res.statusCode).toBe(400)
    expect(res.json().error_msg).toMatch(/too many form fields/)
  })

  it('Cloudpods: repo is a required query parameter and body key; the framework wording stays', async () => {
    expect(op('/api/charts', 'get').parameters.find((p: any) => p.name === 'repo').required).toBe(true)
    expect(op('/api/charts/{name}', 'get').parameters.find((p: any) => p.name === 'repo').required).toBe(true)
    const list = await t.app.inject({ method: 'GET', url: '/api/charts', headers: AUTH })
    expect([list.statusCode, list.json().details]).toEqual([406, 'repo must provided'])
    const show = await t.app.inject({ method: 'GET', url: '/api/charts/x', headers: AUTH })
    expect([show.statusCode, show.json().details]).toEqual([400, 'repo not provided'])
    const create = await t.app.inject({ method: 'POST', url: '/api/repos', headers: json, payload: {} })
    expect([create.statusCode, create.json().details]).toEqual([400, 'No request key: repo'])
  })
})

describe('Cloudpods and Keystone bodies say what they need', () => {
  it('a repo create needs a name and a file:// or http(s):// URL; the framework wording stays', async () => {
    const repo = op('/api/repos', 'post').requestBody.content['application/json'].schema.properties.repo
    expect(repo.required).toEqual(['name', 'url'])
    expect(new RegExp(repo.properties.url.pattern).test('https://charts.example.com:8443/stable')).toBe(true)
    expect(new RegExp(repo.properties.url.pattern).test('ftp://x')).toBe(false)
    const res = await t.app.inject({ method: 'POST', url: '/api/repos', headers: json, payload: { repo: { url: 'file:///tmp' } } })
    expect([res.statusCode, res.json().details]).toEqual([400, 'Missing name'])
  })

  it('a Keystone login states each method’s part; a missing one keeps Keystone’s sentence', async () => {
    const identity = doc.components.schemas.KeystoneAuthTokensBody.properties.auth.properties.identity
    expect(identity.anyOf).toHaveLength(2)
    const res = await t.app.inject({ method: 'POST', url: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, payload: { auth: { identity: { methods: ['password'], password: { user: { name: 'u' } } } } } })
    expect([res.statusCode, res.json().details]).toEqual([400, 'auth.identity.password.user needs a name and a password'])
  })
})

it('a Keystone login with scope.project null is a 400, not a 500 (checked before validation)', async () => {
  const payload = { auth: { identity: { methods: ['password'], password: { user: { name: 'u', password: 'p' } } }, scope: { project: null } } }
  const res = await t.app.inject({ method: 'POST', url: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, payload })
  expect(res.statusCode).toBe(400)
})

it('an update states its actions ("" and null too); another is refused naming them', async () => {
  const action = doc.components.schemas.UpdateReleaseReqBody.properties.action
  expect(JSON.stringify(action)).toContain('"enum":["upgrade","rollback",""]')
  const res = await t.app.inject({ method: 'PUT', url: '/cce/cam/v3/clusters/c1/namespace/default/releases/web', headers: json, payload: { chart_id: 'x', action: 'delete' } })
  expect(res.statusCode).toBe(400)
  expect(res.json().error_msg).toBe('Invalid request: action: must be "upgrade" or "rollback" (empty or absent means "upgrade")')
})

const qparam = (path: string, method: string, name: string) => op(path, method).parameters.find((p: any) => p.in === 'query' && p.name === name)

describe('Cloudpods releases state what the server refuses', () => {
  it('list: order is asc or desc in any case; another word keeps the framework sentence', async () => {
    const order = qparam('/api/releases', 'get', 'order').schema
    const word = new RegExp(order.anyOf[0].pattern)
    expect(['asc', 'DESC', ''].every((w) => word.test(w)) && !word.test('up')).toBe(true)
    const res = await t.app.inject({ method: 'GET', url: '/api/releases?order=up', headers: AUTH })
    expect([res.statusCode, res.json().details]).toEqual([400, 'order must be asc or desc'])
    const ok = await t.app.inject({ method: 'GET', url: '/api/releases?order=ASC', headers: AUTH })
    expect(ok.statusCode).toBe(200)
    expect(JSON.stringify(qparam('/api/releases', 'get', 'order_by').schema)).toContain('"enum":["","id","name"')
    const field = await t.app.inject({ method: 'GET', url: '/api/releases?order_by=0', headers: AUTH })
    expect(field.statusCode).toBe(400)
    expect(field.json().details).toMatch(/^order_by: unknown field "0" \(one of id, name/)
    const clause = new RegExp(qparam('/api/releases', 'get', 'filter').schema.anyOf[0].pattern)
    expect(clause.test('status.IN(deployed,failed)') && !clause.test('0') && !clause.test('nosuch.equals(x)')).toBe(true)
    expect(qparam('/api/releases', 'get', 'limit').schema.anyOf[0].pattern).toBe('^[0-9]{0,9}$')
    const limit = await t.app.inject({ method: 'GET', url: '/api/releases?limit=x', headers: AUTH })
    expect([limit.statusCode, limit.json().details]).toEqual([400, 'limit must be a non-negative integer'])
    const filter = await t.app.inject({ method: 'GET', url: '/api/releases?filter=0', headers: AUTH })
    expect([filter.statusCode, filter.json().details]).toEqual([400, 'filter: "0" is not field.op(values), e.g. status.equals(deployed)'])
  })

  it('create: the chart is named by repo + chart or chart_name "<repo>/<chart>"; a missing repo keeps kubeserver\'s sentence', async () => {
    const body = op('/api/releases', 'post').requestBody.content['application/json'].schema
    const input = body.properties?.release ?? doc.components.schemas[body.$ref?.split('/').pop()]?.properties.release
    expect(JSON.stringify(input.anyOf)).toContain('"required":["repo","chart"]')
    expect(JSON.stringify(input.anyOf)).toContain('"required":["chart_name"]')
    const res = await t.app.inject({ method: 'POST', url: '/api/releases', headers: json, payload: { release: { chart: 'web', name: 'a', cluster: 'c', namespace: 'n' } } })
    expect([res.statusCode, res.json().details]).toEqual([406, 'repo must provided'])
    const illegal = await t.app.inject({ method: 'POST', url: '/api/releases', headers: json, payload: { release: { chart_name: 'a/b/c' } } })
    expect([illegal.statusCode, illegal.json().details]).toEqual([400, 'Illegal chart name: "a/b/c"'])
  })

  it('PUT states it needs an upgrade field, PATCH that it is always refused; both keep the sentence naming the upgrade', async () => {
    const put = op('/api/releases/{id}', 'put').requestBody.content['application/json'].schema
    expect(JSON.stringify(put.anyOf)).toContain('{"required":["values_json"]}')
    expect(Object.keys(op('/api/releases/{id}', 'patch').responses)).not.toContain('200')
    for (const [method, payload] of [['PUT', { release: { description: 'x' } }], ['PUT', undefined], ['PATCH', { release: { values: 'a: 1' } }]] as const) {
      const res = await t.app.inject({ method, url: '/api/releases/web', headers: json, ...(payload ? { payload } : {}) })
      expect(res.statusCode, method).toBe(400)
      expect(res.json().details, method).toMatch(/^the emulator does not update release rows/)
    }
  })
})

it('Cloudpods rollback states revision >= 0 and documents the 400s; a negative one keeps the sentence', async () => {
  const body = JSON.stringify(op('/api/releases/{id}/rollback', 'post').requestBody.content['application/json'].schema)
  expect(body).toMatch(/"revision":\{[^}]*"minimum":0/)
  expect(op('/api/releases/{id}/rollback', 'post').responses['400']).toBeDefined()
  const res = await t.app.inject({ method: 'POST', url: '/api/releases/web/rollback', headers: json, payload: { release: { revision: -1 } } })
  expect([res.statusCode, res.json().details]).toEqual([400, 'invalid release revision'])
})

describe('the control plane states what the server refuses', () => {
  it('a fault rule operation is a known name in any case; another keeps the sentence naming them', async () => {
    const schema = JSON.stringify(op('/_emulator/faults', 'post').requestBody.content['application/json'].schema)
    const pattern = new RegExp(JSON.parse(schema.match(/"pattern":("\^\(\?:\[[^"]*")/)![1]!))
    expect(['create', 'UPGRADE', 'uploadchart', 'cloudpodsListReleases'].every((n) => pattern.test(n))).toBe(true)
    expect(pattern.test('nonsense')).toBe(false)
    const one = await t.app.inject({ method: 'POST', url: '/_emulator/faults', headers: json, payload: { match: { operation: 'nonsense' }, latency_ms: 0 } })
    expect(one.statusCode).toBe(400)
    expect(one.json().error_msg).toMatch(/"nonsense" is not an operation a request can have/)
    const all = await t.app.inject({ method: 'PUT', url: '/_emulator/faults', headers: json, payload: { rules: [{ match: { operation: ['list', 'nope'] }, latency_ms: 0 }] } })
    expect(all.statusCode).toBe(400)
    expect(all.json().error_msg).toMatch(/"nope" is not an operation/)
    const ok = await t.app.inject({ method: 'POST', url: '/_emulator/faults', headers: json, payload: { match: { operation: 'ShowRelease' }, latency_ms: 0 } })
    expect(ok.statusCode).toBe(201)
    await t.app.inject({ method: 'DELETE', url: '/_emulator/faults', headers: AUTH })
  })

  it('a reset body states that dialect cloudpods takes no flavor; the server names both', async () => {
    const body = JSON.stringify(op('/_emulator/reset', 'post').requestBody.content['application/json'].schema)
    expect(body).toContain('"not":{"required":["dialect","flavor"]')
    for (const [url, payload] of [['/_emulator/reset', { dialect: 'cloudpods', flavor: 'cce' }], ['/_emulator/reset?flavor=autopilot', { dialect: 'cloudpods' }]] as const) {
      const res = await t.app.inject({ method: 'POST', url, headers: json, payload })
      expect(res.statusCode, url).toBe(400)
      expect(res.json().error_msg, url).toMatch(/flavor (cce|autopilot) is not of dialect cloudpods/)
    }
    const ok = await t.app.inject({ method: 'POST', url: '/_emulator/reset', headers: json, payload: { dialect: 'cloudpods' } })
    expect(ok.statusCode).toBe(200)
  })
})

