/**
 * The real Cloudpods `climc` (yunionio/cloudpods `cmd/climc`, module `yunion.io/x/onecloud`),
 * built from the Go module proxy and cached, for the client tier.
 *
 * The proxy serves exactly one version of that module here, CLIMC_VERSION (a commit of 2021-12-30,
 * before the 3.9 release line): its `k8s-release-upgrade` sends the seed's
 * `PUT /api/releases/{name}` (release 3.8 behaviour), not 3.9+'s `POST .../upgrade`; Keystone and
 * the other release commands are as in spec cloudpods-climc-wire.md. Every other version tried
 * (the module list, `latest`, master, tagged pseudo-versions of 2020-2023) is refused with 403.
 *
 * First use: `go mod download` of the module (~9.5 MB zip) into the Go module cache, a writable copy
 * under .cache/climc-src/<version>, and `nice -n 10 go build -mod=mod ./cmd/climc` (about 10 min
 * cold and ~860 MB peak memory on 2 shared cores: it downloads and compiles the Kubernetes client
 * libraries). The binary is cached at .cache/climc/<version>/climc and reused. Without `go`, or
 * when the module cannot be fetched or built, `ensureClimc()` answers a skip reason, except under
 * CI=true where it throws.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const CLIMC_MODULE = 'yunion.io/x/onecloud'
export const CLIMC_VERSION = 'v0.0.0-20211230024531-348442d65f38'

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SRC_DIR = join(REPO_ROOT, '.cache', 'climc-src', CLIMC_VERSION)
export const CLIMC_BIN = join(REPO_ROOT, '.cache', 'climc', CLIMC_VERSION, 'climc')
const BUILD_TIMEOUT_MS = 40 * 60_000

export interface Result {
  code: number
  stdout: string
  stderr: string
}

function run(cmd: string, args: string[], opts: { cwd?: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(err)
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
    })
  })
}

/** The machine's Go settings (proxy, caches) with the toolchain pinned to the installed one. */
const goEnv = (): NodeJS.ProcessEnv => ({ ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' })

export type ClimcStatus = { ok: true; bin: string; version: string } | { ok: false; reason: string }

async function build(): Promise<ClimcStatus> {
  try {
    await run('go', ['version'], { env: goEnv(), timeoutMs: 30_000 })
  } catch {
    return { ok: false, reason: 'go not found (install Go >= 1.21 to build climc from the Go module proxy)' }
  }
  const dl = await run('go', ['mod', 'download', '-json', `${CLIMC_MODULE}@${CLIMC_VERSION}`], { env: goEnv(), timeoutMs: 10 * 60_000 })
  let dir: string | undefined
  try {
    const info = JSON.parse(dl.stdout) as { Dir?: string; Error?: string }
    if (info.Error) return { ok: false, reason: `go mod download ${CLIMC_MODULE}@${CLIMC_VERSION} failed: ${info.Error}` }
    dir = info.Dir
  } catch {
    /* reported below */
  }
  if (dl.code !== 0 || !dir) return { ok: false, reason: `go mod download ${CLIMC_MODULE}@${CLIMC_VERSION} failed (exit ${dl.code}): ${dl.stderr || dl.stdout}` }

  // The module cache is read-only, and the build resolves dependencies (-mod=mod) into go.mod/go.sum.
  await rm(SRC_DIR, { recursive: true, force: true })
  await mkdir(join(SRC_DIR, '..'), { recursive: true })
  const copy = await run('cp', ['-R', dir, SRC_DIR], { env: process.env, timeoutMs: 120_000 })
  const writable = copy.code === 0 ? await run('chmod', ['-R', 'u+w', SRC_DIR], { env: process.env, timeoutMs: 120_000 }) : copy
  if (writable.code !== 0) return { ok: false, reason: `copying ${dir} to ${SRC_DIR} failed: ${writable.stderr}` }

  await mkdir(join(CLIMC_BIN, '..'), { recursive: true })
  const tmp = `${CLIMC_BIN}.${process.pid}.tmp`
  const started = Date.now()
  const b = await run('nice', ['-n', '10', 'go', 'build', '-mod=mod', '-o', tmp, './cmd/climc'], { cwd: SRC_DIR, env: goEnv(), timeoutMs: BUILD_TIMEOUT_MS })
  if (b.code !== 0) {
    await rm(tmp, { force: true })
    return { ok: false, reason: `go build ./cmd/climc of ${CLIMC_MODULE}@${CLIMC_VERSION} failed (exit ${b.code}):\n${b.stderr.slice(-4000)}` }
  }
  // Atomic: a concurrent or interrupted build never leaves a half-written binary at CLIMC_BIN.
  await rename(tmp, CLIMC_BIN)
  process.stderr.write(`climc ${CLIMC_VERSION} built in ${((Date.now() - started) / 1000).toFixed(0)} s\n`)
  return { ok: true, bin: CLIMC_BIN, version: CLIMC_VERSION }
}

let pending: Promise<ClimcStatus> | undefined

/**
 * The cached climc binary, built on first use. Answers `{ ok: false, reason }` to skip with, and
 * throws instead under CI=true, where the tier is required.
 */
export async function ensureClimc(): Promise<ClimcStatus> {
  if (existsSync(CLIMC_BIN)) return { ok: true, bin: CLIMC_BIN, version: CLIMC_VERSION }
  pending ??= build()
  const status = await pending
  if (!status.ok && process.env.CI === 'true') throw new Error(`CI=true requires the climc client tier: ${status.reason}`)
  return status
}

export interface ClimcOptions {
  /** Keystone v3 URL; must end in exactly `/v3` (otherwise climc speaks Keystone v2). */
  authUrl: string
  /** OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, ... Never K8S_CLUSTER: a non-empty one stops every climc command. */
  env?: Record<string, string>
  /** climc's TMPDIR (it writes a token cache file there on every run); default a new temp folder per run. */
  tmpdir?: string
  timeoutMs?: number
}

/** Runs climc with a clean environment: only PATH, HOME, TMPDIR, OS_AUTH_URL and `env`. */
export async function runClimc(args: string[], opts: ClimcOptions): Promise<Result> {
  if (!/^https?:\/\/[^/]+\/v3$/.test(opts.authUrl)) throw new Error(`authUrl must end in exactly /v3 (got ${opts.authUrl})`)
  if (opts.env && 'K8S_CLUSTER' in opts.env) throw new Error('K8S_CLUSTER must not be set: climc refuses to start with it (spec cloudpods-climc-wire.md §3.5)')
  const status = await ensureClimc()
  if (!status.ok) throw new Error(`climc is not available: ${status.reason}`)
  const dir = opts.tmpdir ?? (await mkdtemp(join(tmpdir(), 'climc-')))
  try {
    return await run(status.bin, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TMPDIR: dir, OS_AUTH_URL: opts.authUrl, ...opts.env },
      timeoutMs: opts.timeoutMs ?? 60_000,
    })
  } finally {
    if (opts.tmpdir === undefined) await rm(dir, { recursive: true, force: true })
  }
}
