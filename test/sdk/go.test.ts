/**
 * The same release lifecycle through the official Go SDK (huaweicloud-sdk-go-v3 v0.1.188, pinned
 * in go/go.mod), whose decoder is the strictest about field types: a string where it wants an int
 * or an object where it wants a string fails the call. Against the real CLI with `--auth verify`.
 *
 * The module cache, build cache and driver binary live under <repo>/.cache/go (git-ignored). The
 * first run downloads ~45 MB of modules from the Go proxy and compiles the SDK (about a minute on
 * two cores); later runs reuse both. Without `go` the suite is skipped with a message, except
 * under CI=true where it fails.
 */
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCli, type RunningCli } from './emulator.js'
import { CHART, CLUSTER, EXAMPLE_CHARTS, PROJECT, REQUEST_ID, RFC3339, expectReleaseShape } from './fixtures.js'
import { GO_CACHE, findGo, goEnv } from './go-env.js'
import { REPO_ROOT } from './venv.js'

const AK = 'HPUAGOCONFORMANCE001'
const SK = 'goConformanceSecretKey000000000000000000'
const DRIVER_SRC = join(REPO_ROOT, 'test', 'sdk', 'go')
const DRIVER_BIN = join(GO_CACHE, 'bin', process.platform === 'win32' ? 'cce-go-driver.exe' : 'cce-go-driver')

interface Result {
  code: number
  stdout: string
  stderr: string
}

function run(cmd: string, args: string[], opts: { cwd?: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(err)
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
    })
  })
}

const goVersion = await findGo()
if (!goVersion) {
  if (process.env.CI === 'true') throw new Error('go not found, and CI=true requires the Go SDK conformance tier')
  process.stderr.write('Go SDK conformance suite skipped: go not found (install Go ≥ 1.21 to run it)\n')
}

interface Line {
  step: string
  ok: boolean
  status_code?: number
  body?: Record<string, unknown>
  exception?: string
  error_code?: string
  error_msg?: string
  request_id?: string
  bytes?: number
  sha256?: string
  uploaded_bytes?: number
  uploaded_sha256?: string
}

function parseLines(r: Result): { lines: Line[]; by(step: string): Line } {
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line)
  return {
    lines,
    by(step) {
      const found = lines.find((l) => l.step === step)
      if (!found) throw new Error(`no "${step}" line (exit ${r.code}):\n${r.stdout}\n${r.stderr}`)
      return found
    },
  }
}

/** ChartResp as decoded into the Go SDK's *string/*bool fields and re-read as JSON. */
function expectChartShape(c: unknown, where: string): void {
  expect(c, where).toMatchObject({
    id: expect.any(String),
    name: 'redis-lite',
    values: expect.any(String),
    version: '0.3.0',
    public: false,
    chart_url: 'redis-lite-0.3.0.tgz',
    create_at: expect.stringMatching(RFC3339),
    update_at: expect.stringMatching(RFC3339),
  })
}


