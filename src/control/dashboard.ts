/**
 * What the web dashboard (and any script) reads across every scope: releases of every project,
 * flavour, dialect and cluster with paging, filters and counts; one release with its revisions'
 * timing; pending work; chart stores; and a change counter cheap enough to poll every second.
 * Flavours and dialects are data (the stored flavour, and the dialect it belongs to), so a new
 * flavour shows up here without a change. Every read settles due work first, as API reads do,
 * so the page shows what the next API read would.
 */
import type { ChartService } from '../charts/chart-service.js'
import type { RepoService } from '../cloudpods/repo-service.js'
import type { Clock } from '../clock.js'
import { NotFoundError } from '../errors.js'
import type { KubeResource } from '../releases/ports.js'
import type { ReleaseService } from '../releases/release-service.js'
import type { Flavor, Operation, PendingOperation, ReleaseKey, ReleaseStatus, Revision, Values } from '../releases/release.js'
import type { ControlPlane } from './control-plane.js'
import type { DialectName } from './faults.js'
import type { RevisionTimes } from './revision-times.js'

export interface ReleaseQuery {
  projectId?: string | undefined
  /** Any of these flavours (a dialect filter arrives as its flavours). */
  flavors?: readonly string[] | undefined
  clusterId?: string | undefined
  namespace?: string | undefined
  /** Any of these statuses of the latest revision. */
  statuses?: readonly string[] | undefined
  /** Chart name (exact). */
  chart?: string | undefined
  /** Substring of the release name, case-insensitive. */
  search?: string | undefined
  limit: number
  offset: number
}

export interface ReleaseSummary {
  key: ReleaseKey
  revision: number
  status: ReleaseStatus
  description: string
  chart: { id: string; name: string; version: string }
  firstDeployedAt: Date
  updatedAt: Date
  pending: { operation: Operation; revision: number; dueAt: Date | null } | null
}

export interface ReleasePage {
  /** Releases matching every filter. */
  total: number
  /** Per status, releases matching every filter but the status one (the chips' counts). */
  statusCounts: Record<string, number>
  releases: ReleaseSummary[]
}

export interface FacetValue {
  value: string
  count: number
}

export interface ReleaseFacets {
  projects: FacetValue[]
  flavors: FacetValue[]
  clusters: FacetValue[]
  namespaces: FacetValue[]
  charts: FacetValue[]
  statuses: FacetValue[]
}

export interface PendingEntry {
  operation: PendingOperation
  /** When the revision the operation writes was written (its start). */
  startedAt: Date
}

/** A chart version in a Cloudpods chart repo. */
export interface RepoChartEntry {
  repoId: string
  repoName: string
  repoType: string
  name: string
  version: string
  description: string
  appVersion: string
  createdAt: Date
}

export interface ChartStoreEntry {
  projectId: string
  flavor: Flavor
  id: string
  name: string
  version: string
  description: string
  appVersion: string
  createdAt: Date
}

/** Read-only queries across every scope; src/storage/dashboard-queries.ts implements them. */
export interface DashboardQueries {
  releases(query: ReleaseQuery): ReleasePage
  facets(): ReleaseFacets
  pending(limit: number, offset: number): { total: number; entries: PendingEntry[] }
  charts(): ChartStoreEntry[]
  /** Grows with every row the database writes (this process is its only writer). */
  dataVersion(): number
}

export interface RevisionView {
  revision: Revision
  operation: Operation
  startedAt: Date
  /** When its pending state ended; null while pending or when this process did not see it. */
  endedAt: Date | null
  /** False when the end happened before this process started (or was forgotten). */
  endKnown: boolean
}

export interface ReleaseDetail {
  latest: Revision
  revisions: RevisionView[]
  pending: PendingOperation | null
  resources: KubeResource[]
  /** Why resources are empty when the chart can no longer be read. */
  resourcesError: string | null
  /** The cluster id and the names requests may use for it. */
  clusterRefs: string[]
}

export interface ChangeSnapshot {
  /** One string that changes whenever anything below does. */
  version: string
  data: number
  journal: { total: number; errors: number }
  faults: string
  clock: { now: string; offset_ms: number }
  lifecycle: string
}

export interface DashboardDeps {
  queries: DashboardQueries
  releases: ReleaseService
  charts: ChartService
  /** The Cloudpods dialect's chart repos. */
  repos: RepoService
  control: ControlPlane
  times: RevisionTimes
  clock: Clock
  /** Stored flavours with their dialect. */
  flavors: () => Array<[Flavor, DialectName]>
  /** The pending operation of one release. */
  pendingOf: (key: ReleaseKey) => PendingOperation | null
  /**
   * Every revision of a release, oldest first, read from the store directly: the service's
   * history() counts a read, and looking must not move read-driven progression along.
   */
  historyOf: (key: ReleaseKey) => Revision[]
  /** Other names a cluster id goes by in requests (a Cloudpods cluster's name), for matching journal entries. */
  clusterAliases?: (clusterId: string) => string[]
}

export class Dashboard {
  constructor(private readonly deps: DashboardDeps) {}

  dialectOf(flavor: string): string {
    return this.deps.flavors().find(([f]) => f === flavor)?.[1] ?? flavor
  }

  /** The flavours of a dialect, for filtering by dialect. */
  flavorsOf(dialect: string): string[] {
    return this.deps.flavors().filter(([, d]) => d === dialect).map(([f]) => f)
  }

  releases(query: ReleaseQuery): ReleasePage {
    this.deps.releases.settle()
    return this.deps.queries.releases(query)
  }

