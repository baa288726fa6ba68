#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli.js) into one CommonJS file, dist/cli.bundle.cjs, which the
// command (dist/bin.cjs, from src/bin.cts) runs with a compile cache. Resolving and loading a
// few hundred small modules one by one was most of the start-up time on a small machine.
// better-sqlite3's native addon stays external (see sqliteAddon), and so do swagger, imported
// dynamically for npm run openapi only, and the schema compilers (see precompiledTable). Lazily
// imported modules stay inside the bundle, initialised on first use.
//
// It also builds the package's CommonJS entry (require('cce-release-emulator'), Jest's default
// mode): dist/index.cjs, our code only, every dependency left to require(), beside dist/index.js
// so paths the sources derive from import.meta.url are the same; and its types, the declaration
// tree copied under dist/types-cjs/ where a package.json marks them CommonJS.
import { spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { build } from 'esbuild'
import { checkTable, precompileSchemas } from './precompile-schemas.mjs'

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

/**
 * Modules the CLI bundle loads on first use instead of at start-up, because nothing before the
 * first answer touches them: Node's HTTP/2, HTTPS and DNS (Fastify requires them for options
 * the emulator never sets, and for --host localhost), v8 (heap figures) and assert (see
 * CALLED_BUILTINS), the YAML parser (Cloudpods repo indexes), busboy (multipart uploads),
 * proxy-addr and ipaddr.js (Fastify's trustProxy, never set: ~0.3 ms) and thread-stream (pino's
 * transports, never used).
 * Each import gets a stand-in whose properties load the real module when first read, so a module
 * that does use one at load time simply loads it then.
 *   - built-ins: a Proxy, so every property the running Node version has is there; its keys,
 *     which esbuild's ES-module interop lists, are the building Node's;
 *   - packages: the property names the bundled version exports, read here at build time
 *     (__esModule copied as a value: esbuild's interop reads it at import); a package exporting
 *     a function (busboy's constructor) gets a function that calls or constructs the real one.
 */
const LAZY_BUILTINS = ['node:http2', 'node:https', 'node:dns', 'node:v8', 'node:assert', 'assert', 'node:fs/promises', 'node:worker_threads', 'worker_threads', 'node:module', 'module']
/**
 * Built-ins whose functions are taken at load time: reading one of its functions before the
 * module is loaded gives a function that loads it when called (or constructed) and calls (or
 * constructs) the real one. @fastify/multipart destructures unlink from fs/promises (which loads
 * readline and more: ~1 ms); pino's transport destructures createRequire from module and
 * thread-stream Worker from worker_threads (~0.5 ms inside the bundle, for threads the emulator
 * starts only on its first write or chart upload; pino's own isMainThread is read where it is
 * used: SOURCE_PATCHES).
 * src/bin.cts hands the bundle its own require, so nothing loads module at start-up.
 */
const FORWARDED_BUILTINS = ['node:fs/promises', 'node:worker_threads', 'worker_threads', 'node:module', 'module']
/**
 * Built-ins called as functions: find-my-way asserts on every route it adds (~0.9 ms to load
 * node:assert for checks that pass). A call with a truthy first argument returns as assert's
 * does; any other call is the real assert's.
 */
const CALLED_BUILTINS = { 'node:assert': '(_, self, args) => (args[0] ? undefined : Reflect.apply(load(), self, args))', assert: '(_, self, args) => (args[0] ? undefined : Reflect.apply(load(), self, args))' }
const LAZY_PACKAGES = ['yaml', '@fastify/busboy', '@fastify/proxy-addr', 'thread-stream']
const lazyModules = {
  name: 'lazy-modules',
  setup(b) {
    const filter = new RegExp(`^(${[...LAZY_BUILTINS, ...LAZY_PACKAGES].map((m) => m.replace(/[/.]/g, '\\$&')).join('|')})$`)
    // The stand-in's own require of the module resolves as usual (to Node, or into the bundle).
    b.onResolve({ filter }, (args) => (args.namespace === 'lazy' ? undefined : { path: args.path, namespace: 'lazy' }))
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, ({ path }) => {
      const load = `let real; const load = () => (real ??= require(${JSON.stringify(path)}));`
      if (LAZY_BUILTINS.includes(path)) {
        // The keys are this Node's, listed without loading the module: esbuild's interop for an
        // ES-module importer copies them as getters when the importing module initialises.
        const builtin = createRequire(import.meta.url)(path)
        const keys = Object.getOwnPropertyNames(builtin)
        const forwarded = FORWARDED_BUILTINS.includes(path) ? keys.filter((k) => typeof builtin[k] === 'function') : []
        return {
          contents: `${load}
const keys = ${JSON.stringify(keys)};
const forwarded = new Set(${JSON.stringify(forwarded)}), forwarders = new Map();
const forwarder = (key) => { let f = forwarders.get(key); if (!f) forwarders.set(key, (f = function (...args) { return new.target ? Reflect.construct(load()[key], args) : load()[key].apply(this, args) })); return f };
module.exports = new Proxy(${CALLED_BUILTINS[path] ? '() => {}' : '{}'}, {${CALLED_BUILTINS[path] ? `\n  apply: ${CALLED_BUILTINS[path]},` : ''}
  get: (_, key) => (real || !forwarded.has(key) ? load()[key] : forwarder(key)),
  has: (_, key) => key in load(),
  ownKeys: () => [...keys],
  getOwnPropertyDescriptor: (_, key) => (keys.includes(key) ? { configurable: true, enumerable: true, get: () => load()[key] } : undefined),
});`,
          loader: 'js',
        }
      }
      const real = createRequire(import.meta.url)(path)
      const callable = typeof real === 'function'
      const props = Object.getOwnPropertyNames(real).filter((k) => k !== '__esModule' && !(callable && ['length', 'name', 'prototype'].includes(k)))
      return {
        contents: `${load}
${callable ? 'module.exports = function (...args) { return new.target ? Reflect.construct(load(), args) : load().apply(this, args) };' : ''}
${'__esModule' in real ? `module.exports.__esModule = ${JSON.stringify(real.__esModule)};` : ''}
for (const key of ${JSON.stringify(props)}) Object.defineProperty(module.exports, key, { enumerable: true, get: () => load()[key] });`,
        loader: 'js',
        resolveDir: dist(''),
      }
    })
  },
}

