/**
 * Cloudpods releases over the shared release core: the core plans and stores every operation
 * (lifecycle, scheduler, faults, clock); this service adds what kubeserver adds around Helm —
 * ids, lookups by id or name across clusters, repos as `<repo>/<chart>` at a version constraint,
 * clusters and namespaces by id or name, and the DB status — in kubeserver's validation order.
 *
 * Decisions (README, Cloudpods limitations):
 *   - projectId of every Cloudpods release is the Keystone domain (`default`): kubeserver
 *     releases are domain-level resources and the emulator serves one domain, so a token's
 *     project never hides a release, as for a system admin on a real server;
 *   - a name that matches several releases where one is meant is a 409 (AmbiguousNameError);
 *     kubeserver answers 500 "duplicate entry", which reads like a server fault;
 *   - missing cluster / namespace on an external-repo install are 406 NotEmptyError
 *     ("cluster is empty"), the framework's class for a missing input.
 */
import type { Clock } from '../clock.js'
import { AlreadyExistsError, AmbiguousNameError, NotAcceptableError, NotEmptyError, NotFoundError, ValidationError } from '../errors.js'
import type { ReleaseService } from '../releases/release-service.js'
import type { ReleaseKey, Revision, Scope } from '../releases/release.js'
import { cloudpodsStatus, parseChartRefId, type CloudpodsRelease, type DeclaredObject } from './release.js'
import type { ChartVersionInfo, CloudpodsReleaseRow, CloudpodsReleaseStore, PlacementInput, PlacementPort, RepoChartPort } from './release-ports.js'
import { selectReleases, type ReleaseListQuery } from './release-query.js'
import { buildValues, hasValues, type ValuesInput } from './release-values.js'

/** The one Keystone domain the emulator serves; Cloudpods releases are domain-level. */
export const CLOUDPODS_DOMAIN = 'default'
/** Where an internal-repo release goes: kubeserver's system cluster. */
export const SYSTEM_CLUSTER = 'system'

// kubeserver's ValidateReleaseName (pkg/kubeserver/helm/client.go).
const CLOUDPODS_RELEASE_NAME = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])+$/
const MAX_RELEASE_NAME = 53

export interface CreateReleaseInput extends ValuesInput, PlacementInput {
  /** Deprecated `<repo>/<chart>`; what climc sends. */
  chartName?: string | undefined
  repo?: string | undefined
  chart?: string | undefined
  name?: string | undefined
  /** Deprecated alias of name; wins when non-empty. */
  releaseName?: string | undefined
  /** A Helm version constraint; empty: the newest version. */
  version?: string | undefined
  dryRun?: boolean | undefined
}

export interface UpgradeReleaseInput extends ValuesInput {
  /** A Helm version constraint; empty: the newest version (kubeserver's `>0.0.0-0`). */
  version?: string | undefined
}

export interface UpgradeResult {
  release: CloudpodsRelease
  /** The revision the upgrade wrote (Helm's release object). */
  revision: Revision
  chart: ChartVersionInfo | null
  defaults: Record<string, unknown>
}

export interface CloudpodsReleaseServiceDeps {
  releases: ReleaseService
  store: CloudpodsReleaseStore
  placement: PlacementPort
  charts: RepoChartPort
  clock: Clock
  /** A fresh UUID per release (randomUUID in the app; seeded in tests). */
  newId: () => string
}

/**
 * The repo and chart a create names: `repo` + `chart`, or `chart_name` "<repo>/<chart>" filling
 * whichever is empty. The wire checks it before schema validation too, to keep these sentences.
 */
export function chartRefOf(input: Pick<CreateReleaseInput, 'repo' | 'chart' | 'chartName'>): { repoRef: string; chartName: string } {
  let repoRef = input.repo ?? ''
  let chartName = input.chart ?? ''
  if (input.chartName !== undefined && input.chartName !== '') {
    const parts = input.chartName.split('/')
    if (parts.length !== 2) throw new ValidationError(`Illegal chart name: "${input.chartName.slice(0, 256)}"`, 'chart_name')
    if (repoRef === '') repoRef = parts[0]!
    if (chartName === '') chartName = parts[1]!
  }
  if (repoRef === '') throw new NotEmptyError('repo must provided', 'repo')
  if (chartName === '') throw new NotEmptyError('chart must provided', 'chart')
  return { repoRef, chartName }
}

export class CloudpodsReleaseService {
  constructor(private readonly deps: CloudpodsReleaseServiceDeps) {}

