/**
 * Validation messages for the control plane. Ajv's defaults say "must NOT have additional
 * properties" without the key and "must be equal to constant" without the choices; a typo in a
 * fault rule then costs a test author a search. Each /_emulator route gets a formatter that
 * knows the route's schemas, so the 400 names the offending key and lists what is allowed:
 *
 *   Invalid request: match: unknown key "opertion"; allowed: operation, dialect, flavor, …
 *   Invalid request: match.flavor: must be one of cce, autopilot
 */
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify'
import { WireError } from '../errors.js'

interface AjvError {
  keyword: string
  instancePath: string
  schemaPath: string
  params: Record<string, unknown>
  message?: string
}

type Schema = Record<string, unknown>

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Follows an Ajv schemaPath ("#/properties/match/additionalProperties") into the schema. */
function resolve(schema: unknown, schemaPath: string): unknown {
  let at: unknown = schema
  for (const raw of schemaPath.replace(/^#\/?/, '').split('/')) {
    if (raw === '') continue
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (Array.isArray(at)) at = at[Number(key)]
    else if (isObject(at)) at = at[key]
    else return undefined
  }
  return at
}

/** The constants a union of literals (TypeBox's Type.Union of Type.Literal) or an enum allows. */
function choices(schema: unknown): unknown[] | null {
  if (!isObject(schema)) return null
  if (Array.isArray(schema.enum)) return schema.enum
  if ('const' in schema) return [schema.const]
  const branches = schema.anyOf ?? schema.oneOf
  if (!Array.isArray(branches)) return null
  const all: unknown[] = []
  for (const b of branches) {
    const c = choices(b)
    if (c === null) return null
    all.push(...c)
  }
  return all
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v))
const pathOf = (instancePath: string): string => instancePath.replace(/^\//, '').replaceAll('/', '.')

/** One message for a failed validation of `where` (body, querystring, params) against `schema`. */
export function describeValidation(errors: readonly AjvError[], where: string, schema: unknown): string {
  const first = errors[0]
  if (!first) return `Invalid request: ${where}: is invalid`
  const field = (instancePath: string, extra?: string): string => {
    const p = [pathOf(instancePath), extra].filter(Boolean).join('.')
    return p === '' ? where : where === 'body' ? p : `${where}.${p}`
  }
  // A union of literals fails branch by branch, then as a whole: report the whole.
  const union = errors.find((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
  const enumLike = union ?? (first.keyword === 'enum' || first.keyword === 'const' ? first : undefined)
  if (enumLike) {
    // The schema that owns the keyword: "#/properties/flavor/anyOf" → the flavor property.
    const allowed = choices(resolve(schema, enumLike.schemaPath.replace(/\/(anyOf|oneOf|enum|const)$/, '')))
    if (allowed) return `Invalid request: ${field(enumLike.instancePath)}: must be one of ${allowed.map(show).join(', ')}`
  }
  if (first.keyword === 'additionalProperties') {
    const key = String(first.params.additionalProperty)
    const owner = resolve(schema, first.schemaPath.replace(/\/additionalProperties$/, ''))
    const known = isObject(owner) && isObject(owner.properties) ? Object.keys(owner.properties) : []
    const where_ = field(first.instancePath)
    return `Invalid request: ${where_}: unknown key "${key}"${known.length ? `; allowed: ${known.join(', ')}` : ''}`
  }
  const missing = typeof first.params.missingProperty === 'string' ? first.params.missingProperty : undefined
  return `Invalid request: ${field(first.instancePath, missing)}: ${first.message ?? 'is invalid'}`
}

const PARTS = ['body', 'querystring', 'params', 'headers'] as const

/**
 * Gives every route registered in this plugin from here on a formatter that renders its
 * validation errors with describeValidation. The answer is a WireError: the dialect's error
 * body, as every other control-plane refusal.
 */
export function useDescriptiveValidation(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = (route.schema ?? {}) as FastifySchema & Record<string, unknown>
    route.schemaErrorFormatter = (errors, dataVar) => {
      const part = PARTS.find((p) => p === dataVar) ?? 'body'
      return new WireError(400, 'CCE.01400001', describeValidation(errors as unknown as AjvError[], part, schema[part]))
    }
  })
}
