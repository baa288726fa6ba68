/**
 * The release list's query string (spec §5.1, climc wire §2) as the domain's ReleaseListQuery.
 * Lists arrive folded (repeats and `key.N` indexes are arrays, src/wire/cloudpods/query.ts); a
 * scalar parameter given several times takes its first value. Unknown parameters are ignored,
 * as the framework ignores them (climc sends `all`, `summary_stats`, `scope`...).
 */
import { ValidationError } from '../../errors.js'
import { checkField, FILTER_OPS, LEGACY_STATUS_FLAGS, type FilterCondition, type FilterOp, type ReleaseListQuery } from '../../cloudpods/release-query.js'

export type QueryValue = string | string[] | undefined
export type ListQueryInput = Record<string, QueryValue>

const MAX_FILTERS = 50
const MAX_FILTER_VALUES = 200
/** `field.op(args)`; the field is a column name, the op a word. */
const CLAUSE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z]+)\(([\s\S]*)\)\s*$/

export const first = (v: QueryValue): string | undefined => (Array.isArray(v) ? v[0] : v)
export const list = (v: QueryValue): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v])
const isTrue = (v: QueryValue): boolean => first(v)?.toLowerCase() === 'true'

/**
 * One `filter=` clause, as onecloud's filterclause reads it: `status.equals('deployed')`,
 * `name.contains(e)`, `status.in(deployed,failed)`. Arguments are comma separated; single or
 * double quotes around one are dropped.
 */
export function parseFilterClause(text: string, param = 'filter'): FilterCondition {
  const m = CLAUSE.exec(text)
  if (!m) throw new ValidationError(`${param}: "${text.slice(0, 128)}" is not field.op(values), e.g. status.equals(deployed)`, param)
  const [, field, rawOp, args] = m as unknown as [string, string, string, string]
  const op = rawOp.toLowerCase()
  if (!(FILTER_OPS as readonly string[]).includes(op)) throw new ValidationError(`${param}: unknown operator "${rawOp.slice(0, 32)}" (one of ${FILTER_OPS.join(', ')})`, param)
  checkField(field, param)
  const values = splitArgs(args)
  if (values.length > MAX_FILTER_VALUES) throw new ValidationError(`${param}: more than ${MAX_FILTER_VALUES} values`, param)
  return { field, op: op as FilterOp, values }
}

function splitArgs(args: string): string[] {
  if (args.trim() === '') return []
  const out: string[] = []
  let current = ''
  let quote: string | null = null
  for (const ch of args) {
    if (quote) {
      if (ch === quote) quote = null
      else current += ch
    } else if (ch === '"' || ch === "'") {
      quote = ch
    } else if (ch === ',') {
      out.push(current.trim())
      current = ''
    } else {
      current += ch
    }
  }
  out.push(quote ? current : current.trim())
  return out
}

function nonNegativeInt(v: QueryValue, param: string): number | undefined {
  const s = first(v)
  if (s === undefined || s === '') return undefined
  if (!/^\d{1,9}$/.test(s)) throw new ValidationError(`${param} must be a non-negative integer`, param)
  return Number(s)
}

export interface ParsedListQuery {
  query: ReleaseListQuery
  /** `details` (default true): false answers DB columns only. */
  details: boolean
}

/** `order` is asc or desc in any case, or empty (the default); the first of a repeated one counts. */
export function checkListOrder(q: { order?: unknown }): 'asc' | 'desc' | undefined {
  const raw = Array.isArray(q.order) ? q.order[0] : q.order
  const order = typeof raw === 'string' ? raw.toLowerCase() : undefined
  if (order !== undefined && order !== '' && order !== 'asc' && order !== 'desc') throw new ValidationError('order must be asc or desc', 'order')
  return order === 'asc' || order === 'desc' ? order : undefined
}

export function parseReleaseListQuery(q: ListQueryInput): ParsedListQuery {
  const order = checkListOrder(q)
  const orderBy = list(q.order_by).filter((f) => f !== '')
  for (const f of orderBy) checkField(f, 'order_by')
  const filters = list(q.filter)
  const filtersAny = list(q.filter_any)
  if (filters.length + filtersAny.length > MAX_FILTERS) throw new ValidationError(`more than ${MAX_FILTERS} filter clauses`, 'filter')
  const statuses = list(q.status).filter((s) => s !== '')
  for (const [flag, mapped] of Object.entries(LEGACY_STATUS_FLAGS)) if (isTrue(q[flag])) statuses.push(...mapped)
  const details = first(q.details)
  return {
    details: details === undefined || details.toLowerCase() !== 'false',
    query: {
      cluster: first(q.cluster_id) || first(q.cluster) || undefined,
      namespace: first(q.namespace_id) || first(q.namespace) || undefined,
      names: list(q.name).filter((s) => s !== ''),
      ids: list(q.id).filter((s) => s !== ''),
      statuses,
      search: first(q.search) || undefined,
      type: first(q.type) || undefined,
      filters: filters.map((f) => parseFilterClause(f, 'filter')),
      filtersAny: filtersAny.map((f) => parseFilterClause(f, 'filter_any')),
      orderBy,
      order,
      limit: nonNegativeInt(q.limit, 'limit'),
      offset: nonNegativeInt(q.offset, 'offset') ?? 0,
      forceNoPaging: isTrue(q.force_no_paging),
    },
  }
}
