/**
 * Release answers are sent as bytes serialized once per revision (release-mapper.ts) instead of
 * through the route's response schema. They must be exactly what that schema's serializer
 * (Fastify's fast-json-stringify) writes, for any content: checked against a Fastify app that
 * serializes the same objects through the same schemas.
 */
import { Type } from '@sinclair/typebox'
import Fastify from 'fastify'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { JOURNAL_BODY_LIMIT } from '../../src/control/journal.js'
import type { Revision } from '../../src/releases/release.js'
import { releaseAnswers, releaseBytes, releaseListBytes, toReleaseResp } from '../../src/wire/cce/release-mapper.js'
import { ReleaseListSchema, ReleaseRespSchema } from '../../src/wire/cce/release-schemas.js'
import { AUTH, buildTestApp, createBody, type TestApp } from '../helpers/app.js'

const TRICKY = ['plain', 'quote " and \\ backslash', 'tab\tnew\nline\r\u0000\u001f', 'ünïcødé ✓ 😀', 'lone \ud800 surrogate \udc00', '</script><!--', '\u2028\u2029', 'x'.repeat(5000)]

function revision(i: number, text: string): Revision {
  return {
    key: { projectId: 'p', flavor: 'cce', clusterId: `c-${text.slice(0, 8)}`, namespace: `ns ${text.slice(0, 20)}`, name: `n-${i}-${text.slice(0, 30)}` },
    revision: i + 1,
    status: 'DEPLOYED',
    description: text,
    chart: { id: text.slice(0, 40), name: `chart ${text.slice(0, 10)}`, version: '1.0.0', public: i % 2 === 0 },
    config: {},
    values: { text, n: [0, -0, 1e21, 1.5, -7, 2 ** 53], nested: { deep: [null, true, false, { k: text }] }, [text.slice(0, 50)]: 1 },
    firstDeployedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    updatedAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, i)),
  }
}

async function schemaSerialized(body: () => unknown, list: boolean): Promise<{ payload: Buffer; type: string | undefined }> {
  const app = Fastify()
  app.addSchema(ReleaseRespSchema)
  app.get('/', { schema: { response: { 200: list ? ReleaseListSchema : Type.Ref(ReleaseRespSchema) } } }, async () => body())
  const res = await app.inject({ method: 'GET', url: '/' })
  await app.close()
  return { payload: res.rawPayload, type: res.headers['content-type'] as string | undefined }
}

let t: TestApp | undefined
afterEach(async () => {
  await t?.close()
  t = undefined
})

describe('pre-serialized release answers', () => {
  it('are byte for byte what the response schema serializes, for any text, with or without resources', async () => {
    const revisions = TRICKY.map((text, i) => revision(i, text))
    for (const r of revisions) {
      expect(releaseBytes(r).equals((await schemaSerialized(() => toReleaseResp(r), false)).payload)).toBe(true)
      const resources = [{ kind: 'Deployment', name: r.key.name, namespace: r.key.namespace }]
      expect(releaseBytes(r, resources).equals((await schemaSerialized(() => toReleaseResp(r, resources), false)).payload)).toBe(true)
    }
    expect(releaseListBytes(revisions).equals((await schemaSerialized(() => revisions.map((r) => toReleaseResp(r)), true)).payload)).toBe(true)
    expect(releaseListBytes([]).equals((await schemaSerialized(() => [], true)).payload)).toBe(true)
  })

  it('restated to another status (a stored answer when its release settles), are what that revision serializes', () => {
    for (const [i, text] of TRICKY.entries()) {
      const r = revision(i, text)
      const settled = { ...r, status: 'FAILED' as const, description: `${text} failed` }
      const bytes = releaseBytes(r)
      // In place: the bytes are not parsed again (a create's values parsed per stored answer cost a render).
      const parse = vi.spyOn(JSON, 'parse')
      const restated = releaseAnswers.restate(bytes, settled.status, settled.description)
      expect(parse).not.toHaveBeenCalled()
      parse.mockRestore()
      expect(restated.equals(releaseBytes(settled))).toBe(true)
    }
  })

  it('are what the emulator answers for show, list and history, with the type Fastify gives serialized JSON', async () => {
    t = await buildTestApp()
    const base = '/cce/cam/v3/clusters/c1'
    const headers = { ...AUTH, 'content-type': 'application/json' }
    for (const [i, text] of TRICKY.slice(0, 6).entries()) {
      const res = await t.app.inject({ method: 'POST', url: `${base}/releases`, headers, payload: JSON.stringify(createBody(`r${i}`, { values: { text } })) })
      expect(res.statusCode).toBe(201)
    }
    const { type } = await schemaSerialized(() => [], true)
    const list = await t.app.inject({ method: 'GET', url: `${base}/releases`, headers: AUTH })
    expect(list.headers['content-type']).toBe(type)
    const revisions = t.releases.list({ projectId: 'default', flavor: 'cce', clusterId: 'c1' }, {})
    expect(list.rawPayload.equals((await schemaSerialized(() => revisions.map((r) => toReleaseResp(r)), true)).payload)).toBe(true)
    const show = await t.app.inject({ method: 'GET', url: `${base}/namespace/project01/releases/r3?show_resources=true`, headers: AUTH })
    const r3 = t.releases.get({ projectId: 'default', flavor: 'cce', clusterId: 'c1', namespace: 'project01', name: 'r3' })
    expect(show.rawPayload.equals((await schemaSerialized(() => toReleaseResp(r3, t!.releases.resources(r3)), false)).payload)).toBe(true)
    const history = await t.app.inject({ method: 'GET', url: `${base}/namespace/project01/releases/r3/history`, headers: AUTH })
    expect(history.rawPayload.equals((await schemaSerialized(() => [toReleaseResp(r3)], true)).payload)).toBe(true)
  })
})

