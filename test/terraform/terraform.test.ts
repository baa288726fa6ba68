/**
 * Terraform tier: OpenTofu v1.12.6 and the real huaweicloud provider v1.95.0, both built from the
 * Go module proxy (tools.ts), manage charts and releases on the real CLI in `--auth verify`.
 * The configuration is the README's "### Terraform" block as written (main.tf) plus
 * coverage.tf (the Autopilot twins and every chart/release data source). The provider is
 * installed by a dev_overrides CLI config, so no `init` and no registry.
 *
 * Run by `npm run test:terraform` (and `.ci/run` after `npm test`), not by `npm test`. Without
 * Go and without built binaries the suite is skipped with a message, except under CI=true.
 * Cold, the two builds take ~15 CPU-minutes (tofu ~8.5, the provider ~7 after tofu; 36 min of
 * wall time on the shared 2-core VM at load 12-15), peak RSS 1.8 GB, and leave ~5 GB in
 * .cache/terraform; warm, the suite takes 30-40 s (two minutes under heavy load).
 */
import { once } from 'node:events'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCli, type RunningCli } from '../sdk/emulator.js'
import { EXAMPLE_CHARTS, PROJECT } from '../sdk/fixtures.js'
import { REPO_ROOT } from '../sdk/venv.js'
import { buildTools, PROVIDER_DIR, run, TOFU, toolsStatus, type Result } from './tools.js'

// The README's credentials; the test's own API calls use a token, so the journal tells them apart.
const AK = 'AKEXAMPLE'
const SK = 'SKEXAMPLE'
const TOKEN = 'terraform-tier-token'
const API_PREFIXES = ['/v2/charts', '/autopilot/v2/charts', '/cce/cam/v3/', '/autopilot/cam/v3/']
const CCE_RELEASE = '/cce/cam/v3/clusters/c1/namespace/default/releases/web'
const AUTOPILOT_RELEASE = '/autopilot/cam/v3/clusters/ap1/namespace/default/releases/cache'

/** The fenced block after `<!-- test/terraform: NAME -->` in the README. */
async function readmeBlock(name: string): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8')
  const at = readme.indexOf(`<!-- test/terraform: ${name} -->`)
  const block = at < 0 ? null : /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(at))
  if (!block) throw new Error(`README.md has no fenced block marked <!-- test/terraform: ${name} -->`)
  return block[1]!
}

const tools = await toolsStatus()
if (tools.skip) {
  if (process.env.CI === 'true') throw new Error(`Terraform tier: ${tools.skip}, and CI=true requires it`)
  process.stderr.write(`Terraform tier skipped: ${tools.skip}\n`)
}

interface JournalEntry {
  method: string
  path: string
  query: string
  operation: string | null
  status: number
  fault: string | null
  request_headers: Record<string, string>
  request_body: string | null
}

