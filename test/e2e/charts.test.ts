/**
 * The chart API end to end: the real CLI (port 0, :memory:, --charts examples/charts) and a real
 * multipart client (Node's fetch + FormData + Blob). Uploads in both part orders with a path in
 * the filename, byte-identical download, values, a release installed from a chart and upgraded
 * across chart versions, and gzip bombs refused while the server keeps serving, with the
 * server's resident memory sampled from /proc/<pid>/status while it reads them.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stableChartId } from '../../src/charts/chart-metadata.js'
import { startCli, type RunningCli } from '../helpers/cli.js'
import { zeroBomb } from '../helpers/tgz.js'

const EXAMPLES = fileURLToPath(new URL('../../examples/charts', import.meta.url))
const example = (file: string) => readFileSync(join(EXAMPLES, file))
const NGINX_1 = example('nginx-demo-1.0.0.tgz')
const NGINX_2 = example('nginx-demo-1.1.0.tgz')
const AUTH = { 'x-auth-token': 'e2e' }
const PROJECT = { ...AUTH, 'x-project-id': 'e2e-uploads' }
const MiB = 1024 * 1024

let cli: RunningCli
beforeAll(async () => {
  cli = await startCli(['--port', '0', '--db', ':memory:', '--charts', EXAMPLES, '--lifecycle', 'fast'])
})
afterAll(async () => {
  await cli?.stop('SIGKILL')
})

const url = (path: string) => `${cli.url}${path}`

function form(pkg: Buffer, filename: string, opts: { parameters?: string; fileFirst?: boolean } = {}): FormData {
  const fd = new FormData()
  const file = () => fd.append('content', new Blob([new Uint8Array(pkg)], { type: 'application/octet-stream' }), filename)
  if (opts.fileFirst) file()
  if (opts.parameters !== undefined) fd.append('parameters', opts.parameters)
  if (!opts.fileFirst) file()
  return fd
}

const upload = (pkg: Buffer, filename: string, opts: { parameters?: string; fileFirst?: boolean } = {}, headers: Record<string, string> = PROJECT) =>
  fetch(url('/v2/charts'), { method: 'POST', headers, body: form(pkg, filename, opts) })

/** Resident set size of the server process, in bytes (Linux). */
function rss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)
  if (!kb) throw new Error('no VmRSS in /proc status')
  return Number(kb[1]) * 1024
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms
  let v = await fn()
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50))
    v = await fn()
  }
  return v
}

