/**
 * OpenTofu and the huaweicloud provider for the Terraform tier, built by build-tools.sh into
 * <repo>/.cache/terraform (git-ignored) on the first run and reused afterwards, and the plumbing
 * to run `tofu` against a working directory.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT } from '../sdk/venv.js'

export const CACHE = join(REPO_ROOT, '.cache', 'terraform')
export const TOFU = join(CACHE, 'bin', 'tofu')
/** The dev_overrides directory: it holds terraform-provider-huaweicloud and nothing else. */
export const PROVIDER_DIR = join(CACHE, 'provider')
const BUILD = join(REPO_ROOT, 'test', 'terraform', 'build-tools.sh')

export interface Result {
  code: number
  stdout: string
  stderr: string
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(err)
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
    })
  })
}

async function goVersion(): Promise<string | undefined> {
  try {
    const r = await run('go', ['version'], { timeoutMs: 30_000 })
    return r.code === 0 ? r.stdout.trim() : undefined
  } catch {
    return undefined
  }
}

/** Whether the tier can run: both binaries built from the pinned versions, or Go to build them. */
export async function toolsStatus(): Promise<{ skip?: string }> {
  if ((await run('bash', [BUILD, '--check'], { timeoutMs: 30_000 })).code === 0) return {}
  if (await goVersion()) return {}
  return { skip: 'go not found, and OpenTofu and the huaweicloud provider are built from source (install Go >= 1.26.6)' }
}

/** Builds whichever binary is missing or stale (a no-op when both are current); seconds per binary. */
export async function buildTools(): Promise<Array<{ what: string; seconds: number; reused: boolean }>> {
  const built = []
  for (const what of ['tofu', 'provider']) {
    const started = performance.now()
    // nice: a cold provider build holds both cores for many minutes on a shared machine.
    const r = await run('nice', ['-n', '10', 'bash', BUILD, what], { timeoutMs: 60 * 60_000 })
    if (r.code !== 0) throw new Error(`building ${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr.slice(-8000)}`)
    built.push({ what, seconds: (performance.now() - started) / 1000, reused: r.stdout.includes('is up to date') })
  }
  return built
}
