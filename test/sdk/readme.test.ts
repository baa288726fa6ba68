/**
 * Runs the client snippets of README.md's "Using the official SDKs" section exactly as written:
 * each fenced block that follows a `<!-- snippet: NAME -->` marker is written to a temp project
 * and run against a CLI started with the flags of the `start` snippet. The only thing a snippet
 * gets from outside is EMULATOR_URL, which it reads itself.
 *
 * The toolchains are the SDK tiers' (venv.ts, go-env.ts, java-build.ts) and their caches under
 * .cache/; a snippet whose toolchain is missing is skipped with a message, except under CI=true.
 */
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCli, type RunningCli } from './emulator.js'
import { REQUEST_ID } from './fixtures.js'
import { findGo, goEnv } from './go-env.js'
import { JVM_FLAGS, ensureJavaDriver } from './java-build.js'
import { REPO_ROOT, ensureSdkVenv, isolatedEnv } from './venv.js'

const README = await readFile(join(REPO_ROOT, 'README.md'), 'utf8')

/** The fenced block right after `<!-- snippet: NAME -->` (nothing but blank lines between). */
function snippet(readme: string, name: string): { lang: string; code: string } {
  const marker = `<!-- snippet: ${name} -->`
  const at = readme.indexOf(marker)
  if (at < 0) throw new Error(`README.md has no "${marker}"`)
  const m = /^\s*```(\w*)\n([\s\S]*?)\n```/.exec(readme.slice(at + marker.length))
  if (!m) throw new Error(`README.md: "${marker}" is not followed by a fenced block`)
  return { lang: m[1]!, code: `${m[2]!}\n` }
}

/** The CLI arguments of the start snippet's first command (`npx cce-release-emulator …`, with `\` continuations). */
function startArgs(code: string): string[] {
  const command = code.split(/\n(?=#)/)[0]!.replace(/\\\n/g, ' ')
  const [npx, bin, ...args] = command.trim().split(/\s+/)
  if (npx !== 'npx' || bin !== 'cce-release-emulator') throw new Error(`unexpected start snippet: ${command}`)
  return args
}

interface Result {
  code: number
  stdout: string
  stderr: string
}

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { ...opts, timeout: opts.timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(err)
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
    })
  })
}

async function has(cmd: string, args: string[]): Promise<boolean> {
  return run(cmd, args, { cwd: REPO_ROOT, env: process.env, timeoutMs: 30_000 }).then((r) => r.code === 0, () => false)
}

/** Skips with a message on a developer machine; under CI=true a missing toolchain fails the suite. */
function skipReason(what: string, missing: string | undefined): string | undefined {
  if (!missing) return undefined
  if (process.env.CI === 'true') throw new Error(`${missing}, and CI=true requires the README ${what} snippet to run`)
  process.stderr.write(`README ${what} snippet skipped: ${missing}\n`)
  return missing
}

const [hasCurl, goVersion, venv, java] = await Promise.all([
  has('bash', ['-c', 'curl --version']),
  findGo(),
  ensureSdkVenv(),
  ensureJavaDriver(),
])
const skipCurl = skipReason('curl', hasCurl ? undefined : 'bash or curl not found')
const skipPython = skipReason('Python', 'skip' in venv ? venv.skip : undefined)
const skipGo = skipReason('Go', goVersion ? undefined : 'go not found')
const skipJava = skipReason('Java', 'skip' in java ? java.skip : undefined)

/** What every SDK snippet prints on a fresh emulator. */
function expectSdkOutput(r: Result): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
  const lines = r.stdout.trim().split('\n')
  expect(lines.slice(0, 2)).toEqual(['charts: []', 'releases: []'])
  expect(lines[2]).toMatch(new RegExp(`^error: 404 CCE\\.01404001 ${REQUEST_ID.source.slice(1, -1)}$`))
  expect(lines).toHaveLength(3)
}