/**
 * Fastify checks the `fastify` range a plugin declares as it registers (@fastify/multipart:
 * '5.x'), with semver: ~40 modules evaluated at every start (~3 ms) for one comparison. Its
 * plugin-utils gets semver behind a stand-in that answers a plain version against a major-only
 * range ('5.x') itself, as semver would, and hands every other question to semver, loaded then.
 */
const semverOnFirstUse = {
  name: 'semver-on-first-use',
  setup(b) {
    b.onResolve({ filter: /^semver$/ }, (args) =>
      args.namespace === 'file' && /[\\/]fastify[\\/]lib[\\/]plugin-utils\.js$/.test(args.importer) ? { path: args.importer, namespace: 'semver-stand-in' } : undefined)
    b.onLoad({ filter: /.*/, namespace: 'semver-stand-in' }, ({ path }) => ({
      contents: `let real; const load = () => (real ??= require('semver'));
const plain = /^(\\d+)\\.\\d+\\.\\d+$/, majorOnly = /^(\\d+)\\.x$/;
exports.satisfies = (version, range, options) => {
  const v = typeof version === 'string' && plain.exec(version), r = typeof range === 'string' && majorOnly.exec(range);
  return v && r ? v[1] === r[1] : load().satisfies(version, range, options);
};
exports.gt = (...args) => load().gt(...args);
exports.coerce = (...args) => load().coerce(...args);`,
      loader: 'js',
      resolveDir: dirname(path),
    }))
  },
}

/**
 * better-sqlite3's JavaScript is bundled too (a dozen files resolved and compiled at every start,
 * outside the code cache); only its native addon stays a file of its own. The package finds the
 * addon with `bindings`, which looks under the package's folder as it finds it from the caller's
 * file name: bundled, the caller is this bundle, so the package's folder is given explicitly, as
 * Node resolves it from here at run time (the version package.json pins, the same JavaScript).
 */
