#!/usr/bin/env node
/**
 * The installed command (`cce-release-emulator`, `npm start`): runs the bundled CLI
 * (dist/cli.bundle.cjs). Compiling the bundle's JavaScript is a large part of start-up, so the
 * compiled code is cached, with public Node APIs only:
 *   - Node ≥ 22.1: module.enableCompileCache(), Node's own cache (NODE_COMPILE_CACHE, else the
 *     OS temp folder), then a plain require;
 *   - older Node: vm.Script's cachedData, kept beside the bundle (the build warms it) and written
 *     on exit when missing or rejected; V8 rejects it by itself when the bundle, the Node version
 *     or its flags change. The bundle gets this file's require (the same folder).
 * NODE_DISABLE_COMPILE_CACHE=1, a cache that cannot be read or written, or anything unexpected
 * in the cached path means plain loading, never a failure.
 */
import * as nodeBuffer from 'node:buffer'
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Script } from 'node:vm'

const bundle = join(__dirname, 'cli.bundle.cjs')
// node:module is loaded only where it can have enableCompileCache: on Node 20 it is ~0.5 ms of
// start-up for nothing (the bundle gets this file's require, below).
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
const enableCompileCache =
  major > 22 || (major === 22 && minor >= 1) ? (require('node:module') as { enableCompileCache?: () => unknown }).enableCompileCache : undefined

if (process.env.NODE_DISABLE_COMPILE_CACHE) {
  require(bundle)
} else if (typeof enableCompileCache === 'function') {
  enableCompileCache()
  require(bundle)
} else {
  runWithCodeCache()
}

function runWithCodeCache(): void {
  const cacheFile = `${bundle}.v8cache`
  let cachedData: Buffer | undefined
  try {
    cachedData = readFileSync(cacheFile)
  } catch {
    cachedData = undefined
  }
  let script: Script
  try {
    const bytes = readFileSync(bundle)
    // The build keeps the bundle ASCII, where Latin-1 decodes the same text as UTF-8 at a fraction of the cost.
    const isAscii = (nodeBuffer as { isAscii?: (b: Buffer) => boolean }).isAscii
    const source = bytes.toString(isAscii?.(bytes) ? 'latin1' : 'utf8').replace(/^#!.*/, '')
    // CommonJS's own wrapper signature; the first line of the bundle stays line 1.
    script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
      filename: bundle,
      ...(cachedData ? { cachedData } : {}),
    })
  } catch {
    require(bundle)
    return
  }
  const mod = { exports: {} as unknown }
  const run = script.runInThisContext() as (...args: unknown[]) => void
  // This file's require, as the bundle's: it sits in the same folder, so it resolves every
  // relative path and package exactly as a require made for the bundle would.
  run.call(mod.exports, mod.exports, require, mod, bundle, dirname(bundle))

  // Only a run that served is worth keeping: a cache written by --version would be valid, so kept
  // for good, yet hold almost nothing the server needs.
  const informational = process.argv.slice(2).some((a) => ['--help', '-h', '--version', '-v'].includes(a))
  if ((!cachedData || script.cachedDataRejected) && !informational) {
    // On the way out, so the cache holds every function this run compiled (the build warms it
    // with one start and stop: see scripts/bundle.mjs). A rename keeps concurrent writers whole.
    process.once('exit', (code) => {
      if (code !== 0) return
      try {
        const tmp = `${cacheFile}.${process.pid}`
        writeFileSync(tmp, script.createCachedData())
        renameSync(tmp, cacheFile)
      } catch {
        // read-only install: run without a cache
      }
    })
  }
}
