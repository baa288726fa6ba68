// Shared by the `npm run stress` probes: start the bundled CLI, watch it from a worker thread
// (health latency = the stall every other client sees, VmRSS from /proc), build packages and
// multipart bodies. No dependency beyond what the project already has.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { createGzip, gzipSync } from 'node:zlib'
import tar from 'tar-stream'

export const CLI = new URL('../../dist/bin.cjs', import.meta.url).pathname
export const REPO = new URL('../..', import.meta.url).pathname
export const EXAMPLE_CHARTS = new URL('../../examples/charts', import.meta.url).pathname
// The id --charts gives nginx-demo 1.0.0, from the build's own rule (it is the same on every machine).
const { stableChartId } = await import(new URL('../../dist/charts/chart-package.js', import.meta.url).href)
export const NGINX_DEMO = stableChartId('nginx-demo', '1.0.0')
export const MiB = 1024 * 1024
export const HEADERS = { 'x-auth-token': 'stress', 'content-type': 'application/json' }

export const tempDir = (tag) => mkdtempSync(join(tmpdir(), `cce-stress-${tag}-`))
export const removeDir = (dir) => rmSync(dir, { recursive: true, force: true })
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** The caller's CCE_EMULATOR_* settings must not leak into a probe's instance. */
function cleanEnv() {
  const env = { ...process.env }
  for (const key of Object.keys(env)) if (key.startsWith('CCE_EMULATOR_')) delete env[key]
  return env
}

