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

export function parseQuerystring(raw: string): RawQuery {
  return parse(raw) as RawQuery
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
