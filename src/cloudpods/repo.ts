/**
 * The Cloudpods chart repository model: a repo (kubeserver's `repos_tbl`) and the chart versions
 * it serves. Nothing here knows about HTTP or SQLite.
 */
import type { ChartTemplate } from '../charts/chart-package.js'
import type { ChartMetadata } from '../charts/chart-metadata.js'
import type { TemplateResource } from '../charts/template-resources.js'
import type { Values } from '../releases/release.js'

export type RepoType = 'internal' | 'external'
export const REPO_TYPES: readonly RepoType[] = ['internal', 'external']

/** `folder`: loaded from a `--charts DIR/<repo>/` subfolder; `api`: created by POST /api/repos. */
export type RepoOrigin = 'folder' | 'api'

export interface Repo {
  id: string
  name: string
  type: RepoType
  /** `file:///…` folder or `http(s)://…` Helm repository. */
  url: string
  origin: RepoOrigin
  createdAt: Date
  updatedAt: Date
  /** The last successful load of its charts. */
  syncedAt: Date | null
}

/** One version of one chart in one repo. */
export interface RepoChartVersion {
  repoId: string
  name: string
  version: string
  apiVersion: string
  description: string
  appVersion: string
  icon: string
  /** The package has a README at the top of its chart folder. */
  readme: boolean
  /** values.yaml, parsed once when the package was loaded. */
  values: Values
  /** SHA-256 (hex) of the package: what the package store is keyed by. */
  digest: string
  createdAt: Date
}

/** A validated package, ready to store. */
export interface LoadedChart {
  metadata: ChartMetadata
  values: Values
  templates: ChartTemplate[]
  readme: boolean
  bytes: Buffer
  digest: string
}

/** What a release records about the chart it runs (enough to find templates and package again). */
export interface RepoChartRef {
  repoId: string
  repoName: string
  name: string
  version: string
  /** Package SHA-256: the same bytes are found even if the repo was re-synced since. */
  digest: string
}

/** Storage of repos and their charts; implemented by src/storage/cloudpods-repo-repository.ts. */
export interface RepoRepository {
  /** Runs fn atomically; fn must be synchronous. */
  transaction<T>(fn: () => T): T
  /** Newest first (created_at, then name, then id, all descending), as kubeserver lists. */
  list(): Repo[]
  byId(id: string): Repo | null
  byName(name: string): Repo | null
  insert(repo: Repo): void
  update(repo: Repo): void
  /** Deletes the repo and its chart versions, and any package nothing else references. */
  delete(id: string): boolean
  /** Replaces every chart version of the repo with these (a sync); packages are stored once. */
  replaceCharts(repoId: string, charts: readonly LoadedChart[], now: Date): void
  /** Every chart version of the repo (of one chart when `name` is given), unordered. */
  charts(repoId: string, name?: string): RepoChartVersion[]
  chart(repoId: string, name: string, version: string): RepoChartVersion | null
  templates(digest: string): ChartTemplate[] | null
  packageBytes(digest: string): Buffer | null
}

/** What a release installs: resolved from `<repo>/<chart>` and a version constraint. */
export interface ResolvedRepoChart {
  repo: Repo
  chart: RepoChartVersion
  /** What a release stores to find this chart again (resources, templatesOf, packageOf). */
  ref: RepoChartRef
  /** values.yaml of the chart version. */
  defaults: Values
  /** The .tgz, read from storage on demand (it can be MiBs). */
  package(): Buffer
}

/** The port a Cloudpods release uses; RepoService implements it. */
export interface RepoChartCatalog {
  /**
   * `<repo>/<chart>` at a version constraint (empty = newest, pre-releases included: kubeserver's
   * `>0.0.0-0`). NotEmptyError: no repo or chart; NotFoundError: unknown repo, chart or no
   * matching version; ValidationError (field `version`): a bad constraint.
   */
  resolve(repoRef: string, chartName: string, constraint?: string): ResolvedRepoChart
  /** The Kubernetes objects the chart's templates declare for this release. */
  resources(ref: RepoChartRef, releaseName: string, namespace: string): TemplateResource[]
  templatesOf(ref: RepoChartRef): ChartTemplate[]
  /** null once no repo holds the package any more. */
  packageOf(ref: RepoChartRef): Buffer | null
}
