/**
 * Query strings as the Cloudpods framework reads them (jsonutils.ParseQueryString): a repeated key
 * is a list, and climc sends lists in the dotted form, `filter.0=a&filter.1=b` (spec
 * cloudpods-climc-wire.md §2), which is folded into `filter: ['a', 'b']` in index order. A plain
 * value and indexed ones for the same key join in that order (plain first). Dotted keys whose
 * suffix is not an index (`a.b=c`) stay as they are.
 */
import type { RawQuery } from '../querystring.js'

export type CloudpodsQuery = Record<string, string | string[]>

/** `key.N` with N a plain decimal index (no sign, no leading zeros beyond "0"). */
const INDEXED = /^(.+)\.(0|[1-9][0-9]{0,8})$/

export function foldCloudpodsQuery(query: RawQuery): CloudpodsQuery {
  let indexed: Map<string, Array<[number, string[]]>> | undefined
  for (const key in query) {
    if (!key.includes('.')) continue
    const m = INDEXED.exec(key)
    if (!m) continue
    indexed ??= new Map()
    const value = query[key]!
    const list = indexed.get(m[1]!) ?? []
    list.push([Number(m[2]), typeof value === 'string' ? [value] : value])
    indexed.set(m[1]!, list)
  }
  if (!indexed) return query
  const out: CloudpodsQuery = Object.create(null) as CloudpodsQuery
  for (const key in query) if (!INDEXED.test(key)) out[key] = query[key]!
  for (const [base, entries] of indexed) {
    entries.sort((a, b) => a[0] - b[0])
    const plain = out[base]
    out[base] = [...(plain === undefined ? [] : typeof plain === 'string' ? [plain] : plain), ...entries.flatMap((e) => e[1])]
  }
  return out
}

/** A query value as a list: absent → [], one value → [it]. */
export const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : v)
