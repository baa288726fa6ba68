/**
 * SQLite implementation of the dashboard's read-only queries (src/control/dashboard.ts): plain
 * SELECTs over the release, pending and chart tables, across every scope. Nothing here writes or
 * caches: the answers are small pages, and the one query polled every second (dataVersion) is
 * SQLite's own change counter.
 */
import type { ChartRow as StoredChartRow } from './chart-repository.js'
import type { PendingRow as StoredPendingRow, RevisionRow } from './release-repository.js'
import type { ChartStoreEntry, DashboardQueries, FacetValue, PendingEntry, ReleaseFacets, ReleasePage, ReleaseQuery, ReleaseSummary } from '../control/dashboard.js'
import type { Operation } from '../releases/release.js'
import type { DatabaseHandle } from './db.js'

// CROSS JOIN keeps releases (narrow rows) as the outer loop: left to itself SQLite scans the
// revisions and looks each release up, three times slower at 10,000 releases.
const JOIN_LATEST = `releases r CROSS JOIN release_revisions v
  ON v.project_id = r.project_id AND v.flavor = r.flavor AND v.cluster_id = r.cluster_id
 AND v.namespace = r.namespace AND v.name = r.name AND v.revision = r.latest_revision`
const JOIN_PENDING = `LEFT JOIN pending_operations p
  ON p.project_id = r.project_id AND p.flavor = r.flavor AND p.cluster_id = r.cluster_id
 AND p.namespace = r.namespace AND p.name = r.name`

// Lists arrive as JSON arrays (json_each), so one prepared statement serves every filter.
const FILTERS = `
      (@projectId IS NULL OR r.project_id = @projectId)
  AND (@flavors IS NULL OR r.flavor IN (SELECT value FROM json_each(@flavors)))
  AND (@clusterId IS NULL OR r.cluster_id = @clusterId)
  AND (@namespace IS NULL OR r.namespace = @namespace)
  AND (@chart IS NULL OR v.chart_name = @chart)
  AND (@search IS NULL OR instr(lower(r.name), lower(@search)) > 0)`
const STATUS_FILTER = `(@statuses IS NULL OR v.status IN (SELECT value FROM json_each(@statuses)))`

/** The latest revision's columns the dashboard shows, and the release's pending operation. */
type SummaryRow = Pick<RevisionRow, 'project_id' | 'flavor' | 'cluster_id' | 'namespace' | 'name' | 'revision' | 'status' | 'description' | 'chart_id' | 'chart_name' | 'chart_version' | 'first_deployed_at' | 'updated_at'> & {
  pending_operation: Operation | null
  pending_revision: number | null
  pending_due_at: number | null
}

/** The repository's pending row, plus when the operation started (its revision's update time). */
interface PendingRow extends StoredPendingRow {
  started_at: number
}

type ChartRow = Pick<StoredChartRow, 'project_id' | 'flavor' | 'id' | 'name' | 'version' | 'description' | 'app_version' | 'created_at'>

type Params = Record<string, string | number | null>

const toSummary = (r: SummaryRow): ReleaseSummary => ({
  key: { projectId: r.project_id, flavor: r.flavor, clusterId: r.cluster_id, namespace: r.namespace, name: r.name },
  revision: r.revision,
  status: r.status,
  description: r.description,
  chart: { id: r.chart_id, name: r.chart_name, version: r.chart_version },
  firstDeployedAt: new Date(r.first_deployed_at),
  updatedAt: new Date(r.updated_at),
  pending:
    r.pending_operation === null
      ? null
      : { operation: r.pending_operation, revision: r.pending_revision!, dueAt: r.pending_due_at === null ? null : new Date(r.pending_due_at) },
})

export class SqliteDashboardQueries implements DashboardQueries {
  readonly #stmts

