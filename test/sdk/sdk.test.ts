/**
 * SDK conformance tier: the official Huawei Cloud Python SDK (huaweicloudsdkcce, pinned in
 * requirements.txt) against the real CLI with `--auth verify`, so every call below was signed by
 * the SDK and verified by the emulator. Driven by cce_ops.py; see README.md in this folder.
 *
 * Without python3 the suite is skipped with a message, except under CI=true where it fails.
 */
import { execFile } from 'node:child_process'
import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCli, type RunningCli } from './emulator.js'
import { CHART, CLUSTER, EXAMPLE_CHARTS, PROJECT, REQUEST_ID, RFC3339, UUID, expectReleaseShape } from './fixtures.js'
import { ensureSdkVenv, isolatedEnv, REPO_ROOT } from './venv.js'

const AK = 'HPUASDKCONFORMANCE01'
const SK = 'sdkConformanceSecretKey00000000000000000'
const OTHER_PROJECT = 'fedcba9876543210fedcba9876543210'
// The chart scenarios upload redis-lite 0.3.0 to an instance that holds no charts (a temp copy:
// the SDK sends only the file's base name).
const UPLOAD_CHART = join(EXAMPLE_CHARTS, 'redis-lite-0.3.0.tgz')
const DRIVER = join(REPO_ROOT, 'test', 'sdk', 'cce_ops.py')
const FLAVORS = ['cce', 'autopilot'] as const

