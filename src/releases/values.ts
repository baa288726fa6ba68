import { ValidationError } from '../errors.js'
import type { Values } from './release.js'

/**
 * Deepest nesting of objects and arrays accepted in user values. Helm values are a handful of
 * levels deep; the limit only has to keep the recursive merges below (and JSON.stringify) far
 * from the call-stack limit, which a body of 5 000 nested objects used to reach (a 500).
 */
export const MAX_VALUES_DEPTH = 1000

const isTable = (v: unknown): v is Values =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Helm's CoalesceTables: `dst` wins, tables merge deeply, and a null in `dst` deletes the key
 * that `src` would have provided (pkg/chartutil/coalesce.go). Builds fresh objects with
 * Object.fromEntries so a "__proto__" key stays an ordinary own property.
 */
export function coalesce(dst: Values, src: Values): Values {
  const keys = new Set([...Object.keys(src), ...Object.keys(dst)])
  const out: Array<[string, unknown]> = []
  for (const key of keys) {
    const hasDst = Object.prototype.hasOwnProperty.call(dst, key)
    const d = hasDst ? dst[key] : undefined
    const s = Object.prototype.hasOwnProperty.call(src, key) ? src[key] : undefined
    if (!hasDst) {
      out.push([key, s])
    } else if (d === null) {
      continue
    } else if (isTable(d) && isTable(s)) {
      out.push([key, coalesce(d, s)])
    } else {
      out.push([key, d])
    }
  }
  return Object.fromEntries(out)
}

/**
 * Refuses values nested deeper than MAX_VALUES_DEPTH (the top-level object is depth 1). Walks
 * iteratively, so the check itself cannot overflow the stack however deep the input is.
 */
export function validateValuesDepth(values: Values, field = 'values'): void {
  const stack: Array<[unknown, number]> = [[values, 1]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (typeof v !== 'object' || v === null) continue
    if (depth > MAX_VALUES_DEPTH) throw new ValidationError(`nested deeper than ${MAX_VALUES_DEPTH} levels`, field)
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
    }
  }
}

/** Nulls in user values only delete chart defaults; they never reach the stored result. */
export function stripNulls(v: Values): Values {
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== null)
      .map(([k, x]) => [k, isTable(x) ? stripNulls(x) : x]),
  )
}

/**
 * What a release runs with: the chart's defaults coalesced with the user's config, nulls dropped.
 * The same as stripNulls(coalesce(config, defaults)), in one walk (every create and upgrade runs it).
 */
export const effectiveValues = (defaults: Values, config: Values): Values => coalesceStripped(config, defaults)

function coalesceStripped(dst: Values, src: Values): Values {
  const out: Array<[string, unknown]> = []
  // coalesce's key order: src's keys, then dst's own others.
  for (const key of Object.keys(src)) {
    const s = src[key]
    if (!Object.prototype.hasOwnProperty.call(dst, key)) {
      if (s !== null) out.push([key, isTable(s) ? stripNulls(s) : s])
      continue
    }
    const d = dst[key]
    if (d === null) continue
    if (isTable(d) && isTable(s)) out.push([key, coalesceStripped(d, s)])
    else out.push([key, isTable(d) ? stripNulls(d) : d])
  }
  for (const key of Object.keys(dst)) {
    if (Object.prototype.hasOwnProperty.call(src, key)) continue
    const d = dst[key]
    if (d !== null) out.push([key, isTable(d) ? stripNulls(d) : d])
  }
  return Object.fromEntries(out)
}

/**
 * Refuses merged values larger than `limit` bytes as JSON: every revision answer carries them.
 * Run after validateValuesDepth, so serialising cannot overflow the stack.
 */
export function validateValuesSize(values: Values, limit: number): void {
  const size = Buffer.byteLength(JSON.stringify(values))
  if (size > limit) {
    throw new ValidationError(
      `the release's values (the chart's defaults merged with yours) are ${size} bytes as JSON, over the limit of ${limit} bytes (--body-limit)`,
      'values',
    )
  }
}

export interface UpgradeValueFlags {
  resetValues: boolean
  /** CCE's `replace` on update: "keep values on update", i.e. Helm's --reuse-values. */
  reuseValues: boolean
}

/**
 * Which user config an upgrade runs with (Helm upgrade.go reuseValues):
 * reset → only the new values; reuse → new merged over the current config;
 * neither → the current config when no new values were given, else only the new ones.
 */
export function upgradeConfig(current: Values, incoming: Values, flags: UpgradeValueFlags): Values {
  if (flags.resetValues) return incoming
  if (flags.reuseValues) return coalesce(incoming, current)
  return Object.keys(incoming).length === 0 ? current : incoming
}
