/**
 * Query strings as an API gateway reads them: a parameter given twice keeps its first value
 * (Go's url.Values.Get, Java's getParameter), rather than becoming an array that no route schema
 * accepts. The raw query is untouched, so signature checks still see every parameter.
 */
import { parse } from 'node:querystring'

export function parseQuerystring(raw: string): Record<string, string> {
  const parsed = parse(raw)
  const out: Record<string, string> = Object.create(null) as Record<string, string>
  for (const key of Object.keys(parsed)) {
    const value = parsed[key]
    out[key] = Array.isArray(value) ? (value[0] ?? '') : (value ?? '')
  }
  return out
}
