/**
 * Starts the real CLI (`node dist/cli.js`) as a child process on port 0 and reads the URL from its
 * "ready" log line, for the SDK conformance tier. Each instance gets its own in-memory database.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { REPO_ROOT } from './venv.js'

export const CLI = join(REPO_ROOT, 'dist', 'cli.js')

export interface RunningCli {
  url: string
  /** Everything the process wrote so far (stdout and stderr), for failure messages. */
  output(): string
  stop(): Promise<void>
}

/** The caller's CCE_EMULATOR_* settings must not leak into a test instance. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const key of Object.keys(env)) if (key.startsWith('CCE_EMULATOR_')) delete env[key]
  return env
}

export async function startCli(args: string[], timeoutMs = 20_000): Promise<RunningCli> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (\`npm test\` does it for you)`)
  const child: ChildProcess = spawn(process.execPath, [CLI, '--port', '0', '--db', ':memory:', ...args], {
    cwd: REPO_ROOT,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not report ready within ${timeoutMs} ms:\n${output}`)), timeoutMs)
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      output += `${line}\n`
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string }
        if (typeof entry.url === 'string' && entry.msg?.startsWith('CCE release emulator ready at')) {
          clearTimeout(timer)
          resolve(entry.url)
        }
      } catch {
        // not a log line; keep it in the output only
      }
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`emulator exited (${signal ?? code}) before it was ready:\n${output}`))
    })
  })

  return {
    url,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(killer)
    },
  }
}
