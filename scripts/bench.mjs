#!/usr/bin/env node
// `npm run bench` (and `npm run bench -- --scale`): every performance budget of issue 11, each
// printed next to a bare Fastify 5 server measured in the same run on the same machine. The
// machine is shared, so rounds are interleaved (bare, emulator, bare, emulator…) and medians kept.
//
//   node scripts/bench.mjs [--scale] [--rounds N] [--seconds S] [--releases N]
//
// Load: wrk -t1 -c50 (Debian package wrk; C, light on the shared CPU). The bare servers are this
// file started again with --serve-bare (Fastify 5 sending the very bytes the emulator answered)
// or --serve-node (a bare node http server, for start-up).
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const argv = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : dflt
}

if (argv[0] === '--serve-node') {
  const server = http.createServer((_req, res) => res.end('{"status":"ok"}'))
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })))
} else if (argv[0] === '--serve-bare') {
  const { default: Fastify } = await import('fastify')
  const bodies = JSON.parse(readFileSync(argv[1], 'utf8'))
  const app = Fastify({ logger: false })
  const buffers = new Map(Object.entries(bodies).map(([k, v]) => [k, Buffer.from(v)]))
  app.get('/health', async () => ({ status: 'ok' }))
  app.get('/b/:label', async (req, reply) => reply.type('application/json').send(buffers.get(req.params.label)))
  app.post('/create', async (req, reply) => reply.code(201).type('application/json').send(buffers.get('create')))
  await app.listen({ port: 0, host: '127.0.0.1' })
  console.log(JSON.stringify({ url: `http://127.0.0.1:${app.server.address().port}` }))
} else {
  await main()
}

async function main() {
  const SCALE = argv.includes('--scale')
  const ROUNDS = Number(opt('rounds', SCALE ? 3 : 5))
  const SECONDS = Number(opt('seconds', 3))
  const RELEASES = Number(opt('releases', 100_000))
  const cli = new URL('../dist/bin.cjs', import.meta.url).pathname
  const self = new URL(import.meta.url).pathname
  const charts = new URL('../examples/charts', import.meta.url).pathname
  const dir = mkdtempSync(join(tmpdir(), 'cce-bench-'))
  // stableChartId('nginx-demo', '1.0.0') (UUID v5): preloaded charts keep this id everywhere.
  const NGINX = '01c9f6d9-5c1a-55f3-a3d3-118677c0d7bd'
  const headers = { 'x-auth-token': 'bench', 'content-type': 'application/json' }
  const procs = new Set()
  process.on('exit', () => { for (const p of procs) p.kill('SIGKILL') })

  const spawnServer = (args) => {
    const t0 = performance.now()
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    procs.add(proc)
    let out = ''
    return new Promise((resolve, reject) => {
      const onData = async (b) => {
        out += b
        const m = /"url":"(http:[^"]+)"/.exec(out)
        if (!m) return
        proc.stdout.off('data', onData)
        proc.stdout.resume()
        const res = await fetch(`${m[1]}${args.includes('--serve-node') ? '/' : args.includes('--serve-bare') ? '/health' : '/_emulator/health'}`)
        await res.text()
        if (res.status !== 200) return reject(new Error(`health answered ${res.status}`))
        resolve({ url: m[1], proc, readyMs: performance.now() - t0 })
      }
      proc.stdout.on('data', onData)
      proc.once('exit', (code) => reject(new Error(`exited ${code}`)))
    })
  }
  const stop = (proc, signal = 'SIGTERM') => new Promise((r) => { proc.once('exit', r); proc.kill(signal); procs.delete(proc) })
  const emulator = (db, extra = []) => spawnServer([cli, '--port', '0', '--db', db, '--charts', charts, ...extra])
  /**
   * An emulator whose URL is not read off its output (logging at warn, it writes no ready line;
   * logging to a file, no pipe is read): a free port is picked first and polled.
   */
  const polledEmulator = async (db, extra, stdout) => {
    const port = await new Promise((resolve) => { const srv = net.createServer().listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => resolve(p)) }) })
    const proc = spawn(process.execPath, [cli, '--port', String(port), '--db', db, '--charts', charts, ...extra], { stdio: ['ignore', stdout, 'ignore'] })
    procs.add(proc)
    const url = `http://127.0.0.1:${port}`
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/_emulator/health`)).status === 200) return { url, proc }
      } catch (err) {
        if (i > 200) throw err
      }
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  const quietEmulator = (db) => polledEmulator(db, ['--journal-size', '0', '--log-level', 'warn'], 'ignore')
  /** Defaults, its log written to a file as `> emulator.log` would: no process on these cores reads it. */
  const fileLoggingEmulator = (db) => polledEmulator(db, [], openSync(join(dir, 'emulator.log'), 'w'))
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
  const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024

  const lua = (name, text) => { const p = join(dir, name); writeFileSync(p, text); return p }
  const hdr = `wrk.headers["x-auth-token"] = "bench"\nwrk.headers["content-type"] = "application/json"\n`
  // Each create names a release never used before: a per-run prefix and a counter.
  const createLua = lua('create.lua', `${hdr}wrk.method = "POST"
