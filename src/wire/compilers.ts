/**
 * Schema compilers shared by every app instance in a process, compiled on first use.
 *
 * Fastify builds a fresh Ajv and compiles every route's validators and serializers when an app
 * starts. Two consequences we avoid: (1) each in-process emulator (startEmulator) paid the whole
 * cost again, so compiled functions are memoised by the JSON text of (external schemas, options,
 * schema) for the life of the process, bounded by the distinct schemas in the code base; (2) the
 * CLI paid it before it could answer anything, so compilation is deferred to the first request
 * that needs a given validator or serializer, and the compilers themselves (Ajv,
 * fast-json-stringify) load only then.
 *
 * The compilers are Fastify's own defaults (@fastify/ajv-compiler, @fastify/fast-json-stringify-compiler),
 * declared as this package's dependencies at the versions Fastify resolves, so behaviour and
 * error shapes are exactly what Fastify produces without this layer. They are required on first
 * use, not imported, so a process that never validates a request never loads Ajv.
 */
import { createRequire } from 'node:module'
import type { FastifyServerOptions } from 'fastify'

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>

type Route = { schema: unknown; method?: string; url?: string; httpPart?: string; httpStatus?: string; contentType?: string }
type Compile = (route: Route) => unknown
type Factory = (externalSchemas: unknown, options: unknown) => Compile
type Compiled = ((...args: unknown[]) => unknown) & { errors?: unknown; compileNow?: () => void }

const requireLazily = createRequire(import.meta.url)
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
  const from = (pkg: string) => createRequire(requireLazily.resolve(pkg))
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

const memos = new WeakMap<Factory, Factory>()

/** One memoising wrapper per underlying factory, for the life of the process. */
function memoised(factory: Factory): Factory {
  let memo = memos.get(factory)
  if (!memo) memos.set(factory, (memo = memoise(factory)))
  return memo
}

function memoise(factory: Factory): Factory {
  const byContext = new Map<string, Map<string, Compiled>>()
  return (externalSchemas, options) => {
    let compile: Compile | undefined
    // The keys are JSON texts of whole schemas (the shared ones for a context): made when a route
    // first uses a validator or serializer, not while ~60 routes register (~10 ms of start-up).
    let known: Map<string, Compiled> | undefined
    const cacheOfContext = (): Map<string, Compiled> => {
      if (known) return known
      const contextKey = JSON.stringify([externalSchemas, options])
      known = byContext.get(contextKey)
      if (!known) byContext.set(contextKey, (known = new Map()))
      return known
    }
    return (route) =>
      deferred(() => {
        const cache = cacheOfContext()
        const key = JSON.stringify(route.schema)
        let fn = cache.get(key)
        if (fn === undefined) {
          fn = (compile ??= factory(externalSchemas, options))(route) as Compiled
          cache.set(key, fn)
        }
        return fn
      })
  }
}

/**
 * A stand-in that compiles on its first call. Fastify reads a validator's `errors` property
 * after a failed call, so the real function's errors are mirrored onto the stand-in.
 */
function deferred(compile: () => Compiled): Compiled {
  let real: Compiled | undefined
  // Validators and serializers take (data) or (data, context): called without rest-array copies,
  // as this runs for every validated part and serialized answer of every request.
  const stand: Compiled = function (this: unknown, data?: unknown, context?: unknown) {
    real ??= compile()
    const result = arguments.length > 2 ? real.apply(this, arguments as unknown as unknown[]) : arguments.length === 2 ? real.call(this, data, context) : real.call(this, data)
    stand.errors = real.errors
    return result
  }
  stand.compileNow = () => void (real ??= compile())
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
  #timer: NodeJS.Timeout | NodeJS.Immediate | undefined

  add(fn: Compiled): Compiled {
    this.#queue.push(fn)
    return fn
  }

  /** Steps to run first, one per turn (loading the compilers: see compilerWarmUpSteps). */
  first(steps: ReadonlyArray<() => void>): void {
    this.#queue.unshift(...steps)
  }

  /** Compiles what is still deferred, one per turn, from `delayMs` on; stop() ends it. */
  start(delayMs: number): void {
    const step = (): void => {
      const next = this.#queue.shift()
      if (!next) return void (this.#timer = undefined)
      try {
        if ('compileNow' in next) next.compileNow?.()
        else next()
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
  if (warmer && !base.buildValidator && !base.buildSerializer) warmer.first(compilerWarmUpSteps())
  const queued = (factory: Factory): Factory =>
    warmer ? (externalSchemas, options) => { const compile = factory(externalSchemas, options); return (route) => warmer.add(compile(route) as Compiled) } : factory
  return {
    buildValidator: queued(memoised((base.buildValidator as Factory | undefined) ?? defaultValidatorFactory)),
    buildSerializer: queued(memoised((base.buildSerializer as Factory | undefined) ?? defaultSerializerFactory)),
  } as unknown as CompilersFactory
}
