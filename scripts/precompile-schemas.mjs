// Compiles every route schema at build time (scripts/bundle.mjs runs this after tsc): builds the
// app from dist/ in each configuration that could change what routes register, lists every
// (compiler, context, schema) the shared compilers see (src/wire/compilers.ts), and generates
// each one's code with the standalone modes of Fastify's own compilers (Ajv's standalone code for
// validators, fast-json-stringify's for serializers, with any Ajv validator it needs inlined).
//
// Output: one CommonJS module whose `precompiledSchemas(kind, hash)` returns the compiled
// function for precompiledKey's hash, or undefined; each entry's code is only made a function
// when first asked for (see tableSource). The code's own requires (Ajv's runtime helpers,
// fast-json-stringify's serializer) are resolved here, from the package that generated it, to
// absolute paths: the bundles take them in, so no run ever resolves them from node_modules.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { transformSync } from 'esbuild'

const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href
const requireHere = createRequire(import.meta.url)

/**
 * The configurations built. Schemas come from the dialects' and the control plane's route
 * definitions, not from options, today: these cover the options that reach route registration
 * (auth mode, the dashboard, limits) so a future schema derived from one is listed too; the
 * build warns when configurations differ, and a configuration not listed still works (it compiles
 * what it lacks on first use).
 */
const CONFIGS = [
  {},
  { auth: 'presence' },
  { auth: 'verify', tokens: [{ token: 'build' }] },
  { auth: 'off', ui: false },
  { bodyLimit: 1024 * 1024, chartMaxBytes: 1024 * 1024, chartMaxValuesBytes: 64 * 1024 },
]

/** Every distinct compilation the app registers, keyed by precompiledKey. */
export async function collectSchemas() {
  const compilers = await import(dist('wire/compilers.js'))
  const { buildApp } = await import(dist('app.js'))
  const { defaultConfig } = await import(dist('config.js'))
  const { ManualClock } = await import(dist('clock.js'))
  const { openDatabase, closeDatabase } = await import(dist('storage/db.js'))
  const recorded = compilers.recordSchemas()
  const byHash = new Map()
  const keySets = []
  for (const overrides of CONFIGS) {
    const from = recorded.length
    const db = openDatabase(':memory:')
    const built = await buildApp({ config: defaultConfig({ db: ':memory:', ...overrides }), db, clock: new ManualClock('2026-01-01T00:00:00Z'), logger: false })
    await built.app.ready()
    await built.app.close()
    closeDatabase(db)
    const keys = new Set()
    for (const { kind, externalSchemas, options, schema } of recorded.slice(from)) {
      const contextKey = compilers.contextKeyOf(externalSchemas, options)
      const schemaKey = compilers.schemaKeyOf(schema)
      const hash = compilers.precompiledKey(kind, contextKey, schemaKey)
      keys.add(hash)
      // Compiled from the key texts themselves: the table's entry is a function of exactly what it is found by.
      if (!byHash.has(hash)) byHash.set(hash, { kind, hash, contextKey, schemaKey })
    }
    keySets.push(keys)
  }
  const differing = CONFIGS.filter((_, i) => [...keySets[i]].some((k) => !keySets[0].has(k)))
  return { entries: [...byHash.values()], differing }
}

