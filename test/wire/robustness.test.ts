/**
 * Hostile input found by fuzzing the running CLI (schemathesis against openapi/openapi.json, plus
 * hand-made requests). Each case says what used to break.
 */
import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_VALUES_DEPTH } from '../../src/releases/values.js'
import { AUTH, buildTestApp, createBody, TEST_CHART_ID, type TestApp } from '../helpers/app.js'

const LIST = '/cce/cam/v3/clusters/c1/releases'
const ITEM = '/cce/cam/v3/clusters/c1/namespace/project01/releases'
const json = { ...AUTH, 'content-type': 'application/json' }
let t: TestApp
afterEach(async () => t?.close())

function expectCceError(res: { statusCode: number; headers: Record<string, unknown>; json(): Record<string, unknown> }, status: number, message: RegExp) {
  expect(res.statusCode).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/json/)
  expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/)
  const body = res.json()
  expect(Object.keys(body).sort()).toEqual(['errorCode', 'errorMessage', 'error_code', 'error_msg'])
  expect(body.error_msg).toBe(body.errorMessage)
  expect(body.error_msg).toMatch(message)
}

/** `{"a": {"a": … 1 …}}` with `depth` objects, the outermost counted as the values object itself. */
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth - 1)}1${'}'.repeat(depth - 1)}`

describe('deeply nested values', () => {
  // Values nested 5 000 objects deep (or 100 000 arrays deep) parsed fine but overflowed the call
  // stack in the recursive values merge / JSON.stringify: a 500 "Internal error." on create.
  it.each([
    ['5 000 nested objects', `{"a":${nestedObjects(5000)}}`],
    ['100 000 nested arrays', `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`],
  ])('%s on create are a 400 naming values, and nothing is stored', async (_name, values) => {
    t = await buildTestApp()
    const body = JSON.stringify(createBody('deep', { values: null })).replace('"values":null', `"values":${values}`)
    const res = await t.app.inject({ method: 'POST', url: LIST, headers: json, payload: body })
    expectCceError(res, 400, new RegExp(`^Invalid request: values: nested deeper than ${MAX_VALUES_DEPTH} levels`))
    expect((await t.app.inject({ method: 'GET', url: LIST, headers: AUTH })).json()).toEqual([])
  })

  it('on upgrade are a 400 too, and the release is unchanged', async () => {
    t = await buildTestApp()
    expect((await t.app.inject({ method: 'POST', url: LIST, headers: json, payload: createBody('deep') })).statusCode).toBe(201)
    const upgrade = `{"action":"upgrade","chart_id":"${TEST_CHART_ID}","parameters":{"replace":true},"values":{"a":${nestedObjects(5000)}}}`
    const res = await t.app.inject({ method: 'PUT', url: `${ITEM}/deep`, headers: json, payload: upgrade })
    expectCceError(res, 400, /^Invalid request: values: nested deeper than/)
    const history = (await t.app.inject({ method: 'GET', url: `${ITEM}/deep/history`, headers: AUTH })).json()
    expect(history).toHaveLength(1)
  })

  it('exactly the limit still installs, upgrades with merged values and answers', async () => {
    t = await buildTestApp()
    const values = nestedObjects(MAX_VALUES_DEPTH)
    const create = JSON.stringify(createBody('deep', { values: null })).replace('"values":null', `"values":${values}`)
    const res = await t.app.inject({ method: 'POST', url: LIST, headers: json, payload: create })
    expect(res.statusCode).toBe(201)
    const upgrade = `{"action":"upgrade","chart_id":"${TEST_CHART_ID}","parameters":{"replace":true},"values":${values}}`
    const up = await t.app.inject({ method: 'PUT', url: `${ITEM}/deep`, headers: json, payload: upgrade })
    expect(up.statusCode).toBe(200)
    expect(up.json().version).toBe(2)
  })
})

describe('paths the router refuses', () => {
  // A malformed %-encoding (FST_ERR_BAD_URL) and a path segment over the router's 100-character
  // default (FST_ERR_MAX_PARAM_LENGTH) were answered by Fastify itself, before any hook: its own
  // {"error","code","message","statusCode"} body, no X-Request-Id, and for the long segment a 414
  // that no route documents, even for a 101-character chart id the schema allows (maxLength 128).
  it.each([
    ['a truncated %-escape in a release name', `${ITEM}/%E0%A4%A`, /not a valid URL/],
    ['a non-hex %-escape in a release name', `${ITEM}/%zz`, /not a valid URL/],
    ['a bad %-escape in a chart id', '/v2/charts/%zz/values', /not a valid URL/],
    ['a 2 000-character release name', `${ITEM}/${'a'.repeat(2000)}`, /path segment is longer than 1024 characters/],
    ['a 2 000-character chart id', `/autopilot/v2/charts/${'a'.repeat(2000)}`, /path segment is longer than 1024 characters/],
    ['a 2 000-character control-plane name', `/_emulator/releases/cce/c1/ns/${'a'.repeat(2000)}/complete`, /path segment is longer than 1024 characters/],
  ])('%s is a CCE 400', async (_name, url, message) => {
    t = await buildTestApp()
    const res = await t.app.inject({ method: url.endsWith('/complete') ? 'POST' : 'GET', url, headers: AUTH })
    expectCceError(res, 400, message)
  })

  it('a long name within the router limit reaches validation, which names the field', async () => {
    t = await buildTestApp()
    expectCceError(await t.app.inject({ method: 'GET', url: `${ITEM}/${'a'.repeat(300)}`, headers: AUTH }), 400, /^Invalid request: params\.name: must NOT have more than 253 characters/)
    // 101-128 characters is a valid chart id for the schema: an unknown one is a 404, not a 414.
    expectCceError(await t.app.inject({ method: 'GET', url: `/v2/charts/${'c'.repeat(120)}`, headers: AUTH }), 404, /chart: not found/)
  })
})

describe('every answer is JSON', () => {
  // /_emulator/health (200 and 503) serializes with a plain JSON.stringify to stay cheap, and
  // that path set no Content-Type at all: schemathesis' content-type check flagged it.
  it('health declares application/json, ready or not', async () => {
    t = await buildTestApp()
    const ready = await t.app.inject({ method: 'GET', url: '/_emulator/health' })
    expect(ready.statusCode).toBe(200)
    expect(ready.headers['content-type']).toMatch(/^application\/json/)
    t.control.registerReadiness('charts', () => false)
    const starting = await t.app.inject({ method: 'GET', url: '/_emulator/health' })
    expect(starting.statusCode).toBe(503)
    expect(starting.headers['content-type']).toMatch(/^application\/json/)
    expect(starting.json()).toMatchObject({ status: 'starting' })
  })
})

/** Writes raw bytes to the listening app and reads until the server closes the connection. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request))
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => (answer += d))
    socket.on('close', () => resolve(answer))
    socket.on('error', reject)
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer')))
  })
}

describe("requests Node's HTTP parser refuses", () => {
  // These never reach Fastify's routing: its default clientErrorHandler answered 431 / 400 with
  // {"error":"Bad Request","message":"Client Error","statusCode":400} and no X-Request-Id.
  // With credentials: an unauthenticated request may meet its 401 before the parser meets the body.
  const post = 'POST /cce/cam/v3/clusters/c1/releases HTTP/1.1\r\nHost: x\r\nX-Auth-Token: t\r\nContent-Type: application/json\r\n'
  it.each([
    ['a 100 KB header', `GET /cce/cam/v3/clusters/c1/releases HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`, 431, /headers are too large/],
    ['broken chunk framing', `${post}Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n`, 400, /malformed HTTP request/],
    ['Content-Length with Transfer-Encoding', `${post}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, /malformed HTTP request/],
    ['a garbage request line', 'HELLO\r\n\r\n', 400, /malformed HTTP request/],
  ])('%s is a CCE error body with X-Request-Id', async (_name, request, status, message) => {
    t = await buildTestApp()
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    const port = (t.app.server.address() as { port: number }).port
    const answer = await rawExchange(port, request)
    const [head = '', body = ''] = answer.split('\r\n\r\n', 2)
    expect(head.split('\r\n')[0]).toBe(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}`)
    expect(head).toMatch(/\r\nContent-Type: application\/json\r\n/i)
    expect(head).toMatch(/\r\nX-Request-Id: [0-9a-f]{32}\r\n/i)
    const parsed = JSON.parse(body)
    expect(parsed).toMatchObject({ error_code: 'CCE.01400001', errorCode: 'CCE.01400001' })
    expect(parsed.error_msg).toMatch(message)
    // The server is still serving.
    expect((await t.app.inject({ method: 'GET', url: '/_emulator/health' })).statusCode).toBe(200)
  })
})
