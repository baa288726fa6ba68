/**
 * The package as a user gets it: `npm pack`, installed offline into a project that is not this
 * one; then its command (npx, --help, --version, serving), its ESM and CommonJS entry points with
 * types, a vitest file and a Jest file (default configuration) that start it in process, and the
 * composite GitHub Action's and the example workflow's shell steps, run here as a runner would.
 */
import { execFile, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { installScratchProject, pack, REPO, seedProject, type Packed } from './scratch-project.js'

const run = promisify(execFile)
const NGINX_DEMO = '01c9f6d9-5c1a-55f3-a3d3-118677c0d7bd'

let packed: Packed
let project: string
const cleanup: string[] = []

beforeAll(() => {
  packed = pack()
  project = installScratchProject(packed)
  cleanup.push(project)
}, 240_000)
afterAll(() => {
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true })
})

const inProject = (cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeout?: number } = {}) =>
  run(cmd, args, { cwd: project, env: opts.env ?? packed.env, timeout: opts.timeout ?? 120_000 })

describe('the installed package', () => {
  it('ships the built code, the example charts, the OpenAPI document and the licence, and nothing from the repository around them', () => {
    const files = execFileSync('tar', ['tzf', packed.tarball], { encoding: 'utf8' }).split('\n').filter(Boolean)
    for (const f of ['LICENSE', 'README.md', 'dist/bin.cjs', 'dist/cli.bundle.cjs', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/types-cjs/index.d.ts', 'dist/types-cjs/package.json', 'examples/charts/nginx-demo-1.0.0.tgz', 'openapi/openapi.json']) {
      expect(files).toContain(`package/${f}`)
    }
    expect(files.filter((f) => /\/(src|test|scripts)\/|\.map$|\.v8cache$/.test(f))).toEqual([])
  })

  it('npx cce-release-emulator prints --version and --help, and serves with the example charts', async () => {
    const version = await inProject('npx', ['cce-release-emulator', '--version'])
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version)
    const help = await inProject('npx', ['cce-release-emulator', '--help'])
    expect(help.stdout).toContain('--log-format')
    expect(help.stdout).toContain('@examples')

    // Its own process group: npx runs the command under sh, and the whole group is stopped at the end.
    const proc = spawn('npx', ['cce-release-emulator', '--port', '0', '--db', ':memory:', '--charts', '@examples'], { cwd: project, env: packed.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ''
        proc.stdout.on('data', (b: Buffer) => {
          out += b.toString()
          const m = /"url":"(http:[^"]+)"/.exec(out)
          if (m) resolve(m[1]!)
        })
        proc.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)))
      })
      const charts = (await (await fetch(`${url}/v2/charts`, { headers: { 'x-auth-token': 't' } })).json()) as Array<{ id: string }>
      expect(charts.map((c) => c.id)).toContain(NGINX_DEMO)
      // CI's `npx cce-release-emulator & … kill $!`: a SIGTERM to npx alone stops the server too.
      proc.kill('SIGTERM')
      const deadline = Date.now() + 10_000
      while (await fetch(`${url}/_emulator/health`).then(() => true, () => false)) {
        if (Date.now() > deadline) throw new Error('the emulator outlived npx')
        await new Promise((r) => setTimeout(r, 100))
      }
    } finally {
      process.kill(-proc.pid!, 'SIGTERM')
    }
  })

  it('import and require both give startEmulator and exampleCharts, typed', async () => {
    writeFileSync(join(project, 'esm.mjs'), "import { startEmulator, exampleCharts } from 'cce-release-emulator'\nconst e = await startEmulator({ charts: exampleCharts })\nconst r = await fetch(`${e.url}/v2/charts`, { headers: { 'x-auth-token': 't' } })\nconsole.log(r.status, (await r.json()).length)\nawait e.close()\n")
    writeFileSync(join(project, 'cjs.cjs'), "const { startEmulator, exampleCharts } = require('cce-release-emulator')\nstartEmulator({ charts: exampleCharts }).then(async (e) => { const r = await fetch(`${e.url}/v2/charts`, { headers: { 'x-auth-token': 't' } }); console.log(r.status, (await r.json()).length); await e.close() })\n")
    expect((await inProject('node', ['esm.mjs'])).stdout.trim()).toBe('200 3')
    expect((await inProject('node', ['cjs.cjs'])).stdout.trim()).toBe('200 3')

    // The declarations resolve for both module systems (node16 resolution picks import vs require types).
    const use = "const emu = await startEmulator({ charts: exampleCharts, lifecycle: 'manual' })\nconst url: string = emu.url\nemu.clock.advance(1)\nawait emu.close()\nexport { url }\n"
    writeFileSync(join(project, 'types.mts'), `import { startEmulator, exampleCharts } from 'cce-release-emulator'\n${use}`)
    writeFileSync(join(project, 'types.cts'), `import emulator = require('cce-release-emulator')\nconst { startEmulator, exampleCharts } = emulator\nexport async function main(): Promise<string> {\n${use.replace('export { url }\n', 'return url\n')}}\n`)
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc')
    await inProject(process.execPath, [tsc, '--pretty', 'false', '--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022', '--types', 'node', '--typeRoots', join(REPO, 'node_modules/@types'), '--skipLibCheck', 'types.mts', 'types.cts']).catch((err: { stdout?: string }) => {
      throw new Error(`tsc found errors:\n${err.stdout}`)
    })
  })

  it('a vitest file (ESM) and a Jest file (default configuration: CommonJS) start it in process', async () => {
    writeFileSync(
      join(project, 'emulator.vitest.test.mjs'),
      `import { afterAll, beforeAll, expect, it } from 'vitest'
import { startEmulator, exampleCharts } from 'cce-release-emulator'
let emu
beforeAll(async () => { emu = await startEmulator({ charts: exampleCharts, operations: { install: { mode: 'time', delay_ms: 30000 } } }) })
afterAll(() => emu?.close())
it('installs once the clock has moved', async () => {
  const headers = { 'content-type': 'application/json', 'x-auth-token': 'x' }
  const created = await fetch(emu.url + '/cce/cam/v3/clusters/c1/releases', { method: 'POST', headers, body: JSON.stringify({ name: 'web', namespace: 'default', chart_id: '${NGINX_DEMO}', version: '1.0.0', values: {} }) })
  expect(created.status).toBe(201)
  emu.clock.advance(30)
  const shown = await (await fetch(emu.url + '/cce/cam/v3/clusters/c1/namespace/default/releases/web', { headers })).json()
  expect(shown.status).toBe('DEPLOYED')
})
`,
    )
    const vitest = await inProject(process.execPath, [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', '--root', project, 'emulator.vitest.test.mjs'])
    expect(vitest.stdout).toMatch(/1 passed/)

    writeFileSync(
      join(project, 'emulator.test.js'),
      `const { startEmulator, exampleCharts } = require('cce-release-emulator')
let emu
beforeAll(async () => { emu = await startEmulator({ charts: exampleCharts, lifecycle: 'manual' }) })
afterAll(() => emu && emu.close())
test('a manual install completes on a trigger', async () => {
  const headers = { 'content-type': 'application/json', 'x-auth-token': 'x' }
  await fetch(emu.url + '/cce/cam/v3/clusters/c1/releases', { method: 'POST', headers, body: JSON.stringify({ name: 'web', namespace: 'default', chart_id: '${NGINX_DEMO}', version: '1.0.0', values: {} }) })
  expect(emu.releases.complete({ clusterId: 'c1', namespace: 'default', name: 'web' }).status).toBe('DEPLOYED')
})
`,
    )
    // Jest reads its configuration from package.json or jest.config.*: the project has neither.
    const jest = await inProject(process.execPath, [join(REPO, 'node_modules/jest/bin/jest.js'), '--rootDir', project, '--ci', 'emulator.test.js'])
    expect(`${jest.stdout}${jest.stderr}`).toMatch(/Tests:\s+1 passed/)
  })
})

