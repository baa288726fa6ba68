/**
 * Cloudpods chart repositories: create (POST /api/repos), sync, delete, reads, chart listing and
 * version resolution, and the port a Cloudpods release uses (resolve + resources).
 *
 * Every package goes through the CCE chart API's reader and limits (the app passes the same worker-thread reader), so the
 * same bombs, traversal and links are refused; a repo whose source holds one bad package is
 * refused whole (create) or left as it was (sync), never half-loaded.
 *
 * Decisions:
 *   - repos are global (kubeserver's are domain-level; the emulator has one domain), and their
 *     names unique: a name in use is 409;
 *   - a repo is loaded eagerly, packages included, when created or synced (kubeserver only
 *     fetches index.yaml and downloads a package on install): the emulator then never needs the
 *     upstream again, and a bad package is reported when the repo is added;
 *   - a repo that releases use cannot be deleted (406, as kubeserver's ValidateDeleteCondition).
 */
import { randomUUID, createHash } from 'node:crypto'
import type { Clock } from '../clock.js'
import { AlreadyExistsError, DomainError, NotAcceptableError, NotEmptyError, NotFoundError, ValidationError } from '../errors.js'
import { inlineChartReader, type ChartPackageLimits, type ChartPackageReader, type ChartTemplate } from '../charts/chart-package.js'
import { resourcesFromTemplates, type TemplateResource } from '../charts/template-resources.js'
import { repoId as folderRepoId } from './ids.js'
import type { LoadedChart, Repo, RepoChartCatalog, RepoChartRef, RepoChartVersion, RepoRepository, RepoType, ResolvedRepoChart } from './repo.js'
import { REPO_TYPES } from './repo.js'
import type { FetchedPackage, RepoFetcher } from './repo-fetcher.js'
import { newestFirst, pickVersion, VersionConstraint } from './semver.js'

export interface RepoServiceDeps {
  repo: RepoRepository
  clock: Clock
  /** The chart API's package limits (DEFAULT_CHART_LIMITS unless configured). */
  limits: ChartPackageLimits
  fetcher: RepoFetcher
  /** Reads packages; default inline. The app passes the chart API's reader (a worker thread) so a repo's YAML never blocks requests. */
  reader?: ChartPackageReader
  newId?: () => string
  /**
   * How many releases install from a repo; supplied by the release side (0 until it is).
   * Shown as `release_count`, and a repo in use cannot be deleted.
   */
  releasesUsing?: (repoId: string) => number
}

export interface CreateRepoInput {
  name?: string | undefined
  type?: string | undefined
  url?: string | undefined
}

export interface RepoListFilter {
  type?: string | undefined
  /** Exact names (any of). */
  names?: readonly string[] | undefined
  /** Substring of the name. */
  search?: string | undefined
  limit: number
  offset: number
}

export interface ChartListFilter {
  /** Exact chart name. */
  name?: string | undefined
  /** Substring of the chart name (kubeserver's `keyword`). */
  keyword?: string | undefined
  /** Every version instead of the newest matching one per chart. */
  allVersions?: boolean | undefined
  /** A constraint the versions must satisfy; default every release version (Helm's `>0.0.0`). */
  version?: string | undefined
}

export const REPO_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,126}[A-Za-z0-9_])?$/
export const MAX_URL_LENGTH = 2048

export const repoDigest = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

export class RepoService implements RepoChartCatalog {
  private readonly newId: () => string
  /** What each --charts subfolder loaded, so a reset can put it back without reading disk. */
  private readonly fromFolders = new Map<string, { repo: Repo; charts: LoadedChart[] }>()

  constructor(private readonly deps: RepoServiceDeps) {
    this.newId = deps.newId ?? randomUUID
  }

  list(filter: RepoListFilter): { repos: Repo[]; total: number } {
    const all = this.deps.repo.list().filter(
      (r) =>
        (filter.type === undefined || filter.type === '' || r.type === filter.type) &&
        (filter.names === undefined || filter.names.length === 0 || filter.names.includes(r.name)) &&
        (filter.search === undefined || filter.search === '' || r.name.includes(filter.search)),
    )
    return { repos: all.slice(filter.offset, filter.offset + filter.limit), total: all.length }
  }

