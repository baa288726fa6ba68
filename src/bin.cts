#!/usr/bin/env node
/**
 * The installed command (`cce-release-emulator`, `npm start`). It runs the bundled CLI
 * (dist/cli.bundle.cjs) through V8's code cache: compiling the bundle's JavaScript was a third of
 * start-up on a small machine, and Node 20 has no compile cache of its own. The cache is written
 * beside the bundle when a run without a usable one exits; V8 rejects it by itself when the
 * bundle, the Node version or its flags change; a folder we cannot write to only means no cache.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import Module from 'node:module'
import { join } from 'node:path'
import { Script } from 'node:vm'

const bundle = join(__dirname, 'cli.bundle.cjs')
const cacheFile = `${bundle}.v8cache`

let cachedData: Buffer | undefined
try {
  cachedData = readFileSync(cacheFile)
} catch {
  cachedData = undefined
}

const source = readFileSync(bundle, 'utf8').replace(/^#!.*/, '')
const script = new Script(Module.wrap(source), { filename: bundle, ...(cachedData ? { cachedData } : {}) })
const mod = new Module(bundle, module)
mod.filename = bundle
mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(__dirname)
const localRequire = Object.assign((id: string) => mod.require(id), {
  resolve: (request: string) => (Module as unknown as { _resolveFilename(r: string, m: Module): string })._resolveFilename(request, mod),
})
;(script.runInThisContext() as (...args: unknown[]) => void).call(mod.exports, mod.exports, localRequire, mod, bundle, __dirname)

if (!cachedData || script.cachedDataRejected) {
  // On the way out, so the cache holds every function this run compiled (the build warms it
  // with one start and stop: see scripts/bundle.mjs). A rename keeps concurrent writers whole.
  process.once('exit', () => {
    try {
      const tmp = `${cacheFile}.${process.pid}`
      writeFileSync(tmp, script.createCachedData())
      renameSync(tmp, cacheFile)
    } catch {
      // read-only install: run without a cache
    }
  })
}
