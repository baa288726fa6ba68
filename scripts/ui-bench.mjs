#!/usr/bin/env node
// `npm run bench:ui`: what the dashboard weighs and costs, against the bundled CLI on a file
// database of UI_BENCH_RELEASES releases (default 10,000, spread over projects, flavours,
// clusters and namespaces):
//   - the page's size, gzipped as served;
//   - time to first paint and to the first page of releases in chromium (fresh browser context
//     each run, median of 5), and the control-plane reads behind it;
//   - API throughput with and without the page open: show requests (reads, 10 connections), and
//     upgrades of one release (writes, which make the open Releases view re-read its page and
//     counts every second). Rounds alternate without/with so the shared machine's noise spreads
//     over both. wrk when on PATH, else autocannon.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { chromium } from 'playwright-core'

const root = new URL('..', import.meta.url).pathname
const cli = `${root}dist/bin.cjs`
const RELEASES = Number(process.env.UI_BENCH_RELEASES ?? 10_000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)
const ROUNDS = Number(process.env.UI_BENCH_ROUNDS ?? 5)
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium'
const NGINX_1 = '62c465a7-54cc-5f2b-aad1-92c7376b2115' // stableChartId('nginx-demo', '1.0.0')
const NGINX_2 = 'd91c73a1-a439-5908-9b21-9e2a22b34117' // stableChartId('nginx-demo', '1.1.0')
const dir = mkdtempSync(join(tmpdir(), 'cce-ui-bench-'))
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const hasWrk = (() => {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' })
    return true
  } catch (err) {
    return err.status === 1
  }
})()

// 1. Size
let gz = 0
let raw = 0
const walk = (d) => {
  for (const f of readdirSync(d)) {
    const p = join(d, f)
    if (statSync(p).isDirectory()) walk(p)
    else if (f.endsWith('.gz')) gz += statSync(p).size
    else raw += statSync(p).size
  }
}
walk(`${root}dist/ui`)
console.log(`page: ${(raw / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzipped (html + js + css)`)

// 2. An emulator with RELEASES releases
const proc = spawn(process.execPath, [cli, '--port', '0', '--db', join(dir, 'ui.db'), '--charts', `${root}examples/charts`, '--lifecycle', 'fast', '--journal-size', '1000'], {
  stdio: ['ignore', 'pipe', 'inherit'],
})
const url = await new Promise((resolve, reject) => {
  let out = ''
  proc.stdout.on('data', (b) => {
    out += b
    const m = /"url":"(http:[^"]+)"/.exec(out)
    if (m) resolve(m[1])
  })
  proc.once('exit', (code) => reject(new Error(`emulator exited ${code}`)))
})
const headers = { 'x-auth-token': 'bench', 'content-type': 'application/json' }
const t0 = performance.now()
// Preloaded charts live in the default project: seeding spreads over flavours, clusters and namespaces.
let next = 0
async function seedOne() {
  const i = next++
  if (i >= RELEASES) return
  const flavor = i % 5 === 0 ? 'autopilot' : 'cce'
  const base = `${url}/${flavor === 'autopilot' ? 'autopilot' : 'cce'}/cam/v3/clusters/cluster-${i % 7}/releases`
  const body = { name: `app-${i}`, namespace: `ns-${i % 13}`, version: '1.0.0', chart_id: NGINX_1, values: { replicaCount: i % 5, image: { tag: `v${i % 3}` } } }
  const res = await fetch(base, { method: 'POST', headers, body: JSON.stringify(body) })
  if (res.status !== 201) throw new Error(`create ${i}: ${res.status} ${await res.text()}`)
  await res.arrayBuffer()
  return seedOne()
}
await Promise.all(Array.from({ length: 8 }, seedOne))
console.log(`seeded ${RELEASES} releases through the API in ${((performance.now() - t0) / 1000).toFixed(1)} s`)

const timeGet = async (path, n = 15) => {
  const ms = []
  for (let i = 0; i < n; i++) {
    const s = performance.now()
    const res = await fetch(`${url}${path}`)
    await res.arrayBuffer()
    ms.push(performance.now() - s)
  }
  return `${median(ms).toFixed(1)} ms`
}
console.log(
  `control-plane reads at ${RELEASES} releases (median of 15): /releases?limit=50 ${await timeGet('/_emulator/releases?limit=50')}, ` +
    `filtered (status+namespace+name search) ${await timeGet('/_emulator/releases?status=DEPLOYED&namespace=ns-3&q=app-1')}, ` +
    `/releases/facets ${await timeGet('/_emulator/releases/facets')}, /changes ${await timeGet('/_emulator/changes')}`,
)

