/**
 * What a restart on the same --db file must keep: the emulator clock (never back, advances
 * kept) and every due operation finished before the first answer, however many there are.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { stableChartId } from '../../src/charts/chart-metadata.js'
import { defaultConfig } from '../../src/config.js'
import { planInstall } from '../../src/releases/lifecycle.js'
import { openDatabase } from '../../src/storage/db.js'
import { SqliteReleaseRepository } from '../../src/storage/release-repository.js'
import { startCli, type RunningCli } from '../helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'cce-emu-restart-'))
const running: RunningCli[] = []
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop('SIGKILL')))
  rmSync(dir, { recursive: true, force: true })
})

const EXAMPLE_CHARTS = fileURLToPath(new URL('../../examples/charts', import.meta.url))
const NGINX_DEMO = stableChartId('nginx-demo', '1.0.0')
const HOUR_MS = 3_600_000
const DEFAULT_PROJECT = defaultConfig({}).defaultProjectId

async function start(db: string): Promise<RunningCli> {
  const cli = await startCli(['--port', '0', '--db', db, '--charts', EXAMPLE_CHARTS])
  running.push(cli)
  return cli
}

const headers = { 'x-auth-token': 'e2e', 'content-type': 'application/json' }
const releases = (url: string) => `${url}/cce/cam/v3/clusters/e2e-cluster/releases`
const release = (url: string, name: string) => `${url}/cce/cam/v3/clusters/e2e-cluster/namespace/default/releases/${name}`

async function call<T = any>(url: string, method = 'GET', body?: unknown): Promise<T> {
  const r = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  const text = await r.text()
  if (!r.ok) throw new Error(`${method} ${url} → ${r.status} ${text}`)
  return JSON.parse(text) as T
}

const create = (url: string, name: string) =>
  call(releases(url), 'POST', { name, namespace: 'default', version: '1.0.0', chart_id: NGINX_DEMO, values: { imageTag: name } })
const setInstallDelay = (url: string, ms: number) => call(`${url}/_emulator/lifecycle`, 'PUT', { operations: { install: { mode: 'time', delay_ms: ms } } })
const advance = (url: string, seconds: number) => call<{ now: string; offset_ms: number; settled: number }>(`${url}/_emulator/clock/advance`, 'POST', { seconds })
const clock = (url: string) => call<{ now: string; offset_ms: number }>(`${url}/_emulator/clock`)
const status = async (url: string, name: string) => (await call<{ status: string }>(release(url, name))).status

describe('a restart on the same database file', () => {
  it('keeps an advanced clock: it never goes back, pending work ends on emulator time, new revisions are dated later', async () => {
    const db = join(dir, 'clock.db')
    const first = await start(db)
    expect((await advance(first.url, 3600)).offset_ms).toBe(HOUR_MS)
    await setInstallDelay(first.url, 600_000)
    const created = await create(first.url, 'web')
    expect(created.status).toBe('PENDING_INSTALL')
    const beforeKill = await clock(first.url)
    await first.stop('SIGKILL')

    const second = await start(db)
    const afterRestart = await clock(second.url)
    expect(Date.parse(afterRestart.now)).toBeGreaterThanOrEqual(Date.parse(beforeKill.now))
    expect(afterRestart.offset_ms).toBeGreaterThanOrEqual(HOUR_MS)

    // Due 600 s of emulator time after the create; a few real seconds have passed since.
    await advance(second.url, 590)
    expect(await status(second.url, 'web')).toBe('PENDING_INSTALL')
    expect((await advance(second.url, 10)).settled).toBe(1)
    expect(await status(second.url, 'web')).toBe('DEPLOYED')

    const upgraded = await call(release(second.url, 'web'), 'PUT', { chart_id: NGINX_DEMO, action: 'upgrade', parameters: {}, values: { imageTag: 'v2' } })
    expect(upgraded.version).toBe(2)
    const history = await call<Array<{ version: number; update_at: string }>>(`${release(second.url, 'web')}/history`)
    const at = (v: number) => Date.parse(history.find((r) => r.version === v)!.update_at)
    expect(at(2)).toBeGreaterThan(at(1))
    expect(at(1)).toBe(Date.parse(created.update_at))
  }, 40_000)

  it('finishes every operation that fell due while it was down, 1,500 of them, before the first read', async () => {
    const db = join(dir, 'backlog.db')
    // The file a run that installed 1,500 releases and went down two hours ago leaves behind,
    // stored by the emulator's own planner and repository. In one transaction: 1,500 creates
    // through HTTP would cost 1,500 fsyncs (20-30 s on a loaded 2-core machine).
    const file = openDatabase(db)
    const repo = new SqliteReleaseRepository(file)
    const overdue = { dueAt: new Date(Date.now() - 2 * HOUR_MS), outcome: 'succeed' as const, failureReason: null, afterReads: null }
    repo.transaction(() => {
      for (let i = 0; i < 1500; i++) {
        const key = { projectId: DEFAULT_PROJECT, flavor: 'cce' as const, clusterId: 'e2e-cluster', namespace: 'default', name: `app-${i}` }
        const chart = { id: NGINX_DEMO, name: 'nginx-demo', version: '1.0.0', public: false }
        const now = new Date(Date.now() - 3 * HOUR_MS)
        repo.apply(key, planInstall([], { key, chart, config: {}, values: {}, now, schedule: overdue }))
      }
    })
    file.close()

    const cli = await start(db)
    const listed = await call<Array<{ status: string }>>(releases(cli.url))
    expect(listed).toHaveLength(1500)
    expect(listed.filter((r) => r.status !== 'DEPLOYED')).toEqual([])
  }, 60_000)
})
