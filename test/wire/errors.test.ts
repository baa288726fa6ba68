import { afterEach, describe, expect, it } from 'vitest'
import { AUTH, buildTestApp, createBody, TEST_CHART_ID, type TestApp } from '../helpers/app.js'

const URL = '/cce/cam/v3/clusters/c1/releases'
const json = { ...AUTH, 'content-type': 'application/json' }
let t: TestApp
afterEach(async () => t?.close())

const post = (payload: string, headers: Record<string, string> = json) => t.app.inject({ method: 'POST', url: URL, headers, payload })
const count = async () => (await t.app.inject({ method: 'GET', url: URL, headers: AUTH })).json().length as number

describe('bad input gets a clean CCE 4xx and changes nothing', () => {
  const cases: Array<[string, string, Record<string, string> | undefined, number, RegExp]> = [
    ['malformed JSON', '{"name": "x",', undefined, 400, /not valid JSON/],
    ['a JSON array', '[1,2]', undefined, 400, /body: must be object/],
    ['a missing field', JSON.stringify({ ...createBody('x'), chart_id: undefined }), undefined, 400, /chart_id/],
    ['a wrong type', JSON.stringify({ ...createBody('x'), version: 1 }), undefined, 400, /version: must be string/],
    ['values as a list', JSON.stringify({ ...createBody('x'), values: [1] }), undefined, 400, /values/],
    ['a bad parameter type', JSON.stringify({ ...createBody('x'), parameters: { dry_run: 'yes' } }), undefined, 400, /parameters\.dry_run/],
    ['an invalid release name', JSON.stringify(createBody('Not_Valid')), undefined, 400, /name: invalid release name/],
    ['a 54-character name', JSON.stringify(createBody('a'.repeat(54))), undefined, 400, /longer than 53/],
    ['an invalid namespace', JSON.stringify({ ...createBody('x'), namespace: '-ns' }), undefined, 400, /namespace: invalid namespace/],
    ['a text/plain body', 'name=x', { ...AUTH, 'content-type': 'text/plain' }, 415, /Content type not supported/],
    ['a body over the limit', JSON.stringify({ ...createBody('x'), values: { big: 'x'.repeat(1024 * 1024) } }), undefined, 413, /too large/],
  ]
  it.each(cases)('%s', async (_name, payload, headers, status, message) => {
    t = await buildTestApp()
    const res = await post(payload, headers ?? json)
    expect(res.statusCode).toBe(status)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/)
    const body = res.json()
    expect(body.error_code).toBe(body.errorCode)
    expect(body.error_msg).toBe(body.errorMessage)
    expect(body.error_msg).toMatch(message)
    expect(await count()).toBe(0)
  })

  it('an invalid update action is a 400 naming the field', async () => {
    t = await buildTestApp()
    await post(JSON.stringify(createBody('web')))
    const res = await t.app.inject({
      method: 'PUT',
      url: '/cce/cam/v3/clusters/c1/namespace/project01/releases/web',
      headers: json,
      payload: JSON.stringify({ chart_id: 'c', action: 'destroy', values: {} }),
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error_msg).toContain('action')
  })
})

describe('update action', () => {
  it('a 400 for an unknown action names the allowed values', async () => {
    t = await buildTestApp()
    await post(JSON.stringify(createBody('web')))
    for (const action of ['destroy', 'Upgrade', ' ']) {
      const res = await t.app.inject({
        method: 'PUT',
        url: '/cce/cam/v3/clusters/c1/namespace/project01/releases/web',
        headers: json,
        payload: JSON.stringify({ chart_id: TEST_CHART_ID, action, values: {} }),
      })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({
        error_code: 'CCE.01400001',
        error_msg: 'Invalid request: action: must be "upgrade" or "rollback" (empty or absent means "upgrade")',
      })
    }
    expect((await t.app.inject({ method: 'GET', url: '/cce/cam/v3/clusters/c1/namespace/project01/releases/web/history', headers: AUTH })).json()).toHaveLength(1)
  })
})

describe('authentication (presence mode)', () => {
  it('answers 401 with the API gateway code unless a token or an SDK signature header is present', async () => {
    t = await buildTestApp()
    const none = await t.app.inject({ method: 'GET', url: URL })
    expect(none.statusCode).toBe(401)
    expect(none.json().error_code).toBe('APIGW.0301')
    const signed = await t.app.inject({ method: 'GET', url: URL, headers: { authorization: 'SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=00' } })
    expect(signed.statusCode).toBe(200)
    expect((await t.app.inject({ method: 'GET', url: URL, headers: AUTH })).statusCode).toBe(200)
    expect((await post(JSON.stringify(createBody('x')), { 'content-type': 'application/json' })).statusCode).toBe(401)
    expect(await count()).toBe(0)
  })

  it('--auth off needs no credentials', async () => {
    t = await buildTestApp({ auth: 'off' })
    expect((await t.app.inject({ method: 'GET', url: URL })).statusCode).toBe(200)
  })

  it('refuses a malformed X-Project-Id', async () => {
    t = await buildTestApp()
    const res = await t.app.inject({ method: 'GET', url: URL, headers: { ...AUTH, 'x-project-id': '../etc' } })
    expect(res.statusCode).toBe(400)
  })
})

describe('routing and server errors', () => {
  it('an unknown path is the gateway 404 in the CCE format', async () => {
    t = await buildTestApp()
    const res = await t.app.inject({ method: 'GET', url: '/cce/cam/v3/nothing-here' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ error_code: 'APIGW.0101' })
  })

  it('a 5xx never leaks the cause or a stack trace', async () => {
    t = await buildTestApp()
    // Break storage underneath the app: the next read fails inside SQLite.
    t.db.exec('DROP TABLE pending_operations')
    const res = await t.app.inject({ method: 'GET', url: URL, headers: AUTH })
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ error_code: 'CCE.01500001', error_msg: 'Internal error.', errorCode: 'CCE.01500001', errorMessage: 'Internal error.' })
    expect(res.body).not.toMatch(/pending_operations|at .*\.ts|SqliteError/)
  })
})