describe.skipIf(goVersion === undefined)('official Go SDK (huaweicloud-sdk-go-v3 v0.1.188) against the CLI in verify mode', () => {
  let emulator: RunningCli
  // The chart steps upload redis-lite to an instance with nothing preloaded (a new chart, quota from 0).
  let chartEmulator: RunningCli
  let chartPath = ''
  let home = ''

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'go-sdk-home-'))
    chartPath = join(home, 'redis-lite-0.3.0.tgz')
    await copyFile(join(EXAMPLE_CHARTS, 'redis-lite-0.3.0.tgz'), chartPath)
    await mkdir(join(GO_CACHE, 'bin'), { recursive: true })
    const started = Date.now()
    const [build, cli, chartCli] = await Promise.all([
      run('go', ['build', '-o', DRIVER_BIN, '.'], { cwd: DRIVER_SRC, env: goEnv(home), timeoutMs: 10 * 60_000 }),
      startCli(['--auth', 'verify', '--credentials', `${AK}:${SK}:${PROJECT}`, '--project-id', PROJECT, '--charts', EXAMPLE_CHARTS]),
      startCli(['--auth', 'verify', '--credentials', `${AK}:${SK}:${PROJECT}`, '--project-id', PROJECT]),
    ])
    emulator = cli
    chartEmulator = chartCli
    if (build.code !== 0) throw new Error(`go build of the SDK driver failed (exit ${build.code}):\n${build.stderr}`)
    process.stderr.write(`go driver built with ${goVersion} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  }, 10 * 60_000)

  afterAll(async () => {
    await Promise.all([emulator?.stop(), chartEmulator?.stop()])
    if (home) await rm(home, { recursive: true, force: true })
  })

  it.each(['cce', 'autopilot'])('%s: create → poll → list (filters) → show → upgrade → rollback → history → delete → 404, and 404/401 errors', async (flavor) => {
    const r = await run(DRIVER_BIN, [], {
      env: {
        ...process.env,
        HOME: home,
        EMU_ENDPOINT: emulator.url,
        EMU_AK: AK,
        EMU_SK: SK,
        EMU_PROJECT_ID: PROJECT,
        EMU_CLUSTER_ID: CLUSTER,
        EMU_CHART_ID: CHART,
        EMU_FLAVOR: flavor,
        EMU_POLL_TIMEOUT: '15',
      },
      timeoutMs: 90_000,
    })
    const { lines, by } = parseLines(r)
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)

    const expectedFailures = new Set(['show-missing', 'list-wrong-secret'])
    for (const line of lines) expect(line.ok, JSON.stringify(line)).toBe(!expectedFailures.has(line.step))

    expect(by('create').status_code).toBe(201)
    expectReleaseShape(by('create').body, 'create')
    expect(by('create').body).toMatchObject({ name: `go-${flavor}`, chart_name: 'nginx-demo', version: 1 })
    for (const step of ['wait-deployed-after-create', 'wait-deployed-after-upgrade', 'wait-deployed-after-rollback']) {
      expect(by(step).body?.status, step).toBe('DEPLOYED')
    }
    for (const step of ['list', 'list-by-chart', 'list-by-namespace']) {
      const listed = (by(step).body?.body ?? []) as unknown[]
      expect(listed.map((x) => (x as { name: string }).name), step).toEqual([`go-${flavor}`])
      listed.forEach((x, i) => expectReleaseShape(x, `${step}[${i}]`))
    }
    // An empty result decodes (a bare `[]`; an empty body would be a decode error in Go).
    expect(by('list-by-other-namespace').body?.body ?? []).toEqual([])
    expectReleaseShape(by('show').body, 'show')
    expect(JSON.parse(by('wait-deployed-after-upgrade').body!.values as string)).toMatchObject({ imageTag: 'v3' })
    // The rollback was sent with "values": null (Go's required pointer), and restored revision 1.
    expect(by('rollback').body).toMatchObject({ version: 3 })
    expect(JSON.parse(by('wait-deployed-after-rollback').body!.values as string)).toMatchObject({ imageTag: 'v2', imagePullPolicy: 'IfNotPresent' })

    const history = (by('history').body?.body ?? []) as Array<{ version: number; status: string }>
    expect(history.map((x) => x.version), 'history is oldest first').toEqual([1, 2, 3])
    expect(history.map((x) => x.status)).toEqual(['SUPERSEDED', 'SUPERSEDED', 'DEPLOYED'])

    const deleted = by('delete')
    expect(deleted.status_code).toBe(200)
    if (flavor === 'autopilot') {
      // DeleteAutopilotReleaseResponse.Body is *string in the Go SDK: it holds the raw JSON text.
      expect(JSON.parse(deleted.body?.body as string)).toMatchObject({ name: 'go-autopilot' })
    } else {
      expectReleaseShape(deleted.body, 'delete')
    }

    for (const [step, status, code] of [
      ['wait-deleted', 404, 'CCE.01404001'],
      ['show-missing', 404, 'CCE.01404001'],
      ['list-wrong-secret', 401, 'APIGW.0301'],
    ] as const) {
      const line = by(step)
      expect(line, step).toMatchObject({ exception: 'ServiceResponseError', status_code: status, error_code: code })
      expect(line.request_id, step).toMatch(REQUEST_ID)
      expect(line.error_msg, step).toEqual(expect.any(String))
    }
    expect(by('list-wrong-secret').error_msg).toBe('Incorrect IAM authentication information: verify aksk signature fail')
  })

  it.each(['cce', 'autopilot'])('%s charts: upload (multipart FilePart) → list → show → values → quota → download (same bytes) → update → delete → 404', async (flavor) => {
    const r = await run(DRIVER_BIN, ['chart'], {
      env: {
        ...process.env,
        HOME: home,
        EMU_ENDPOINT: chartEmulator.url,
        EMU_AK: AK,
        EMU_SK: SK,
        EMU_PROJECT_ID: PROJECT,
        EMU_CHART_PATH: chartPath,
        EMU_FLAVOR: flavor,
      },
      timeoutMs: 90_000,
    })
    const { lines, by } = parseLines(r)
    expect(r.code, `${r.stdout}\n${r.stderr}\n${chartEmulator.output()}`).toBe(0)
    for (const line of lines) expect(line.ok, JSON.stringify(line)).toBe(line.step !== 'show-deleted')

    const upload = by('upload')
    expect(upload.status_code).toBe(201)
    expectChartShape(upload.body, 'upload')
    expect(upload.body).toMatchObject({ source: 'package' })
    const id = upload.body!.id as string
    const listed = (by('list').body?.body ?? []) as unknown[]
    expect(listed.map((c) => (c as { id: string }).id)).toEqual([id])
    listed.forEach((c, i) => expectChartShape(c, `list[${i}]`))
    expect(by('show').body).toEqual(upload.body)
    // ChartValueValues only has `basic`; the chart's other top-level keys are dropped by the decoder.
    expect(by('values')).toMatchObject({ status_code: 200, body: { values: {} } })
    expect(by('quota').body).toEqual({ quotas: { resources: [{ type: 'Charts', quota: 200, used: 1 }] } })

    const download = by('download')
    expect(download.status_code).toBe(200)
    expect(download.sha256, 'downloaded bytes are the uploaded package').toBe(download.uploaded_sha256)
    expect(download.bytes).toBe(download.uploaded_bytes)

    expect(by('update')).toMatchObject({ status_code: 200, body: { id } })
    const deleted = by('delete')
    expect(deleted.status_code).toBe(200)
    if (flavor === 'autopilot') {
      // DeleteAutopilotChartResponse.Body is *string: the raw JSON text.
      expectChartShape(JSON.parse(deleted.body?.body as string), 'delete')
    } else {
      expectChartShape(deleted.body, 'delete')
    }
    const gone = by('show-deleted')
    expect(gone).toMatchObject({ exception: 'ServiceResponseError', status_code: 404, error_code: 'CCE.01404001' })
    expect(gone.request_id).toMatch(REQUEST_ID)
  })
})
