/**
 * Every cached answer (show bytes, lists per scope and filter, histories, show_resources, chart
 * lookups, the due-work bound) must follow every write: each test warms the caches with repeated
 * reads, writes one way, and expects the next reads to show the write.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { AUTH, buildTestApp, createBody, TEST_CHART_ID, TEST_CHART_V2_ID, type TestApp } from '../helpers/app.js'
import { buildTgz, chartEntries, chartYaml } from '../helpers/tgz.js'

const CLUSTER = 'c1'
const BASE = `/cce/cam/v3/clusters/${CLUSTER}`
const item = (name: string) => `${BASE}/namespace/project01/releases/${name}`
const json = { ...AUTH, 'content-type': 'application/json' }

let t: TestApp
afterEach(async () => t?.close())

const inject = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) => {
  const res = await t.app.inject({ method, url, headers: body === undefined ? AUTH : json, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) })
  return { status: res.statusCode, body: res.payload ? JSON.parse(res.payload) : null }
}
/** Every cached read of `name`, twice each (the second is served from the caches). */
async function reads(name: string) {
  let out
  for (let i = 0; i < 2; i++) {
    out = {
      show: await inject('GET', item(name)),
      resources: await inject('GET', `${item(name)}?show_resources=true`),
      history: await inject('GET', `${item(name)}/history`),
      all: (await inject('GET', `${BASE}/releases`)).body as Array<{ name: string; version: number; status: string }>,
      namespace: (await inject('GET', `${BASE}/releases?namespace=project01`)).body as Array<{ name: string; version: number; status: string }>,
      chart: (await inject('GET', `${BASE}/releases?chart_id=${TEST_CHART_V2_ID}`)).body as Array<{ name: string; version: number }>,
    }
  }
  return out!
}
const upgrade = (values: Record<string, unknown> = { v: 2 }) => ({ chart_id: TEST_CHART_V2_ID, action: 'upgrade', values })

describe('no cached answer outlives a write', () => {
  it('upgrade, rollback and delete show at once in show, show_resources, history and every list', async () => {
    t = await buildTestApp()
    await inject('POST', `${BASE}/releases`, createBody('web'))
    await inject('POST', `${BASE}/releases`, createBody('other'))
    let r = await reads('web')
    expect(r.show.body).toMatchObject({ version: 1, status: 'DEPLOYED' })
    expect(r.chart).toEqual([])

    expect((await inject('PUT', item('web'), upgrade())).status).toBe(200)
    r = await reads('web')
    expect(r.show.body).toMatchObject({ version: 2, status: 'DEPLOYED', chart_version: '1.1.0' })
    expect(JSON.parse(r.show.body.values)).toEqual({ v: 2 })
    expect(r.resources.body).toMatchObject({ version: 2 })
    expect(r.history.body.map((h: { version: number; status: string }) => [h.version, h.status])).toEqual([[1, 'SUPERSEDED'], [2, 'DEPLOYED']])
    expect(r.all.find((x) => x.name === 'web')).toMatchObject({ version: 2 })
    expect(r.namespace.find((x) => x.name === 'web')).toMatchObject({ version: 2 })
    expect(r.chart.map((x) => x.name)).toEqual(['web'])

    expect((await inject('PUT', item('web'), { chart_id: TEST_CHART_ID, action: 'rollback', parameters: { release_version: 1 } })).status).toBe(200)
    r = await reads('web')
    expect(r.show.body).toMatchObject({ version: 3, status: 'DEPLOYED', chart_version: '1.0.0', description: 'Rollback to 1' })
    expect(r.history.body).toHaveLength(3)
    expect(r.all.find((x) => x.name === 'web')).toMatchObject({ version: 3 })
    expect(r.chart).toEqual([])

    expect((await inject('DELETE', item('web'))).status).toBe(200)
    r = await reads('web')
    expect(r.show.status).toBe(404)
    expect(r.resources.status).toBe(404)
    expect(r.history.status).toBe(404)
    expect(r.all.map((x) => x.name)).toEqual(['other'])
    expect(r.namespace.map((x) => x.name)).toEqual(['other'])
  })

  it('a reset, scoped or full, empties show, history and lists; a create after it shows', async () => {
    t = await buildTestApp()
    await inject('POST', `${BASE}/releases`, createBody('web'))
    await reads('web')
    expect((await inject('POST', '/_emulator/reset', { cluster_id: CLUSTER, namespace: 'project01' })).status).toBe(200)
    let r = await reads('web')
    expect([r.show.status, r.history.status, r.all, r.namespace]).toEqual([404, 404, [], []])
    await inject('POST', `${BASE}/releases`, createBody('web'))
    expect((await reads('web')).show.body).toMatchObject({ version: 1 })
    expect((await inject('POST', '/_emulator/reset', {})).status).toBe(200)
    r = await reads('web')
    expect([r.show.status, r.history.status, r.all, r.namespace]).toEqual([404, 404, [], []])
  })

  it('a clock advance and a trigger complete pending work that cached reads showed as pending', async () => {
    t = await buildTestApp()
    await inject('PUT', '/_emulator/lifecycle', { operations: { install: { mode: 'time', delay_ms: 10_000 }, upgrade: { mode: 'manual' } } })
    await inject('POST', `${BASE}/releases`, createBody('web'))
    let r = await reads('web')
    expect(r.show.body).toMatchObject({ status: 'PENDING_INSTALL' })
    expect(r.all[0]).toMatchObject({ status: 'PENDING_INSTALL' })
    expect((await inject('POST', '/_emulator/clock/advance', { seconds: 11 })).body).toMatchObject({ settled: 1 })
    r = await reads('web')
    expect(r.show.body).toMatchObject({ status: 'DEPLOYED' })
    expect(r.all[0]).toMatchObject({ status: 'DEPLOYED' })

    await inject('PUT', item('web'), upgrade())
    r = await reads('web')
    expect(r.show.body).toMatchObject({ version: 2, status: 'PENDING_UPGRADE' })
    expect((await inject('POST', `/_emulator/releases/cce/${CLUSTER}/project01/web/complete`, {})).status).toBe(200)
    r = await reads('web')
    expect(r.show.body).toMatchObject({ version: 2, status: 'DEPLOYED' })
    expect(r.history.body.map((h: { status: string }) => h.status)).toEqual(['SUPERSEDED', 'DEPLOYED'])
    expect(r.namespace[0]).toMatchObject({ version: 2, status: 'DEPLOYED' })
  })

  it('show_resources follows a chart replaced under the same name and version', async () => {
    t = await buildTestApp()
    await inject('POST', `${BASE}/releases`, createBody('web'))
    const before = JSON.parse((await reads('web')).resources.body.resources) as Array<{ kind: string }>
    expect(before.map((x) => x.kind)).toEqual(['Deployment', 'Service'])
    const replaced = await buildTgz(
      chartEntries({ chartYaml: chartYaml({ version: '1.0.0' }), extra: [{ name: 'demo/templates/cm.yaml', content: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n' }] }),
    )
    expect((await t.charts.preload({ projectId: 'default', flavor: 'cce' }, replaced)).action).toBe('updated')
    const after = JSON.parse((await reads('web')).resources.body.resources) as Array<{ kind: string; name: string }>
    expect(after).toEqual([{ kind: 'ConfigMap', name: 'web-cm', namespace: 'project01' }])
  })
})
