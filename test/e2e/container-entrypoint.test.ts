/**
 * The Dockerfile's runtime contract, exercised on the host (no container engine runs here): its
 * ENTRYPOINT and CMD with its ENV, paths inside the image mapped to this checkout and a temporary
 * /data, must serve on the host address it sets, keep its database in /data, pass its HEALTHCHECK
 * command, and exit 0 on SIGTERM as PID 1 would get it from `docker stop`. Not exercised: the
 * image build itself, the non-root user, the volume and the port mapping.
 */
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, expect, it } from 'vitest'

const REPO = fileURLToPath(new URL('../..', import.meta.url))
const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ')
const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))
const data = mkdtempSync(join(tmpdir(), 'cce-container-data-'))
afterAll(() => rmSync(data, { recursive: true, force: true }))

const jsonArray = (instruction: string, text = runtime): string[] => {
  const m = new RegExp(`^${instruction}\\s+(\\[.*\\])\\s*$`, 'm').exec(text)
  if (!m) throw new Error(`no ${instruction} [...] in the Dockerfile`)
  return JSON.parse(m[1]!) as string[]
}
/** Paths inside the image → this checkout and a temporary data folder. */
const onHost = (s: string): string => s.replaceAll('/opt/cce-release-emulator', REPO).replace(/^\/data\b/, data)

it('the image entrypoint serves on its address with its database in /data, passes HEALTHCHECK and stops on SIGTERM', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of Object.keys(env)) if (key.startsWith('CCE_EMULATOR_')) delete env[key]
  const envLine = /^ENV\s+(.*)$/m.exec(runtime)![1]!
  for (const [, key, value] of envLine.matchAll(/(\w+)=(\S+)/g)) env[key!] = onHost(value!)
  expect(env.CCE_EMULATOR_HOST).toBe('0.0.0.0')
  // A free port instead of 8080 (other emulators may run here); the health check follows the variable.
  env.CCE_EMULATOR_PORT = String(40000 + (process.pid % 20000))

  const [cmd, ...args] = [...jsonArray('ENTRYPOINT'), ...jsonArray('CMD')].map(onHost)
  expect(cmd).toBe('node')
  const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout.on('data', (b: Buffer) => (out += b.toString()))
  proc.stderr.on('data', (b: Buffer) => (out += b.toString()))
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  try {
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on('data', () => out.includes('"url":"http://0.0.0.0:') && resolve())
      proc.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)))
    })
    expect(existsSync(join(data, 'emulator.db'))).toBe(true)
    const health = jsonArray('HEALTHCHECK.*CMD', runtime.replace(/^HEALTHCHECK[^\n]*?CMD/m, 'HEALTHCHECK CMD'))
    expect(health[0]).toBe('node')
    await promisify(execFile)(process.execPath, health.slice(1), { env, timeout: 10_000 })
    proc.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(out).toContain('shutting down')
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL')
  }
})
