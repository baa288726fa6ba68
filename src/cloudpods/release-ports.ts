/**
 * What the Cloudpods release service needs besides the release core: its own rows (id,
 * created_at, lookups across clusters), the cluster/namespace registry and the chart repos.
 * Storage and the repo service implement these; the service imports neither.
 */
import type { PendingOperation, ReleaseKey, Values } from '../releases/release.js'
import type { DeclaredObject, ReleaseChart, RepoType, RevisionHead } from './release.js'

/** A stored Cloudpods release: the core's latest revision and pending work, plus id and created_at. */
export interface CloudpodsReleaseRow {
  id: string
  createdAt: Date
  latest: RevisionHead
  pending: PendingOperation | null
}

export interface CloudpodsReleaseWhere {
  clusterId?: string | undefined
  namespace?: string | undefined
  /** Exact release name. */
  name?: string | undefined
}

export interface CloudpodsReleaseStore {
  /** Runs fn atomically (joining an outer transaction); fn must be synchronous. */
  transaction<T>(fn: () => T): T
  /** Gives a just-installed release its id and created_at. */
  assign(key: ReleaseKey, id: string, createdAt: Date): void
  byId(projectId: string, id: string): CloudpodsReleaseRow | null
  /** Every release of the project matching `where` (unordered). */
  find(projectId: string, where: CloudpodsReleaseWhere): CloudpodsReleaseRow[]
  /** How many releases run a chart of this repo (a repo in use cannot be deleted). */
  countByRepo(repoId: string): number
}

export interface ClusterRef {
  id: string
  name: string
}

export interface PlacementInput {
  cluster?: string | undefined
  clusterId?: string | undefined
  namespace?: string | undefined
  namespaceId?: string | undefined
}

/** The cluster/namespace registry: by id or name, created on first use when `create`. */
export interface PlacementPort {
  resolve(input: PlacementInput, opts: { create: boolean }): { cluster: ClusterRef | undefined; namespace: ClusterRef | undefined }
  cluster(id: string): ClusterRef | null
  namespaceId(clusterId: string, namespace: string): string
}

export interface RepoRef {
  id: string
  name: string
  type: RepoType
}

export interface ChartVersionInfo extends ReleaseChart {
  apiVersion: string
  description: string
  appVersion: string
}

export interface ResolvedRepoChart {
  repo: RepoRef
  chart: ChartVersionInfo
  /** The chart's values.yaml. */
  defaults: Values
}

/** The chart repos (branch cprepos' RepoService, adapted). */
export interface RepoChartPort {
  /** `<repo>/<chart>` at a Helm version constraint (empty: newest). Throws NotEmpty/NotFound/Validation errors. */
  resolve(repoRef: string, chartName: string, constraint: string | undefined): ResolvedRepoChart
  /** The repo as it is now, by id; null once deleted. */
  repo(id: string): RepoRef | null
  /** The objects a release of this chart declares ([] once its package is gone). */
  declared(chart: ReleaseChart, releaseName: string, namespace: string): DeclaredObject[]
}
