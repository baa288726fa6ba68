/**
 * Schema compilers shared by every app instance in a process, precompiled at build time, else
 * compiled on first use.
 *
 * Fastify builds a fresh Ajv and compiles every route's validators and serializers when an app
 * starts. Three consequences we avoid: (1) each in-process emulator (startEmulator) paid the whole
 * cost again, so compiled functions are memoised by the JSON text of (external schemas, options,
 * schema) for the life of the process, bounded by the distinct schemas in the code base; (2) the
 * CLI paid it before it could answer anything, so nothing compiles before a request or the
 * warmer (CompileWarmer) needs a given validator or serializer; (3) a compilation takes 10-45 ms
 * of one turn of the event loop (and loading Ajv and fast-json-stringify ~100 ms), so the build
 * compiles every schema the app registers into standalone code (scripts/precompile-schemas.mjs),
 * looked up by a hash of that same key text: a schema the build did not know (changed without a
 * rebuild, added at run time, or the sources run without a build) compiles on first use as before.
 *
 * The compilers are Fastify's own defaults (@fastify/ajv-compiler, @fastify/fast-json-stringify-compiler),
 * declared as this package's dependencies at the versions Fastify resolves, so behaviour and
 * error shapes are exactly what Fastify produces without this layer; the build generates its
 * code with their standalone modes. They are required on first use, not imported, so a process
 * whose schemas were all precompiled never loads Ajv's compiler.
 */
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import type { FastifyServerOptions } from 'fastify'
import { precompiledSchemas, type PrecompiledSchemas } from './precompiled-schemas.js'

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>

type Route = { schema: unknown; method?: string; url?: string; httpPart?: string; httpStatus?: string; contentType?: string }
type Compile = (route: Route) => unknown
type Factory = (externalSchemas: unknown, options: unknown) => Compile
type Compiled = ((...args: unknown[]) => unknown) & { errors?: unknown; compileNow?: () => void; resolveNow?: () => boolean }
export type CompilerKind = 'validator' | 'serializer'

// Made on first use: node:module is not loaded at start-up in the CLI bundle (scripts/bundle.mjs).
let ownRequire: NodeRequire | undefined
const requireLazily = (id: string): unknown => (ownRequire ??= createRequire(import.meta.url))(id)
const resolveLazily = (id: string): string => (ownRequire ??= createRequire(import.meta.url)).resolve(id)
const lazyDefault = (moduleName: string): Factory => {
  let factory: Factory | undefined
  return (externalSchemas, options) => {
    factory ??= (requireLazily(moduleName) as () => Factory)()
    return factory(externalSchemas, options)
  }
}
const defaultValidatorFactory = lazyDefault('@fastify/ajv-compiler')
const defaultSerializerFactory = lazyDefault('@fastify/fast-json-stringify-compiler')

/**
 * The first compilation of a process loaded Ajv and fast-json-stringify from node_modules and ran
 * their code for the first time: one turn of ~100-130 ms (measured on the bundled CLI, the
 * longest the event loop ever blocked after listening). Done in steps, one per turn: each
 * library's own modules, then its compiler, a compiler instance, and a throwaway compilation of
 * small schemas of growing shape, which makes V8 compile the code paths every later schema takes.
 */
export function compilerWarmUpSteps(): Array<() => void> {
  const from = (pkg: string) => createRequire(resolveLazily(pkg))
  const throwawayRoute = (schema: unknown) => ({ schema, method: 'GET', url: '/', httpPart: 'body', httpStatus: '200' })
  const shapes = [
    { type: 'string' },
    { type: 'object', properties: { a: { type: 'string', minLength: 1, maxLength: 8, pattern: '^[a-z]+$' }, n: { type: 'integer', minimum: 0 } }, required: ['a'] },
    { type: 'object', additionalProperties: false, properties: { l: { type: 'array', items: { anyOf: [{ type: 'string', enum: ['x'] }, { type: 'null' }] } }, o: { type: 'object', additionalProperties: true } } },
  ]
  const throwaway = (factory: Factory, options: unknown) => {
    let compile: Compile | undefined
    return [() => void (compile = factory([], options)), ...shapes.map((shape) => () => void (compile ??= factory([], options))(throwawayRoute(shape)))]
  }
  return [
    () => from('@fastify/ajv-compiler')('ajv'),
    () => from('@fastify/ajv-compiler')('ajv-formats'),
    () => requireLazily('@fastify/ajv-compiler'),
    ...throwaway(defaultValidatorFactory, { customOptions: { strictTypes: false } }),
    () => from('@fastify/fast-json-stringify-compiler')('fast-json-stringify'),
    () => requireLazily('@fastify/fast-json-stringify-compiler'),
    ...throwaway(defaultSerializerFactory, {}),
  ]
}