  /** By id, then by name. */
  get(ref: string): Repo {
    const { repo } = this.deps
    const found = repo.byId(ref) ?? repo.byName(ref)
    if (!found) throw new NotFoundError(`repo ${ref} not found`)
    return found
  }

  releaseCount(repo: Repo): number {
    return this.deps.releasesUsing?.(repo.id) ?? 0
  }

  async create(input: CreateRepoInput): Promise<Repo> {
    const { name, type, url } = checkRepoInput(input)
    this.assertNameFree(name)

    const charts = await this.fetchAndLoad(url, `Add helm repo ${url} failed`)
    const now = this.deps.clock.now()
    const repo: Repo = { id: this.newId(), name, type: type as RepoType, url, origin: 'api', createdAt: now, updatedAt: now, syncedAt: now }
    const { repo: store } = this.deps
    // The fetch awaited: another create may have taken the name meanwhile.
    store.transaction(() => {
      this.assertNameFree(name)
      store.insert(repo)
      store.replaceCharts(repo.id, charts, now)
    })
    return repo
  }

  /** Reads the repo's source again and replaces its charts (POST /api/repos/{id}/sync). */
  async sync(ref: string): Promise<Repo> {
    const before = this.get(ref)
    const charts = await this.fetchAndLoad(before.url, `Sync helm repo ${before.name} from ${before.url} failed`)
    const { repo: store, clock } = this.deps
    return store.transaction(() => {
      const current = store.byId(before.id)
      if (!current) throw new NotFoundError(`repo ${ref} not found`)
      const now = clock.now()
      const synced = { ...current, updatedAt: now, syncedAt: now }
      store.update(synced)
      store.replaceCharts(current.id, charts, now)
      return synced
    })
  }

  delete(ref: string): Repo {
    const { repo: store } = this.deps
    return store.transaction(() => {
      const repo = this.get(ref)
      const used = this.releaseCount(repo)
      if (used > 0) throw new NotAcceptableError(`${used} release use this repo`)
      store.delete(repo.id)
      return repo
    })
  }

  /**
   * `--charts DIR/<name>/`: loads the folder as the external repo `name`, under the id derived
   * from the name, replacing what a previous run (or an API repo of that name) left.
   */
  async loadFolder(name: string, url: string): Promise<{ repo: Repo; charts: number; replaced: string | undefined }> {
    if (!REPO_NAME.test(name)) throw new ValidationError(`folder "${name}" is not a valid repo name (letters, digits, ".", "_", "-")`, 'name')
    const charts = await this.fetchAndLoad(url, `cannot load repo ${name} from ${url}`)
    const now = this.deps.clock.now()
    const repo: Repo = { id: folderRepoId(name), name, type: 'external', url, origin: 'folder', createdAt: now, updatedAt: now, syncedAt: now }
    const result = this.putFolderRepo(repo, charts)
    this.fromFolders.set(name, { repo, charts })
    return { repo: result.repo, charts: charts.length, replaced: result.replaced }
  }

  /**
   * A control-plane reset: repos created over the API go (unless releases still use them) and
   * every --charts repo is put back as it was loaded. Answers how many API repos were removed.
   */
  reset(): number {
    const { repo: store } = this.deps
    return store.transaction(() => {
      let removed = 0
      for (const r of store.list()) {
        if (r.origin === 'api' && this.releaseCount(r) === 0 && store.delete(r.id)) removed += 1
      }
      for (const { repo, charts } of this.fromFolders.values()) this.putFolderRepo({ ...repo, updatedAt: this.deps.clock.now() }, charts)
      return removed
    })
  }

