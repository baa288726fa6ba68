/**
 * Issue 9, item 4: a chart's values.yaml was copied into every release revision (30 creates of a
 * chart with a 4 MiB values.yaml: 139 MB on disk). Defaults are now stored once per content
 * (chart_values, migration 004) and a revision's values are computed when it is read; the
 * answers must not change by a byte, and must survive the chart's deletion or re-upload.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { stableChartId } from '../../src/charts/chart-metadata.js'
import { AUTH, buildTestApp, testChartPackage, type TestApp } from '../helpers/app.js'
import { chartUpload } from '../helpers/multipart.js'

const BASE = '/cce/cam/v3/clusters/c1'
const json = { ...AUTH, 'content-type': 'application/json' }
const item = (name: string) => `${BASE}/namespace/ns/releases/${name}`
const DEMO = stableChartId('demo', '1.0.0')

let t: TestApp
afterEach(async () => t?.close())

/** ~100 KiB of defaults, a nested table and an array among them. */
const bigValues = `image:\n  repository: nginx\n  tag: "1.25"\nreplicas: 2\nlist: [a, b, c]\nblob: "${'x'.repeat(100 * 1024)}"\n`

async function appWithChart(valuesYaml = bigValues): Promise<TestApp> {
  const app = await buildTestApp({}, { seedCharts: [] })
  await app.charts.preload({ projectId: 'default', flavor: 'cce' }, await testChartPackage('1.0.0', valuesYaml))
  return app
}

const create = (name: string, values: unknown = {}) =>
  t.app.inject({ method: 'POST', url: `${BASE}/releases`, headers: json, payload: JSON.stringify({ name, namespace: 'ns', version: '1.0.0', chart_id: DEMO, values }) })
const get = (url: string) => t.app.inject({ method: 'GET', url, headers: AUTH })
const count = (sql: string) => t.db.prepare(sql).pluck().get() as number

/** Every answer a client can read about the releases, as raw bytes. */
async function answers(names: string[]): Promise<string[]> {
  const out = [(await get(`${BASE}/releases`)).body]
  for (const name of names) out.push((await get(item(name))).body, (await get(`${item(name)}/history`)).body)
  return out
}

describe('chart defaults are stored once, not per revision', () => {
  it('keeps one copy of the defaults for 30 releases and their upgrades, with unchanged answers', async () => {
    t = await appWithChart()
    const names = Array.from({ length: 30 }, (_, i) => `r${i}`)
    for (const name of names) {
      const res = await create(name, name === 'r0' ? { replicas: 5, image: { tag: null } } : {})
      expect(res.statusCode).toBe(201)
      const values = JSON.parse(res.json().values as string) as Record<string, unknown>
      expect(values.blob).toHaveLength(100 * 1024)
      // The create answer carries what a read computes later, byte for byte.
      t.clock.advance(1000)
      expect((await get(item(name))).json().values).toBe(res.json().values)
    }
    expect(JSON.parse((await get(item('r0'))).json().values as string)).toMatchObject({ replicas: 5, image: { repository: 'nginx' } })
    expect(JSON.parse((await get(item('r0'))).json().values as string).image).not.toHaveProperty('tag')

    const upgrade = await t.app.inject({ method: 'PUT', url: item('r1'), headers: json, payload: JSON.stringify({ chart_id: DEMO, action: 'upgrade', parameters: {}, values: { replicas: 7 } }) })
    expect(upgrade.statusCode).toBe(200)
    t.clock.advance(1000)
    const history = (await get(`${item('r1')}/history`)).json() as Array<{ values: string }>
    expect(history.map((r) => (JSON.parse(r.values) as { replicas: number }).replicas)).toEqual([2, 7])
    expect(history[1]!.values).toBe(upgrade.json().values)

    expect(count('SELECT COUNT(*) FROM chart_values')).toBe(1)
    expect(count('SELECT COUNT(*) FROM release_revisions WHERE values_json IS NOT NULL')).toBe(0)
    expect(count('SELECT COUNT(*) FROM release_revisions WHERE defaults_hash IS NOT NULL')).toBe(31)
    // Defaults (~100 KiB) once, plus 30 small revisions, instead of 30 copies (3 MB).
    expect(count('SELECT SUM(LENGTH(values_json)) FROM chart_values')).toBeLessThan(110 * 1024)
    expect(count('SELECT SUM(LENGTH(config_json)) FROM release_revisions')).toBeLessThan(2048)
  })

  it('keeps the defaults a release was made with after the chart is re-uploaded or deleted', async () => {
    t = await appWithChart()
    expect((await create('keep', { replicas: 3 })).statusCode).toBe(201)
    t.clock.advance(1000)
    const before = await answers(['keep'])

    const replaced = await t.app.inject({ method: 'POST', url: '/v2/charts', ...uploadOf(await testChartPackage('1.0.0', 'replicas: 9\n'), '{"override": true}') })
    expect(replaced.statusCode).toBe(201)
    expect(await answers(['keep'])).toEqual(before)
    expect(count('SELECT COUNT(*) FROM chart_values')).toBe(2)

    expect((await t.app.inject({ method: 'DELETE', url: `/v2/charts/${DEMO}`, headers: AUTH })).statusCode).toBe(200)
    expect(await answers(['keep'])).toEqual(before)
    // The replaced chart's defaults are gone with it; the release's stay while it needs them.
    expect(count('SELECT COUNT(*) FROM chart_values')).toBe(1)

    expect((await t.app.inject({ method: 'DELETE', url: item('keep'), headers: json })).statusCode).toBe(200)
    t.clock.advance(60_000)
    expect((await get(item('keep'))).statusCode).toBe(404)
    expect(count('SELECT COUNT(*) FROM chart_values')).toBe(0)
  })

  it("refuses a release whose merged values exceed --body-limit, naming the limit", async () => {
    t = await buildTestApp({ bodyLimit: 64 * 1024 }, { seedCharts: [] })
    await t.charts.preload({ projectId: 'default', flavor: 'cce' }, await testChartPackage('1.0.0', `blob: "${'x'.repeat(40 * 1024)}"\n`))
    expect((await create('fits', { extra: 'y'.repeat(20 * 1024) })).statusCode).toBe(201)
    const res = await create('over', { extra: 'y'.repeat(30 * 1024) })
    expect(res.statusCode).toBe(400)
    expect(res.json().error_msg).toMatch(
      /^Invalid request: values: the release's values \(the chart's defaults merged with yours\) are \d+ bytes as JSON, over the limit of 65536 bytes \(--body-limit\)$/,
    )
    expect((await get(item('over'))).statusCode).toBe(404)
  })
})

function uploadOf(pkg: Buffer, parameters: string) {
  const { payload, headers } = chartUpload(pkg, { parameters, filename: 'demo-1.0.0.tgz' })
  return { payload, headers: { ...AUTH, ...headers } }
}
