/** Starts the real CLI (dist/cli.js, built by `npm test`'s pretest) as a child process. */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))

export interface RunningCli {
  url: string
  proc: ChildProcess
  /** Everything the process printed on stdout so far. */
  output: () => string
  /** Milliseconds from spawn to the ready log line. */
  readyMs: number
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

export function startCli(args: string[], env: Record<string, string> = {}, timeoutMs = 15_000): Promise<RunningCli> {
  const started = performance.now()
  const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
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
        output: () => out,
        readyMs: performance.now() - started,
        stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal)
          return exited
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

/** Runs the CLI to completion (for --help and bad flags). */
export function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', (b: Buffer) => (stdout += b.toString()))
  proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
  return new Promise((resolve) => proc.once('exit', (code) => resolve({ code, stdout, stderr })))
}
