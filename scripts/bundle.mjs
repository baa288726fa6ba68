#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli.js) into one CommonJS file, dist/cli.bundle.cjs, which the
// command (dist/bin.cjs, from src/bin.cts) runs with a compile cache. Resolving and loading a
// few hundred small modules one by one was most of the start-up time on a small machine.
// better-sqlite3 stays external (a native addon), and so does swagger, imported dynamically for
// npm run openapi only. Lazily imported modules stay inside the bundle, initialised on first use.
//
// It also builds the package's CommonJS entry (require('cce-release-emulator'), Jest's default
// mode): dist/index.cjs, our code only, every dependency left to require(), beside dist/index.js
// so paths the sources derive from import.meta.url are the same; and its types, the declaration
// tree copied under dist/types-cjs/ where a package.json marks them CommonJS.
import { spawn } from 'node:child_process'
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { build } from 'esbuild'

const dist = (path) => new URL(`../dist/${path}`, import.meta.url).pathname
const bin = dist('bin.cjs')
const cache = dist('cli.bundle.cjs.v8cache')

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
  entryPoints: [dist('cli.js')],
  outfile: dist('cli.bundle.cjs'),
  external: ['better-sqlite3', '@fastify/swagger'],
  // The sources are ES modules that locate files next to themselves with import.meta.url.
  define: { 'import.meta.url': '__bundleUrl', __CHART_WORKER_FILE__: JSON.stringify('./chart-worker.bundle.cjs') },
})

// The chart reader's worker thread (src/charts/package-worker.ts) gets a bundle of its own, which
// the CLI bundle and the CommonJS entry find beside themselves (__CHART_WORKER_FILE__).
await build({
  ...common,
  entryPoints: [dist('charts/package-worker.js')],
  outfile: dist('chart-worker.bundle.cjs'),
  define: { 'import.meta.url': '__bundleUrl' },
})

await build({
  ...common,
  entryPoints: [dist('index.js')],
  outfile: dist('index.cjs'),
  packages: 'external',
  // As the CLI bundle: code that finds a worker script beside itself finds the bundled one (dist/).
  define: { 'import.meta.url': '__bundleUrl', __CHART_WORKER_FILE__: JSON.stringify('./chart-worker.bundle.cjs') },
})
rmSync(dist('types-cjs'), { recursive: true, force: true })
for (const file of readdirSync(dist(''), { recursive: true })) {
  if (file.endsWith('.d.ts')) cpSync(dist(file), dist(`types-cjs/${file}`))
}
writeFileSync(dist('types-cjs/package.json'), '{ "type": "commonjs" }\n')

// Warm the code cache (Node < 22.1, see src/bin.cts): start the command once, wait until it
// serves, stop it; it writes the cache as it exits. A build that cannot do this still works.
rmSync(cache, { force: true })
await new Promise((resolve) => {
  const proc = spawn(process.execPath, [bin, '--port', '0', '--db', ':memory:', '--auth', 'off', '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'ignore'] })
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

// What scripts/start.mjs compares the sources against: `npm start` rebuilds only when older.
writeFileSync(dist('.build-stamp'), `${new Date().toISOString()}\n`)