describe('README client snippets, run as written', () => {
  let cli: RunningCli
  let dir = ''

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'readme-snippets-'))
    cli = await startCli(startArgs(snippet(README, 'start').code))
  })

  afterAll(async () => {
    await cli?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** A project folder and a throwaway HOME per snippet (the SDKs write ~/.huaweicloud). */
  async function project(name: string): Promise<{ cwd: string; home: string }> {
    const cwd = join(dir, name)
    const home = join(dir, `${name}-home`)
    await Promise.all([mkdir(cwd, { recursive: true }), mkdir(home, { recursive: true })])
    return { cwd, home }
  }

  function withUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    const out: NodeJS.ProcessEnv = { ...env, EMULATOR_URL: cli.url }
    // The SDKs' own environment overrides would change what the snippet does.
    for (const key of Object.keys(out)) if (key.startsWith('HUAWEICLOUD_SDK_')) delete out[key]
    return out
  }

  it.skipIf(skipCurl !== undefined)('curl: lists, then a 404 with X-Request-Id and the CCE error body', async () => {
    const { lang, code } = snippet(README, 'curl')
    expect(lang).toBe('bash')
    const { cwd, home } = await project('curl')
    await writeFile(join(cwd, 'snippet.sh'), code)
    const r = await run('bash', ['snippet.sh'], { cwd, env: withUrl({ ...process.env, HOME: home }), timeoutMs: 30_000 })
    expect(r.code, r.stderr).toBe(0)
    const [charts, releases, status] = r.stdout.split('\n')
    expect([charts, releases]).toEqual(['charts: []', 'releases: []'])
    expect(status).toMatch(/^HTTP\/1\.1 404 /)
    expect(/^x-request-id: (\S+)\r?$/im.exec(r.stdout)?.[1]).toMatch(REQUEST_ID)
    const body = JSON.parse(r.stdout.slice(r.stdout.indexOf('\r\n\r\n') + 4)) as Record<string, string>
    expect(body).toMatchObject({ error_code: 'CCE.01404001', error_msg: expect.stringContaining('"missing"') })
  })

  it.skipIf(skipPython !== undefined)('Python: prints [] for the empty lists (not None) and the 404', async () => {
    const { lang, code } = snippet(README, 'python')
    expect(lang).toBe('python')
    const { cwd, home } = await project('python')
    await writeFile(join(cwd, 'snippet.py'), code)
    const python = 'python' in venv ? venv.python : ''
    expectSdkOutput(await run(python, ['snippet.py'], { cwd, env: withUrl(isolatedEnv(home)), timeoutMs: 60_000 }))
  })

  it.skipIf(skipGo !== undefined)('Go: compiles with its imports and prints the same', async () => {
    const { lang, code } = snippet(README, 'go')
    expect(lang).toBe('go')
    const { cwd, home } = await project('go')
    // The Go tier's pinned module (v0.1.188, as the README's `go get` line says) and its checksums.
    await Promise.all([
      writeFile(join(cwd, 'main.go'), code),
      copyFile(join(REPO_ROOT, 'test', 'sdk', 'go', 'go.mod'), join(cwd, 'go.mod')),
      copyFile(join(REPO_ROOT, 'test', 'sdk', 'go', 'go.sum'), join(cwd, 'go.sum')),
    ])
    expectSdkOutput(await run('go', ['run', '.'], { cwd, env: withUrl(goEnv(home)), timeoutMs: 10 * 60_000 }))
  }, 10 * 60_000)

  it.skipIf(skipJava !== undefined)('Java: compiles against the pinned SDK and prints the same', async () => {
    const { lang, code } = snippet(README, 'java')
    expect(lang).toBe('java')
    const { cwd, home } = await project('java')
    await writeFile(join(cwd, 'Example.java'), code)
    const classpath = 'depsClasspath' in java ? java.depsClasspath : ''
    // The source-file launcher compiles and runs the class in one step, against the SDK's jars only.
    const r = await run('java', [...JVM_FLAGS, '-cp', classpath, 'Example.java'], { cwd, env: withUrl({ ...process.env, HOME: home }), timeoutMs: 120_000 })
    expectSdkOutput(r)
  }, 120_000)

  it('every snippet marker names a fenced block, and the Go snippet pins the version the Go tier uses', async () => {
    for (const name of ['start', 'curl', 'python', 'go', 'java']) expect(() => snippet(README, name)).not.toThrow()
    const goMod = await readFile(join(REPO_ROOT, 'test', 'sdk', 'go', 'go.mod'), 'utf8')
    const pinned = /huaweicloud-sdk-go-v3 (v[\d.]+)/.exec(goMod)![1]
    expect(README).toContain(`go get github.com/huaweicloud/huaweicloud-sdk-go-v3@${pinned}`)
    const pom = await readFile(join(REPO_ROOT, 'test', 'sdk', 'java', 'pom.xml'), 'utf8')
    const javaPinned = /<huaweicloud\.sdk\.version>([^<]+)</.exec(pom)![1]
    expect(README).toContain(`<artifactId>huaweicloud-sdk-cce</artifactId>\n  <version>${javaPinned}</version>`)
    const requirements = await readFile(join(REPO_ROOT, 'test', 'sdk', 'requirements.txt'), 'utf8')
    const pyPinned = /huaweicloudsdkcce==([\d.]+)/.exec(requirements)![1]
    expect(README).toContain(`pip install huaweicloudsdkcce==${pyPinned}`)
  })
})