const started = Date.now()
const venv = await ensureSdkVenv()
const skip = 'skip' in venv ? venv.skip : undefined
if (skip) process.stderr.write(`SDK conformance suite skipped: ${skip} (install Python 3 to run it; under CI=true this fails instead)\n`)
else process.stderr.write(`sdk venv ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
const python = 'python' in venv ? venv.python : ''

interface Line {
  step: string
  ok: boolean
  status_code?: number
  body?: Record<string, unknown> & { body?: unknown }
  raw?: unknown
  exception?: string
  error_code?: string
  error_msg?: string
  request_id?: string
  polls?: number
  // download steps
  bytes?: number
  sha256?: string
  uploaded_bytes?: number
  uploaded_sha256?: string
  content_type?: string
  content_disposition?: string
}

interface Run {
  code: number
  lines: Line[]
  stderr: string
  byStep(step: string): Line
}

let home = ''

function runDriver(scenario: string, url: string, extra: Record<string, string> = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...isolatedEnv(home),
    EMU_ENDPOINT: url,
    EMU_AK: AK,
    EMU_SK: SK,
    EMU_PROJECT_ID: PROJECT,
    EMU_CLUSTER_ID: CLUSTER,
    EMU_CHART_ID: CHART,
    EMU_POLL_TIMEOUT: '15',
    ...extra,
  }
  // The SDK reads these from the environment; the driver passes everything explicitly.
  for (const key of Object.keys(env)) if (key.startsWith('HUAWEICLOUD_SDK_')) delete env[key]
  return new Promise((resolve, reject) => {
    execFile(python, [DRIVER, scenario], { env, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err)
      const lines = stdout
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Line)
      const code = err ? (err.code as number) : 0
      resolve({
        code,
        lines,
        stderr,
        byStep(step) {
          const found = lines.find((l) => l.step === step)
          if (!found) throw new Error(`no "${step}" line in ${scenario} (exit ${code}):\n${stdout}\n${stderr}`)
          return found
        },
      })
    })
  })
}


/** ChartResp as the SDK models type it (spec §2.1): every field a string except `public`. */
function expectChartShape(c: unknown, where: string): void {
  expect(c, where).toMatchObject({
    id: expect.stringMatching(UUID),
    name: expect.any(String),
    values: expect.any(String),
    translate: expect.any(String),
    instruction: expect.any(String),
    version: expect.any(String),
    description: expect.any(String),
    source: expect.any(String),
    icon_url: expect.any(String),
    public: false,
    chart_url: expect.any(String),
    create_at: expect.stringMatching(RFC3339),
    update_at: expect.stringMatching(RFC3339),
  })
  expect(() => JSON.parse((c as { values: string }).values), `${where}: values is a JSON document in a string`).not.toThrow()
}

function expectSdkError(line: Line, status: number, code: string, msg?: RegExp): void {
  expect(line, JSON.stringify(line)).toMatchObject({ ok: false, exception: 'ClientRequestException', status_code: status, error_code: code })
  expect(line.request_id, 'request_id from X-Request-Id').toMatch(REQUEST_ID)
  if (msg) expect(line.error_msg).toMatch(msg)
}

const bodyList = (line: Line): Array<Record<string, unknown>> => (line.body?.body ?? []) as Array<Record<string, unknown>>

describe.skipIf(skip !== undefined)('official Python SDK (huaweicloudsdkcce 3.1.211) against the CLI in verify mode', () => {
  let fast: RunningCli
  let manual: RunningCli
  let charts: RunningCli
  let chartPath = ''
  const credentials = `${AK}:${SK}:${PROJECT}`

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'sdk-home-'))
    chartPath = join(home, 'redis-lite-0.3.0.tgz')
    await copyFile(UPLOAD_CHART, chartPath)
    ;[fast, manual, charts] = await Promise.all([
      startCli(['--auth', 'verify', '--credentials', credentials, '--lifecycle', 'fast', '--log-level', 'info', '--project-id', PROJECT, '--charts', EXAMPLE_CHARTS]),
      // release-errors needs the created release to stay pending.
      startCli(['--auth', 'verify', '--credentials', credentials, '--lifecycle', 'manual', '--log-level', 'info', '--project-id', PROJECT, '--charts', EXAMPLE_CHARTS]),
      // The chart scenarios: nothing preloaded, so the upload is new and the quota counts from 0.
      startCli(['--auth', 'verify', '--credentials', credentials, '--lifecycle', 'fast', '--log-level', 'info', '--project-id', PROJECT]),
    ])
  })

  afterAll(async () => {
    await Promise.all([fast?.stop(), manual?.stop(), charts?.stop()])
    if (home) await rm(home, { recursive: true, force: true })
  })

  describe.each(FLAVORS)('%s', (flavor) => {
    const name = `sdk-${flavor}`

    it('release lifecycle: create → poll DEPLOYED → list (each filter) → show → upgrade → rollback → history → delete → 404', async () => {
      const run = await runDriver('release-lifecycle', fast.url, { EMU_FLAVOR: flavor })
      expect(run.code, `${JSON.stringify(run.lines, null, 1)}\n${run.stderr}\n${fast.output()}`).toBe(0)
      expect(run.lines.every((l) => l.ok), JSON.stringify(run.lines.filter((l) => !l.ok))).toBe(true)

      const create = run.byStep('create')
      expect(create.status_code).toBe(201)
      expectReleaseShape(create.body, 'create (SDK model)')
      expectReleaseShape(create.raw, 'create (wire)')
      expect(create.body).toMatchObject({ name, namespace: 'default', chart_name: 'nginx-demo', chart_version: '1.0.0', version: 1 })
      expect(JSON.parse(create.body!.values as string)).toMatchObject({ imageTag: 'v2', imagePullPolicy: 'IfNotPresent', replicaCount: 1 })

      for (const step of ['wait-deployed-after-create', 'wait-deployed-after-upgrade', 'wait-deployed-after-rollback']) {
        const line = run.byStep(step)
        expect(line.status_code, step).toBe(200)
        expect(line.body?.status, step).toBe('DEPLOYED')
        expectReleaseShape(line.body, step)
      }

      for (const step of ['list', 'list-by-chart', 'list-by-namespace']) {
        const line = run.byStep(step)
        expect(line.status_code, step).toBe(200)
        expect(Array.isArray(line.raw), `${step}: a bare top-level array`).toBe(true)
        const listed = bodyList(line)
        expect(listed.map((r) => r.name), step).toEqual([name])
        listed.forEach((r, i) => expectReleaseShape(r, `${step}[${i}]`))
      }
      for (const step of ['list-by-other-chart', 'list-by-other-namespace']) {
        const line = run.byStep(step)
        expect(line.status_code, step).toBe(200)
        expect(line.raw, `${step}: an empty array, never an empty body`).toEqual([])
      }

      const shown = run.byStep('show')
      expect(shown.status_code).toBe(200)
      expect(shown.body).toMatchObject({ name, status: 'DEPLOYED', version: 1 })
      const withResources = run.byStep('show-resources')
      expectReleaseShape(withResources.body, 'show-resources')
      expect(() => JSON.parse(withResources.body!.resources as string), 'resources is a JSON document in a string').not.toThrow()

      const upgrade = run.byStep('upgrade')
      expect(upgrade.status_code).toBe(200)
      expect(upgrade.body).toMatchObject({ version: 2, status: expect.stringMatching(/^(PENDING_UPGRADE|DEPLOYED)$/) })
      expect(JSON.parse(run.byStep('wait-deployed-after-upgrade').body!.values as string)).toMatchObject({ imageTag: 'v3', imagePullPolicy: 'Always' })

      const rollback = run.byStep('rollback')
      expect(rollback.status_code).toBe(200)
      expect(rollback.body).toMatchObject({ version: 3, status: expect.stringMatching(/^(PENDING_ROLLBACK|DEPLOYED)$/) })
      // Rolled back to revision 1's values.
      expect(JSON.parse(run.byStep('wait-deployed-after-rollback').body!.values as string)).toMatchObject({ imageTag: 'v2', imagePullPolicy: 'IfNotPresent', replicaCount: 1 })

      const history = run.byStep('history')
      expect(history.status_code).toBe(200)
      expect(Array.isArray(history.raw)).toBe(true)
      const revisions = bodyList(history)
      revisions.forEach((r, i) => expectReleaseShape(r, `history[${i}]`))
      expect(revisions.map((r) => r.version), 'history is oldest first').toEqual([1, 2, 3])
      expect(revisions.map((r) => r.status)).toEqual(['SUPERSEDED', 'SUPERSEDED', 'DEPLOYED'])

      const deleted = run.byStep('delete')
      expect(deleted.status_code).toBe(200)
      expectReleaseShape(deleted.raw, 'delete (wire)')
      if (flavor === 'autopilot') {
        // DeleteAutopilotReleaseResponse.body is typed str in the SDK: the decoded object ends up
        // as its Python repr. SDK behaviour, recorded so a change in either side is noticed.
        expect(typeof deleted.body?.body).toBe('string')
      } else {
        expectReleaseShape(deleted.body, 'delete (SDK model)')
      }

      const gone = run.byStep('wait-deleted')
      expect(gone.ok).toBe(true)
      expectSdkError({ ...gone, ok: false }, 404, 'CCE.01404001')
    })

    it('error paths: 404, 400 naming the field, 409 duplicate, 409 "Update release is forbidden" while pending', async () => {
      const run = await runDriver('release-errors', manual.url, { EMU_FLAVOR: flavor })
      expect(run.code, `${JSON.stringify(run.lines, null, 1)}\n${run.stderr}`).toBe(0)
      expectSdkError(run.byStep('show-missing'), 404, 'CCE.01404001', new RegExp(`${name}-missing`))
      expectSdkError(run.byStep('create-invalid-name'), 400, 'CCE.01400001', /\bname\b/)
      expect(run.byStep('create').status_code).toBe(201)
      expect(run.byStep('create').body?.status).toBe('PENDING_INSTALL')
      expectSdkError(run.byStep('create-duplicate'), 409, 'CCE.01409001')
      expectSdkError(run.byStep('upgrade-while-pending'), 409, 'CCE.01409001', /Update release is forbidden/)
    })

    it('401 for a wrong secret key and for an unknown access key; 403 for a genuine key on another project', async () => {
      const wrong = await runDriver('wrong-secret', fast.url, { EMU_FLAVOR: flavor })
      expectSdkError(wrong.byStep('list-wrong-secret'), 401, 'APIGW.0301', /^Incorrect IAM authentication information: verify aksk signature fail$/)
      const unknown = await runDriver('list', fast.url, { EMU_FLAVOR: flavor, EMU_AK: 'HPUAUNKNOWNACCESSKEY' })
      expectSdkError(unknown.byStep('list'), 401, 'APIGW.0301', /ak:HPUAUNKNOWNACCESSKEY,err:ak not exist/)
      const otherProject = await runDriver('list', fast.url, { EMU_FLAVOR: flavor, EMU_PROJECT_ID: OTHER_PROJECT })
      expectSdkError(otherProject.byStep('list'), 403, 'CCE.01403001', new RegExp(`bound to project ${PROJECT}`))
    })

    it('chart lifecycle: upload → list → show → values → quota → download (same bytes) → update → install, poll, delete a release → delete → 404', async () => {
      const run = await runDriver('chart-lifecycle', charts.url, { EMU_FLAVOR: flavor, EMU_CHART_PATH: chartPath })
      expect(run.code, `${JSON.stringify(run.lines, null, 1)}\n${run.stderr}\n${charts.output()}`).toBe(0)
      const expectedFailures = new Set(['show-deleted', 'download-deleted'])
      for (const line of run.lines) expect(line.ok, JSON.stringify(line)).toBe(!expectedFailures.has(line.step))

      const upload = run.byStep('upload')
      expect(upload.status_code).toBe(201)
      expectChartShape(upload.body, 'upload (SDK model)')
      expectChartShape(upload.raw, 'upload (wire)')
      expect(upload.body).toMatchObject({ name: 'redis-lite', version: '0.3.0', chart_url: 'redis-lite-0.3.0.tgz', source: 'package', instruction: 'README.md' })
      expect(JSON.parse(upload.body!.values as string)).toMatchObject({ maxmemory: '64mb', image: { repository: 'redis' } })
      const id = upload.body!.id as string

      const list = run.byStep('list')
      expect(list.status_code).toBe(200)
      expect(Array.isArray(list.raw), 'a bare top-level array').toBe(true)
      const listed = bodyList(list)
      expect(listed.map((c) => c.id)).toEqual([id])
      listed.forEach((c, i) => expectChartShape(c, `list[${i}]`))

      const show = run.byStep('show')
      expect(show.status_code).toBe(200)
      expectChartShape(show.body, 'show')
      expect(show.body).toEqual(upload.body)

      const values = run.byStep('values')
      expect(values.status_code).toBe(200)
      // On the wire: values.yaml as a JSON object. The SDK's ChartValueValues declares only a
      // `basic` key, so the typed model drops every other key (spec §2.7); callers read the raw JSON.
      expect(values.raw).toMatchObject({ values: { maxmemory: '64mb', image: { repository: 'redis', tag: '7.2.4-alpine' }, service: { port: 6379 } } })
      expect(values.body).toEqual({ values: { basic: null } })

      expect(run.byStep('quota')).toMatchObject({ status_code: 200, body: { quotas: { resources: [{ type: 'Charts', quota: 200, used: 1 }] } } })

      const download = run.byStep('download')
      expect(download.status_code).toBe(200)
      expect(download.sha256, 'downloaded bytes are the uploaded package').toBe(download.uploaded_sha256)
      expect(download.bytes).toBe(download.uploaded_bytes)
      expect(download.content_type).toBe('application/octet-stream')
      expect(download.content_disposition).toBe('attachment; filename="redis-lite-0.3.0.tgz"')

      const update = run.byStep('update')
      expect(update.status_code).toBe(200)
      expectChartShape(update.body, 'update')
      expect(update.body).toMatchObject({ id, name: 'redis-lite', version: '0.3.0' })
      expect(run.byStep('show-after-update').body).toMatchObject({ id, version: '0.3.0' })

      const created = run.byStep('create-release')
      expect(created.status_code).toBe(201)
      expectReleaseShape(created.body, 'create-release')
      expect(created.body).toMatchObject({ name: `${name}-chart`, chart_name: 'redis-lite', chart_version: '0.3.0', version: 1 })
      // The chart's values.yaml defaults are the release's values when the caller sends none.
      expect(JSON.parse(created.body!.values as string)).toMatchObject({ maxmemory: '64mb' })
      expect(run.byStep('wait-release-deployed').body?.status).toBe('DEPLOYED')
      expect(bodyList(run.byStep('list-releases-by-chart')).map((r) => r.name)).toEqual([`${name}-chart`])
      expect(run.byStep('delete-release').status_code).toBe(200)
      expectSdkError({ ...run.byStep('wait-release-deleted'), ok: false }, 404, 'CCE.01404001')

      const deleted = run.byStep('delete')
      expect(deleted.status_code).toBe(200)
      expectChartShape(deleted.raw, 'delete (wire)')
      expect(deleted.raw).toMatchObject({ id })
      if (flavor === 'autopilot') {
        // DeleteAutopilotChartResponse.body is typed str: the decoded object becomes its Python repr.
        expect(typeof deleted.body?.body).toBe('string')
      } else {
        expectChartShape(deleted.body, 'delete (SDK model)')
      }
      expectSdkError(run.byStep('show-deleted'), 404, 'CCE.01404001', new RegExp(id))
      expectSdkError(run.byStep('download-deleted'), 404, 'CCE.01404001', new RegExp(id))
      expect(run.byStep('quota-after-delete').body).toEqual({ quotas: { resources: [{ type: 'Charts', quota: 200, used: 0 }] } })
    })

    it('chart error paths: 409 duplicate upload, 400 for a non-gzip file, a missing part or bad parameters, 404 unknown id, 401 wrong secret', async () => {
      const run = await runDriver('chart-errors', charts.url, { EMU_FLAVOR: flavor, EMU_CHART_PATH: chartPath })
      expect(run.code, `${JSON.stringify(run.lines, null, 1)}\n${run.stderr}\n${charts.output()}`).toBe(0)
      expect(run.byStep('upload').status_code).toBe(201)
      const id = run.byStep('upload').body!.id as string
      expectSdkError(run.byStep('upload-duplicate'), 409, 'CCE.01409001', /already exists.*override/)
      expect(run.byStep('upload-duplicate').error_msg, 'names the stored chart').toContain(id)
      expectSdkError(run.byStep('upload-not-gzip'), 400, 'CCE.01400001', /\bcontent\b.*not a gzip file/)
      expectSdkError(run.byStep('upload-without-content'), 400, 'CCE.01400001', /\bcontent\b.*required/)
      expectSdkError(run.byStep('upload-bad-parameters'), 400, 'CCE.01400001', /\bparameters\b/)
      for (const step of ['show-missing', 'values-missing', 'download-missing', 'update-missing', 'delete-missing']) {
        expectSdkError(run.byStep(step), 404, 'CCE.01404001', /00000000-0000-4000-8000-000000000000/)
      }
      expect(run.byStep('delete').status_code).toBe(200)
      expectSdkError(run.byStep('upload-wrong-secret'), 401, 'APIGW.0301', /^Incorrect IAM authentication information: verify aksk signature fail$/)
      // The refused upload stored nothing.
      expect(run.byStep('list-after-wrong-secret').raw).toEqual([])
    })
  })
})
