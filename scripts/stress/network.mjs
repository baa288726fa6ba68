// The HTTP edge: slow clients holding connections, and bodies over the limits.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { call, chartUpload, MiB, releasesUrl, sleep, watched } from './lib.mjs'

const run = promisify(execFile)
const SLOW = 1000
const DRIP_MS = 15_000

export const slowloris = {
  name: 'slowloris',
  about: `${SLOW} connections sending a request's headers one short line every 250 ms for ${DRIP_MS / 1000} s, while other clients call`,
  run: () =>
    watched('slowloris', [], async ({ url }, checks) => {
      const { hostname, port } = new URL(url)
      let refused = 0
      let closedByServer = 0
      const sockets = []
      for (let i = 0; i < SLOW; i++) {
        const s = connect({ host: hostname, port: Number(port) })
        s.on('error', (e) => { if (e.code === 'ECONNREFUSED') refused++ })
        s.on('connect', () => s.write(`GET /_emulator/health HTTP/1.1\r\nHost: ${hostname}\r\n`))
        s.on('close', () => { if (!s.stopping) closedByServer++ })
        sockets.push(s)
        if (i % 100 === 99) await sleep(10)
      }
      const drip = setInterval(() => { for (const s of sockets) if (!s.destroyed) s.write(`X-Drip-${Math.random().toString(36).slice(2, 6)}: x\r\n`) }, 250)
      // Ordinary clients, each on a new connection, during the drip.
      const answers = []
      const t0 = performance.now()
      while (performance.now() - t0 < DRIP_MS) {
        const r = await call('GET', releasesUrl(url)).catch((e) => ({ status: e.cause?.code ?? e.message }))
        answers.push(r.status)
        await sleep(100)
      }
      clearInterval(drip)
      const open = sockets.filter((s) => !s.destroyed).length
      for (const s of sockets) { s.stopping = true; s.destroy() }
      checks.add('every ordinary request during the drip answered 200', answers.every((s) => s === 200), [...new Set(answers)].join(','))
      return `${answers.length} ordinary requests answered; slow connections still open at the end: ${open}/${SLOW} (closed by the server: ${closedByServer}, refused: ${refused})`
    }),
}

const PY_POST = `
import sys, requests
url, path, ctype = sys.argv[1], sys.argv[2], sys.argv[3]
with open(path, 'rb') as f:
    data = f.read()
try:
    r = requests.post(url, data=data, headers={'X-Auth-Token': 'stress', 'Content-Type': ctype}, timeout=60)
    print(r.status_code)
    print(r.text)
except Exception as e:
    print('error')
    print(type(e).__name__, e)
`

/** Posts `file` with each real client; answers {client: {status, body}}. */
async function postWithClients(target, file, contentType) {
  const out = {}
  try {
    const { readFileSync } = await import('node:fs')
    const res = await fetch(target, { method: 'POST', headers: { 'x-auth-token': 'stress', 'content-type': contentType }, body: readFileSync(file) })
    out.fetch = { status: res.status, body: await res.text() }
  } catch (e) {
    out.fetch = { status: 'error', body: `${e.message} ${e.cause?.code ?? ''}` }
  }
  try {
    const { stdout } = await run('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', '-H', 'X-Auth-Token: stress', '-H', `Content-Type: ${contentType}`, '--data-binary', `@${file}`, target], { maxBuffer: 16 * MiB })
    const lines = stdout.trimEnd().split('\n')
    out.curl = { status: Number(lines.pop()), body: lines.join('\n') }
  } catch (e) {
    out.curl = { status: 'error', body: `${e.stderr ?? e.message}`.trim() }
  }
  try {
    const { stdout } = await run('python3', ['-c', PY_POST, target, file, contentType], { maxBuffer: 16 * MiB })
    const [first, ...rest] = stdout.trimEnd().split('\n')
    out.requests = { status: first === 'error' ? 'error' : Number(first), body: rest.join('\n') }
  } catch (e) {
    out.requests = { status: 'error', body: `${e.stderr ?? e.message}`.trim() }
  }
  return out
}

export const bodyLimit = {
  name: 'bodies-over-limit',
  about: 'JSON bodies of 1 MiB + 1 KiB, 8 MiB and 64 MiB, and chart uploads over --chart-max-bytes (2 MiB) and 40 MiB, each from Node fetch, curl and Python requests: a 413 in the CCE format, never a reset',
  run: () =>
    watched('bodies', ['--chart-max-bytes', String(2 * MiB)], async ({ url }, checks, dir) => {
      const summary = []
      for (const size of [MiB + 1024, 8 * MiB, 64 * MiB]) {
        const file = join(dir, `body-${size}.json`)
        writeFileSync(file, JSON.stringify({ name: 'big', namespace: 'default', version: '1.0.0', chart_id: 'x', values: { pad: 'x'.repeat(size) } }))
        const answers = await postWithClients(releasesUrl(url), file, 'application/json')
        for (const [client, a] of Object.entries(answers)) {
          const good = a.status === 413 && /"error_code"/.test(a.body)
          checks.add(`${(size / MiB).toFixed(0)} MiB JSON via ${client}: 413 with a CCE error body`, good, `${a.status} ${a.body.slice(0, 160)}`)
          summary.push(`${client}:${a.status}`)
        }
      }
      for (const size of [2 * MiB + 64 * 1024, 40 * MiB]) {
        const file = join(dir, `upload-${size}.bin`)
        const { body, headers } = chartUpload(Buffer.alloc(size, 1))
        writeFileSync(file, body)
        const answers = await postWithClients(`${url}/v2/charts`, file, headers['content-type'])
        for (const [client, a] of Object.entries(answers)) {
          const good = a.status === 413 && /"error_code"/.test(a.body)
          checks.add(`${(size / MiB).toFixed(0)} MiB chart upload via ${client}: 413 with a CCE error body`, good, `${a.status} ${a.body.slice(0, 160)}`)
          summary.push(`${client}:${a.status}`)
        }
      }
      const after = await call('GET', releasesUrl(url))
      checks.add('server answers normally afterwards', after.status === 200)
      const tally = {}
      for (const entry of summary) tally[entry] = (tally[entry] ?? 0) + 1
      return `answers per client: ${Object.entries(tally).map(([k, n]) => `${k} ×${n}`).join(', ')}`
    }),
}