describe.skipIf(tools.skip !== undefined)('Terraform: OpenTofu 1.12.6 + huaweicloud provider 1.95.0 against the CLI in verify mode', () => {
  let emulator: RunningCli
  let dir = ''
  let env: NodeJS.ProcessEnv = {}
  // Any connection here is the provider (or tofu) trying to reach a real cloud host.
  let trap: Server
  const trapped: string[] = []

  const tofu = (...args: string[]): Promise<Result> => run(TOFU, [...args, '-no-color'], { cwd: dir, env, timeoutMs: 5 * 60_000 })
  const ok = async (...args: string[]): Promise<Result> => {
    const r = await tofu(...args)
    expect(r.code, `tofu ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`).toBe(0)
    return r
  }
  const api = async (method: string, path: string): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${emulator.url}${path}`, { method, headers: { 'x-auth-token': TOKEN } })
    return { status: res.status, body: await res.json() }
  }
  const control = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${emulator.url}/_emulator${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    })
    expect(res.status, `${method} /_emulator${path}`).toBeLessThan(300)
    return res.json()
  }
  /** The provider's requests (signed with the AK), oldest first. */
  const providerRequests = async (): Promise<JournalEntry[]> => {
    const all = (await control('GET', '/requests?limit=10000')).requests as JournalEntry[]
    return all.filter((e) => !('x-auth-token' in e.request_headers)).reverse()
  }
  const outputs = async (): Promise<Record<string, any>> => {
    const out = JSON.parse((await ok('output', '-json')).stdout) as Record<string, { value: unknown }>
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.value]))
  }
  const state = async (address: string): Promise<Record<string, any>> => {
    const shown = JSON.parse((await ok('show', '-json')).stdout)
    const found = (shown.values?.root_module?.resources ?? []).find((r: { address: string }) => r.address === address)
    if (!found) throw new Error(`${address} is not in the state`)
    return found.values
  }
  const editMain = async (from: string, to: string) => {
    const file = join(dir, 'main.tf')
    const text = await readFile(file, 'utf8')
    expect(text).toContain(from)
    await writeFile(file, text.replace(from, to))
  }

  beforeAll(async () => {
    for (const b of await buildTools()) {
      process.stderr.write(`Terraform tier: ${b.what} ${b.reused ? 'reused' : `built in ${b.seconds.toFixed(0)} s`}\n`)
    }
  }, 60 * 60_000)

  beforeAll(async () => {
    trap = createServer((socket) => {
      socket.once('data', (b) => trapped.push(b.toString('latin1').split('\r\n')[0]!))
      socket.on('error', () => {})
      setTimeout(() => socket.destroy(), 50)
    })
    trap.listen(0, '127.0.0.1')
    await once(trap, 'listening')
    const trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`

    dir = await mkdtemp(join(tmpdir(), 'cce-terraform-'))
    await mkdir(join(dir, 'home'))
    await writeFile(join(dir, 'main.tf'), await readmeBlock('main.tf'))
    await copyFile(join(REPO_ROOT, 'test', 'terraform', 'coverage.tf'), join(dir, 'coverage.tf'))
    for (const chart of ['nginx-demo-1.0.0.tgz', 'redis-lite-0.3.0.tgz']) await copyFile(join(EXAMPLE_CHARTS, chart), join(dir, chart))
    await writeFile(
      join(dir, 'dev.tfrc'),
      `provider_installation {\n  dev_overrides {\n    "huaweicloud/huaweicloud" = ${JSON.stringify(PROVIDER_DIR)}\n  }\n  direct {}\n}\n`,
    )
    emulator = await startCli(['--auth', 'verify', '--credentials', `${AK}:${SK}:${PROJECT}`, '--tokens', `${TOKEN}:${PROJECT}`, '--project-id', PROJECT, '--lifecycle', 'fast', '--journal-size', '10000'])
    env = {
      PATH: process.env.PATH,
      HOME: join(dir, 'home'),
      TF_CLI_CONFIG_FILE: join(dir, 'dev.tfrc'),
      TF_VAR_emulator_url: emulator.url,
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
      HTTP_PROXY: trapUrl,
      HTTPS_PROXY: trapUrl,
      http_proxy: trapUrl,
      https_proxy: trapUrl,
    }
  }, 60_000)

  afterAll(async () => {
    await emulator?.stop()
    trap?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('apply uploads both charts, installs both releases (DEPLOYED, revision 1) and reads every data source', async () => {
    await ok('apply', '-auto-approve', '-input=false')

    const web = await api('GET', CCE_RELEASE)
    expect(web.status).toBe(200)
    expect(web.body).toMatchObject({ name: 'web', status: 'DEPLOYED', version: 1, chart_name: 'nginx-demo', chart_version: '1.0.0' })
    expect(JSON.parse(web.body.values)).toMatchObject({ replicaCount: 2 })
    const cache = await api('GET', AUTOPILOT_RELEASE)
    expect(cache.body).toMatchObject({ name: 'cache', status: 'DEPLOYED', version: 1, chart_name: 'redis-lite', chart_version: '0.3.0' })
    expect(JSON.parse(cache.body.values)).toMatchObject({ imageTag: '7.2' })

    expect(await state('huaweicloud_cce_release.web')).toMatchObject({ status: 'DEPLOYED', chart_name: 'nginx-demo', chart_version: '1.0.0', cluster_id: 'c1' })
    expect(await state('huaweicloud_cce_autopilot_release.cache')).toMatchObject({ status: 'DEPLOYED', chart_name: 'redis-lite' })
    const chart = await state('huaweicloud_cce_chart.nginx')
    expect(chart).toMatchObject({ name: 'nginx-demo', version: '1.0.0', public: false, chart_url: 'nginx-demo-1.0.0.tgz' })
    expect(JSON.parse(chart.value)).toMatchObject({ replicaCount: 1 })

    const out = await outputs()
    expect(out.cce_charts).toEqual([{ id: chart.id, name: 'nginx-demo', version: '1.0.0' }])
    expect(out.autopilot_charts).toEqual([{ id: expect.any(String), name: 'redis-lite', version: '0.3.0' }])
    expect(out.cce_releases).toEqual([{ name: 'web', status: 'DEPLOYED', values: expect.any(String) }])
    expect(JSON.parse(out.cce_releases[0].values)).toMatchObject({ replicaCount: 2 })
    expect(out.autopilot_releases).toEqual([{ name: 'cache', status: 'DEPLOYED', values: expect.any(String) }])
    expect(out.cce_history).toEqual([{ version: 1, status: 'DEPLOYED', values: expect.any(String) }])
    expect(out.autopilot_history).toEqual([{ version: 1, status: 'DEPLOYED', values: expect.any(String) }])
    // The CCE data source stores Go's encoding of a gjson.Result; the values are its Raw (README quirk).
    expect(Object.keys(out.cce_chart_values)).toEqual(['values'])
    expect(JSON.parse(JSON.parse(out.cce_chart_values.values).Raw)).toMatchObject({ replicaCount: 1, image: { repository: 'nginx' } })
    expect(JSON.parse(out.autopilot_chart_values.values)).toMatchObject({ image: expect.anything() })
  })

  it('changing values upgrades both releases to revision 2 (the provider sends "action": "")', async () => {
    await editMain('replicaCount = 2', 'replicaCount = 3')
    const coverage = join(dir, 'coverage.tf')
    await writeFile(coverage, (await readFile(coverage, 'utf8')).replace('image_tag = "7.2"', 'image_tag = "7.4"'))
    await ok('apply', '-auto-approve', '-input=false')

    const web = await api('GET', CCE_RELEASE)
    expect(web.body).toMatchObject({ status: 'DEPLOYED', version: 2, status_description: 'Upgrade complete' })
    expect(JSON.parse(web.body.values)).toMatchObject({ replicaCount: 3 })
    const cache = await api('GET', AUTOPILOT_RELEASE)
    expect(cache.body).toMatchObject({ status: 'DEPLOYED', version: 2 })
    expect(JSON.parse(cache.body.values)).toMatchObject({ imageTag: '7.4' })

    const upgrades = (await providerRequests()).filter((e) => e.method === 'PUT' && e.path.includes('/releases/'))
    expect(upgrades.map((e) => [e.path, e.operation, e.status])).toEqual(
      expect.arrayContaining([
        [CCE_RELEASE, 'upgrade', 200],
        [AUTOPILOT_RELEASE, 'upgrade', 200],
      ]),
    )
    for (const e of upgrades) expect(JSON.parse(e.request_body!)).toMatchObject({ action: '' })

    const out = await outputs()
    expect(out.cce_history.map((r: { version: number; status: string }) => [r.version, r.status])).toEqual([
      [1, 'SUPERSEDED'],
      [2, 'DEPLOYED'],
    ])
    expect(out.autopilot_history.map((r: { version: number }) => r.version)).toEqual([1, 2])
  })

  it('a plan right after apply has no changes (-detailed-exitcode 0)', async () => {
    const r = await tofu('plan', '-detailed-exitcode', '-input=false')
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
    expect(r.stdout).toContain('No changes.')
  })

  it('a release deleted behind Terraform\'s back is planned for creation, and apply installs it again', async () => {
    expect((await api('DELETE', CCE_RELEASE)).status).toBe(200)
    expect((await api('GET', CCE_RELEASE)).status).toBe(404)

    const plan = await tofu('plan', '-detailed-exitcode', '-input=false', '-out', 'recreate.plan')
    expect(plan.code, `${plan.stdout}\n${plan.stderr}`).toBe(2)
    const changes = JSON.parse((await ok('show', '-json', 'recreate.plan')).stdout).resource_changes as Array<{ address: string; change: { actions: string[] } }>
    const acting = changes.filter((c) => !c.change.actions.includes('no-op') && !c.change.actions.includes('read'))
    expect(acting.map((c) => [c.address, c.change.actions])).toEqual([['huaweicloud_cce_release.web', ['create']]])

    await ok('apply', '-input=false', 'recreate.plan')
    expect((await api('GET', CCE_RELEASE)).body).toMatchObject({ status: 'DEPLOYED', version: 1 })
    expect((await tofu('plan', '-detailed-exitcode', '-input=false')).code).toBe(0)
  })

  it('quirk: an update refused with 409 still puts the new values in the state, so the next plan shows no changes', async () => {
    await control('POST', '/faults', {
      id: 'tf-409',
      match: { operation: 'upgrade', name: 'web' },
      count: 1,
      error: { status: 409, error_code: 'CCE.01409001', error_msg: 'Update release is forbidden: another operation is in progress' },
    })
    await editMain('replicaCount = 3', 'replicaCount = 4')
    const failed = await tofu('apply', '-auto-approve', '-input=false')
    expect(failed.code).toBe(1)
    // golangsdk words every 409 the same and drops the body (CCE's error_msg, the request id).
    expect(failed.stderr).toContain('error updating CCE release: The request could not be processed due to conflict in the request')
    expect(failed.stderr).not.toContain('Update release is forbidden')
    expect((await providerRequests()).filter((e) => e.fault === 'tf-409').map((e) => [e.method, e.path, e.status])).toEqual([['PUT', CCE_RELEASE, 409]])
    expect(JSON.parse((await api('GET', CCE_RELEASE)).body.values)).toMatchObject({ replicaCount: 3 })

    expect(JSON.parse((await state('huaweicloud_cce_release.web')).values_json)).toEqual({ replicaCount: 4 })
    expect((await tofu('plan', '-detailed-exitcode', '-input=false')).code).toBe(0)
  })

  it('destroy uninstalls both releases (404) and deletes both charts', async () => {
    await ok('destroy', '-auto-approve', '-input=false')
    expect((await api('GET', CCE_RELEASE)).status).toBe(404)
    expect((await api('GET', AUTOPILOT_RELEASE)).status).toBe(404)
    expect((await api('GET', '/v2/charts')).body).toEqual([])
    expect((await api('GET', '/autopilot/v2/charts')).body).toEqual([])
  })

  it('the provider called nothing but the chart and release API, every request signed with the AK', async () => {
    const requests = await providerRequests()
    expect(requests.length).toBeGreaterThan(20)
    for (const e of requests) {
      expect(API_PREFIXES.some((p) => e.path.startsWith(p)), `${e.method} ${e.path}`).toBe(true)
      expect(e.request_headers.authorization, `${e.method} ${e.path}`).toMatch(/^SDK-HMAC-SHA256 Access=AKEXAMPLE,/)
      expect([401, 403], `${e.method} ${e.path}`).not.toContain(e.status)
    }
    const seen = new Set(requests.map((e) => `${e.method} ${e.operation}`))
    for (const op of ['POST upload-chart', 'GET show-chart', 'GET list-charts', 'GET show-chart-values', 'DELETE delete-chart', 'POST create', 'GET show', 'PUT upgrade', 'DELETE delete', 'GET list', 'GET history']) {
      expect(seen, op).toContain(op)
    }
    expect(trapped, 'connections through the proxy, i.e. to hosts other than the emulator').toEqual([])
  })
})
