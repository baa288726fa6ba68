/**
 * The chart and release API through the official Java SDK (com.huaweicloud.sdk:huaweicloud-sdk-cce
 * 3.1.130, pinned in java/pom.xml), against the real CLI with `--auth verify`, so every call was
 * signed by the SDK's own signer (which signs `host`, unlike Go) and verified by the emulator.
 *
 * java-build.ts compiles the driver into <repo>/.cache/java (Maven's local repository included)
 * and skips Maven entirely when nothing changed. Without `java` or `mvn` the suite is skipped with
 * a message, except under CI=true where it fails.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCli, type RunningCli } from './emulator.js'
import { CHART, CLUSTER, EXAMPLE_CHARTS, PROJECT, REQUEST_ID, RFC3339, UUID, expectReleaseShape } from './fixtures.js'
import { JVM_FLAGS, ensureJavaDriver, run } from './java-build.js'

const AK = 'HPUAJAVACONFORMANCE1'
const SK = 'javaConformanceSecretKey0000000000000000'
const FLAVORS = ['cce', 'autopilot'] as const

const driver = await ensureJavaDriver()
const skip = 'skip' in driver ? driver.skip : undefined
if (skip) process.stderr.write(`Java SDK conformance suite skipped: ${skip} (install a JDK ≥ 17 and Maven to run it; under CI=true this fails instead)\n`)
else if ('java' in driver) process.stderr.write(`java driver ready (${driver.build} build, ${driver.javaVersion}) in ${(driver.buildMs / 1000).toFixed(1)} s\n`)

interface Line {
  step: string
  ok: boolean
  status_code?: number
  body?: Record<string, unknown> & { body?: unknown }
  exception?: string
  error_code?: string
  error_msg?: string
  request_id?: string
  bytes?: number
  sha256?: string
  uploaded_bytes?: number
  uploaded_sha256?: string
}

/** ChartResp as decoded into the Java SDK's String/Boolean fields and re-serialised by Jackson. */
function expectChartShape(c: unknown, where: string): void {
  expect(c, where).toMatchObject({
    id: expect.stringMatching(UUID),
    name: 'redis-lite',
    values: expect.any(String),
    version: '0.3.0',
    public: false,
    chart_url: 'redis-lite-0.3.0.tgz',
    instruction: 'README.md',
    create_at: expect.stringMatching(RFC3339),
    update_at: expect.stringMatching(RFC3339),
  })
}

function expectSdkError(line: Line, status: number, code: string, msg: RegExp): void {
  expect(line, line.step).toMatchObject({ ok: false, exception: 'ClientRequestException', status_code: status, error_code: code })
  expect(line.error_msg, line.step).toMatch(msg)
  expect(line.request_id, `${line.step}: request id from X-Request-Id`).toMatch(REQUEST_ID)
}