/** Starts the CLI on port 0 with a file database; resolves once it printed its URL. */
export function startServer(db, extra = []) {
  const t0 = performance.now()
  const proc = spawn(process.execPath, [CLI, '--port', '0', '--db', db, ...extra], { cwd: REPO, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  proc.stderr.on('data', (b) => (err += b))
  const exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`not ready in 120 s:\n${out}${err}`)) }, 120_000)
    const onData = (b) => {
      out += b
      const m = /"url":"(http:[^"]+)"/.exec(out)
      if (!m) return
      clearTimeout(timer)
      // Keep draining stdout (a full pipe would block the server), but stop keeping it.
      proc.stdout.off('data', onData)
      proc.stdout.resume()
      resolve({
        url: m[1],
        proc,
        pid: proc.pid,
        readyMs: performance.now() - t0,
        output: () => `${out}${err}`,
        exited,
        async stop(signal = 'SIGTERM') {
          if (proc.exitCode !== null || proc.signalCode !== null) return exited
          proc.kill(signal)
          const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000)
          const r = await exited
          clearTimeout(killer)
          return r
        },
      })
    }
    proc.stdout.on('data', onData)
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code} before ready:\n${out}${err}`)) })
  })
}

export function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : NaN
  } catch {
    return NaN
  }
}

// Runs in its own thread, so whatever the probe's main thread does (building a 300 MiB bomb,
// 200 clients) never delays a health request: a slow answer is the server's stall.
const WATCHER = `
const { parentPort, workerData } = require('node:worker_threads')
const http = require('node:http')
const fs = require('node:fs')
const { url, pid, intervalMs, timeoutMs } = workerData
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
const latencies = []
let started = performance.now()
// When the stalls over the target happened (seconds since the watch began), to tell a burst at
// the start of a probe from one at its end.
const slow = []
let failures = 0, lastError = '', peak = 0, running = true, inflight = null
const rss = () => { try { const m = /VmRSS:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/' + pid + '/status', 'utf8')); return m ? Number(m[1]) / 1024 : 0 } catch { return 0 } }
const sampler = setInterval(() => { peak = Math.max(peak, rss()) }, 5)
function probe() {
  if (!running) return
  const t0 = inflight = performance.now()
  let done = false
  const finish = (ok, why) => {
    if (done || !running) return
    done = true
    inflight = null
    latencies.push(performance.now() - t0)
    if (performance.now() - t0 > 50) slow.push([(t0 - started) / 1000, performance.now() - t0])
    if (!ok) { failures++; lastError = why }
    setTimeout(probe, intervalMs)
  }
  const req = http.get(url + '/_emulator/health', { agent, timeout: timeoutMs }, (res) => {
    res.resume()
    res.on('end', () => finish(res.statusCode === 200, 'status ' + res.statusCode))
    res.on('error', (e) => finish(false, e.message))
  })
  req.on('timeout', () => req.destroy(new Error('timeout')))
  req.on('error', (e) => finish(false, e.code || e.message))
}
// One unmeasured request first: the watcher's own first request (its connection, its JIT, the
// health route's first use on a fresh server) is not a stall the probe caused.
http.get(url + '/_emulator/health', { agent, timeout: timeoutMs }, (res) => { res.resume(); res.on('end', () => parentPort.postMessage('ready')) })
  .on('error', () => parentPort.postMessage('ready'))
parentPort.on('message', (m) => { if (m === 'start') { started = performance.now(); probe() } })
parentPort.on('message', (m) => {
  if (m !== 'stop') return
  running = false
  // A request still unanswered is a stall at least this long.
  if (inflight !== null) latencies.push(performance.now() - inflight)
  clearInterval(sampler)
  peak = Math.max(peak, rss())
  agent.destroy()
  parentPort.postMessage({ latencies, failures, lastError, peak, slow })
})
`

/**
 * Watches a running server: a health request every `intervalMs` on one keep-alive connection
 * (as a CI job polling the emulator would) and VmRSS every 5 ms. stop() answers the figures.
 */
export async function watch(server, { intervalMs = 5, timeoutMs = 30_000 } = {}) {
  const before = rssMiB(server.pid)
  const worker = new Worker(WATCHER, { eval: true, workerData: { url: server.url, pid: server.pid, intervalMs, timeoutMs } })
  await new Promise((r) => worker.once('message', r))
  worker.postMessage('start')
  return {
    async stop() {
      const result = new Promise((r) => worker.once('message', r))
      worker.postMessage('stop')
      const { latencies, failures, lastError, peak, slow } = await result
      await worker.terminate()
      const sorted = [...latencies].sort((a, b) => a - b)
      const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN)
      return {
        probes: sorted.length,
        worstMs: sorted.length ? sorted[sorted.length - 1] : NaN,
        p99Ms: at(0.99),
        healthFailures: failures,
        /** [seconds since the watch began, ms] of each answer slower than 50 ms. */
        slow,
        healthLastError: lastError,
        rssBefore: before,
        rssPeak: Math.max(peak, before),
        rssAfter: rssMiB(server.pid),
      }
    },
  }
}

/** Collects a probe's own correctness checks; a failed one fails `npm run stress`. */
export class Checks {
  list = []
  add(name, ok, detail = '') {
    this.list.push({ name, ok: Boolean(ok), detail })
    return ok
  }
  get failed() {
    return this.list.filter((c) => !c.ok)
  }
}

/** One request; a server that answers nothing within `timeoutMs` is an error, not a hang. */
export async function call(method, url, { headers = HEADERS, body, raw, timeoutMs = 60_000 } = {}) {
  const init = { method, headers, signal: AbortSignal.timeout(timeoutMs) }
  if (raw !== undefined) init.body = raw
  else if (body !== undefined) init.body = JSON.stringify(body)
  const res = await fetch(url, init)
  const text = await res.text()
  let json
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, text, json, headers: res.headers }
}

export const releasesUrl = (url, cluster = 'stress') => `${url}/cce/cam/v3/clusters/${cluster}/releases`
export const releaseUrl = (url, name, ns = 'default', cluster = 'stress') => `${url}/cce/cam/v3/clusters/${cluster}/namespace/${ns}/releases/${name}`

// --- packages -------------------------------------------------------------------------------

/** An uncompressed tar of `entries` ({name, content?, type?, linkname?, size?}), in order. */
export async function buildTar(entries) {
  const pack = tar.pack()
  const chunks = []
  const done = new Promise((resolve, reject) => {
    pack.on('data', (c) => chunks.push(c))
    pack.on('end', resolve)
    pack.on('error', reject)
  })
  for (const e of entries) {
    const type = e.type ?? 'file'
    const content = type === 'file' ? Buffer.from(e.content ?? '') : Buffer.alloc(0)
    const header = { name: e.name, type, size: content.length, mode: type === 'directory' ? 0o755 : 0o644, mtime: new Date(0) }
    if (e.linkname !== undefined) header.linkname = e.linkname
    await new Promise((resolve, reject) => pack.entry(header, content, (err) => (err ? reject(err) : resolve())))
  }
  pack.finalize()
  await done
  return Buffer.concat(chunks)
}

export const buildTgz = async (entries) => gzipSync(await buildTar(entries))

export function chartYaml(fields = {}) {
  const all = { apiVersion: 'v2', name: 'demo', version: '1.0.0', description: 'stress chart', ...fields }
  return Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\n')
}

/** A chart package: `<name>/Chart.yaml`, optional values.yaml, then `files` ({path: content}). */
export function chartPackage({ name = 'demo', version = '1.0.0', values, files = {} } = {}) {
  const entries = [{ name: `${name}/Chart.yaml`, content: chartYaml({ name, version }) }]
  if (values !== undefined) entries.push({ name: `${name}/values.yaml`, content: values })
  for (const [path, content] of Object.entries(files)) entries.push({ name: `${name}/${path}`, content })
  return buildTgz(entries)
}

/**
 * A gzip of a tar holding `files` entries of `fileSize` zeros, then `trailingZeros` zeros, streamed
 * so hundreds of MiB never sit in memory; zeros shrink ~1000:1.
 */
export async function zeroBomb({ files, fileSize, trailingZeros = 0 }) {
  const zeros = Buffer.alloc(MiB)
  const pack = tar.pack()
  const gz = createGzip({ level: 9 })
  const out = []
  gz.on('data', (c) => out.push(c))
  const gzDone = new Promise((resolve, reject) => { gz.on('end', resolve); gz.on('error', reject) })
  pack.on('data', (c) => { if (!gz.write(c)) { pack.pause(); gz.once('drain', () => pack.resume()) } })
  const packDone = new Promise((resolve, reject) => { pack.on('end', resolve); pack.on('error', reject) })
  for (let i = 0; i < files; i++) {
    const entry = pack.entry({ name: `bomb/zeros-${i}.bin`, size: fileSize, mtime: new Date(0) })
    const written = new Promise((resolve, reject) => { entry.on('finish', resolve); entry.on('error', reject) })
    for (let left = fileSize; left > 0; left -= zeros.length) {
      if (!entry.write(left >= zeros.length ? zeros : zeros.subarray(0, left))) await new Promise((r) => entry.once('drain', r))
    }
    entry.end(null)
    await written
  }
  pack.finalize()
  await packDone
  for (let left = trailingZeros; left > 0; left -= zeros.length) {
    if (!gz.write(left >= zeros.length ? zeros : zeros.subarray(0, left))) await new Promise((r) => gz.once('drain', r))
  }
  gz.end()
  await gzDone
  return Buffer.concat(out)
}

/** multipart/form-data with the package in `content` and optional `parameters` first, as the SDKs send. */
export function chartUpload(pkg, { parameters, boundary = '----cce-stress-boundary-4e1a', filename = 'chart.tgz' } = {}) {
  const chunks = []
  if (parameters !== undefined) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="parameters"\r\n\r\n${parameters}\r\n`))
  chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`), pkg, Buffer.from(`\r\n--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), headers: { 'x-auth-token': 'stress', 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

export async function upload(url, pkg, opts) {
  const { body, headers } = chartUpload(pkg, opts)
  return call('POST', `${url}/v2/charts`, { headers, raw: body })
}

/**
 * The common probe shape: one server on a fresh file database, watched while `work(server,
 * checks)` runs; `work` answers a short note for the table.
 */
export async function watched(tag, args, work, { intervalMs } = {}) {
  const dir = tempDir(tag)
  const server = await startServer(join(dir, 'emulator.db'), args)
  const checks = new Checks()
  let stats
  let note = ''
  try {
    await sleep(200)
    const w = await watch(server, { intervalMs })
    try {
      note = (await work(server, checks, dir)) ?? ''
    } finally {
      stats = await w.stop()
    }
    checks.add('health probe never failed', stats.healthFailures === 0, `${stats.healthFailures} failed (${stats.healthLastError})`)
    checks.add('server still running', server.proc.exitCode === null && server.proc.signalCode === null)
  } finally {
    await server.stop()
    removeDir(dir)
  }
  return { stats, checks, note }
}