/**
 * The table's key for a compilation: a hash of the whole text the memo keys it by, so an entry
 * built from one schema is never found for another (a schema changed since the build misses).
 */
export function precompiledKey(kind: CompilerKind, contextKey: string, schemaKey: string): string {
  return createHash('sha256').update(`${kind}\n${contextKey}\n${schemaKey}`).digest('base64url')
}

/** The memo's key texts: what precompiledKey hashes, at build time and at run time alike. */
export const contextKeyOf = (externalSchemas: unknown, options: unknown): string => JSON.stringify([externalSchemas, options])
export const schemaKeyOf = (schema: unknown): string => JSON.stringify(schema)

/** What the build precompiles: every schema an app registers with the default compilers. */
export interface RecordedSchema {
  kind: CompilerKind
  externalSchemas: unknown
  options: unknown
  schema: unknown
}
let recorder: RecordedSchema[] | undefined

/** Build time only (scripts/precompile-schemas.mjs): from now on, every schema routes register is listed in the array returned. */
export function recordSchemas(): RecordedSchema[] {
  return (recorder ??= [])
}

const memos = new WeakMap<Factory, Factory>()

/** One memoising wrapper per underlying factory, for the life of the process. */
function memoised(factory: Factory, kind: CompilerKind, precompilable: boolean): Factory {
  let memo = memos.get(factory)
  if (!memo) memos.set(factory, (memo = memoise(factory, kind, precompilable)))
  return memo
}

/** `precompilable`: the factory is Fastify's default one, which the build's table was compiled with. */
function memoise(factory: Factory, kind: CompilerKind, precompilable: boolean): Factory {
  const table: PrecompiledSchemas | undefined = precompilable ? precompiledSchemas : undefined
  const byContext = new Map<string, Map<string, Compiled>>()
  return (externalSchemas, options) => {
    let compile: Compile | undefined
    // The keys are JSON texts of whole schemas (the shared ones for a context): made when a route
    // first uses a validator or serializer, not while ~60 routes register (~10 ms of start-up).
    let contextKey: string | undefined
    let known: Map<string, Compiled> | undefined
    const cacheOfContext = (): Map<string, Compiled> => {
      if (known) return known
      contextKey = contextKeyOf(externalSchemas, options)
      known = byContext.get(contextKey)
      if (!known) byContext.set(contextKey, (known = new Map()))
      return known
    }
    return (route) => {
      if (precompilable && recorder) recorder.push({ kind, externalSchemas, options, schema: route.schema })
      let key: string | undefined
      return deferred(
        () => {
          const cache = cacheOfContext()
          key ??= schemaKeyOf(route.schema)
          let fn = cache.get(key)
          if (fn === undefined && table) {
            fn = table(kind, precompiledKey(kind, contextKey!, key)) as Compiled | undefined
            if (fn !== undefined) cache.set(key, fn)
          }
          return fn
        },
        () => {
          const fn = (compile ??= factory(externalSchemas, options))(route) as Compiled
          cacheOfContext().set((key ??= schemaKeyOf(route.schema)), fn)
          return fn
        },
      )
    }
  }
}

/**
 * A stand-in that finds (memo, build-time table) or compiles the real function on its first
 * call. Fastify reads a validator's `errors` property after a failed call, so the real
 * function's errors are mirrored onto the stand-in.
 */