// 3. First paint
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] })
const paints = []
const ready = []
for (let i = 0; i < 5; i++) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await ctx.newPage()
  await page.goto(`${url}/_emulator/ui#/releases`)
  for (;;) {
    const t = await page.evaluate('document.querySelectorAll("tr[data-release]").length > 0 ? performance.now() : 0')
    if (t) {
      ready.push(t)
      break
    }
    await new Promise((r) => setTimeout(r, 5))
  }
  paints.push(await page.evaluate('performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? 0'))
  await ctx.close()
}
console.log(`chromium, ${RELEASES} releases (median of 5 cold loads): first contentful paint ${median(paints).toFixed(0)} ms, first page of releases on screen ${median(ready).toFixed(0)} ms`)

// 4. Throughput with and without the page
const show = `${url}/cce/cam/v3/clusters/cluster-1/namespace/ns-1/releases/app-1`
const upgradeUrl = `${url}/cce/cam/v3/clusters/cluster-2/namespace/ns-2/releases/app-2`
const upgradeBody = JSON.stringify({ chart_id: NGINX_2, action: 'upgrade', parameters: {}, values: { replicaCount: 2 } })
const lua = join(dir, 'upgrade.lua')
writeFileSync(lua, `wrk.method = "PUT"\nwrk.body = '${upgradeBody}'\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["X-Auth-Token"] = "bench"\n`)

async function load(target, write) {
  if (hasWrk) {
    const args = ['-t1', '-c10', `-d${SECONDS}s`, '-H', 'x-auth-token: bench', ...(write ? ['-s', lua] : []), target]
    const out = execFileSync('wrk', args, { encoding: 'utf8' })
    return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1])
  }
  const r = await autocannon({ url: target, connections: 10, duration: SECONDS, headers, ...(write ? { method: 'PUT', body: upgradeBody } : {}) })
  return r.requests.average
}

const page = await (await browser.newContext()).newPage()
const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }))
/** CPU the emulator process spends per second of wall time, over `ms`, while `during` runs. */
async function cpuPerSecond(ms, during = () => new Promise((r) => setTimeout(r, ms))) {
  const read = () => {
    const f = readFileSync(`/proc/${proc.pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return ((Number(f[11]) + Number(f[12])) / ticks) * 1000
  }
  const c0 = read()
  const w0 = performance.now()
  const result = await during()
  return { cpuMsPerS: ((read() - c0) / (performance.now() - w0)) * 1000, result }
}
const openView = async (view) => {
  if (view === null) return page.goto('about:blank')
  await page.goto(`${url}/_emulator/ui#/${view}`)
  await page.locator('main h1').waitFor()
}

// Idle: the page's own steady cost (its polling and re-reads), nothing else running, measured
// once the view has loaded.
for (const view of [null, 'releases', 'requests', 'pending']) {
  await openView(view)
  await new Promise((r) => setTimeout(r, 3000))
  const { cpuMsPerS } = await cpuPerSecond(15_000)
  console.log(`idle emulator, ${view === null ? 'no page open' : `page open on ${view}`}: emulator CPU ${cpuMsPerS.toFixed(1)} ms per second`)
}

for (const [label, target, write, view] of [
  ['show (reads, 10 connections), page on Releases', show, false, 'releases'],
  ['upgrade of one release (writes, 10 connections), page on Releases: it re-reads the list and counts as data changes', upgradeUrl, true, 'releases'],
]) {
  const without = []
  const withPage = []
  for (let r = 0; r < ROUNDS; r++) {
    await openView(null)
    without.push(await cpuPerSecond(0, () => load(target, write)))
    await openView(view)
    withPage.push(await cpuPerSecond(0, () => load(target, write)))
  }
  const rate = (xs) => median(xs.map((x) => x.result))
  const cpuPerRequest = (xs) => median(xs.map((x) => x.cpuMsPerS / x.result))
  const a = rate(without)
  const b = rate(withPage)
  console.log(
    `${label}: without the page ${Math.round(a)} req/s, with it ${Math.round(b)} req/s (${(((b - a) / a) * 100).toFixed(1)}%); ` +
      `emulator CPU per request ${cpuPerRequest(without).toFixed(3)} vs ${cpuPerRequest(withPage).toFixed(3)} ms; ` +
      `rounds ${without.map((x) => Math.round(x.result)).join('/')} vs ${withPage.map((x) => Math.round(x.result)).join('/')}`,
  )
}
console.log(`load: ${hasWrk ? 'wrk -t1 -c10' : 'autocannon, 10 connections'}, ${SECONDS} s per run, ${ROUNDS} rounds; machine load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]} on ${(await import('node:os')).cpus().length} CPUs`)

await browser.close()
await new Promise((r) => {
  proc.once('exit', r)
  proc.kill('SIGTERM')
})
rmSync(dir, { recursive: true, force: true })