const sqliteAddon = {
  name: 'sqlite-addon',
  setup(b) {
    b.onResolve({ filter: /^bindings$/ }, (args) => {
      if (!/better-sqlite3[\\/]lib[\\/]database\.js$/.test(args.importer)) throw new Error(`bundle: unexpected import of bindings from ${args.importer}`)
      return { path: 'bindings', namespace: 'sqlite-addon' }
    })
    b.onLoad({ filter: /.*/, namespace: 'sqlite-addon' }, () => ({
      // bindings finds the addon by requiring candidate paths until one loads: ~2 ms of failed
      // requires at every start. Its search begins build/, build/Debug/, build/Release/; where the
      // first two hold no addon, the third is the one it would load, so it is required directly.
      // The bundle's require resolves from dist/, as createRequire(bundle) would, without loading
      // node:module (~0.5 ms); an absolute path loads the same from any require.
      contents: `const { existsSync } = require('node:fs')
const { dirname, join } = require('node:path')
module.exports = (name) => {
  const pkg = require.resolve('better-sqlite3/package.json')
  const root = dirname(pkg)
  const release = join(root, 'build', 'Release', name)
  if (name.endsWith('.node') && !existsSync(join(root, 'build', name)) && !existsSync(join(root, 'build', 'Debug', name)) && existsSync(release)) return require(release)
  return require('node:module').createRequire(pkg)('bindings')({ bindings: name, module_root: root })
}`,
      loader: 'js',
    }))
  },
}

/**
 * Source patches of bundled packages, applied as the bundle reads each file (the key: the file's
 * path under node_modules; see sourcePatches). A file that no longer has a patched line is
 * bundled unpatched, with a warning: each patch only saves start-up work.
 *
 * find-my-way compiles functions with `new Function` as routes are added: a prefix matcher per
 * static path node, a params builder per route, a constraint matcher per node. V8's code cache
 * cannot hold them, so each start compiled ~400 of them while registering ~130 routes (~5 ms of
 * CPU), although a request needs only those on its path and no route here has constraints.
 * Bundled, each one compiles on its first call and puts itself in place of the stand-in: the
 * same functions, called the same way, from the first request that reaches them. If a new
 * find-my-way no longer has the patched lines, it is bundled as it is (a warning says so).
 */
