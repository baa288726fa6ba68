/**
 * The router-global query-string parser. Fastify allows one per instance, and dialects disagree on
 * repeated keys (a gateway in front of CCE keeps the first value, Cloudpods builds arrays), so this
 * one keeps everything: a key given twice becomes an array. Each dialect's plugin then normalises
 * `req.query` in an early hook (src/wire/cce/request-hooks.ts, src/wire/cloudpods/query.ts). The
 * raw query is untouched, so signature checks still see every parameter.
 */
import { parse } from 'node:querystring'

/** Values as parsed: a string, or an array for a repeated key. The object has no prototype. */
export type RawQuery = Record<string, string | string[]>

/** node:querystring's default limit on pairs, kept by the fast path too. */
const MAX_KEYS = 1000

/**
 * node:querystring's parse. A query with nothing to decode (no `%`, no `+`: `?namespace=default`)
 * is split here instead, to the same object; node's parse cost a list read ~1.5 µs.
 */
export function parseQuerystring(raw: string): RawQuery {
  if (raw.includes('%') || raw.includes('+')) return parse(raw) as RawQuery
  const out = Object.create(null) as RawQuery
  // Like node's, the limit counts pieces between separators, empty ones included.
  for (let start = 0, pieces = 0; start <= raw.length && pieces < MAX_KEYS; pieces++) {
    let end = raw.indexOf('&', start)
    if (end < 0) end = raw.length
    if (end > start) {
      const eq = raw.indexOf('=', start)
      const key = eq < 0 || eq > end ? raw.slice(start, end) : raw.slice(start, eq)
      const value = eq < 0 || eq > end ? '' : raw.slice(eq + 1, end)
      const had = out[key]
      if (had === undefined) out[key] = value
      else if (typeof had === 'string') out[key] = [had, value]
      else had.push(value)
    }
    start = end + 1
  }
  return out
}

/**
 * A query as a Go url.Values.Get / Java getParameter reads it: every key keeps its first value,
 * rather than becoming an array that no route schema accepts. Mutates and returns `query`.
 */
export function keepFirstValues(query: RawQuery): Record<string, string> {
  for (const key in query) {
    const value = query[key]
    if (typeof value !== 'string') query[key] = value?.[0] ?? ''
  }
  return query as Record<string, string>
}