/** The shell of one workflow step, as the runner runs it: bash -e -o pipefail, expressions replaced. */
function runStep(script: string, env: NodeJS.ProcessEnv, cwd: string) {
  return run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd, env, timeout: 180_000 })
}

function expand(text: string, context: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_m, key: string) => {
    if (!(key in context)) throw new Error(`no value for \${{ ${key} }} in this local run`)
    return context[key]!
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

const outputsOf = (file: string): Record<string, string> =>
  Object.fromEntries(readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))

describe('CI recipes, run locally', () => {
  it('action.yml: the start step installs the package, starts it, waits for health and outputs the URL', async () => {
    const action = parse(readFileSync(join(REPO, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { default: string }>
      runs: { using: string; steps: Array<{ id: string; shell: string; env: Record<string, string>; run: string }> }
    }
    expect(action.runs.using).toBe('composite')
    const temp = mkdtempSync(join(tmpdir(), 'cce-action-'))
    cleanup.push(temp)
    // The install folder is seeded with the lockfile an online install would resolve (see scratch-project.ts).
    seedProject(join(temp, 'cce-release-emulator'), packed)
    const inputs = { version: packed.tarball, port: '0', flags: '--charts @examples --seed 7', 'timeout-seconds': action.inputs['timeout-seconds']!.default }
    const context = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`inputs.${k}`, v]))
    const files = { GITHUB_OUTPUT: join(temp, 'output'), GITHUB_ENV: join(temp, 'env') }
    for (const f of Object.values(files)) writeFileSync(f, '')
    const [step] = action.runs.steps
    expect(step!.shell).toBe('bash')
    const env = { ...packed.env, RUNNER_TEMP: temp, ...files, ...Object.fromEntries(Object.entries(step!.env).map(([k, v]) => [k, expand(v, context)])) }
    const result = await runStep(expand(step!.run, context), env, temp)
    const out = outputsOf(files.GITHUB_OUTPUT)
    try {
      expect(result.stdout).toMatch(/cce-release-emulator \d+\.\d+\.\d+ ready at http:\/\/127\.0\.0\.1:\d+/)
      expect(out.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(readFileSync(files.GITHUB_ENV, 'utf8')).toBe(`CCE_EMULATOR_URL=${out.url}\n`)
      const health = (await (await fetch(`${out.url}/_emulator/health`)).json()) as { seed: number }
      expect(health.seed).toBe(7)
      expect(existsSync(out.log!)).toBe(true)
    } finally {
      if (out.pid) process.kill(Number(out.pid), 'SIGTERM')
    }
  })

  it('examples/ci/github-actions.yml: every run step, then the on-failure steps, save the journal', async () => {
    const workflow = parse(readFileSync(join(REPO, 'examples/ci/github-actions.yml'), 'utf8')) as {
      jobs: { test: { env: Record<string, string>; steps: Array<{ name?: string; run?: string; uses?: string; if?: string; with?: Record<string, string> }> } }
    }
    const job = workflow.jobs.test
    const temp = mkdtempSync(join(tmpdir(), 'cce-workflow-'))
    cleanup.push(temp)
    // The checkout: a project depending on the package, as a user's repository would.
    const repo = join(temp, 'checkout')
    seedProject(repo, packed)
    const context = { 'runner.temp': temp }
    // A free port instead of 8080, which another emulator on this machine may hold.
    const port = await freePort()
    const env = { ...packed.env, RUNNER_TEMP: temp, ...job.env, EMULATOR_PACKAGE: packed.tarball, EMULATOR_PORT: String(port), EMULATOR_URL: `http://127.0.0.1:${port}` }
    const steps = job.steps.filter((s) => s.run !== undefined)
    expect(job.steps.filter((s) => s.uses).map((s) => s.uses)).toEqual(['actions/checkout@v4', 'actions/setup-node@v4', 'actions/upload-artifact@v4'])
    try {
      for (const step of steps.filter((s) => !s.if)) await runStep(expand(step.run!, context), env, repo)
      // As if the test step had failed: the failure steps fetch the journal of the requests made so far.
      for (const step of steps.filter((s) => s.if === 'failure()')) await runStep(expand(step.run!, context), env, repo)
      const journal = JSON.parse(readFileSync(join(temp, 'emulator/journal.json'), 'utf8')) as { requests: Array<{ path: string }> }
      expect(journal.requests.map((r) => r.path)).toContain('/cce/cam/v3/clusters/c1/releases')
      const upload = job.steps.find((s) => s.uses === 'actions/upload-artifact@v4')!
      expect(upload.if).toBe('failure()')
      expect(expand(upload.with!.path!, context)).toBe(`${temp}/emulator/`)
    } finally {
      const pidFile = join(temp, 'emulator/emulator.pid')
      if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM')
    }
  })
})