  create(input: CreateReleaseInput): CloudpodsRelease {
    const { releases, store, placement, charts, clock } = this.deps
    const { repoRef, chartName } = chartRefOf(input)
    const name = input.releaseName || input.name || ''
    validateName(name)
    const values = buildValues(input)
    const resolved = charts.resolve(repoRef, chartName, input.version || undefined)
    const where = this.placeFor(resolved.repo.type, input)
    // kubeserver's external driver checks the cluster, then the namespace, before looking either up.
    if (!where.cluster && !where.clusterId) throw new NotEmptyError('cluster is empty', 'cluster')
    if (!where.namespace && !where.namespaceId) throw new NotEmptyError('namespace is empty', 'namespace')

    return store.transaction(() => {
      const { cluster, namespace } = placement.resolve(where, { create: true })
      if (!cluster) throw new NotEmptyError('cluster is empty', 'cluster')
      if (!namespace) throw new NotEmptyError('namespace is empty', 'namespace')
      releases.beforeRead(null)
      if (store.find(CLOUDPODS_DOMAIN, { clusterId: cluster.id, namespace: namespace.name, name }).length > 0) {
        throw new AlreadyExistsError(`Duplicate name release ${name}`)
      }
      const scope: Scope = { projectId: CLOUDPODS_DOMAIN, flavor: 'cloudpods', clusterId: cluster.id }
      const chartId = `${resolved.repo.id}/${resolved.chart.name}`
      const revision = releases.create(scope, { name, namespace: namespace.name, chartId, version: resolved.chart.version, values, dryRun: input.dryRun === true })
      if (input.dryRun) {
        return this.assemble({ id: undefined, createdAt: clock.now(), latest: revision, pending: null })
      }
      const id = this.deps.newId()
      store.assign(revision.key, id, revision.updatedAt)
      return this.assemble(this.mustFind(id))
    })
  }

  /** GET: by id, else by name narrowed by the query's cluster/namespace. */
  get(ref: string, scope: PlacementInput = {}): CloudpodsRelease {
    const row = this.locate(ref, scope)
    // Counts this read for read-driven lifecycles, and settles what that makes due.
    this.deps.releases.beforeRead(row.latest.key)
    const fresh = this.deps.store.byId(CLOUDPODS_DOMAIN, row.id)
    if (!fresh) throw notFound(ref)
    return this.assemble(fresh)
  }

  list(query: ReleaseListQuery): { items: CloudpodsRelease[]; total: number } {
    this.deps.releases.beforeRead(null)
    let clusterId: string | undefined
    let namespace: string | undefined
    if (query.cluster || query.namespace) {
      const placed = this.deps.placement.resolve({ cluster: query.cluster, namespace: query.namespace }, { create: false })
      clusterId = placed.cluster?.id
      namespace = placed.namespace?.name
    }
    const rows = this.deps.store.find(CLOUDPODS_DOMAIN, { clusterId, namespace, name: query.names.length === 1 ? query.names[0] : undefined })
    // Most releases of a list share a repo: look each up once.
    const repos = new Map<string, CloudpodsRelease['repo']>()
    return selectReleases(rows.map((r) => this.assemble(r, repos)), query)
  }

  /** Helm upgrade: values as on create (none: the current config is kept), empty version = newest. */
  upgrade(ref: string, input: UpgradeReleaseInput): UpgradeResult {
    const { releases, store, charts } = this.deps
    const values = hasValues(input) ? buildValues(input) : {}
    const row = this.locate(ref)
    const current = parseChartRefId(row.latest.chart.id, row.latest.chart.version)
    return store.transaction(() => {
      const revision = releases.upgrade(row.latest.key, {
        chartId: `${current.repoId}/${current.name}`,
        version: input.version || undefined,
        values,
        dryRun: false,
        // kubeserver runs Helm 3.4.1's upgrade with neither flag: no new values reuse the old config.
        resetValues: false,
        reuseValues: false,
      })
      const repo = charts.repo(current.repoId)
      const chart = parseChartRefId(revision.chart.id, revision.chart.version)
      const info = repo ? charts.resolve(repo.id, chart.name, revision.chart.version) : null
      return { release: this.assemble(this.mustFind(row.id)), revision, chart: info?.chart ?? null, defaults: info?.defaults ?? {} }
    })
  }

  /** Every revision, newest first (Helm's history, reversed as kubeserver returns it). */
  history(ref: string, scope: PlacementInput = {}): Revision[] {
    const row = this.locate(ref, scope)
    return this.deps.releases.history(row.latest.key).slice().reverse()
  }

  /** Helm rollback: 0 = the previous revision; answers the detail. */
  rollback(ref: string, revision: number): CloudpodsRelease {
    if (!Number.isInteger(revision) || revision < 0) throw new ValidationError('invalid release revision', 'revision')
    const row = this.locate(ref)
    return this.deps.store.transaction(() => {
      this.deps.releases.rollback(row.latest.key, { target: revision === 0 ? undefined : revision, dryRun: false })
      return this.assemble(this.mustFind(row.id))
    })
  }

