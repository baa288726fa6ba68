/**
 * `npm start` on a built checkout: no rebuild (npm test has just built), ready quickly, and a
 * SIGTERM to npm itself (CI's `npm start & … kill $!`) leaves nothing serving on the port.
 */
import { spawn } from 'node:child_process'
import { statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const REPO = fileURLToPath(new URL('../..', import.meta.url))

it('starts the built server without rebuilding, and stops when npm is stopped', async () => {
  const stamp = statSync(`${REPO}/dist/.build-stamp`).mtimeMs
  const env = { ...process.env }
  for (const key of Object.keys(env)) if (key.startsWith('CCE_EMULATOR_')) delete env[key]
  const npm = spawn('npm', ['start', '--', '--port', '0', '--db', ':memory:', '--log-format', 'json'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let out = ''
  npm.stdout.on('data', (b: Buffer) => (out += b.toString()))
  npm.stderr.on('data', (b: Buffer) => (out += b.toString()))
  try {
    const url = await new Promise<string>((resolve, reject) => {
      npm.stdout.on('data', () => {
        const m = /"url":"(http:[^"]+)"/.exec(out)
        if (m) resolve(m[1]!)
      })
      npm.once('exit', (code) => reject(new Error(`npm start exited ${code}:\n${out}`)))
    })
    expect(out).not.toMatch(/rebuilding|building/)
    expect(statSync(`${REPO}/dist/.build-stamp`).mtimeMs).toBe(stamp)
    expect((await fetch(`${url}/_emulator/health`)).status).toBe(200)

    npm.kill('SIGTERM')
    const deadline = Date.now() + 10_000
    while (await fetch(`${url}/_emulator/health`).then(() => true, () => false)) {
      if (Date.now() > deadline) throw new Error(`the server outlived npm start:\n${out}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  } finally {
    // Whatever happened above, nothing of this test keeps running.
    try {
      process.kill(-npm.pid!, 'SIGKILL')
    } catch {
      // the group is gone already
    }
  }
})