describe('charts on the real CLI', () => {
  it('preloads the example charts under their stable ids and says so in the log', async () => {
    const ids = [stableChartId('nginx-demo', '1.0.0'), stableChartId('nginx-demo', '1.1.0'), stableChartId('redis-lite', '0.3.0')]
    for (const base of ['/v2/charts', '/autopilot/v2/charts']) {
      const list = (await (await fetch(url(base), { headers: AUTH })).json()) as Array<{ id: string }>
      expect(list.map((c) => c.id)).toEqual(ids)
    }
    const logged = cli
      .output()
      .split('\n')
      .filter((l) => l.includes('preloaded chart '))
      .map((l) => JSON.parse(l) as { id: string; name: string; version: string })
    expect(logged.map((l) => [l.id, l.name, l.version])).toEqual([
      [ids[0], 'nginx-demo', '1.0.0'],
      [ids[1], 'nginx-demo', '1.1.0'],
      [ids[2], 'redis-lite', '0.3.0'],
    ])
  })

  it('uploads with a real multipart client in both part orders, a path in the filename, and downloads the same bytes', async () => {
    const sdkOrder = await upload(NGINX_1, 'nginx-demo-1.0.0.tgz', { parameters: '{"override":true,"skip_lint":true,"source":"package"}' })
    expect(sdkOrder.status).toBe(201)
    const terraformOrder = await upload(NGINX_2, './charts/build/nginx-demo-1.1.0.tgz', { parameters: '', fileFirst: true })
    expect(terraformOrder.status).toBe(201)
    const [c1, c2] = [(await sdkOrder.json()) as { id: string; version: string }, (await terraformOrder.json()) as { id: string; version: string }]
    expect([c1.version, c2.version]).toEqual(['1.0.0', '1.1.0'])

    const again = await upload(NGINX_1, 'nginx-demo-1.0.0.tgz')
    expect(again.status).toBe(409)
    expect(await again.json()).toMatchObject({ error_code: 'CCE.01409001' })

    for (const [id, pkg, name] of [[c1.id, NGINX_1, 'nginx-demo-1.0.0.tgz'], [c2.id, NGINX_2, 'nginx-demo-1.1.0.tgz']] as const) {
      const res = await fetch(url(`/v2/charts/${id}/archive`), { headers: PROJECT })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/octet-stream')
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${name}"`)
      expect(Buffer.from(await res.arrayBuffer()).equals(pkg)).toBe(true)
    }
    const values = (await (await fetch(url(`/v2/charts/${c2.id}/values`), { headers: PROJECT })).json()) as { values: Record<string, unknown> }
    expect(values.values).toMatchObject({ replicaCount: 1, service: { type: 'ClusterIP', port: 80 } })
    const quota = await (await fetch(url('/v2/charts/e2e-uploads/quotas'), { headers: PROJECT })).json()
    expect(quota).toEqual({ quotas: { resources: [{ type: 'Charts', quota: 200, used: 1 }] } })
  })

  it('installs a release from a preloaded chart and upgrades it across chart versions', async () => {
    const release = url('/cce/cam/v3/clusters/e2e/namespace/default/releases/web')
    const headers = { ...AUTH, 'content-type': 'application/json' }
    const created = await fetch(url('/cce/cam/v3/clusters/e2e/releases'), {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'web', namespace: 'default', version: '1.0.0', chart_id: stableChartId('nginx-demo', '1.0.0'), values: { imageTag: '1.25.5' } }),
    })
    expect(created.status).toBe(201)
    expect(await created.json()).toMatchObject({ chart_name: 'nginx-demo', chart_version: '1.0.0', status: 'PENDING_INSTALL' })
    const deployed = await until(async () => (await (await fetch(release, { headers: AUTH })).json()) as { status: string }, (r) => r.status === 'DEPLOYED')
    expect(deployed.status).toBe('DEPLOYED')

    const upgraded = await fetch(`${release}?show_resources=true`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ chart_id: stableChartId('nginx-demo', '1.1.0'), action: 'upgrade', parameters: {}, values: { imageTag: '1.25.5' } }),
    })
    expect(upgraded.status).toBe(200)
    const body = (await upgraded.json()) as { chart_version: string; version: number; resources: string; values: string }
    expect(body).toMatchObject({ chart_version: '1.1.0', version: 2 })
    expect((JSON.parse(body.resources) as Array<{ kind: string }>).map((r) => r.kind)).toEqual(['ConfigMap', 'Deployment', 'Service'])
    expect(JSON.parse(body.values)).toMatchObject({ imageTag: '1.25.5', indexHtml: expect.stringContaining('1.1.0') })
    const final = await until(async () => (await (await fetch(release, { headers: AUTH })).json()) as { status: string; chart_version: string }, (r) => r.status === 'DEPLOYED')
    expect(final).toMatchObject({ status: 'DEPLOYED', chart_version: '1.1.0' })
    const history = (await (await fetch(`${release}/history`, { headers: AUTH })).json()) as Array<{ chart_version: string }>
    expect(history.map((r) => r.chart_version)).toEqual(['1.0.0', '1.1.0'])
  })

  it('refuses gzip bombs with 400 without its memory growing, and keeps serving', async () => {
    const pid = cli.proc.pid!
    // 320 MiB of zeros in 1 MiB files (each under the limit, so the running total must catch it),
    // and one file declaring 256 MiB. Each compresses to a few hundred KiB.
    // The streaming bomb goes three times: memory must not ratchet up from one to the next.
    const streaming = await zeroBomb({ files: 320, fileSize: MiB })
    const bombs = [streaming, streaming, streaming, await zeroBomb({ files: 1, fileSize: 256 * MiB })]
    const before = rss(pid)
    let peak = before
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss(pid))
    }, 5)
    try {
      for (const bomb of bombs) {
        const started = performance.now()
        const res = await upload(bomb, 'bomb.tgz')
        const ms = performance.now() - started
        expect(res.status).toBe(400)
        const body = (await res.json()) as { error_code: string; error_msg: string }
        expect(body.error_code).toBe('CCE.01400001')
        expect(body.error_msg).toMatch(/unpacked size exceeds 100 MiB/)
        process.stderr.write(`gzip bomb of ${(bomb.length / 1024).toFixed(0)} KiB refused in ${ms.toFixed(0)} ms\n`)
      }
    } finally {
      clearInterval(sampler)
    }
    peak = Math.max(peak, rss(pid))
    const after = rss(pid)
    const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`
    process.stderr.write(`server RSS during the gzip bombs: before ${mib(before)}, peak ${mib(peak)} (+${mib(peak - before)}), after ${mib(after)}\n`)
    // Decompressing 100 MiB would need that much if it were buffered; streaming keeps it small.
    expect(peak - before).toBeLessThan(64 * MiB)

    expect((await fetch(url('/_emulator/health'))).status).toBe(200)
    const list = await fetch(url('/v2/charts'), { headers: PROJECT })
    expect(list.status).toBe(200)
    expect(((await list.json()) as unknown[]).length).toBe(2)
  }, 60_000)
})