const SOURCE_PATCHES = {
  'find-my-way/lib/node.js': {
    replace: [
      ['this.matchPrefix = kind === NODE_TYPES.STATIC ? compilePrefixMatch(prefix) : null', 'this.matchPrefix = kind === NODE_TYPES.STATIC ? prefixMatchOnFirstUse(prefix) : null'],
      ['this.matchPrefix = compilePrefixMatch(childPrefix)', 'this.matchPrefix = prefixMatchOnFirstUse(childPrefix)'],
    ],
    // Called as node.matchPrefix(path, i): `this` is the node.
    append: `function prefixMatchOnFirstUse (prefix) {
  return function matchPrefixOnFirstUse (path, i) {
    const compiled = compilePrefixMatch(prefix)
    if (this && this.matchPrefix === matchPrefixOnFirstUse) this.matchPrefix = compiled
    return compiled(path, i)
  }
}`,
  },
  'find-my-way/lib/handler-storage.js': {
    replace: [
      ['_createParamsObject: this._compileCreateParamsObject(params)', '_createParamsObject: createParamsOnFirstUse(this, params)'],
      ['this._compileGetHandlerMatchingConstraints(constrainer, constraints)', 'this._getHandlerMatchingConstraints = matchConstraintsOnFirstUse(constrainer)'],
    ],
    // Called as handle._createParamsObject(...) and this._getHandlerMatchingConstraints(...).
    append: `function createParamsOnFirstUse (storage, params) {
  return function createParamsObjectOnFirstUse (param0, param1, param2, param3, extraParams) {
    const compiled = storage._compileCreateParamsObject(params)
    if (this && this._createParamsObject === createParamsObjectOnFirstUse) this._createParamsObject = compiled
    return compiled(param0, param1, param2, param3, extraParams)
  }
}
function matchConstraintsOnFirstUse (constrainer) {
  return function getHandlerMatchingConstraintsOnFirstUse (derivedConstraints) {
    this._compileGetHandlerMatchingConstraints(constrainer)
    return this._getHandlerMatchingConstraints(derivedConstraints)
  }
}`,
  },
  /**
   * Fastify queues one avvio step (this.after) per route, to read the instance's error handler and
   * serializer once the plugin body that declared the route has run, and one per request hook
   * (addHook): an avvio plugin each (a queue, a tracking node, four ticks), ~100 at start-up.
   * Such steps queued back to back, with nothing queued between them and none started, run back
   * to back anyway, and none of them queues anything: they become one step that runs each
   * callback in order, passing on the error as avvio would. Anything else queued in between (a
   * register, a user's after) starts a new step, so every callback runs at the point of the
   * queue it would have. 110 steps become 17: ~5 M instructions of a start (~0.6%, counted
   * with valgrind's cachegrind to the first answer).
   */
  'fastify/lib/route.js': {
    replace: [
      ['this.after((notHandledErr, done) => {', 'afterStep(this, avvio, (notHandledErr, done) => {'],
      // At ready, each route binds the instance's hooks of each of the ten lifecycle stages, most
      // of them none: two empty arrays per such stage and route for the null it then sets.
      [
        `            const toSet = this[kHooks][hook]
              .concat(opts[hook] || [])
              .map(h => h.bind(this))`,
        `            if (this[kHooks][hook].length === 0 && (!opts[hook] || (Array.isArray(opts[hook]) && opts[hook].length === 0))) {
              context[hook] = null
              continue
            }
            const toSet = this[kHooks][hook]
              .concat(opts[hook] || [])
              .map(h => h.bind(this))`,
      ],
    ],
    append: `const kSteps = Symbol('bundle.afterSteps')
function afterStep (server, avvio, fn) {
  const current = avvio._current[0]
  const last = avvio[kSteps]
  if (last !== undefined && !last.started && last.plugin === current && current.queue.length() === last.queued) {
    last.fns.push(fn)
    return
  }
  const step = { plugin: current, queued: -1, started: false, fns: [fn] }
  avvio[kSteps] = step
  server.after((err, done) => {
    step.started = true
    let i = 0
    const next = (e) => (i < step.fns.length ? step.fns[i++](e, next) : done(e))
    next(err)
  })
  step.queued = current.queue.length()
}
module.exports.afterStep = afterStep`,
  },
  // worker_threads (~0.5 ms) for a flag read only when pino makes its own destination stream.
  'pino/lib/tools.js': {
    replace: [
      ["const { isMainThread } = require('worker_threads')", "const workerThreads = require('worker_threads')"],
      ['if (!opts.sync && isMainThread) {', 'if (!opts.sync && workerThreads.isMainThread) {'],
    ],
    append: '',
  },
  /**
   * Fastify times each reply with perf_hooks' performance.now(), a module (~0.8 ms) nothing else
   * loads before the first answer. Only differences of two readings are ever used (elapsedTime),
   * so a monotonic clock with another origin gives the same figures: process.hrtime(), ~12 ns
   * more per reading.
   */
  'fastify/lib/logger-factory.js': {
    replace: [
      ["const { performance } = require('node:perf_hooks')", ''],
      ['  return performance.now()', '  const time = process.hrtime()\n  return time[0] * 1e3 + time[1] / 1e6'],
    ],
    append: '',
  },
  'fastify/fastify.js': {
    replace: [['this.after((err, done) => {', "require('./lib/route').afterStep(this, avvio, (err, done) => {"]],
    append: '',
  },
}
/** Applies SOURCE_PATCHES. */
const sourcePatches = {
  name: 'source-patches',
  setup(b) {
    const keyOf = (path) => Object.keys(SOURCE_PATCHES).find((file) => path.replace(/\\/g, '/').endsWith(`/node_modules/${file}`))
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.js$/ }, ({ path }) => {
      const key = keyOf(path)
      if (!key) return undefined
      const patch = SOURCE_PATCHES[key]
      let contents = readFileSync(path, 'utf8')
      for (const [from, to] of patch.replace) {
        if (contents.split(from).length !== 2) {
          console.warn(`bundle: ${path} no longer has \`${from}\`; it is bundled unpatched`)
          return undefined
        }
        contents = contents.replace(from, to)
      }
      return { contents: `${contents}\n${patch.append}\n`, loader: 'js' }
    })
  },
}

/**
 * The route schemas' validators and serializers, compiled now (see scripts/precompile-schemas.mjs)
 * instead of on the event loop of a running server: dist/wire/precompiled-schemas.cjs,
 * self-contained, takes the place of src/wire/precompiled-schemas.ts's empty stand-in for the
 * CLI bundle, dist/index.cjs and dist/index.js alike. It is required on the first lookup (a
 * request's first validation, or the warmer 200 ms after listening: ~10 ms, once), not at
 * start-up: inside the CLI bundle its ~800 KB cost ~10 ms more at every start without a code
 * cache. Unreadable, every schema compiles on first use as without it.
 */