  /** Chart versions of a repo: by chart name, newest version first. */
  charts(ref: string, filter: ChartListFilter = {}): { repo: Repo; charts: RepoChartVersion[] } {
    const repo = this.get(ref)
    const wanted = filter.version === undefined || filter.version === '' ? '>0.0.0' : filter.version
    const byName = new Map<string, RepoChartVersion[]>()
    for (const c of this.deps.repo.charts(repo.id, filter.name || undefined)) {
      if (filter.keyword && !c.name.includes(filter.keyword)) continue
      byName.set(c.name, [...(byName.get(c.name) ?? []), c])
    }
    const out: RepoChartVersion[] = []
    for (const name of [...byName.keys()].sort()) {
      const versions = (byName.get(name) ?? []).sort((a, b) => newestFirst(a.version, b.version))
      if (filter.allVersions) {
        const constraint = VersionConstraint.parse(wanted)
        out.push(...versions.filter((v) => constraint.matches(v.version)))
      } else {
        const pick = pickVersion(versions.map((v) => v.version), wanted)
        const chosen = versions.find((v) => v.version === pick)
        if (chosen) out.push(chosen)
      }
    }
    return { repo, charts: out }
  }

  /** One chart version: `constraint` as Helm takes it, default the newest. */
  chart(ref: string, name: string, constraint?: string): { repo: Repo; chart: RepoChartVersion } {
    if (name === '') throw new NotEmptyError('chart must provided', 'chart')
    const repo = this.get(ref)
    const versions = this.deps.repo.charts(repo.id, name)
    if (versions.length === 0) throw new NotFoundError(`chart ${name} not found in repo ${repo.name}`)
    const version = pickVersion(versions.map((v) => v.version), constraint)
    const chart = versions.find((v) => v.version === version)
    if (!chart) throw new NotFoundError(`chart ${name} has no version matching "${constraint ?? ''}" in repo ${repo.name} (it has ${versions.map((v) => v.version).sort(newestFirst).join(', ')})`)
    return { repo, chart }
  }

  /**
   * The release port: the chart `<repo>/<chart>` at a version constraint (empty = newest,
   * pre-releases included, kubeserver's `>0.0.0-0`). Throws NotEmptyError for a missing repo or
   * chart, NotFoundError for an unknown one or no matching version, ValidationError for a bad
   * constraint.
   */
  resolve(repoRef: string, chartName: string, constraint?: string): ResolvedRepoChart {
    if (repoRef === '') throw new NotEmptyError('repo must provided', 'repo')
    const { repo, chart } = this.chart(repoRef, chartName, constraint)
    const store = this.deps.repo
    return {
      repo,
      chart,
      ref: { repoId: repo.id, repoName: repo.name, name: chart.name, version: chart.version, digest: chart.digest },
      defaults: chart.values,
      package: () => {
        const bytes = store.packageBytes(chart.digest)
        if (!bytes) throw new NotFoundError(`chart ${chart.name} ${chart.version}: its package is gone from repo ${repo.name}`)
        return bytes
      },
    }
  }

  /** The .tgz a release runs, while any repo still holds it; null once none does. */
  packageOf(ref: RepoChartRef): Buffer | null {
    return this.deps.repo.packageBytes(ref.digest)
  }

  /**
   * The chart's templates (for a release's `manifest` or Helm release object): by package digest,
   * else the repo's current package of that name and version; [] once neither exists.
   */
  templatesOf(ref: RepoChartRef): ChartTemplate[] {
    const store = this.deps.repo
    const templates = store.templates(ref.digest)
    if (templates !== null) return templates
    const same = store.chart(ref.repoId, ref.name, ref.version)
    return (same ? store.templates(same.digest) : null) ?? []
  }

  /** The Kubernetes objects a release of this chart declares ([] once its package is gone). */
  resources(ref: RepoChartRef, releaseName: string, namespace: string): TemplateResource[] {
    return resourcesFromTemplates(this.templatesOf(ref), releaseName, namespace)
  }

  private assertNameFree(name: string): void {
    if (this.deps.repo.byName(name)) throw new AlreadyExistsError(`Duplicate name repo ${name}`)
  }

