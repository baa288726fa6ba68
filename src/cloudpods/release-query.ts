/**
 * The release list's filters, order and paging (spec §5.1), applied to the releases the store
 * found for the request's cluster/namespace. Pure: the wire layer parses the query string into
 * a ReleaseListQuery, the service loads the rows.
 */
import { ValidationError } from '../errors.js'
import type { CloudpodsRelease } from './release.js'

/** The framework's paging default (consts.GetDefaultPagingLimit) and cap. */
export const DEFAULT_PAGE_LIMIT = 2048

export const FILTER_OPS = [
  'equals', 'notequals', 'contains', 'startswith', 'endswith', 'in', 'notin',
  'isnull', 'isnotnull', 'isempty', 'isnotempty', 'gt', 'ge', 'lt', 'le',
] as const
export type FilterOp = (typeof FILTER_OPS)[number]

/** One `field.op(values)` clause. */
export interface FilterCondition {
  field: string
  op: FilterOp
  values: string[]
}

export interface ReleaseListQuery {
  cluster?: string | undefined
  namespace?: string | undefined
  /** Exact names, any of. */
  names: string[]
  ids: string[]
  /** DB statuses, any of. */
  statuses: string[]
  /** Substring of the name. */
  search?: string | undefined
  /** Repo type; `external` also matches releases whose repo is gone. */
  type?: string | undefined
  /** `filter`: every clause must hold. */
  filters: FilterCondition[]
  /** `filter_any`: at least one must hold (when any is given). */
  filtersAny: FilterCondition[]
  orderBy: string[]
  order: 'asc' | 'desc' | undefined
  limit: number | undefined
  offset: number
  forceNoPaging: boolean
}

/** Columns a filter or order_by may name: the list item's fields. */
const FIELDS: Record<string, (r: CloudpodsRelease) => string | number | undefined> = {
  id: (r) => r.id,
  name: (r) => r.latest.key.name,
  status: (r) => r.status,
  chart: (r) => r.chart.name,
  chart_version: (r) => r.chart.version,
  repo_id: (r) => r.chart.repoId,
  type: (r) => r.repo?.type ?? 'external',
  cluster_id: (r) => r.cluster.id,
  cluster: (r) => r.cluster.name,
  namespace_id: (r) => r.namespace.id,
  namespace: (r) => r.namespace.name,
  created_at: (r) => r.createdAt.toISOString(),
  updated_at: (r) => r.latest.updatedAt.toISOString(),
  version: (r) => r.latest.revision,
}

export const FILTER_FIELDS: readonly string[] = Object.keys(FIELDS)

export function checkField(field: string, param: string): void {
  if (!Object.hasOwn(FIELDS, field)) throw new ValidationError(`${param}: unknown field "${field.slice(0, 64)}" (one of ${FILTER_FIELDS.join(', ')})`, param)
}

function holds(c: FilterCondition, r: CloudpodsRelease): boolean {
  const raw = FIELDS[c.field]!(r)
  const v = raw === undefined ? '' : String(raw)
  const first = c.values[0] ?? ''
  const cmp = (): number => (typeof raw === 'number' && /^-?\d+$/.test(first) ? raw - Number(first) : v < first ? -1 : v > first ? 1 : 0)
  switch (c.op) {
    case 'equals':
      return v === first
    case 'notequals':
      return v !== first
    case 'contains':
      return v.includes(first)
    case 'startswith':
      return v.startsWith(first)
    case 'endswith':
      return v.endsWith(first)
    case 'in':
      return c.values.includes(v)
    case 'notin':
      return !c.values.includes(v)
    case 'isnull':
      return raw === undefined
    case 'isnotnull':
      return raw !== undefined
    case 'isempty':
      return v === ''
    case 'isnotempty':
      return v !== ''
    case 'gt':
      return cmp() > 0
    case 'ge':
      return cmp() >= 0
    case 'lt':
      return cmp() < 0
    case 'le':
      return cmp() <= 0
  }
}

/** Filters, orders and pages; `total` counts every match before paging. */
export function selectReleases(all: CloudpodsRelease[], q: ReleaseListQuery): { items: CloudpodsRelease[]; total: number } {
  const matching = all.filter(
    (r) =>
      (q.names.length === 0 || q.names.includes(r.latest.key.name)) &&
      (q.ids.length === 0 || (r.id !== undefined && q.ids.includes(r.id))) &&
      (q.statuses.length === 0 || q.statuses.includes(r.status)) &&
      (q.search === undefined || q.search === '' || r.latest.key.name.includes(q.search)) &&
      (q.type === undefined || q.type === '' || (r.repo?.type ?? 'external') === q.type) &&
      q.filters.every((c) => holds(c, r)) &&
      (q.filtersAny.length === 0 || q.filtersAny.some((c) => holds(c, r))),
  )
  // Default: newest first by created_at, then name, then id (the framework's default order).
  const keys = q.orderBy.length > 0 ? [...q.orderBy, 'id'] : ['created_at', 'name', 'id']
  const direction = (q.order ?? 'desc') === 'asc' ? 1 : -1
  // Sort keys computed once per release, not once per comparison.
  const keyed = matching.map((r) => ({ r, k: keys.map((f) => FIELDS[f]!(r) ?? '') }))
  keyed.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const x = a.k[i]!
      const y = b.k[i]!
      if (x < y) return -direction
      if (x > y) return direction
    }
    return 0
  })
  const sorted = keyed.map((e) => e.r)
  const total = sorted.length
  if (q.forceNoPaging) return { items: sorted.slice(q.offset), total }
  const limit = q.limit === undefined || q.limit <= 0 ? DEFAULT_PAGE_LIMIT : Math.min(q.limit, DEFAULT_PAGE_LIMIT)
  return { items: sorted.slice(q.offset, q.offset + limit), total }
}

/**
 * climc's legacy list flags (`--deployed`, `--failed`, ...; the current server ignores them),
 * honoured as an OR of DB statuses: a documented extension.
 */
export const LEGACY_STATUS_FLAGS: Readonly<Record<string, readonly string[]>> = {
  deployed: ['deployed'],
  failed: ['failed', 'create_fail', 'delete_fail'],
  pending: ['creating', 'pending-install', 'pending-upgrade', 'pending-rollback'],
  superseded: ['superseded'],
  deleting: ['deleting'],
  // Deleted releases are gone from the emulator (no keep-history): nothing is ever "uninstalled".
  deleted: ['uninstalled'],
}