const precompiled = await precompileSchemas()
process.once('exit', precompiled.cleanUp)
await build({
  ...common,
  entryPoints: [precompiled.file],
  outfile: dist('wire/precompiled-schemas.cjs'),
  minifyWhitespace: true,
})
checkTable(dist('wire/precompiled-schemas.cjs'), precompiled.count)
const lazyTable = (path) => `let table
const load = () => {
  try {
    return require(${JSON.stringify(path)}).precompiledSchemas
  } catch {
    return () => undefined
  }
}
exports.precompiledSchemas = (kind, hash) => (table ??= load())(kind, hash)
`
writeFileSync(dist('wire/precompiled-schemas.js'), `// Generated by scripts/bundle.mjs: the build-time table (see src/wire/precompiled-schemas.ts).
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
${lazyTable('./precompiled-schemas.cjs').replace('exports.precompiledSchemas =', 'export const precompiledSchemas =')}`)
// Both bundles are in dist/, the table in dist/wire/.
const precompiledTable = {
  name: 'precompiled-schemas',
  setup(b) {
    b.onResolve({ filter: /^\.\/precompiled-schemas\.js$/ }, (args) =>
      args.importer === dist('wire/compilers.js') ? { path: 'table', namespace: 'precompiled-schemas' } : undefined)
    b.onLoad({ filter: /.*/, namespace: 'precompiled-schemas' }, () => ({ contents: lazyTable('./wire/precompiled-schemas.cjs'), loader: 'js' }))
    b.onResolve({ filter: /^\.\/wire\/precompiled-schemas\.cjs$/ }, ({ path }) => ({ path, external: true }))
  },
}

// A new database gets the latest schema in one step (src/storage/migrations/index.ts): read off
// one the migrations just built, so it is theirs by construction.
const schemaSnapshot = await (async () => {
  const { default: Database } = await import('better-sqlite3')
  const { migrate, schemaSnapshot: snapshotOf } = await import(dist('storage/migrations/index.js'))
  const db = new Database(':memory:')
  try {
    migrate(db, undefined, undefined)
    return JSON.stringify(snapshotOf(db))
  } finally {
    db.close()
  }
})()

await build({
  ...common,
  entryPoints: [dist('cli.js')],
  outfile: dist('cli.bundle.cjs'),
  // The schema compilers too (~400 KB): Fastify requires them only for an app given no compilers
  // of its own, and src/wire/compilers.ts requires them from node_modules only for a schema the
  // table above lacks.
  external: ['@fastify/swagger', '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'],
  plugins: [lazyModules, semverOnFirstUse, sqliteAddon, sourcePatches, precompiledTable],
  // The addon's stand-in (sqliteAddon) resolves better-sqlite3 at run time, as it means to.
  logOverride: { 'require-resolve-not-external': 'silent' },
  // No comments or indentation: a third less to read at every start, and ASCII only (the
  // comments held a few non-ASCII characters, which made V8 hold the whole source as UTF-16).
  minifyWhitespace: true,
  // The sources are ES modules that locate files next to themselves with import.meta.url.
  define: { 'import.meta.url': '__bundleUrl', __CHART_WORKER_FILE__: JSON.stringify('./chart-worker.bundle.cjs'), __SCHEMA_SNAPSHOT__: schemaSnapshot },
})

// src/bin.cts reads the bundle as Latin-1 when it is ASCII (the cheapest decoding): keep it so.
if (readFileSync(dist('cli.bundle.cjs')).some((byte) => byte > 0x7f)) console.warn('bundle: dist/cli.bundle.cjs has non-ASCII bytes; it will be read as UTF-8, more slowly')

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
  plugins: [precompiledTable],
  // As the CLI bundle: code that finds a worker script beside itself finds the bundled one (dist/).
  define: { 'import.meta.url': '__bundleUrl', __CHART_WORKER_FILE__: JSON.stringify('./chart-worker.bundle.cjs'), __SCHEMA_SNAPSHOT__: schemaSnapshot },
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
  // A database file, as most starts have: opening, locking and migrating one is code the cache then holds.
  const warmDb = join(mkdtempSync(join(tmpdir(), 'cce-warm-')), 'warm.db')
  const proc = spawn(process.execPath, [bin, '--port', '0', '--db', warmDb, '--auth', 'off', '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'ignore'] })
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
    rmSync(dirname(warmDb), { recursive: true, force: true })
    resolve()
  })
})

// What scripts/start.mjs compares the sources against: `npm start` rebuilds only when older.
writeFileSync(dist('.build-stamp'), `${new Date().toISOString()}\n`)