  private putFolderRepo(repo: Repo, charts: LoadedChart[]): { repo: Repo; replaced: string | undefined } {
    const { repo: store } = this.deps
    return store.transaction(() => {
      let replaced: string | undefined
      const clash = store.byName(repo.name)
      if (clash && clash.id !== repo.id) {
        store.delete(clash.id)
        replaced = clash.id
      }
      const existing = store.byId(repo.id)
      const stored = existing ? { ...repo, createdAt: existing.createdAt } : repo
      if (existing) store.update(stored)
      else store.insert(stored)
      store.replaceCharts(repo.id, charts, repo.updatedAt)
      return { repo: stored, replaced }
    })
  }

  private async fetchAndLoad(url: string, context: string): Promise<LoadedChart[]> {
    let fetched: FetchedPackage[]
    try {
      fetched = await this.deps.fetcher.fetch(url)
    } catch (err) {
      if (err instanceof NotAcceptableError) throw new NotAcceptableError(`${context}: ${err.message}`)
      throw err
    }
    return this.load(fetched, context)
  }

  /** Validates every package with the chart API's reader; one bad package refuses them all. */
  private async load(fetched: FetchedPackage[], context: string): Promise<LoadedChart[]> {
    const seen = new Map<string, string>()
    const out: LoadedChart[] = []
    for (const f of fetched) {
      const fail = (why: string): NotAcceptableError => new NotAcceptableError(`${context}: ${f.source}: ${why}`)
      const digest = repoDigest(f.bytes)
      if (f.expected?.digest !== undefined && f.expected.digest !== digest) throw fail(`its SHA-256 is ${digest}, index.yaml says ${f.expected.digest}`)
      let pkg
      try {
        pkg = await (this.deps.reader ?? inlineChartReader()).read(f.bytes, this.deps.limits)
      } catch (err) {
        if (err instanceof DomainError) throw fail(`not a valid chart package: ${err.message}`)
        throw err
      }
      const { name, version } = pkg.metadata
      if (f.expected && (f.expected.name !== name || f.expected.version !== version)) {
        throw fail(`index.yaml lists it as ${f.expected.name} ${f.expected.version} but the package is ${name} ${version}`)
      }
      const key = `${name}\u0000${version}`
      const twin = seen.get(key)
      if (twin !== undefined) throw fail(`${twin} is chart ${name} version ${version} too; keep one`)
      seen.set(key, f.source)
      out.push({ metadata: pkg.metadata, values: pkg.values, templates: pkg.templates, readme: pkg.readme, bytes: f.bytes, digest })
    }
    return out
  }
}

/** A create's name, type and URL as the framework checks them, before anything is fetched. */
export function checkRepoInput(input: CreateRepoInput): { name: string; type: RepoType; url: string } {
  const name = input.name ?? ''
  if (name === '') throw new ValidationError('Missing name', 'name')
  if (!REPO_NAME.test(name)) {
    throw new ValidationError(`invalid repo name "${name.slice(0, 128)}": use 1-128 letters, digits, ".", "_" and "-", starting with a letter or digit`, 'name')
  }
  const type = input.type === undefined || input.type === '' ? 'external' : input.type
  if (!REPO_TYPES.includes(type as RepoType)) throw new ValidationError(`Not support type "${type}"`, 'type')
  return { name, type: type as RepoType, url: checkUrl(input.url) }
}

function checkUrl(raw: string | undefined): string {
  const url = raw ?? ''
  if (url === '') throw new ValidationError('Missing repo url', 'url')
  if (url.length > MAX_URL_LENGTH) throw new ValidationError(`repo url is longer than ${MAX_URL_LENGTH} characters`, 'url')
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new NotAcceptableError(`Invalid repo url: "${url}"`)
  }
  if (!['file:', 'http:', 'https:'].includes(parsed.protocol)) {
    throw new NotAcceptableError(`Add helm repo ${url} failed: only file:// folders and http(s):// Helm repositories are supported`)
  }
  return url
}
