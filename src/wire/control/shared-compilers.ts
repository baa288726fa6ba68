/**
 * Schema compilers shared by every app instance in a process. Fastify builds a fresh Ajv and
 * recompiles every route's validators and serializers per instance; that was ~90% of what
 * startEmulator cost (each test that starts an emulator paid it again). Compiled validators and
 * serializers are pure functions of (schema, external schemas, options), so they are memoised
 * by the JSON text of all three: identical routes in a second instance reuse the first one's
 * functions, and the cache is bounded by the number of distinct schemas in the code base.
 *
 * The compilers are Fastify's own defaults (@fastify/ajv-compiler, fast-json-stringify),
 * loaded from Fastify's dependency tree rather than declared again, so behaviour and error
 * shapes are exactly what Fastify produces without this cache.
 */
import { createRequire } from 'node:module'
import type { FastifyServerOptions } from 'fastify'

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>

type Compile = (route: { schema: unknown; method?: string; url?: string; httpPart?: string; httpStatus?: string; contentType?: string }) => unknown
type Factory = (externalSchemas: unknown, options: unknown) => Compile

const requireFromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'))
const defaultValidatorFactory = (requireFromFastify('@fastify/ajv-compiler') as () => Factory)()
const defaultSerializerFactory = (requireFromFastify('@fastify/fast-json-stringify-compiler') as () => Factory)()

const memos = new WeakMap<Factory, Factory>()

/** One memoising wrapper per underlying factory, for the life of the process. */
function memoised(factory: Factory): Factory {
  let memo = memos.get(factory)
  if (!memo) memos.set(factory, (memo = memoise(factory)))
  return memo
}

function memoise(factory: Factory): Factory {
  const byContext = new Map<string, Map<string, unknown>>()
  return (externalSchemas, options) => {
    const compile = factory(externalSchemas, options)
    const contextKey = JSON.stringify([externalSchemas, options])
    let cache = byContext.get(contextKey)
    if (!cache) byContext.set(contextKey, (cache = new Map()))
    const known = cache
    return (route) => {
      const key = JSON.stringify(route.schema)
      let fn = known.get(key)
      if (fn === undefined) {
        fn = compile(route)
        known.set(key, fn)
      }
      return fn
    }
  }
}

/**
 * Pass as Fastify's `schemaController.compilersFactory`. Optional base factories (module-level
 * functions, so their identity is stable) replace Fastify's defaults underneath the cache.
 */
export function sharedCompilers(base: { buildValidator?: unknown; buildSerializer?: unknown } = {}): CompilersFactory {
  return {
    buildValidator: memoised((base.buildValidator as Factory | undefined) ?? defaultValidatorFactory),
    buildSerializer: memoised((base.buildSerializer as Factory | undefined) ?? defaultSerializerFactory),
  } as unknown as CompilersFactory
}