  constructor(db: DatabaseHandle) {
    const facet = (column: string, from = 'releases r') =>
      db.prepare<[], FacetValue>(`SELECT ${column} AS value, COUNT(*) AS count FROM ${from} GROUP BY ${column} ORDER BY ${column}`)
    this.#stmts = {
      page: db.prepare<Params, SummaryRow>(`
        SELECT r.project_id, r.flavor, r.cluster_id, r.namespace, r.name, r.latest_revision AS revision,
               v.status, v.description, v.chart_id, v.chart_name, v.chart_version, v.first_deployed_at, v.updated_at,
               p.operation AS pending_operation, p.revision AS pending_revision, p.due_at AS pending_due_at
          FROM ${JOIN_LATEST} ${JOIN_PENDING}
         WHERE ${FILTERS} AND ${STATUS_FILTER}
         ORDER BY r.project_id, r.flavor, r.cluster_id, r.namespace, r.name
         LIMIT @limit OFFSET @offset`),
      statusCounts: db.prepare<Params, { status: string; count: number }>(`
        SELECT v.status AS status, COUNT(*) AS count FROM ${JOIN_LATEST} WHERE ${FILTERS} GROUP BY v.status`),
      projects: facet('r.project_id'),
      flavors: facet('r.flavor'),
      clusters: facet('r.cluster_id'),
      namespaces: facet('r.namespace'),
      chartNames: facet('v.chart_name', JOIN_LATEST),
      statuses: facet('v.status', JOIN_LATEST),
      pending: db.prepare<{ limit: number; offset: number }, PendingRow>(`
        SELECT p.*, v.updated_at AS started_at
          FROM pending_operations p JOIN release_revisions v
            ON v.project_id = p.project_id AND v.flavor = p.flavor AND v.cluster_id = p.cluster_id
           AND v.namespace = p.namespace AND v.name = p.name AND v.revision = p.revision
         ORDER BY p.due_at IS NULL, p.due_at, p.project_id, p.flavor, p.cluster_id, p.namespace, p.name
         LIMIT @limit OFFSET @offset`),
      pendingCount: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM pending_operations'),
      charts: db.prepare<[], ChartRow>(`
        SELECT project_id, flavor, id, name, version, description, app_version, created_at
          FROM charts ORDER BY project_id, flavor, name, version`),
      changes: db.prepare<[], { n: number }>('SELECT total_changes() AS n'),
    }
  }

  releases(q: ReleaseQuery): ReleasePage {
    const params: Params = {
      projectId: q.projectId ?? null,
      flavors: q.flavors ? JSON.stringify(q.flavors) : null,
      clusterId: q.clusterId ?? null,
      namespace: q.namespace ?? null,
      chart: q.chart ?? null,
      search: q.search ?? null,
    }
    const statusCounts: Record<string, number> = {}
    let total = 0
    for (const { status, count } of this.#stmts.statusCounts.all(params)) {
      statusCounts[status] = count
      if (!q.statuses || q.statuses.includes(status)) total += count
    }
    const rows = this.#stmts.page.all({ ...params, statuses: q.statuses ? JSON.stringify(q.statuses) : null, limit: q.limit, offset: q.offset })
    return { total, statusCounts, releases: rows.map(toSummary) }
  }

  facets(): ReleaseFacets {
    const s = this.#stmts
    return {
      projects: s.projects.all(),
      flavors: s.flavors.all(),
      clusters: s.clusters.all(),
      namespaces: s.namespaces.all(),
      charts: s.chartNames.all(),
      statuses: s.statuses.all(),
    }
  }

  pending(limit: number, offset: number): { total: number; entries: PendingEntry[] } {
    const entries = this.#stmts.pending.all({ limit, offset }).map(
      (r): PendingEntry => ({
        operation: {
          key: { projectId: r.project_id, flavor: r.flavor, clusterId: r.cluster_id, namespace: r.namespace, name: r.name },
          operation: r.operation,
          revision: r.revision,
          baseRevision: r.base_revision,
          dueAt: r.due_at === null ? null : new Date(r.due_at),
          outcome: r.outcome,
          failureReason: r.failure_reason,
          readsLeft: r.reads_left,
        },
        startedAt: new Date(r.started_at),
      }),
    )
    return { total: this.#stmts.pendingCount.get()!.n, entries }
  }

  charts(): ChartStoreEntry[] {
    return this.#stmts.charts.all().map((r) => ({
      projectId: r.project_id,
      flavor: r.flavor,
      id: r.id,
      name: r.name,
      version: r.version,
      description: r.description,
      appVersion: r.app_version,
      createdAt: new Date(r.created_at),
    }))
  }

  dataVersion(): number {
    return this.#stmts.changes.get()!.n
  }
}
