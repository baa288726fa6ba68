#!/usr/bin/env node
// Regenerates the README's dashboard screenshots (docs/screenshots/*.png): starts the built CLI on
// port 0 with the example charts, drives a few releases through the API (installs, an upgrade
// left pending, a failed one, a fault rule firing), then captures each view in Debian's chromium
// through playwright-core. Run with `npm run screenshots` (builds first). CHROMIUM=/path overrides
// the browser; OUT=dir the output folder.
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = process.env.OUT ?? `${root}docs/screenshots`
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium'
mkdirSync(out, { recursive: true })

const proc = spawn(process.execPath, [`${root}dist/bin.cjs`, '--port', '0', '--db', ':memory:', '--auth', 'off', '--charts', `${root}examples/charts`, '--lifecycle', 'fast', '--seed', '7'], {
  stdio: ['ignore', 'pipe', 'inherit'],
})
const url = await new Promise((resolve, reject) => {
  let log = ''
  proc.stdout.on('data', (b) => {
    log += b
    const m = /"url":"(http:[^"]+)"/.exec(log)
    if (m) resolve(m[1])
  })
  proc.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)))
})

const api = async (method, path, body, headers = {}) => {
  const res = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json', 'x-auth-token': 't', ...headers }, ...(body ? { body: JSON.stringify(body) } : {}) })
  return res.status === 204 ? null : res.json()
}

try {
  const { charts } = await api('GET', '/_emulator/charts')
  const nginx = charts.find((c) => c.name === 'nginx-demo' && c.version === '1.0.0' && c.flavor === 'cce')
  const nginx2 = charts.find((c) => c.name === 'nginx-demo' && c.version === '1.1.0' && c.flavor === 'cce')
  const redis = charts.find((c) => c.name === 'redis-lite' && c.flavor === 'autopilot')
  const cce = (cluster) => `/cce/cam/v3/clusters/${cluster}`
  const create = (base, name, chart, values = {}, namespace = 'default') =>
    api('POST', `${base}/releases`, { name, namespace, chart_id: chart.id, version: chart.version, values })
  // Simulated durations, so the timeline has pending stretches to draw (the clock is advanced, nobody waits).
  await api('PUT', '/_emulator/lifecycle', { operations: { install: { mode: 'time', delay_ms: 15_000 }, upgrade: { mode: 'time', delay_ms: 25_000 } } })
  await create(cce('prod-1'), 'web', nginx, { replicaCount: 2, image: { tag: '1.25' } })
  await create(cce('prod-1'), 'api', nginx, { replicaCount: 3 }, 'backend')
  await create(cce('stage-1'), 'web', nginx, { replicaCount: 1 })
  await create('/autopilot/cam/v3/clusters/ap-1', 'cache', redis, { maxmemory: '256mb' }, 'data')
  await api('GET', `${cce('prod-1')}/releases`)
  await api('POST', '/_emulator/clock/advance', { seconds: 20 })
  await api('PUT', `${cce('prod-1')}/namespace/default/releases/web`, { chart_id: nginx2.id, action: 'upgrade', parameters: {}, values: { replicaCount: 4, image: { tag: '1.27' } } })
  await api('GET', `${cce('prod-1')}/namespace/default/releases/web`)
  await api('POST', '/_emulator/clock/advance', { seconds: 45 })
  await api('POST', '/_emulator/faults', { id: 'api-upgrade-fails', match: { operation: 'upgrade', name: 'api' }, count: 1, lifecycle: { outcome: 'fail', reason: 'context deadline exceeded' } })
  await api('PUT', `${cce('prod-1')}/namespace/backend/releases/api`, { chart_id: nginx2.id, action: 'upgrade', parameters: {}, values: { replicaCount: 5 } })
  await api('GET', `${cce('prod-1')}/namespace/backend/releases/api`)
  await api('PUT', '/_emulator/lifecycle', { profile: 'manual' })
  await api('POST', '/_emulator/clock/advance', { seconds: 30 })
  await api('PUT', `${cce('prod-1')}/namespace/default/releases/web`, { chart_id: nginx2.id, action: 'upgrade', parameters: {}, values: { replicaCount: 6, image: { tag: '1.27' } } })
  await api('POST', '/_emulator/faults', { id: 'throttle-lists', match: { operation: 'list' }, probability: 0.5, error: { status: 429 } })
  for (let i = 0; i < 6; i++) await api('GET', `${cce('stage-1')}/releases`)

  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] })
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 })
  const shoot = async (hash, file, ready) => {
    if (!page.url().endsWith(`#/${hash}`)) await page.goto('about:blank')
    await page.goto(`${url}/_emulator/ui#/${hash}`)
    await ready().catch(async (e) => { await page.screenshot({ path: '/tmp/fail.png' }); console.log(await page.textContent('body')); throw e })
    await page.waitForTimeout(300)
    await page.screenshot({ path: `${out}/${file}`, fullPage: true })
    console.log(`${out}/${file}`)
  }
  await shoot('releases', 'releases.png', () => page.getByRole('link', { name: 'cache' }).waitFor())
  await shoot('release/cce/prod-1/default/web?project_id=default', 'release.png', () => page.getByTestId('timeline').waitFor())
  await shoot('pending', 'pending.png', () => page.getByRole('button', { name: /Complete upgrade of web/ }).waitFor())
  await page.goto(`${url}/_emulator/ui#/requests`)
  await page.waitForTimeout(2500)
  await shoot('requests', 'requests.png', async () => {
    await page.getByRole('button', { name: /PUT \/cce\/cam\/v3\/clusters\/prod-1\/namespace\/backend/ }).first().click()
  })
  await shoot('faults', 'faults.png', () => page.getByRole('cell', { name: 'throttle-lists', exact: true }).waitFor())
  await shoot('charts', 'charts.png', async () => {
    await page.getByRole('button', { name: /Show values of nginx-demo 1.1.0 \(cce/ }).click()
    await page.getByLabel(/values.yaml of nginx-demo/).waitFor()
  })
  await browser.close()
} finally {
  proc.kill('SIGTERM')
}