describe.skipIf(skip !== undefined)('official Java SDK (huaweicloud-sdk-cce 3.1.130) against the CLI in verify mode', () => {
  let fast: RunningCli
  let manual: RunningCli
  let charts: RunningCli
  let home = ''
  let chartPath = ''

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'java-sdk-home-'))
    chartPath = join(home, 'redis-lite-0.3.0.tgz')
    await copyFile(join(EXAMPLE_CHARTS, 'redis-lite-0.3.0.tgz'), chartPath)
    const credentials = `${AK}:${SK}:${PROJECT}`
    ;[fast, manual, charts] = await Promise.all([
      startCli(['--auth', 'verify', '--credentials', credentials, '--project-id', PROJECT, '--charts', EXAMPLE_CHARTS]),
      // `errors` needs the created release to stay pending.
      startCli(['--auth', 'verify', '--credentials', credentials, '--project-id', PROJECT, '--charts', EXAMPLE_CHARTS, '--lifecycle', 'manual']),
      // The chart scenario uploads redis-lite to an instance with nothing preloaded (new chart, quota from 0).
      startCli(['--auth', 'verify', '--credentials', credentials, '--project-id', PROJECT]),
    ])
  })

  afterAll(async () => {
    await Promise.all([fast?.stop(), manual?.stop(), charts?.stop()])
    if (home) await rm(home, { recursive: true, force: true })
  })

  async function runDriver(scenario: string, cli: RunningCli, flavor: string): Promise<{ lines: Line[]; by(step: string): Line }> {
    if (!('java' in driver)) throw new Error('unreachable: suite is skipped')
    const r = await run(driver.java, [...JVM_FLAGS, '-cp', driver.classpath, 'emulator.Driver', scenario], {
      env: {
        ...process.env,
        HOME: home,
        EMU_ENDPOINT: cli.url,
        EMU_AK: AK,
        EMU_SK: SK,
        EMU_PROJECT_ID: PROJECT,
        EMU_CLUSTER_ID: CLUSTER,
        EMU_CHART_ID: CHART,
        EMU_CHART_PATH: chartPath,
        EMU_FLAVOR: flavor,
        EMU_POLL_TIMEOUT: '15',
      },
      timeoutMs: 90_000,
    })
    const lines = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Line)
    expect(r.code, `exit ${r.code}\n${r.stdout}\n${r.stderr}\n${cli.output()}`).toBe(0)
    return {
      lines,
      by(step) {
        const found = lines.find((l) => l.step === step)
        if (!found) throw new Error(`no "${step}" line in ${scenario}:\n${r.stdout}\n${r.stderr}`)
        return found
      },
    }
  }

  describe.each(FLAVORS)('%s', (flavor) => {
    const name = `java-${flavor}`

    it('release lifecycle: create → DEPLOYED → list (each filter) → show → upgrade → rollback → history oldest first → delete → 404', async () => {
      const { lines, by } = await runDriver('release', fast, flavor)
      for (const line of lines) expect(line.ok, JSON.stringify(line)).toBe(true)

      expect(by('create').status_code).toBe(201)
      expectReleaseShape(by('create').body, 'create')
      expect(by('create').body).toMatchObject({ name, namespace: 'default', chart_name: 'nginx-demo', chart_version: '1.0.0', version: 1 })
      expect(JSON.parse(by('create').body!.values as string)).toMatchObject({ imageTag: 'v2', imagePullPolicy: 'IfNotPresent' })
      for (const step of ['wait-deployed-after-create', 'wait-deployed-after-upgrade', 'wait-deployed-after-rollback']) {
        expect(by(step), step).toMatchObject({ status_code: 200, body: { status: 'DEPLOYED' } })
        expectReleaseShape(by(step).body, step)
      }
      for (const step of ['list', 'list-by-chart', 'list-by-namespace']) {
        const listed = by(step).body?.body as unknown[]
        expect(listed.map((x) => (x as { name: string }).name), step).toEqual([name])
        listed.forEach((x, i) => expectReleaseShape(x, `${step}[${i}]`))
      }
      // A filter that matches nothing: `[]` on the wire, an empty List (not null) in Java.
      expect(by('list-by-other-chart').body).toEqual({ body: [] })
      expect(by('list-by-other-namespace').body).toEqual({ body: [] })
      expect(by('show')).toMatchObject({ status_code: 200, body: { name, status: 'DEPLOYED', version: 1, resources: '' } })

      expect(by('upgrade').body).toMatchObject({ version: 2, status: expect.stringMatching(/^(PENDING_UPGRADE|DEPLOYED)$/) })
      expect(JSON.parse(by('wait-deployed-after-upgrade').body!.values as string)).toMatchObject({ imageTag: 'v3', imagePullPolicy: 'Always' })
      expect(by('rollback').body).toMatchObject({ version: 3, status: expect.stringMatching(/^(PENDING_ROLLBACK|DEPLOYED)$/) })
      expect(JSON.parse(by('wait-deployed-after-rollback').body!.values as string)).toMatchObject({ imageTag: 'v2', imagePullPolicy: 'IfNotPresent' })

      const history = by('history').body?.body as Array<{ version: number; status: string }>
      history.forEach((x, i) => expectReleaseShape(x, `history[${i}]`))
      expect(history.map((x) => x.version), 'history is oldest first').toEqual([1, 2, 3])
      expect(history.map((x) => x.status)).toEqual(['SUPERSEDED', 'SUPERSEDED', 'DEPLOYED'])

      // 3.1.130 types DeleteReleaseResponse.body (CCE and Autopilot) as String: it holds the raw JSON text.
      const deleted = by('delete')
      expect(deleted.status_code).toBe(200)
      expect(typeof deleted.body?.body).toBe('string')
      const deletedRelease = JSON.parse(deleted.body!.body as string)
      expectReleaseShape(deletedRelease, 'delete (raw text)')
      expect(deletedRelease).toMatchObject({ name, status: 'DELETING' })

      expectSdkError({ ...by('wait-deleted'), ok: false }, 404, 'CCE.01404001', new RegExp(`release "${name}"`))
    })

    it('error paths: 404, 400 naming the field, 409 duplicate, 409 while pending, 401 wrong secret', async () => {
      const { by } = await runDriver('errors', manual, flavor)
      expectSdkError(by('show-missing'), 404, 'CCE.01404001', new RegExp(`${name}-missing`))
      expectSdkError(by('create-invalid-name'), 400, 'CCE.01400001', /^Invalid request: name: invalid release name "Bad_Name"/)
      expect(by('create')).toMatchObject({ ok: true, status_code: 201, body: { name, status: 'PENDING_INSTALL' } })
      expectSdkError(by('create-duplicate'), 409, 'CCE.01409001', /cannot re-use a name that is still in use/)
      expectSdkError(by('upgrade-while-pending'), 409, 'CCE.01409001', /^Update release is forbidden/)
      expectSdkError(by('list-wrong-secret'), 401, 'APIGW.0301', /^Incorrect IAM authentication information: verify aksk signature fail$/)
    })

    it('charts: upload → 409 duplicate, 400 not gzip → list → show → values → quota → download (same bytes) → update → delete → 404, 401 wrong secret', async () => {
      const { lines, by } = await runDriver('chart', charts, flavor)
      const expectedFailures = new Set(['upload-duplicate', 'upload-not-gzip', 'show-deleted', 'download-deleted', 'upload-wrong-secret'])
      for (const line of lines) expect(line.ok, JSON.stringify(line)).toBe(!expectedFailures.has(line.step))

      const upload = by('upload')
      expect(upload.status_code).toBe(201)
      expectChartShape(upload.body, 'upload')
      expect(upload.body).toMatchObject({ source: 'package' })
      expect(JSON.parse(upload.body!.values as string)).toMatchObject({ maxmemory: '64mb' })
      const id = upload.body!.id as string
      expectSdkError(by('upload-duplicate'), 409, 'CCE.01409001', new RegExp(`already exists \\(id ${id}\\)`))
      expectSdkError(by('upload-not-gzip'), 400, 'CCE.01400001', /^Invalid request: content: .*not a gzip file/)

      const listed = by('list').body?.body as unknown[]
      expect(listed.map((c) => (c as { id: string }).id)).toEqual([id])
      listed.forEach((c, i) => expectChartShape(c, `list[${i}]`))
      expect(by('show').body).toEqual(upload.body)
      // ChartValueValues declares only `basic`: Jackson drops every key of the values.yaml.
      expect(by('values')).toMatchObject({ status_code: 200, body: { values: {} } })
      expect(by('quota').body).toEqual({ quotas: { resources: [{ type: 'Charts', quota: 200, used: 1 }] } })

      const download = by('download')
      expect(download.status_code).toBe(200)
      expect(download.sha256, 'downloaded bytes are the uploaded package').toBe(download.uploaded_sha256)
      expect(download.bytes).toBe(download.uploaded_bytes)

      expect(by('update')).toMatchObject({ status_code: 200, body: { id, version: '0.3.0' } })
      expectChartShape(by('update').body, 'update')
      expect(by('show-after-update').body).toMatchObject({ id })

      // DeleteChartResponse.body is a String on both flavours in 3.1.130: the raw JSON text.
      const deleted = by('delete')
      expect(deleted.status_code).toBe(200)
      expectChartShape(JSON.parse(deleted.body?.body as string), 'delete (raw text)')

      expectSdkError(by('show-deleted'), 404, 'CCE.01404001', new RegExp(id))
      expectSdkError(by('download-deleted'), 404, 'CCE.01404001', new RegExp(id))
      expectSdkError(by('upload-wrong-secret'), 401, 'APIGW.0301', /^Incorrect IAM authentication information: verify aksk signature fail$/)
      // The refused upload stored nothing.
      expect(by('list-after-wrong-secret').body).toEqual({ body: [] })
    })
  })
})
