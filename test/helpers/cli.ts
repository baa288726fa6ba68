/**
 * Starts the real CLI as a child process: dist/bin.cjs (the bundle, run through V8.s code
 * cache), which `npm start` and
 * the package's bin run, built by `npm test`'s pretest.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const CLI = fileURLToPath(new URL('../../dist/bin.cjs', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface RunningCli {
  url: string
  proc: ChildProcess
  /** Everything the process printed so far (stdout, then stderr), for assertions and failure messages. */
  output: () => string
  /** Milliseconds from spawn to the ready log line. */
  readyMs: number
  /** Sends `signal` (SIGKILL after 5 s if the process lingers) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** The caller's CCE_EMULATOR_* settings must not leak into a test instance. */
function testEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const key of Object.keys(env)) if (key.startsWith('CCE_EMULATOR_')) delete env[key]
  return { ...env, ...extra }
}

export function startCli(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<RunningCli> {
  if (!existsSync(CLI)) return Promise.reject(new Error(`${CLI} is missing: run \`npm run build\` first (\`npm test\` does it for you)`))
  const started = performance.now()
  const proc = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: testEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()))
  proc.stderr!.on('data', (b: Buffer) => (err += b.toString()))
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`CLI did not become ready in ${timeoutMs} ms:\n${out}\n${err}`))
    }, timeoutMs)
    const onData = () => {
      const match = /"url":"(http:\/\/[^"]+)"/.exec(out)
      if (!match) return
      clearTimeout(timer)
      proc.stdout!.off('data', onData)
      resolve({
        url: match[1]!,
        proc,
        output: () => `${out}${err}`,
        readyMs: performance.now() - started,
        stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
          if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode
          proc.kill(signal)
          const killer = setTimeout(() => proc.kill('SIGKILL'), 5_000)
          const code = await exited
          clearTimeout(killer)
          return code
        },
      })
    }
    proc.stdout!.on('data', onData)
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`CLI exited with ${code} before it was ready:\n${out}\n${err}`))
    })
  })
}

/**
 * Runs the CLI to completion (for --help and refused starts). One that does not exit within
 * `timeoutMs` (it started serving, or hangs) is killed and answers code null, so a regression
 * fails the test instead of leaving a process behind.
 */
export function runCli(args: string[], timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: testEnv({}), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', (b: Buffer) => (stdout += b.toString()))
  proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs)
  return new Promise((resolve) =>
    proc.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    }),
  )
}
