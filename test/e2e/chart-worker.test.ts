/**
 * Chart packages are read in a worker thread (src/charts/worker-reader.ts), in both builds: the
 * CLI bundle (dist/chart-worker.bundle.cjs) and the library (dist/charts/package-worker.js).
 * Issue 9, item 3: a 20k-key values.yaml kept the YAML parser busy for seconds on the main
 * thread, and no other request was answered meanwhile.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'node:http'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCli, type RunningCli } from '../helpers/cli.js'
import { chartUpload } from '../helpers/multipart.js'
import { buildTgz, chartEntries } from '../helpers/tgz.js'

const EXAMPLES = fileURLToPath(new URL('../../examples/charts', import.meta.url))
const LIBRARY = pathToFileURL(fileURLToPath(new URL('../../dist/index.js', import.meta.url))).href
const READER = pathToFileURL(fileURLToPath(new URL('../../dist/charts/worker-reader.js', import.meta.url))).href
const AUTH = { 'x-auth-token': 'e2e', 'x-project-id': 'worker' }

const form = (pkg: Buffer) => {
  const fd = new FormData()
  fd.append('content', new Blob([new Uint8Array(pkg)], { type: 'application/octet-stream' }), 'demo-1.0.0.tgz')
  return fd
}

/** 252 KiB, under the 256 KiB values.yaml limit. */
const twentyThousandKeys = Array.from({ length: 20_000 }, (_, i) => `k${i}: ${i}`).join('\n') + '\n'

describe('chart packages are read off the main thread (CLI bundle)', () => {
  let cli: RunningCli
  beforeAll(async () => {
    cli = await startCli(['--port', '0', '--db', ':memory:'])
  })
  afterAll(async () => {
    await cli?.stop('SIGKILL')
  })

  /** POSTs a package; `sent` resolves once the whole body is handed to the socket. */
  function uploadWithProgress(pkg: Buffer): { sent: Promise<void>; answer: Promise<{ status: number; body: string }> } {
    const { payload, headers } = chartUpload(pkg)
    let sent!: () => void
    const sentPromise = new Promise<void>((resolve) => (sent = resolve))
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${cli.url}/v2/charts`, { method: 'POST', headers: { ...AUTH, ...headers, 'content-length': payload.length } }, (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      req.on('error', reject)
      req.end(payload, () => sent())
    })
    return { sent: sentPromise, answer }
  }

  it('answers health probes while it reads a package whose values.yaml has 20k keys', async () => {
    const pkg = await buildTgz(chartEntries({ valuesYaml: twentyThousandKeys }))
    let uploadAnswered = false
    let probes = 0
    const upload = uploadWithProgress(pkg)
    // One probe at a time, from the moment the server has the whole package until it answers.
    // The old code parsed on the event loop, blocked for 4.5-19 s: 0-2 probes got through
    // (5 when counting from before the body was sent). In a worker, reading takes 0.3-4 s here
    // and a few hundred probes complete; 20 leaves a wide margin either way, without timing.
    await upload.sent
    const probing = (async () => {
      while (!uploadAnswered) {
        const health = await fetch(`${cli.url}/_emulator/health`)
        await health.arrayBuffer()
        if (!uploadAnswered && health.status === 200) probes += 1
      }
    })()
    const res = await upload.answer
    uploadAnswered = true
    await probing
    expect(res.status).toBe(201)
    const body = JSON.parse(res.body) as { id: string; values: string }
    expect(Object.keys(JSON.parse(body.values) as object)).toHaveLength(20_000)
    expect(probes).toBeGreaterThanOrEqual(20)

    const values = await fetch(`${cli.url}/v2/charts/${body.id}/values`, { headers: AUTH })
    expect(((await values.json()) as { values: Record<string, number> }).values.k19999).toBe(19_999)
  }, 60_000)

  it('turns a refusal inside the worker into the same CCE 400', async () => {
    const pkg = await buildTgz(chartEntries({ valuesYaml: 'a: 1\nb: 2\na: 3\n' }))
    const res = await fetch(`${cli.url}/v2/charts`, { method: 'POST', headers: AUTH, body: form(pkg) })
    expect(res.status).toBe(400)
    const message = 'Invalid request: content: values.yaml is not valid YAML: Map keys must be unique at line 3, column 1:'
    expect(await res.json()).toEqual({ error_code: 'CCE.01400001', error_msg: message, errorCode: 'CCE.01400001', errorMessage: message })
  })
})

/** Threads of this process (Linux): a worker thread is one of them. */
const threads = (): number => readdirSync('/proc/self/task').length

describe('chart packages are read off the main thread (library build)', () => {
  it('starts a reader thread only to read charts and stops it on close()', async () => {
    const { startEmulator } = (await import(LIBRARY)) as typeof import('../../src/index.js')
    const plain = await startEmulator()
    const idle = threads()
    await plain.close()

    const emulators = await Promise.all(Array.from({ length: 4 }, () => startEmulator({ config: { charts: EXAMPLES } })))
    expect(threads()).toBeGreaterThanOrEqual(idle + 4)
    const listed = await fetch(`${emulators[0]!.url}/v2/charts`, { headers: { 'x-auth-token': 't' } })
    expect(((await listed.json()) as unknown[]).length).toBeGreaterThan(0)
    await Promise.all(emulators.map((e) => e.close()))
    expect(threads()).toBeLessThanOrEqual(idle)
  }, 60_000)
})

describe('the reader thread', () => {
  it('fails the reads of a thread that dies, starts another for the next read, and refuses reads once closed', async () => {
    const { WorkerChartReader } = (await import(READER)) as typeof import('../../src/charts/worker-reader.js')
    const { DEFAULT_CHART_LIMITS } = await import('../../src/charts/chart-package.js')
    const dir = mkdtempSync(join(tmpdir(), 'cce-reader-'))
    try {
      const script = join(dir, 'dies.mjs')
      writeFileSync(script, "import { parentPort } from 'node:worker_threads'\nparentPort.once('message', () => process.exit(3))\n")
      const reader = new WorkerChartReader(pathToFileURL(script))
      await expect(reader.read(Buffer.from('x'), DEFAULT_CHART_LIMITS)).rejects.toThrow(/chart reader thread exited with code 3/)
      expect(reader.running).toBe(false)
      await expect(reader.read(Buffer.from('y'), DEFAULT_CHART_LIMITS)).rejects.toThrow(/exited with code 3/)
      await reader.close()
      await expect(reader.read(Buffer.from('z'), DEFAULT_CHART_LIMITS)).rejects.toThrow(/closed/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