  facets(): ReleaseFacets {
    this.deps.releases.settle()
    return this.deps.queries.facets()
  }

  pending(limit: number, offset: number): { total: number; entries: PendingEntry[] } {
    this.deps.releases.settle()
    const page = this.deps.queries.pending(limit, offset)
    // An uninstall writes no revision: it started when the release began DELETING.
    for (const e of page.entries) {
      if (e.operation.operation !== 'uninstall') continue
      const timing = this.deps.times.get(e.operation.key, e.operation.revision)
      if (timing?.operation === 'uninstall') e.startedAt = timing.startedAt
    }
    return page
  }

  charts(): ChartStoreEntry[] {
    return this.deps.queries.charts()
  }

  /** Every version of every chart in every Cloudpods repo. */
  repoCharts(): RepoChartEntry[] {
    const { repos } = this.deps
    return repos.list({ limit: Number.MAX_SAFE_INTEGER, offset: 0 }).repos.flatMap((repo) =>
      repos.charts(repo.id, { allVersions: true, version: '>=0.0.0-0' }).charts.map((c) => ({
        repoId: repo.id,
        repoName: repo.name,
        repoType: repo.type,
        name: c.name,
        version: c.version,
        description: c.description,
        appVersion: c.appVersion,
        createdAt: c.createdAt,
      })),
    )
  }

  repoChartValues(repo: string, name: string, version: string): Values {
    return this.#repoChart(repo, name, version).values
  }

  repoChartArchive(repo: string, name: string, version: string): { fileName: string; bytes: Buffer } {
    const chart = this.#repoChart(repo, name, version)
    const bytes = this.deps.repos.packageOf({ repoId: chart.repoId, repoName: repo, name, version: chart.version, digest: chart.digest })
    if (!bytes) throw new NotFoundError(`chart ${name} ${version}: its package is gone from repo ${repo}`)
    return { fileName: `${name}-${chart.version}.tgz`, bytes }
  }

  #repoChart(repo: string, name: string, version: string) {
    // A version spelled exactly as asked wins over any constraint reading of it.
    const { chart } = this.deps.repos.chart(repo, name, version)
    if (chart.version !== version) throw new NotFoundError(`chart ${name} ${version} not found in repo ${repo}`)
    return chart
  }

  chartValues(projectId: string, flavor: Flavor, id: string): Values {
    return this.deps.charts.values({ projectId, flavor }, id)
  }

  chartArchive(projectId: string, flavor: Flavor, id: string): { fileName: string; bytes: Buffer } {
    return this.deps.charts.archive({ projectId, flavor }, id)
  }

  /** A release with every revision kept; NotFoundError when it does not exist. */
  release(key: ReleaseKey): ReleaseDetail {
    const { releases, times } = this.deps
    releases.settle()
    const history = this.#history(key)
    const latest = history.at(-1)!
    const pending = this.deps.pendingOf(key)
    const revisions = history.map((revision): RevisionView => {
      const timing = times.get(key, revision.revision)
      const operation = timing?.operation ?? inferOperation(revision)
      // A timing noted for an earlier release of the same name (since reset) is not this one's.
      const sameRevision = timing !== undefined && (timing.operation === 'uninstall' || timing.startedAt.getTime() === revision.updatedAt.getTime())
      const isPending = pending !== null && pending.revision === revision.revision
      const startedAt = sameRevision && timing.operation === 'uninstall' ? timing.startedAt : revision.updatedAt
      return {
        revision,
        operation: sameRevision ? operation : inferOperation(revision),
        startedAt,
        endedAt: isPending ? null : sameRevision ? timing.endedAt : null,
        endKnown: isPending || (sameRevision && timing.endedAt !== null),
      }
    })
    let resources: KubeResource[] = []
    let resourcesError: string | null = null
    try {
      resources = releases.resources(latest)
    } catch (err) {
      resourcesError = (err as Error).message
    }
    const clusterRefs = [key.clusterId, ...(this.deps.clusterAliases?.(key.clusterId) ?? []).filter((a) => a !== key.clusterId)]
    return { latest, revisions, pending, resources, resourcesError, clusterRefs }
  }

  changes(): ChangeSnapshot {
    const { control, queries } = this.deps
    this.deps.releases.settle()
    const data = queries.dataVersion()
    const journal = { total: control.journal.total, errors: control.journal.errors }
    const faults = control.faults
      .list()
      .map((r) => `${r.id}:${r.fired}`)
      .join(',')
    const clock = control.clock()
    const lifecycle = control.lifecycle().profile
    return {
      version: `${data}.${journal.total}.${hash(faults)}.${clock.offset_ms}.${lifecycle}`,
      data,
      journal,
      faults: hash(faults),
      clock: { now: clock.now, offset_ms: clock.offset_ms },
      lifecycle,
    }
  }

  #history(key: ReleaseKey): Revision[] {
    const history = this.deps.historyOf(key)
    if (history.length === 0) throw new NotFoundError(`release "${key.name}" not found`)
    return history
  }
}

/** For revisions this process did not see start: Helm's descriptions tell a rollback apart. */
function inferOperation(r: Revision): Operation {
  if (r.status === 'DELETING') return 'uninstall'
  if (r.revision === 1) return 'install'
  return /^Rollback to \d+/.test(r.description) ? 'rollback' : 'upgrade'
}

/** A short, stable digest of a string (FNV-1a), so the change snapshot stays small. */
function hash(s: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0).toString(36)
}
