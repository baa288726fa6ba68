/**
 * Provisions the Python virtualenv that holds the pinned Huawei Cloud SDK for the conformance tier.
 *
 * The venv lives in <repo>/.cache/sdk-venv (git-ignored) and is reused across runs; pip only runs
 * when requirements.txt changed since the last successful install (tracked by a stamp file).
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
export const REPO_ROOT = resolve(here, '..', '..')
export const REQUIREMENTS = join(here, 'requirements.txt')
export const VENV_DIR = join(REPO_ROOT, '.cache', 'sdk-venv')
const STAMP = join(VENV_DIR, '.requirements.sha256')
const LOCK = `${VENV_DIR}.lock`
// A crashed installer must not wedge every later run; a real install takes well under this.
const STALE_LOCK_MS = 15 * 60_000

export type SdkVenv = { python: string; installMs?: number } | { skip: string }

interface RunResult {
  code: number
  stdout: string
  stderr: string
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(err)
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
      resolveRun({ code, stdout, stderr })
    })
  })
}

async function hasPython3(): Promise<boolean> {
  try {
    return (await run('python3', ['--version'], process.env, 30_000)).code === 0
  } catch {
    return false
  }
}

function venvPython(): string {
  return process.platform === 'win32' ? join(VENV_DIR, 'Scripts', 'python.exe') : join(VENV_DIR, 'bin', 'python')
}

/**
 * pip and the SDK write into $HOME (pip cache, ~/.huaweicloud/application_id), so both get a
 * throwaway HOME. Index overrides from the caller's environment are dropped so packages come from
 * the default index (PyPI) only; local find-links and the CA bundle setting are kept.
 */
export function isolatedEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' }
  delete env.PIP_INDEX_URL
  delete env.PIP_EXTRA_INDEX_URL
  delete env.PIP_CONFIG_FILE
  delete env.PYTHONPATH
  delete env.PYTHONHOME
  delete env.VIRTUAL_ENV
  return env
}

async function acquireLock(): Promise<() => Promise<void>> {
  await mkdir(dirname(LOCK), { recursive: true })
  for (;;) {
    try {
      await mkdir(LOCK)
      return () => rm(LOCK, { recursive: true, force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const age = await stat(LOCK).then((s) => Date.now() - s.mtimeMs, () => 0)
      if (age > STALE_LOCK_MS) await rm(LOCK, { recursive: true, force: true })
      else await new Promise((r) => setTimeout(r, 500))
    }
  }
}

function fail(step: string, r: RunResult): never {
  const tail = (r.stderr || r.stdout).split('\n').slice(-30).join('\n')
  throw new Error(`sdk venv: ${step} failed (exit ${r.code}):\n${tail}`)
}

export async function ensureSdkVenv(): Promise<SdkVenv> {
  if (!(await hasPython3())) {
    // CI must exercise the SDK tier; only a developer machine may silently skip it.
    if (process.env.CI === 'true') throw new Error('python3 not found, and CI=true requires the SDK conformance tier')
    return { skip: 'python3 not found' }
  }

  const wanted = createHash('sha256').update(await readFile(REQUIREMENTS)).digest('hex')
  const python = venvPython()
  const isCurrent = async (): Promise<boolean> =>
    existsSync(python) && (await readFile(STAMP, 'utf8').catch(() => '')).trim() === wanted
  if (await isCurrent()) return { python }

  const release = await acquireLock()
  const home = await mkdtemp(join(tmpdir(), 'sdk-venv-home-'))
  try {
    // Another worker may have finished the install while we waited for the lock.
    if (await isCurrent()) return { python }
    const env = isolatedEnv(home)
    const started = Date.now()
    if (!existsSync(python)) {
      const r = await run('python3', ['-m', 'venv', VENV_DIR], env, 120_000)
      if (r.code !== 0) fail('python3 -m venv', r)
    }
    // The stamp is removed first so an interrupted install is retried rather than trusted.
    await rm(STAMP, { force: true })
    const r = await run(python, ['-m', 'pip', 'install', '--no-cache-dir', '-r', REQUIREMENTS], env, 15 * 60_000)
    if (r.code !== 0) fail('pip install', r)
    await writeFile(STAMP, `${wanted}\n`)
    const installMs = Date.now() - started
    process.stderr.write(`sdk venv: installed ${REQUIREMENTS} into ${VENV_DIR} in ${(installMs / 1000).toFixed(1)} s\n`)
    return { python, installMs }
  } finally {
    await rm(home, { recursive: true, force: true })
    await release()
  }
}