/** The standalone source of each entry, requires resolved to absolute paths. */
function generate(entries) {
  const ajvCompilerDir = requireHere.resolve('@fastify/ajv-compiler')
  const fjsCompilerDir = requireHere.resolve('@fastify/fast-json-stringify-compiler')
  const { StandaloneValidator } = requireHere(ajvCompilerDir)
  const { StandaloneSerializer } = requireHere(fjsCompilerDir)
  // Each require in generated code, resolved as the code's generator would resolve it.
  const fjsDir = createRequire(fjsCompilerDir).resolve('fast-json-stringify')
  const resolvers = { validator: createRequire(ajvCompilerDir), serializer: createRequire(fjsDir) }
  const absolute = (kind, code) =>
    code.replace(/require\((["'])([^"']+)\1\)/g, (_, _q, spec) => `require(${JSON.stringify(resolvers[kind].resolve(spec))})`)

  let stored
  const store = (_route, code) => void (stored = code)
  const compilers = {
    validator: new Map(),
    serializer: new Map(),
  }
  // One compiler per context, as at run time (the memo's factory call): compilations share its Ajv instance.
  const compilerFor = (kind, contextKey) => {
    let compile = compilers[kind].get(contextKey)
    if (!compile) {
      const [externalSchemas, options] = JSON.parse(contextKey)
      compile = kind === 'validator'
        ? StandaloneValidator({ readMode: false, storeFunction: store })(externalSchemas, options)
        // inlineValidators: a schema that needs Ajv to serialize (anyOf, oneOf, if/then) gets
        // Ajv's standalone code inline, not fast-json-stringify's validator (Ajv's compiler) at run time.
        : StandaloneSerializer({ readMode: false, storeFunction: store })(externalSchemas, { ...options, inlineValidators: true })
      compilers[kind].set(contextKey, compile)
    }
    return compile
  }
  return entries.map(({ kind, hash, contextKey, schemaKey }) => {
    stored = undefined
    compilerFor(kind, contextKey)({ schema: JSON.parse(schemaKey), method: 'GET', url: '/', httpPart: 'body', httpStatus: '200' })
    if (typeof stored !== 'string') throw new Error(`precompile-schemas: no standalone code for a ${kind}`)
    return { kind, hash, code: absolute(kind, stored) }
  })
}

/**
 * The table module's source. Each entry is its code as a string, made a function (new Function)
 * when first asked for: loading the table then costs V8 a scan of string literals (~9 ms for
 * ~800 KB, once per process, on the first lookup) instead of pre-parsing as many functions
 * (~14 ms). The code's requires become `__dep(i)`, one static require each here, which the
 * bundle of the table takes in.
 */
export function tableSource(generated) {
  const deps = []
  const REQUIRE = /\brequire\((["'])([^"']+)\1\)/g
  const entry = ({ hash, code }) => {
    const min = transformSync(code, { loader: 'js', minifyWhitespace: true, charset: 'utf8' }).code
    const linked = min.replace(REQUIRE, (_, _q, path) => {
      if (!deps.includes(path)) deps.push(path)
      return `__dep(${deps.indexOf(path)})`
    })
    if (/\brequire\b/.test(linked)) throw new Error(`precompile-schemas: generated code requires in a way not linked: ${linked.slice(0, 200)}`)
    return `${JSON.stringify(hash)}: ${JSON.stringify(linked)}`
  }
  const table = (kind) => `{ __proto__: null,\n${generated.filter((g) => g.kind === kind).map(entry).join(',\n')}\n}`
  const tables = `const sources = { validator: ${table('validator')}, serializer: ${table('serializer')} }`
  return `'use strict'
// Generated by scripts/precompile-schemas.mjs at build time: see src/wire/compilers.ts.
${tables}
const deps = [${deps.map((path) => `() => require(${JSON.stringify(path)})`).join(', ')}]
const __dep = (i) => deps[i]()
exports.precompiledSchemas = (kind, hash) => {
  const source = sources[kind][hash]
  if (source === undefined) return undefined
  const module = { exports: {} }
  new Function('module', 'exports', '__dep', source)(module, module.exports, __dep)
  return module.exports
}
exports.keys = (kind) => Object.keys(sources[kind])
`
}

/** Collects, generates and writes the table's source into a temporary folder; returns its path. */
export async function precompileSchemas() {
  const { entries, differing } = await collectSchemas()
  if (differing.length > 0) console.warn(`precompile-schemas: ${differing.length} configuration(s) register schemas the default one does not (${differing.map((c) => JSON.stringify(c)).join(", ")}); all are precompiled`)
  const generated = generate(entries)
  const dir = mkdtempSync(join(tmpdir(), 'cce-precompiled-'))
  const file = join(dir, 'precompiled-schemas.cjs')
  writeFileSync(file, tableSource(generated))
  return { file, count: generated.length, cleanUp: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * Fails the build unless the bundled table (dist/wire/precompiled-schemas.cjs) is self-contained
 * and every entry builds a function, in a process that loaded nothing else: a require left
 * unbundled would load from node_modules at run time, and a broken entry would only show when
 * its route is first used.
 */
export function checkTable(file, expected) {
  const check = `
const table = require(${JSON.stringify(file)})
let n = 0
for (const kind of ['validator', 'serializer']) for (const hash of table.keys(kind)) {
  if (typeof table.precompiledSchemas(kind, hash) !== 'function') throw new Error(kind + ' ' + hash + ' is not a function')
  n++
}
const others = Object.keys(require.cache).filter((f) => f !== ${JSON.stringify(file)})
if (others.length) throw new Error('the table loads other modules: ' + others.join(', '))
if (n !== ${expected}) throw new Error('the table holds ' + n + ' entries, not ${expected}')
`
  const { status, stderr } = spawnSync(process.execPath, ['-e', check], { encoding: 'utf8' })
  if (status !== 0) throw new Error(`precompile-schemas: ${file} fails its check:\n${stderr}`)
}
