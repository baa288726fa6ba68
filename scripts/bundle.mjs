#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli.js) into one CommonJS file, dist/cli.bundle.cjs, which the
// command (dist/bin.cjs, from src/bin.cts) runs through V8's code cache. Resolving and loading a
// few hundred small modules one by one was most of the start-up time on a small machine.
// better-sqlite3 stays external (a native addon), and so does swagger, imported dynamically for
// npm run openapi only. Lazily imported modules stay inside the bundle, initialised on first use.
// The chart reader's worker thread (src/charts/package-worker.ts) gets a bundle of its own,
// dist/chart-worker.bundle.cjs, which the CLI bundle finds beside itself (__CHART_WORKER_FILE__).
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { build } from 'esbuild'

const bin = new URL('../dist/bin.cjs', import.meta.url).pathname
const cache = new URL('../dist/cli.bundle.cjs.v8cache', import.meta.url).pathname

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  legalComments: 'none',
}

await build({
  ...common,
  entryPoints: [new URL('../dist/cli.js', import.meta.url).pathname],
  outfile: new URL('../dist/cli.bundle.cjs', import.meta.url).pathname,
  external: ['better-sqlite3', '@fastify/swagger'],
  // The sources are ES modules that locate files next to themselves with import.meta.url.
  define: { 'import.meta.url': '__bundleUrl', __CHART_WORKER_FILE__: JSON.stringify('./chart-worker.bundle.cjs') },
})

await build({
  ...common,
  entryPoints: [new URL('../dist/charts/package-worker.js', import.meta.url).pathname],
  outfile: new URL('../dist/chart-worker.bundle.cjs', import.meta.url).pathname,
  define: { 'import.meta.url': '__bundleUrl' },
})

// Warm V8's code cache: start the command once, wait until it serves, stop it; it writes the
// cache as it exits. A build that cannot do this still works, just without the cache.
rmSync(cache, { force: true })
await new Promise((resolve) => {
  const proc = spawn(process.execPath, [bin, '--port', '0', '--db', ':memory:', '--auth', 'off'], { stdio: ['ignore', 'pipe', 'ignore'] })
  let out = ''
  const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000)
  proc.stdout.on('data', async (chunk) => {
    out += chunk
    const url = /"url":"(http:[^"]+)"/.exec(out)?.[1]
    if (!url || proc.warmed) return
    proc.warmed = true
    await fetch(`${url}/_emulator/health`).then((r) => r.text()).catch(() => undefined)
    proc.kill('SIGTERM')
  })
  proc.once('exit', () => {
    clearTimeout(timer)
    resolve()
  })
})
