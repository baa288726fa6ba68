/**
 * CCE and Cloudpods releases share the release tables, one write batch (group commit) and the
 * core's caches, while the Cloudpods store keeps its own reads until the connection writes. Each
 * step warms both dialects' reads (twice: the second is served from memory), writes through one
 * dialect or the control plane, and expects both dialects' next reads to show the write.
 */
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { AUTH, buildTestApp, createBody, TEST_CHART_V2_ID, type TestApp } from '../helpers/app.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/cloudpods-charts', import.meta.url))
const CCE = '/cce/cam/v3/clusters/c1'
const CCE_ITEM = `${CCE}/namespace/project01/releases/app`

let t: TestApp
afterEach(async () => t?.close())

const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) => {
  const res = await t.app.inject({ method, url, headers: AUTH, ...(payload === undefined ? {} : { payload: payload as object }) })
  return { status: res.statusCode, body: res.payload ? JSON.parse(res.payload) : null }
}

/** Every read of both dialects, twice each; the second answers are returned. */
async function reads() {
  let out
  for (let i = 0; i < 2; i++) {
    const cpShow = await call('GET', '/api/releases/etcd-release')
    out = {
      cp: cpShow.status === 200 ? { status: cpShow.body.release.status as string, version: cpShow.body.release.version as number } : cpShow.status,
      cpList: ((await call('GET', '/api/releases')).body.releases as Array<{ name: string; status: string; version: number }>).map((r) => `${r.name}:${r.version}:${r.status}`),
      cpHistory: (await call('GET', '/api/releases/etcd-release/history')).status === 200 ? ((await call('GET', '/api/releases/etcd-release/history')).body as unknown) : null,
      cce: await call('GET', CCE_ITEM).then((r) => (r.status === 200 ? `${r.body.version}:${r.body.status}` : r.status)),
      cceList: ((await call('GET', `${CCE}/releases`)).body as Array<{ name: string; version: number; status: string }>).map((r) => `${r.name}:${r.version}:${r.status}`),
    }
  }
  return out!
}
const advance = () => call('POST', '/_emulator/clock/advance', { seconds: 3600 })

describe('no cached answer outlives a write, across dialects', () => {
  it('Cloudpods create, settle, upgrade, rollback, trigger, delete and reset, next to CCE writes', async () => {
    t = await buildTestApp({ charts: FIXTURES, lifecycle: 'realistic' })
    await reads()
    const created = await call('POST', '/api/releases', { release: { chart_name: 'bitnami-new/etcd', cluster: 'test122', namespace: 'default', release_name: 'etcd-release' } })
    expect(created.status, JSON.stringify(created.body)).toBe(200)
    const id = created.body.release.id as string
    expect((await call('POST', `${CCE}/releases`, createBody('app'))).status).toBe(201)
    let r = await reads()
    expect(r.cp).toEqual({ status: 'creating', version: 1 })
    expect(r.cpList).toEqual(['etcd-release:1:creating'])
    expect(r.cce).toMatch(/^1:/)
    expect(r.cceList).toHaveLength(1)

    // Settling due work (a clock advance) changes both dialects' answers.
    const cceBefore = r.cce
    expect((await advance()).status).toBe(200)
    r = await reads()
    expect(r.cp).toEqual({ status: 'deployed', version: 1 })
    expect(r.cpList).toEqual(['etcd-release:1:deployed'])
    expect(r.cce).not.toBe(cceBefore)

    expect((await call('POST', '/api/releases/etcd-release/upgrade', { release: { values_json: { a: 1 } } })).status).toBe(200)
    r = await reads()
    expect(r.cp).toMatchObject({ version: 2 })
    expect(r.cpList).toEqual([`etcd-release:2:${(r.cp as { status: string }).status}`])
    expect(r.cpHistory).not.toBeNull()
    expect(r.cce).toBe('1:DEPLOYED')

    // A CCE upgrade is seen by CCE reads; Cloudpods answers stay right.
    expect((await call('PUT', CCE_ITEM, { chart_id: TEST_CHART_V2_ID, action: '', values: { v: 2 } })).status).toBe(200)
    const cpBefore = r.cp
    r = await reads()
    expect(r.cce).toMatch(/^2:/)
    expect(r.cceList).toEqual([`app:${r.cce}`])
    expect(r.cp).toEqual(cpBefore)

    // A control-plane trigger on the pending Cloudpods upgrade.
    expect((await call('POST', `/_emulator/cloudpods/releases/${id}/fail`, { reason: 'boom' })).status).toBe(200)
    r = await reads()
    expect(r.cp).toMatchObject({ version: 2 })
    expect((r.cp as { status: string }).status).toMatch(/fail/)
    expect(r.cpList).toEqual([`etcd-release:2:${(r.cp as { status: string }).status}`])

    expect((await call('POST', '/api/releases/etcd-release/rollback', { release: { revision: 1 } })).status).toBe(200)
    r = await reads()
    expect(r.cp).toMatchObject({ version: 3 })
    await advance()
    r = await reads()
    expect(r.cp).toEqual({ status: 'deployed', version: 3 })

    expect((await call('DELETE', '/api/releases/etcd-release')).status).toBe(200)
    await advance()
    r = await reads()
    expect(r.cp).toBe(404)
    expect(r.cpList).toEqual([])
    expect(r.cce).toMatch(/^2:/)

    // Resets by dialect: each empties its own releases and leaves the other's.
    expect((await call('POST', '/api/releases', { release: { chart_name: 'bitnami-new/etcd', cluster: 'test122', namespace: 'default', release_name: 'etcd-release' } })).status).toBe(200)
    r = await reads()
    expect(r.cpList).toHaveLength(1)
    expect((await call('POST', '/_emulator/reset', { dialect: 'cloudpods' })).status).toBe(200)
    r = await reads()
    expect(r.cpList).toEqual([])
    expect(r.cceList).toHaveLength(1)
    expect((await call('POST', '/api/releases', { release: { chart_name: 'bitnami-new/etcd', cluster: 'test122', namespace: 'default', release_name: 'etcd-release' } })).status).toBe(200)
    r = await reads()
    expect((await call('POST', '/_emulator/reset', { dialect: 'cce' })).status).toBe(200)
    r = await reads()
    expect(r.cceList).toEqual([])
    expect(r.cce).toBe(404)
    expect(r.cpList).toHaveLength(1)
  })
})
