import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { stableChartId } from '../../src/charts/chart-metadata.js'
import { runCli, startCli, type RunningCli } from '../helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'cce-emu-e2e-'))
const running: RunningCli[] = []
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop('SIGKILL')))
  rmSync(dir, { recursive: true, force: true })
})

// Releases install a real chart: the example charts, preloaded under their stable ids.
const EXAMPLE_CHARTS = fileURLToPath(new URL('../../examples/charts', import.meta.url))
const NGINX_DEMO = stableChartId('nginx-demo', '1.0.0')

async function start(args: string[]): Promise<RunningCli> {
  const cli = await startCli([...args, '--charts', EXAMPLE_CHARTS])
  running.push(cli)
  return cli
}

const headers = { 'x-auth-token': 'e2e', 'content-type': 'application/json' }
const releases = (url: string) => `${url}/cce/cam/v3/clusters/e2e-cluster/releases`
const release = (url: string, name: string) => `${url}/cce/cam/v3/clusters/e2e-cluster/namespace/default/releases/${name}`
const createRelease = (url: string, name: string) =>
  fetch(releases(url), {
    method: 'POST',
    headers,
    body: JSON.stringify({ name, namespace: 'default', version: '1.0.0', chart_id: NGINX_DEMO, values: { imageTag: name } }),
  })

describe('the CLI', () => {
  it('prints its options with --help and refuses a bad flag with exit code 2', async () => {
    const help = await runCli(['--help'])
    expect(help.code).toBe(0)
    for (const flag of ['--host', '--port', '--db', '--auth', '--lifecycle', '--log-level']) expect(help.stdout).toContain(flag)
    const bad = await runCli(['--lifecycle', 'warp'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--lifecycle must be one of fast, realistic, manual')
  })

  it('serves on port 0 with :memory:, names the URL in the ready line, and exits 0 on SIGTERM', async () => {
    const cli = await start(['--port', '0', '--db', ':memory:'])
    expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(cli.output()).toContain(`CCE release emulator ready at ${cli.url}`)
    const health = await fetch(`${cli.url}/_emulator/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ready', database: 'memory' })
    expect((await createRelease(cli.url, 'web')).status).toBe(201)
    expect(await cli.stop('SIGTERM')).toBe(0)
    expect(cli.output()).toContain('shutting down')
  })

  it('logs one JSON access line per request, each out while the server runs, none lost at exit', async () => {
    const cli = await start(['--port', '0', '--db', ':memory:', '--log-format', 'json'])
    const accessLines = () => cli.output().split('\n').filter((l) => l.includes('"operation":"ShowRelease"'))
    expect((await fetch(release(cli.url, 'nothing-here'), { headers })).status).toBe(404)
    // Lines are written once per event-loop turn: the answer's line follows within the turn.
    await expect.poll(accessLines, { timeout: 5_000 }).toHaveLength(1)
    expect(JSON.parse(accessLines()[0]!)).toMatchObject({ method: 'GET', status: 404, path: expect.stringContaining('/releases/nothing-here') })
    // A burst answered in few turns, then an immediate stop: every line reaches stdout.
    const burst = await Promise.all(Array.from({ length: 300 }, () => fetch(release(cli.url, 'nothing-here'), { headers }).then((r) => r.status)))
    expect(burst.every((s) => s === 404)).toBe(true)
    expect(await cli.stop('SIGTERM')).toBe(0)
    expect(accessLines()).toHaveLength(301)
  })

  it('keeps every acknowledged write across kill -9 and finishes pending work after a restart', async () => {
    const db = join(dir, 'restart.db')
    const first = await start(['--port', '0', '--db', db, '--lifecycle', 'realistic'])
    for (let i = 0; i < 20; i++) expect((await createRelease(first.url, `app-${i}`)).status).toBe(201)
    const before = (await (await fetch(releases(first.url), { headers })).json()) as Array<{ status: string }>
    expect(before.every((r) => r.status === 'PENDING_INSTALL')).toBe(true)
    await first.stop('SIGKILL')

    // Restarted with the fast profile: stored due times still govern the work already pending.
    const second = await start(['--port', '0', '--db', db, '--lifecycle', 'fast'])
    const after = (await (await fetch(releases(second.url), { headers })).json()) as Array<{ name: string; status: string; values: string }>
    expect(after).toHaveLength(20)
    expect(JSON.parse(after.find((r) => r.name === 'app-7')!.values)).toMatchObject({ imageTag: 'app-7', replicaCount: 1 })
    const deadline = Date.now() + 15_000
    let statuses: string[] = []
    while (Date.now() < deadline) {
      statuses = ((await (await fetch(releases(second.url), { headers })).json()) as Array<{ status: string }>).map((r) => r.status)
      if (statuses.every((s) => s === 'DEPLOYED')) break
      await new Promise((r) => setTimeout(r, 250))
    }
    expect(statuses).toEqual(Array(20).fill('DEPLOYED'))
    const history = (await (await fetch(`${release(second.url, 'app-3')}/history`, { headers })).json()) as unknown[]
    expect(history).toHaveLength(1)
  }, 40_000)

  it('answers malformed input with a clean CCE 4xx and keeps serving', async () => {
    const cli = await start(['--port', '0', '--db', ':memory:'])
    const bad = await fetch(releases(cli.url), { method: 'POST', headers, body: '{"name":' })
    expect(bad.status).toBe(400)
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
    expect(await bad.json()).toMatchObject({ error_code: 'CCE.01400001' })
    const huge = await fetch(releases(cli.url), { method: 'POST', headers, body: JSON.stringify({ values: { blob: 'x'.repeat(2 * 1024 * 1024) } }) })
    expect(huge.status).toBe(413)
    expect((await fetch(`${cli.url}/_emulator/health`)).status).toBe(200)
  })
})
