#!/usr/bin/env node
// `npm run bench`: measures the two standing budgets on this machine against the built CLI:
// spawn-to-ready (health answers 200) and show/list requests per second.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'

const cli = new URL('../dist/cli.bundle.js', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'cce-bench-'))
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
// stableChartId('nginx-demo', '1.0.0'): preloaded charts keep this id on every machine.
const NGINX_DEMO_1_0_0 = '62c465a7-54cc-5f2b-aad1-92c7376b2115'

function start(args) {
  const t0 = performance.now()
  const proc = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  return new Promise((resolve, reject) => {
    proc.stdout.on('data', async (b) => {
      out += b
      const m = /"url":"(http:[^"]+)"/.exec(out)
      if (!m || proc.ready) return
      proc.ready = true
      const res = await fetch(`${m[1]}/_emulator/health`)
      if (res.status !== 200) return reject(new Error('health not ready'))
      resolve({ url: m[1], proc, readyMs: performance.now() - t0 })
    })
    proc.once('exit', (code) => reject(new Error(`exited ${code}`)))
  })
}

const stop = (proc) => new Promise((r) => { proc.once('exit', r); proc.kill('SIGTERM') })

const startups = []
for (let i = 0; i < 10; i++) {
  const s = await start(['--port', '0', '--db', join(dir, `start-${i}.db`), '--log-level', 'info', '--auth', 'off'])
  startups.push(s.readyMs)
  await stop(s.proc)
}
startups.sort((a, b) => a - b)
console.log(`startup to ready health (file db, 10 runs): median ${startups[5].toFixed(0)} ms, max ${startups.at(-1).toFixed(0)} ms`)

const charts = new URL('../examples/charts', import.meta.url).pathname
const s = await start(['--port', '0', '--db', join(dir, 'load.db'), '--log-level', 'info', '--charts', charts])
const headers = { 'x-auth-token': 'bench', 'content-type': 'application/json' }
const base = `${s.url}/cce/cam/v3/clusters/bench/releases`
for (let i = 0; i < 50; i++) {
  const res = await fetch(base, { method: 'POST', headers, body: JSON.stringify({ name: `app-${i}`, namespace: 'default', version: '1.0.0', chart_id: NGINX_DEMO_1_0_0, values: { replicaCount: i, image: { tag: 'v1' } } }) })
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`)
}
for (const [label, url] of [
  ['show', `${s.url}/cce/cam/v3/clusters/bench/namespace/default/releases/app-7`],
  ['list (50 releases)', base],
  ['list (filtered, 1 release)', `${base}?namespace=default&chart_id=none`],
]) {
  const r = await autocannon({ url, connections: 10, duration: seconds, headers })
  const errors = r.non2xx + r.errors
  console.log(`${label}: ${Math.round(r.requests.average)} req/s average, p99 ${r.latency.p99} ms, ${errors} errors`)
}
await stop(s.proc)
rmSync(dir, { recursive: true, force: true })