describe('a list longer than WHOLE_LIST_MAX', () => {
  it('is streamed page by page with the same bytes a whole answer would have, and journaled by its head', async () => {
    t = await buildTestApp()
    const { WHOLE_LIST_MAX, LIST_PAGE } = await import('../../src/wire/cce/release-routes.js')
    const scope = { projectId: 'default', flavor: 'cce' as const, clusterId: 'big' }
    const n = WHOLE_LIST_MAX + LIST_PAGE + 7
    for (let i = 0; i < n; i++) t.releases.create(scope, { name: `r${String(i).padStart(5, '0')}`, namespace: i % 2 ? 'a' : 'b', chartId: createBody('x').chart_id, version: '1.0.0', values: { i }, dryRun: false })
    const res = await t.app.inject({ method: 'GET', url: '/cce/cam/v3/clusters/big/releases', headers: AUTH })
    expect(res.statusCode).toBe(200)
    expect(res.headers['transfer-encoding']).toBe('chunked')
    const whole = t.releases.list(scope, {})
    expect(whole).toHaveLength(n)
    expect(res.rawPayload.equals(releaseListBytes(whole))).toBe(true)
    const entry = t.control.journal.list({ limit: 1 })[0]!
    expect(entry.response_body_truncated).toBe(true)
    expect(res.payload.startsWith(entry.response_body!)).toBe(true)
    // The answer's first JOURNAL_BODY_LIMIT bytes (ASCII here), whatever chunks it was sent in.
    expect(entry.response_body).toHaveLength(JOURNAL_BODY_LIMIT)
    // A filtered list that is short again is answered whole.
    const short = await t.app.inject({ method: 'GET', url: '/cce/cam/v3/clusters/big/releases?namespace=a', headers: AUTH })
    expect(short.headers['content-length']).toBeDefined()
    expect(JSON.parse(short.payload)).toHaveLength(Math.floor(n / 2))
  })
})

describe('a short list or history with big items', () => {
  it('is streamed by bytes, so no turn serializes more than TURN_BYTES, with the bytes a whole answer would have', async () => {
    t = await buildTestApp()
    const { TURN_BYTES } = await import('../../src/wire/cce/release-list-stream.js')
    const scope = { projectId: 'default', flavor: 'cce' as const, clusterId: 'fat' }
    const blob = 'v'.repeat(TURN_BYTES / 3)
    for (let i = 0; i < 4; i++) t.releases.create(scope, { name: `f${i}`, namespace: 'ns', chartId: createBody('x').chart_id, version: '1.0.0', values: { blob, i }, dryRun: false })
    const key = { ...scope, namespace: 'ns', name: 'f0' }
    for (let i = 0; i < 3; i++) t.releases.upgrade(key, { chartId: createBody('x').chart_id, values: { blob, i: -i }, dryRun: false, resetValues: false, reuseValues: false })
    const list = await t.app.inject({ method: 'GET', url: '/cce/cam/v3/clusters/fat/releases', headers: AUTH })
    expect(list.statusCode).toBe(200)
    expect(list.headers['transfer-encoding']).toBe('chunked')
    expect(list.rawPayload.equals((await schemaSerialized(() => t!.releases.list(scope, {}).map((r) => toReleaseResp(r)), true)).payload)).toBe(true)
    const history = await t.app.inject({ method: 'GET', url: '/cce/cam/v3/clusters/fat/namespace/ns/releases/f0/history', headers: AUTH })
    expect(history.headers['transfer-encoding']).toBe('chunked')
    expect(history.rawPayload.equals((await schemaSerialized(() => t!.releases.history(key).map((r) => toReleaseResp(r)), true)).payload)).toBe(true)
    expect(JSON.parse(history.payload)).toHaveLength(4)
    // Small again (one release): whole, with its length.
    const one = await t.app.inject({ method: 'GET', url: '/cce/cam/v3/clusters/fat/releases?namespace=none', headers: AUTH })
    expect(one.headers['content-length']).toBe('2')
  })
})
