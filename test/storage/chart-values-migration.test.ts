/**
 * Migration 004 (chart defaults stored once): a database written by the previous emulator
 * (schema 001-003) opens with every chart, release and revision answering as before, and keeps
 * working (upgrades, pending work, chart deletion).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { ManualClock } from '../../src/clock.js'
import { defaultConfig } from '../../src/config.js'
import { openDatabase } from '../../src/storage/db.js'
import { migrate, MIGRATIONS } from '../../src/storage/migrations/index.js'

const AUTH = { 'x-auth-token': 't' }
const T0 = Date.parse('2026-03-01T08:00:00Z')
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const chartValues = { image: { repository: 'nginx', tag: '1.25' }, replicas: 2, list: ['a', 'b'], 'ünï': 'cödé', empty: {} }
const merged = (config: Record<string, unknown>) => ({ ...chartValues, ...config })

interface FixtureRevision {
  flavor: 'cce' | 'autopilot'
  name: string
  revision: number
  status: string
  description: string
  chartId: string
  chartVersion: string
  config: Record<string, unknown>
}

const CHART_ID = '11111111-2222-5333-8444-555555555555'
const GONE_CHART_ID = '99999999-2222-5333-8444-555555555555'
const revisions: FixtureRevision[] = [
  { flavor: 'cce', name: 'web', revision: 1, status: 'SUPERSEDED', description: 'Install complete', chartId: CHART_ID, chartVersion: '1.0.0', config: {} },
  { flavor: 'cce', name: 'web', revision: 2, status: 'DEPLOYED', description: 'Upgrade complete', chartId: CHART_ID, chartVersion: '1.0.0', config: { replicas: 4 } },
  { flavor: 'cce', name: 'orphan', revision: 1, status: 'DEPLOYED', description: 'Install complete', chartId: GONE_CHART_ID, chartVersion: '2.0.0', config: { x: [1, 2] } },
  { flavor: 'cce', name: 'slow', revision: 1, status: 'PENDING_INSTALL', description: 'Initial install underway', chartId: CHART_ID, chartVersion: '1.0.0', config: {} },
  { flavor: 'autopilot', name: 'web', revision: 1, status: 'DEPLOYED', description: 'Install complete', chartId: CHART_ID, chartVersion: '1.0.0', config: { replicas: 1 } },
]

/** A database as the previous emulator wrote it: schema 001-003 and its rows. */
function writeOldDatabase(file: string): void {
  const db = new Database(file)
  migrate(db, MIGRATIONS.slice(0, 3))
  for (const flavor of ['cce', 'autopilot']) {
    db.prepare(
      `INSERT INTO charts (project_id, flavor, id, name, version, description, icon_url, app_version, public, visible, source, readme,
         values_json, templates_json, package, package_sha256, created_at, updated_at)
       VALUES ('default', ?, ?, 'demo', '1.0.0', 'demo chart', '', '1.0', 0, 1, '', 0, ?, '[]', x'1f8b', 'sha', ?, ?)`,
    ).run(flavor, CHART_ID, JSON.stringify(chartValues), T0, T0)
  }
  for (const r of revisions) {
    db.prepare(
      `INSERT INTO releases (project_id, flavor, cluster_id, namespace, name, latest_revision) VALUES ('default', ?, 'c1', 'ns', ?, ?)
       ON CONFLICT DO UPDATE SET latest_revision = excluded.latest_revision`,
    ).run(r.flavor, r.name, r.revision)
    db.prepare(
      `INSERT INTO release_revisions (project_id, flavor, cluster_id, namespace, name, revision, status, description, chart_id, chart_name,
         chart_version, chart_public, config_json, values_json, first_deployed_at, updated_at)
       VALUES ('default', ?, 'c1', 'ns', ?, ?, ?, ?, ?, 'demo', ?, 0, ?, ?, ?, ?)`,
    ).run(r.flavor, r.name, r.revision, r.status, r.description, r.chartId, r.chartVersion, JSON.stringify(r.config), JSON.stringify(merged(r.config)), T0, T0 + r.revision * 1000)
  }
  db.prepare(
    `INSERT INTO pending_operations (project_id, flavor, cluster_id, namespace, name, operation, revision, base_revision, due_at, outcome, failure_reason, reads_left)
     VALUES ('default', 'cce', 'c1', 'ns', 'slow', 'install', 1, NULL, ?, 'succeed', NULL, NULL)`,
  ).run(T0 + 60_000)
  db.close()
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

/** What the previous emulator answered for a stored revision (its release mapper, field by field). */
function oldAnswer(r: FixtureRevision) {
  return {
    chart_name: 'demo',
    chart_public: false,
    chart_version: r.chartVersion,
    cluster_id: 'c1',
    cluster_name: 'c1',
    create_at: rfc3339(T0),
    description: r.description,
    name: r.name,
    namespace: 'ns',
    parameters: '',
    resources: '',
    status: r.status,
    status_description: r.description,
    update_at: rfc3339(T0 + r.revision * 1000),
    values: JSON.stringify(merged(r.config)),
    version: r.revision,
  }
}

describe('migration 004 (chart defaults stored once)', () => {
  it('upgrades a database of the previous schema without changing any answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cce-mig004-'))
    dirs.push(dir)
    const file = join(dir, 'emulator.db')
    writeOldDatabase(file)

    const db = openDatabase(file)
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    const clock = new ManualClock(new Date(T0 + 10_000).toISOString())
    const { app } = await buildApp({ config: defaultConfig({ db: file, lifecycle: 'fast' }), db, clock, logger: false })
    try {
      const base = (flavor: string) => (flavor === 'cce' ? '/cce/cam/v3/clusters/c1' : '/autopilot/cam/v3/clusters/c1')
      const get = async (url: string) => {
        const res = await app.inject({ method: 'GET', url, headers: AUTH })
        expect(res.statusCode, url).toBe(200)
        return res.json() as unknown
      }

      for (const flavor of ['cce', 'autopilot'] as const) {
        const mine = revisions.filter((r) => r.flavor === flavor)
        const latest = [...new Set(mine.map((r) => r.name))].sort().map((name) => mine.filter((r) => r.name === name).at(-1)!)
        expect(await get(`${base(flavor)}/releases`)).toEqual(latest.map(oldAnswer))
        for (const r of latest) {
          expect(await get(`${base(flavor)}/namespace/ns/releases/${r.name}`)).toEqual(oldAnswer(r))
          expect(await get(`${base(flavor)}/namespace/ns/releases/${r.name}/history`)).toEqual(mine.filter((x) => x.name === r.name).map(oldAnswer))
        }
        const charts = (await get(flavor === 'cce' ? '/v2/charts' : '/autopilot/v2/charts')) as Array<{ id: string; values: string }>
        expect(charts.map((c) => [c.id, c.values])).toEqual([[CHART_ID, JSON.stringify(chartValues)]])
      }
      expect(await get(`/v2/charts/${CHART_ID}/values`)).toEqual({ values: chartValues })
      // Both flavours' charts share one row of defaults.
      expect(db.prepare('SELECT COUNT(*) FROM chart_values').pluck().get()).toBe(1)

      // The pending install left by the old process still completes when due.
      clock.advance(60_000)
      expect(((await get(`${base('cce')}/namespace/ns/releases/slow`)) as { status: string }).status).toBe('DEPLOYED')

      // An upgrade of an old release stores a reference, and the old revisions answer as before.
      const up = await app.inject({
        method: 'PUT',
        url: `${base('cce')}/namespace/ns/releases/web`,
        headers: { ...AUTH, 'content-type': 'application/json' },
        payload: JSON.stringify({ chart_id: CHART_ID, action: 'upgrade', parameters: {}, values: { replicas: 6 } }),
      })
      expect(up.statusCode).toBe(200)
      clock.advance(1000)
      const history = (await get(`${base('cce')}/namespace/ns/releases/web/history`)) as Array<{ values: string; status: string }>
      expect(history.slice(0, 1)).toEqual([oldAnswer(revisions[0]!)])
      expect(history[2]!.values).toBe(JSON.stringify(merged({ replicas: 6 })))
      expect(db.prepare("SELECT COUNT(*) FROM release_revisions WHERE name = 'web' AND flavor = 'cce' AND defaults_hash IS NOT NULL").pluck().get()).toBe(1)

      // Deleting the chart keeps every release's answer.
      const before = await get(`${base('cce')}/namespace/ns/releases/web/history`)
      expect((await app.inject({ method: 'DELETE', url: `/v2/charts/${CHART_ID}`, headers: AUTH })).statusCode).toBe(200)
      expect(await get(`${base('cce')}/namespace/ns/releases/web/history`)).toEqual(before)
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      expect(db.pragma('foreign_key_check')).toEqual([])
    } finally {
      await app.close()
      db.close()
    }
  })
})
