/** The /_emulator JSON routes the dashboard reads (schemas: /openapi.json, tag "Emulator control"). */

export interface PendingRef {
  operation: string
  revision: number
  due_at: string | null
}

export interface ReleaseSummary {
  project_id: string
  dialect: string
  flavor: string
  cluster_id: string
  namespace: string
  name: string
  revision: number
  status: string
  description: string
  chart_id: string
  chart_name: string
  chart_version: string
  first_deployed_at: string
  updated_at: string
  pending: PendingRef | null
}

export interface ReleaseList {
  total: number
  offset: number
  limit: number
  status_counts: Record<string, number>
  releases: ReleaseSummary[]
}

export interface Facet {
  value: string
  count: number
}

export interface Facets {
  projects: Facet[]
  dialects: Facet[]
  flavors: Array<Facet & { dialect: string }>
  clusters: Facet[]
  namespaces: Facet[]
  charts: Facet[]
  statuses: Facet[]
}

export interface RevisionView {
  revision: number
  status: string
  description: string
  operation: string
  chart_id: string
  chart_name: string
  chart_version: string
  started_at: string
  ended_at: string | null
  end_known: boolean
  config: Record<string, unknown>
  values: Record<string, unknown>
}

export interface PendingOperation {
  project_id: string
  dialect: string
  flavor: string
  cluster_id: string
  namespace: string
  name: string
  operation: string
  revision: number
  base_revision: number | null
  started_at: string
  due_at: string | null
  outcome: string
  failure_reason: string | null
  reads_left: number | null
}

export interface ReleaseDetail {
  release: ReleaseSummary
  revisions: RevisionView[]
  pending: PendingOperation | null
  resources: Array<{ kind: string; name: string; namespace: string }>
  resources_error: string | null
  cluster_refs: string[]
}

export interface Changes {
  version: string
  data: number
  journal: { total: number; errors: number }
  faults: string
  clock: { now: string; offset_ms: number }
  lifecycle: string
}

export interface JournalEntry {
  id: number
  time: string
  method: string
  path: string
  query: string
  route: string | null
  operation: string | null
  dialect: string | null
  flavor: string | null
  project_id: string | null
  cluster_id: string | null
  namespace: string | null
  name: string | null
  status: number
  duration_ms: number
  request_id: string
  request_headers: Record<string, string>
  request_body: string | null
  request_body_truncated: boolean
  response_body: string | null
  response_body_truncated: boolean
  fault: string | null
}

export interface FaultRule {
  id: string
  match: Record<string, string | string[] | undefined>
  probability: number
  remaining: number | null
  fired: number
  error: { status: number; error_code: string; error_msg: string } | null
  latency_ms: number | null
  lifecycle: { outcome: string; reason: string | null } | null
}

export interface FaultCatalog {
  dialects: string[]
  flavors: Array<{ flavor: string; dialect: string }>
  match_flavors: string[]
  operations: Array<{ name: string; dialects: string[]; kind: 'operation' | 'operation_id' }>
  errors: Array<{ status: number; error_code: string; error_msg: string }>
  lifecycle_outcomes: string[]
  max_latency_ms: number
}

export interface Lifecycle {
  profile: string
  operations: Record<string, { mode: string; delay_ms?: number; jitter_ms?: number; after_reads?: number | null }>
}

export interface ChartEntry {
  project_id: string
  flavor: string
  dialect: string
  id: string
  name: string
  version: string
  description: string
  app_version: string
  created_at: string
  archive_url: string
  values_url: string
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

const BASE = '/_emulator'

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  const json = text === '' ? null : (JSON.parse(text) as unknown)
  if (!res.ok) {
    const e = json as { error_msg?: string } | null
    throw new ApiError(res.status, e?.error_msg ?? `${method} ${path}: HTTP ${res.status}`)
  }
  return json as T
}

export const get = <T>(path: string) => request<T>('GET', path)
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? null)
export const put = <T>(path: string, body: unknown) => request<T>('PUT', path, body)
export const del = <T>(path: string) => request<T>('DELETE', path)

/** A query string from the set fields only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s === '' ? '' : `?${s}`
}

export const releaseKey = (r: { project_id: string; flavor: string; cluster_id: string; namespace: string; name: string }) => ({
  project_id: r.project_id,
  flavor: r.flavor,
  cluster_id: r.cluster_id,
  namespace: r.namespace,
  name: r.name,
})

export const releaseHref = (r: { project_id: string; flavor: string; cluster_id: string; namespace: string; name: string }) =>
  `#/release/${[r.flavor, r.cluster_id, r.namespace, r.name].map(encodeURIComponent).join('/')}?project_id=${encodeURIComponent(r.project_id)}`

export interface RepoChartEntry {
  repo: string
  repo_id: string
  repo_type: string
  dialect: string
  name: string
  version: string
  description: string
  app_version: string
  created_at: string
  archive_url: string
  values_url: string
}