function deferred(find: () => Compiled | undefined, compile: () => Compiled): Compiled {
  let real: Compiled | undefined
  // Validators and serializers take (data) or (data, context): called without rest-array copies,
  // as this runs for every validated part and serialized answer of every request.
  const stand: Compiled = function (this: unknown, data?: unknown, context?: unknown) {
    real ??= find() ?? compile()
    const result = arguments.length > 2 ? real.apply(this, arguments as unknown as unknown[]) : arguments.length === 2 ? real.call(this, data, context) : real.call(this, data)
    stand.errors = real.errors
    return result
  }
  stand.compileNow = () => void (real ??= find() ?? compile())
  /** True when the real function is there without compiling (memoised or precompiled). */
  stand.resolveNow = () => (real ??= find()) !== undefined
  return stand
}

/**
 * Compiles an app's deferred validators and serializers while it idles, one per turn of the
 * event loop, starting a little after it listens. Without it, the first request of each route
 * compiled its schemas in its own turn: every other client waited (~100-200 ms at a fresh
 * server's first create, measured by npm run stress). One schema per turn keeps each wait to one
 * compilation; a request arriving first still compiles what it needs itself.
 */
export class CompileWarmer {
  #queue: Array<Compiled | (() => void)> = []
  #beforeCompiling: Array<() => void> = []
  #timer: NodeJS.Timeout | NodeJS.Immediate | undefined

  add(fn: Compiled): Compiled {
    this.#queue.push(fn)
    return fn
  }

  /** Steps to run first, one per turn. */
  first(steps: ReadonlyArray<() => void>): void {
    this.#queue.unshift(...steps)
  }

  /**
   * Steps to run, one per turn, before the first schema that must be compiled (loading the
   * compilers: see compilerWarmUpSteps); never, when every schema was precompiled or memoised.
   */
  beforeCompiling(steps: ReadonlyArray<() => void>): void {
    this.#beforeCompiling.push(...steps)
  }

  /** Compiles (or looks up) what is still deferred, one per turn, from `delayMs` on; stop() ends it. */
  start(delayMs: number): void {
    const step = (): void => {
      const next = this.#queue.shift()
      if (!next) return void (this.#timer = undefined)
      try {
        if (!('compileNow' in next)) next()
        else if (next.resolveNow?.()) {
          // precompiled or memoised: nothing was compiled
        } else if (this.#beforeCompiling.length > 0) {
          this.#queue.unshift(...this.#beforeCompiling, next)
          this.#beforeCompiling = []
        } else next.compileNow?.()
      } catch {
        // The request that uses it meets the error, as without warming.
      }
      this.#timer = setImmediate(step)
    }
    this.#timer = setTimeout(step, delayMs)
    this.#timer.unref()
  }

  stop(): void {
    clearTimeout(this.#timer as NodeJS.Timeout)
    clearImmediate(this.#timer as NodeJS.Immediate)
    this.#queue = []
  }
}

/**
 * Pass as Fastify's `schemaController.compilersFactory`. Optional base factories (module-level
 * functions, so their identity is stable) replace Fastify's defaults underneath the cache.
 */
export function sharedCompilers(base: { buildValidator?: unknown; buildSerializer?: unknown } = {}, warmer?: CompileWarmer): CompilersFactory {
  if (warmer && !base.buildValidator && !base.buildSerializer) warmer.beforeCompiling(compilerWarmUpSteps())
  const queued = (factory: Factory): Factory =>
    warmer ? (externalSchemas, options) => { const compile = factory(externalSchemas, options); return (route) => warmer.add(compile(route) as Compiled) } : factory
  return {
    buildValidator: queued(memoised((base.buildValidator as Factory | undefined) ?? defaultValidatorFactory, 'validator', !base.buildValidator)),
    buildSerializer: queued(memoised((base.buildSerializer as Factory | undefined) ?? defaultSerializerFactory, 'serializer', !base.buildSerializer)),
  } as unknown as CompilersFactory
}