  /** Uninstall: answers the release as it now is (`deleting`); the lifecycle then removes it. */
  delete(ref: string): CloudpodsRelease {
    const row = this.locate(ref)
    return this.deps.store.transaction(() => {
      this.deps.releases.uninstall(row.latest.key)
      return this.assemble(this.mustFind(row.id))
    })
  }

  /** The objects the release's chart declares, for `resources` and `manifest`. */
  declared(release: CloudpodsRelease): DeclaredObject[] {
    return this.deps.charts.declared(release.chart, release.latest.key.name, release.namespace.name)
  }

  /** The core key of a release named by id, or by name within an optional cluster/namespace (control plane triggers). */
  keyOf(ref: string, scope: PlacementInput = {}): ReleaseKey {
    return this.locate(ref, scope).latest.key
  }

  /** How many releases run a chart of this repo. */
  releasesUsing(repoId: string): number {
    return this.deps.store.countByRepo(repoId)
  }

  /**
   * `{id}` as the framework resolves it: the UUID first, then the name. A scope (GET's query)
   * narrows a name lookup; without one the name must be unique across clusters.
   */
  private locate(ref: string, scope: PlacementInput = {}): CloudpodsReleaseRow {
    const { store, releases, placement } = this.deps
    releases.beforeRead(null)
    const byId = store.byId(CLOUDPODS_DOMAIN, ref)
    if (byId) return byId
    // The scope narrows the releases of that name (each field an id or a name); a cluster or
    // namespace nobody used simply matches none of them.
    const clusterRef = scope.clusterId || scope.cluster
    const namespaceRef = scope.namespaceId || scope.namespace
    const found = store.find(CLOUDPODS_DOMAIN, { name: ref }).filter((row) => {
      const { clusterId, namespace } = row.latest.key
      if (clusterRef && clusterRef !== clusterId && placement.cluster(clusterId)?.name !== clusterRef) return false
      return !namespaceRef || namespaceRef === namespace || namespaceRef === placement.namespaceId(clusterId, namespace)
    })
    if (found.length === 0) throw notFound(ref)
    if (found.length > 1) {
      throw new AmbiguousNameError(`release name ${ref} matches ${found.length} releases (${found.map((r) => r.id).join(', ')}); use the id, or give cluster and namespace`)
    }
    return found[0]!
  }

  private placeFor(type: 'internal' | 'external', input: PlacementInput): PlacementInput {
    const given = [input.cluster, input.clusterId, input.namespace, input.namespaceId].some((v) => v !== undefined && v !== '')
    if (type === 'external') return input
    // kubeserver's internal driver: the system cluster, a namespace named after the owner project.
    if (given) throw new NotAcceptableError('internal release can not specify namespace/cluster')
    return { cluster: SYSTEM_CLUSTER, namespace: CLOUDPODS_DOMAIN }
  }

  private mustFind(id: string): CloudpodsReleaseRow {
    const row = this.deps.store.byId(CLOUDPODS_DOMAIN, id)
    if (!row) throw notFound(id)
    return row
  }

  private assemble(row: Pick<CloudpodsReleaseRow, 'createdAt' | 'latest' | 'pending'> & { id: string | undefined }, repos?: Map<string, CloudpodsRelease['repo']>): CloudpodsRelease {
    const { placement, charts } = this.deps
    const key = row.latest.key
    const chart = parseChartRefId(row.latest.chart.id, row.latest.chart.version)
    let repo = repos?.get(chart.repoId)
    if (repo === undefined) {
      repo = charts.repo(chart.repoId)
      repos?.set(chart.repoId, repo)
    }
    return {
      id: row.id,
      createdAt: row.createdAt,
      latest: row.latest,
      pending: row.pending,
      status: cloudpodsStatus(row.latest, row.pending),
      cluster: placement.cluster(key.clusterId) ?? { id: key.clusterId, name: key.clusterId },
      namespace: { id: placement.namespaceId(key.clusterId, key.namespace), name: key.namespace },
      chart,
      repo,
    }
  }
}

function validateName(name: string): void {
  if (name === '') throw new ValidationError('invalid name: no release provided', 'name')
  if (name.length > MAX_RELEASE_NAME || !CLOUDPODS_RELEASE_NAME.test(name)) {
    throw new ValidationError(`invalid name: release name "${name.slice(0, 64)}" must match ${CLOUDPODS_RELEASE_NAME.source} and be at most ${MAX_RELEASE_NAME} characters`, 'name')
  }
}

const notFound = (ref: string): NotFoundError => new NotFoundError(`release ${ref} not found`)