local n = 0
local prefix = "x"
function init(args) prefix = args[1] end
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"name":"' .. prefix .. '-' .. n .. '","namespace":"load","version":"1.0.0","chart_id":"${NGINX}","values":{"replicaCount":1,"image":{"tag":"v1"}}}')
end
`)
  const randomLua = (file, pathOf) => lua(file, `${hdr}math.randomseed(os.time())
local base = ""
function init(args) base = args[1] end
request = function() return wrk.format(nil, base .. ${pathOf}) end
`)

  function wrk(url, { script, args = [], conns = 50, seconds = SECONDS } = {}) {
    const cmd = ['-t1', `-c${conns}`, `-d${seconds}s`, '--latency', '-H', 'x-auth-token: bench', ...(script ? ['-s', script] : []), url, ...(args.length ? ['--', ...args] : [])]
    return new Promise((resolve, reject) => {
      execFile('wrk', cmd, { encoding: 'utf8' }, (err, out) => {
        if (err) return reject(err)
        const ms = (s) => { const m = /([\d.]+)(us|ms|s)/.exec(s); return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : NaN }
        resolve({
          rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
          p99: ms(/99%\s+(\S+)/.exec(out)?.[1] ?? ''),
          errors: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)?.slice(1).reduce((a, b) => a + Number(b), 0) ?? 0),
        })
      })
    })
  }

  async function call(url, method = 'GET', body) {
    const res = await fetch(url, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) })
    const text = await res.text()
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 300)}`)
    return text
  }

  /** Loads n releases through the API, `inflight` requests at a time, over keep-alive. */
  async function load(base, n, nameOf, inflight = 32) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: inflight })
    let next = 0
    const one = (i) => new Promise((resolve, reject) => {
      const { name, namespace } = nameOf(i)
      const body = JSON.stringify({ name, namespace, version: '1.0.0', chart_id: NGINX, values: { replicaCount: i % 5, image: { tag: `v${i % 7}` } } })
      const req = http.request(`${base}`, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume()
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`create ${name}: ${res.statusCode}`))))
      })
      req.on('error', reject)
      req.end(body)
    })
    await Promise.all(Array.from({ length: inflight }, async () => { while (next < n) await one(next++) }))
    agent.destroy()
  }

  const rows = []
  const report = (label, emu, bare, target, note = '') => {
    const ratio = bare ? emu.rps / bare.rps : NaN
    rows.push({ label, emu, bare, ratio, target, note })
    const b = bare ? `bare ${Math.round(bare.rps)} req/s p99 ${bare.p99.toFixed(1)} ms → ${ratio.toFixed(2)}x` : ''
    console.log(`${label.padEnd(44)} ${String(Math.round(emu.rps)).padStart(6)} req/s p99 ${emu.p99.toFixed(1).padStart(6)} ms${emu.errors ? ` (${emu.errors} errors)` : ''}  ${b}  [target ${target}]${note ? ` ${note}` : ''}`)
  }
  const med = (runs) => ({ rps: median(runs.map((r) => r.rps)), p99: median(runs.map((r) => r.p99)), errors: runs.reduce((a, r) => a + r.errors, 0) })

  /** Start-up: spawn → first 200, medians of `n` alternating runs against a bare node http server. */
  async function startup(n, emuArgs) {
    const node = []
    const emu = []
    for (let i = 0; i < n; i++) {
      const b = await spawnServer([self, '--serve-node'])
      node.push(b.readyMs)
      await stop(b.proc)
      const e = await spawnServer(emuArgs(i))
      emu.push(e.readyMs)
      await stop(e.proc)
    }
    const e = median(emu)
    const b = median(node)
    console.log(`start-up to first answer (median of ${n})             emulator ${e.toFixed(0)} ms, bare node http ${b.toFixed(0)} ms → ${(e / b).toFixed(2)}x  [target < 1.5x]`)
  }

  console.log(`bench: wrk -t1 -c50 -d${SECONDS}s per run, ${ROUNDS} interleaved rounds (bare Fastify 5, emulator), medians; ${new Date().toISOString()}`)
  if (!SCALE) {
    await startup(15, (i) => [cli, '--port', '0', '--db', join(dir, `start-${i}.db`)])
    const s = await emulator(join(dir, 'load.db'))
    const base = `${s.url}/cce/cam/v3/clusters/bench/releases`
    const item = (name) => `${s.url}/cce/cam/v3/clusters/bench/namespace/default/releases/${name}`
    await load(base, 50, (i) => ({ name: `app-${i}`, namespace: 'default' }), 4)
    // app-7 gets a history of 5 revisions.
    for (let v = 0; v < 4; v++) await call(item('app-7'), 'PUT', { action: 'upgrade', chart_id: NGINX, values: { replicaCount: v } })
    await call(`${base}?namespace=default`)
    const cases = [
      ['show', item('app-7'), '≥ 0.6x'],
      ['list, 50 releases', `${base}?namespace=default`, '≥ 0.5x'],
      ['history (5 revisions)', `${item('app-7')}/history`, '≥ 0.4x'],
      ['show_resources', `${item('app-7')}?show_resources=true`, '≥ 0.4x'],
    ]
    const bodies = {}
    for (const [label, url] of cases) bodies[label] = await call(url)
    bodies.create = await call(base, 'POST', { name: 'probe', namespace: 'probe', version: '1.0.0', chart_id: NGINX, values: { replicaCount: 1, image: { tag: 'v1' } } })
    for (const [label, body] of Object.entries(bodies)) console.log(`  ${label}: ${Buffer.byteLength(body)} bytes`)
    writeFileSync(join(dir, 'bodies.json'), JSON.stringify(Object.fromEntries(Object.entries(bodies).map(([k, v]) => [k.replace(/\W+/g, '_'), v]))))
    const bare = await spawnServer([self, '--serve-bare', join(dir, 'bodies.json')])
    /** app-7 of a second emulator, with the same 50 releases and history as the first's. */
    const showOn = async (server) => {
      const at = `${server.url}/cce/cam/v3/clusters/bench/namespace/default/releases/app-7`
      await load(`${server.url}/cce/cam/v3/clusters/bench/releases`, 50, (i) => ({ name: `app-${i}`, namespace: 'default' }), 4)
      for (let v = 0; v < 4; v++) await call(at, 'PUT', { action: 'upgrade', chart_id: NGINX, values: { replicaCount: v } })
      await call(at)
      return at
    }
    // The same show on an emulator without the request journal and the access line: what those
    // two cost on the read path (the README's figure for them).
    const quiet = await quietEmulator(join(dir, 'quiet.db'))
    const quietItem = await showOn(quiet)
    // And on one with every default whose log goes to a file: the piped runs above pay for this
    // process reading ~6 MB/s of access lines on the same two cores.
    const filed = await fileLoggingEmulator(join(dir, 'filed.db'))
    const filedItem = await showOn(filed)
    const runs = new Map()
    const add = (k, r) => runs.set(k, [...(runs.get(k) ?? []), r])
    for (let round = 0; round < ROUNDS; round++) {
      add('show, quiet', await wrk(quietItem))
      add('show, log to a file', await wrk(filedItem))
      for (const [label, url] of cases) {
        add(`bare ${label}`, await wrk(`${bare.url}/b/${label.replace(/\W+/g, '_')}`))
        add(label, await wrk(url))
      }
      add('bare create', await wrk(`${bare.url}/create`, { script: createLua, args: [`b${round}`] }))
      add('create', await wrk(base, { script: createLua, args: [`c${round}`] }))
      // Reads next to a full create load: both at 50 connections, at once.
      const [mixed] = await Promise.all([wrk(item('app-7')), wrk(base, { script: createLua, args: [`m${round}`] })])
      add('show next to creates', mixed)
    }
    for (const [label, , target] of cases) report(label, med(runs.get(label)), med(runs.get(`bare ${label}`)), target)
    report('  show, --journal-size 0 --log-level warn', med(runs.get('show, quiet')), med(runs.get('bare show')), '(what the journal and access line cost)')
    report('  show, defaults, its log to a file', med(runs.get('show, log to a file')), med(runs.get('bare show')), '(what reading its log through a pipe costs)')
    report('create (file db, durable)', med(runs.get('create')), med(runs.get('bare create')), '≥ 5000/s, p99 < 50 ms')
    const alone = med(runs.get('show'))
    const mixed = med(runs.get('show next to creates'))
    report('show next to a full create load', mixed, null, '≥ 0.5x show alone', `→ ${(mixed.rps / alone.rps).toFixed(2)}x show alone`)
    await stop(bare.proc)
    await stop(quiet.proc)
    await stop(filed.proc)
    await stop(s.proc)
  } else {
    const db = join(dir, 'scale.db')
    let s = await emulator(db)
    const rss0 = rss(s.proc.pid)
    const base = `${s.url}/cce/cam/v3/clusters/bench/releases`
    const NS = Math.max(1, Math.floor(RELEASES / 100))
    const t0 = performance.now()
    await load(base, RELEASES, (i) => ({ name: `r-${i}`, namespace: `ns-${i % NS}` }))
    const loadS = (performance.now() - t0) / 1000
    console.log(`loaded ${RELEASES} releases through the API in ${loadS.toFixed(1)} s (${Math.round(RELEASES / loadS)}/s, 32 in flight); RSS ${rss0.toFixed(0)} MB at start, ${rss(s.proc.pid).toFixed(0)} MB loaded`)
    // Settles the installs (fast profile: due at once), so later reads are reads.
    await call(`${base}?namespace=ns-0`)
    const item = (ns, name) => `${s.url}/cce/cam/v3/clusters/bench/namespace/${ns}/releases/${name}`
    const bodies = { list100: await call(`${base}?namespace=ns-1`), show: await call(item('ns-7', 'r-7')) }
    writeFileSync(join(dir, 'bodies.json'), JSON.stringify(bodies))
    const bare = await spawnServer([self, '--serve-bare', join(dir, 'bodies.json')])
    const listLua = randomLua('list.lua', `"?namespace=ns-" .. math.random(0, ${NS - 1})`)
    const showLua = randomLua('show.lua', `(function() local i = math.random(0, ${RELEASES - 1}); return "/namespace/ns-" .. (i % ${NS}) .. "/releases/r-" .. i end)()`)
    // The scripts get a path, not a URL: wrk sends what request() returns as the request target,
    // and an absolute-form target (http://host/...) made every random request parse a URL that
    // the hot show and the bare server never did.
    const pathOf = (url) => new URL(url).pathname
    const runs = new Map()
    const add = (k, r) => runs.set(k, [...(runs.get(k) ?? []), r])
    for (let round = 0; round < ROUNDS; round++) {
      add('bare list', await wrk(`${bare.url}/b/list100`))
      add('list', await wrk(base, { script: listLua, args: [pathOf(base)] }))
      // The same, with a writer upgrading a release of a random listed namespace every 20 ms.
      let writing = true
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          const n = Math.floor(Math.random() * RELEASES)
          await call(item(`ns-${n % NS}`, `r-${n}`), 'PUT', { action: 'upgrade', chart_id: NGINX, values: { replicaCount: i } }).catch(() => {})
          await new Promise((r) => setTimeout(r, 20))
        }
      })()
      add('list after writes', await wrk(base, { script: listLua, args: [pathOf(base)] }))
      writing = false
      await writer
      add('bare show', await wrk(`${bare.url}/b/show`))
      add('hot show', await wrk(item('ns-7', 'r-7')))
      add('random show', await wrk(`${s.url}/cce/cam/v3/clusters/bench`, { script: showLua, args: ['/cce/cam/v3/clusters/bench'] }))
    }
    report('list of 100 (random namespace)', med(runs.get('list')), med(runs.get('bare list')), 'p99 < 5 ms')
    report('  … while a writer upgrades every 20 ms', med(runs.get('list after writes')), med(runs.get('bare list')), 'p99 < 5 ms')
    const hot = med(runs.get('hot show'))
    report('hot show', hot, med(runs.get('bare show')), '')
    const random = med(runs.get('random show'))
    report('random show', random, med(runs.get('bare show')), '≥ 0.8x hot', `→ ${(random.rps / hot.rps).toFixed(2)}x hot`)

    // One client reads the unfiltered list (all releases) three times while others show.
    let peak = rss(s.proc.pid)
    const sampler = setInterval(() => { peak = Math.max(peak, rss(s.proc.pid)) }, 50)
    const showDuring = wrk(item('ns-7', 'r-7'), { seconds: 8 })
    let bytes = 0
    const tl = performance.now()
    for (let i = 0; i < 3; i++) bytes = Buffer.byteLength(await call(base))
    const listMs = (performance.now() - tl) / 3
    const during = await showDuring
    clearInterval(sampler)
    console.log(`unfiltered list (${(bytes / 1e6).toFixed(1)} MB, ${listMs.toFixed(0)} ms each) ×3 next to show at c50: show p99 ${during.p99.toFixed(1)} ms [target < 50 ms], ${Math.round(during.rps)} req/s; RSS peak ${peak.toFixed(0)} MB [target < 300 MB]`)
    const before = rss(s.proc.pid)
    await call(`${s.url}/_emulator/reset`, 'POST', {})
    await new Promise((r) => setTimeout(r, 1000))
    console.log(`RSS: start ${rss0.toFixed(0)} MB, after the big lists ${before.toFixed(0)} MB, after a full reset ${rss(s.proc.pid).toFixed(0)} MB`)
    await stop(bare.proc)
    await stop(s.proc)
    // Start-up on the loaded file: a second copy, since the reset above emptied the first.
    s = await emulator(join(dir, 'scale2.db'))
    await load(`${s.url}/cce/cam/v3/clusters/bench/releases`, RELEASES, (i) => ({ name: `r-${i}`, namespace: `ns-${i % NS}` }))
    await stop(s.proc)
    await startup(7, () => [cli, '--port', '0', '--db', join(dir, 'scale2.db')])
  }
  rmSync(dir, { recursive: true, force: true })
}
