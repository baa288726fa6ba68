#!/usr/bin/env node
// `npm run bench`: measures the standing budgets on this machine against the bundled CLI:
//   - start-up: spawn → first 200 from /_emulator/health, file database, median of 21 runs;
//   - show / list requests per second on a file database with 50 releases, 10 connections.
// The load comes from wrk when it is on PATH (C, light on the shared CPU: Debian package wrk),
// else from autocannon (a dev dependency, which itself needs most of a core).
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'

const cli = new URL('../dist/bin.cjs', import.meta.url).pathname
const charts = new URL('../examples/charts', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'cce-bench-'))
const seconds = Number(process.env.BENCH_SECONDS ?? 8)
// stableChartId('nginx-demo', '1.0.0'): preloaded charts keep this id on every machine.
const NGINX_DEMO_1_0_0 = '01c9f6d9-5c1a-55f3-a3d3-118677c0d7bd'
const hasWrk = (() => {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' })
    return true
  } catch (err) {
    return err.status === 1 // wrk --version exits 1 after printing its version
  }
})()

function start(args, entry = [cli]) {
  const t0 = performance.now()
  const proc = spawn(process.execPath, [...entry, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  return new Promise((resolve, reject) => {
    const onData = async (b) => {
      out += b
      const m = /"url":"(http:[^"]+)"/.exec(out)
      if (!m) return
      proc.stdout.off('data', onData)
      // Keep draining: at the default level every request logs a line, and a full pipe would stall the server.
      proc.stdout.resume()
      const res = await fetch(`${m[1]}/_emulator/health`)
      await res.text()
      if (res.status !== 200) return reject(new Error(`health answered ${res.status}`))
      resolve({ url: m[1], proc, readyMs: performance.now() - t0 })
    }
    proc.stdout.on('data', onData)
    proc.once('exit', (code) => reject(new Error(`exited ${code}`)))
  })
}

const stop = (proc) => new Promise((r) => { proc.once('exit', r); proc.kill('SIGTERM') })

// The yardstick: a bare Node http server's first answer, measured the same way, runs interleaved
// with the emulator's so both see the same load. The budget is 1.5x.
const BARE = "const s=require('node:http').createServer((q,r)=>r.end('{}')).listen(0,'127.0.0.1',()=>console.log(JSON.stringify({url:'http://127.0.0.1:'+s.address().port})))"
const startups = []
const bare = []
for (let i = 0; i < 21; i++) {
  const b = await start(['-e', BARE], [])
  bare.push(b.readyMs)
  await stop(b.proc)
  const s = await start(['--port', '0', '--db', join(dir, `start-${i}.db`)])
  startups.push(s.readyMs)
  await stop(s.proc)
}
startups.sort((a, b) => a - b)
bare.sort((a, b) => a - b)
console.log(`start-up to a ready health check (file db, 21 runs): median ${startups[10].toFixed(0)} ms, min ${startups[0].toFixed(0)} ms, max ${startups[20].toFixed(0)} ms`)
console.log(`bare node http server's first answer: median ${bare[10].toFixed(0)} ms; emulator / bare: ${(startups[10] / bare[10]).toFixed(2)}x (budget 1.5x)`)

const s = await start(['--port', '0', '--db', join(dir, 'load.db'), '--charts', charts])
const headers = { 'x-auth-token': 'bench', 'content-type': 'application/json' }
const base = `${s.url}/cce/cam/v3/clusters/bench/releases`
for (let i = 0; i < 50; i++) {
  const body = { name: `app-${i}`, namespace: 'default', version: '1.0.0', chart_id: NGINX_DEMO_1_0_0, values: { replicaCount: i, image: { tag: 'v1' } } }
  const res = await fetch(base, { method: 'POST', headers, body: JSON.stringify(body) })
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`)
}
const single = { name: 'solo', namespace: 'single', version: '1.0.0', chart_id: NGINX_DEMO_1_0_0, values: {} }
await fetch(base, { method: 'POST', headers, body: JSON.stringify(single) })

async function load(url) {
  if (hasWrk) {
    const out = execFileSync('wrk', ['-t1', '-c10', `-d${seconds}s`, '--latency', '-H', 'x-auth-token: bench', url], { encoding: 'utf8' })
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]
    const p99 = /99%\s+([\d.]+\w+)/.exec(out)?.[1]
    const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0'
    return `${Math.round(Number(rps))} req/s, p99 ${p99}, ${errors} non-2xx`
  }
  const r = await autocannon({ url, connections: 10, duration: seconds, headers })
  return `${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms, ${r.non2xx + r.errors} errors`
}

console.log(`load generator: ${hasWrk ? 'wrk -t1 -c10' : 'autocannon, 10 connections'}, ${seconds} s each`)
for (const [label, url] of [
  ['show', `${s.url}/cce/cam/v3/clusters/bench/namespace/default/releases/app-7`],
  ['list, filtered to 1 release', `${base}?namespace=single&chart_id=${NGINX_DEMO_1_0_0}`],
  ['list, filter matching none', `${base}?namespace=other`],
  ['list, 50 releases (38 KB)', `${base}?namespace=default`],
  ['history', `${s.url}/cce/cam/v3/clusters/bench/namespace/default/releases/app-7/history`],
]) {
  console.log(`${label}: ${await load(url)}`)
}
await stop(s.proc)
rmSync(dir, { recursive: true, force: true })
