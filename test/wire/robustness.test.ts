/**
 * Hostile input found by fuzzing the running CLI (schemathesis against openapi/openapi.json, plus
 * hand-made requests). Each case says what used to break.
 */
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
