/**
 * Chart operations over the chart store: upload (with CCE's override rule and chart quota),
 * re-upload, delete, reads. Packages are validated by the streaming reader before any write.
 *
 * Decisions (README "Limitations" lists them):
 *   - the quota counts distinct chart names ("a chart with multiple versions consumes the same
 *     portion of chart quota", spec §8), per project and flavour;
 *   - a re-upload (PUT /{chart_id}) must carry the same chart name; it may carry another version,
 *     and the chart keeps its id (Terraform's huaweicloud_cce_chart keeps its id across updates);
 *   - a chart that live releases use can be deleted: CCE keeps chart packages in an OBS bucket
 *     and releases in the cluster (spec §8), and a release carries its own chart name, version
 *     and values (Helm stores the chart inside the release), so the release keeps working.
 */
import { randomUUID } from 'node:crypto'
import type { Clock } from '../clock.js'
import { AlreadyExistsError, NotFoundError, QuotaExceededError, ValidationError } from '../errors.js'
import type { ChartRef, Values } from '../releases/release.js'
import type { SqliteChartRepository } from '../storage/chart-repository.js'
import { packageDigest } from '../storage/chart-repository.js'
import { valuesJsonOf, type Chart, type ChartScope } from './chart.js'
import { chartPackageFileName, inlineChartReader, stableChartId, type ChartPackage, type ChartPackageLimits, type ChartPackageReader, type ChartTemplate } from './chart-package.js'

/** The documented keys of the multipart `parameters` JSON string (spec §2.6). */
export interface UploadParameters {
  /** Replace an existing chart of the same name and version instead of answering 409. */
  override?: boolean | undefined
  /** Accepted; the emulator never lints templates, so it changes nothing. */
  skipLint?: boolean | undefined
  visible?: boolean | undefined
  source?: string | undefined
}

export interface ChartServiceDeps {
  repo: SqliteChartRepository
  clock: Clock
  limits: ChartPackageLimits
  /** Reads packages (a worker thread in the app); default: on the calling thread. */
  reader?: ChartPackageReader
  /** Distinct chart names allowed per project and flavour. */
  quota: number
  newId?: () => string
}

export const DEFAULT_CHART_QUOTA = 200

export interface ChartQuota {
  quota: number
  used: number
}

export type PreloadAction = 'created' | 'updated' | 'unchanged'

export interface PreloadResult {
  chart: Chart
  action: PreloadAction
  /** Ids of charts with the same name and version that the stable id replaced. */
  replaced: string[]
}

export class ChartService {
  private readonly newId: () => string
  /** Every package loaded by `preload`, by scope and id, so a reset can put back what was deleted or replaced. */
  private readonly preloaded = new Map<string, { scope: ChartScope; pkg: ChartPackage; bytes: Buffer }>()

  private readonly reader: ChartPackageReader

  constructor(private readonly deps: ChartServiceDeps) {
    this.newId = deps.newId ?? randomUUID
    this.reader = deps.reader ?? inlineChartReader()
  }

  get limits(): ChartPackageLimits {
    return this.deps.limits
  }

  /** Validates and reads a package under this store's limits; a bad package is a ValidationError. */
  read(bytes: Buffer): Promise<ChartPackage> {
    return this.reader.read(bytes, this.deps.limits)
  }

  async upload(scope: ChartScope, bytes: Buffer, params: UploadParameters = {}): Promise<Chart> {
    const pkg = await this.read(bytes)
    const { repo, clock } = this.deps
    return repo.transaction(() => {
      const { name, version } = pkg.metadata
      const existing = repo.findByNameVersion(scope, name, version)
      const now = clock.now()
      if (existing) {
        if (params.override !== true) {
          throw new AlreadyExistsError(
            `chart "${name}" version ${version} already exists (id ${existing.id}); set "override": true in the parameters field to replace it`,
          )
        }
        const chart = chartFrom(pkg, scope, existing.id, existing.createdAt, now, {
          visible: params.visible ?? existing.visible,
          source: params.source ?? existing.source,
        })
        repo.replace(chart, { packageBytes: bytes, templates: pkg.templates })
        return chart
      }
      this.checkQuota(scope, name)
      const chart = chartFrom(pkg, scope, this.newId(), now, now, { visible: params.visible ?? true, source: params.source ?? '' })
      repo.insert(chart, { packageBytes: bytes, templates: pkg.templates })
      return chart
    })
  }

  /** PUT /{chart_id}: a new package for an existing chart of the same name; the id stays. */
  async update(scope: ChartScope, id: string, bytes: Buffer, params: UploadParameters = {}): Promise<Chart> {
    this.get(scope, id)
    const pkg = await this.read(bytes)
    const { repo, clock } = this.deps
    return repo.transaction(() => {
      const current = this.get(scope, id)
      const { name, version } = pkg.metadata
      if (name !== current.name) {
        throw new ValidationError(
          `the package is chart "${name}" but chart ${id} is "${current.name}"; an update must carry the same chart name (upload a different chart with POST)`,
          'content',
        )
      }
      const other = repo.findByNameVersion(scope, name, version)
      if (other && other.id !== id) {
        throw new AlreadyExistsError(
          `chart "${name}" version ${version} already exists as chart ${other.id}; update that chart or delete it first`,
        )
      }
      const chart = chartFrom(pkg, scope, id, current.createdAt, clock.now(), {
        visible: params.visible ?? current.visible,
        source: params.source ?? current.source,
      })
      repo.replace(chart, { packageBytes: bytes, templates: pkg.templates })
      return chart
    })
  }

  get(scope: ChartScope, id: string): Chart {
    const chart = this.deps.repo.get(scope, id)
    if (!chart) throw notFound(id)
    return chart
  }

  list(scope: ChartScope): Chart[] {
    return this.deps.repo.list(scope)
  }

  /** Deletes the chart whatever releases use it (see the header); answers what was deleted. */
  /** The charts loaded at start (--charts), once each whatever the scopes, in load order: for the ready line. */
  preloadedCharts(): Array<{ id: string; name: string; version: string }> {
    const seen = new Map<string, { id: string; name: string; version: string }>()
    for (const { pkg } of this.preloaded.values()) {
      const { name, version } = pkg.metadata
      const id = stableChartId(name, version)
      if (!seen.has(id)) seen.set(id, { id, name, version })
    }
    return [...seen.values()]
  }

  /**
   * A control-plane reset: removes uploaded charts and keeps the preloaded ones (--charts), which
   * carry the id derived from their name and version, so a reset returns to the start-up state.
   */
  removeUploaded(filter: { projectId?: string | undefined; flavor?: ChartScope['flavor'] | undefined }): number {
    const { repo } = this.deps
    return repo.transaction(() => {
      let removed = 0
      for (const c of repo.identities(filter)) {
        if (c.id !== stableChartId(c.name, c.version) && repo.delete(c.scope, c.id)) removed += 1
      }
      return removed
    })
  }

  /**
   * The other half of a reset: puts every preloaded chart in the filter back as it was loaded,
   * whether it was deleted, re-uploaded (PUT) or replaced since. Answers how many changed.
   */
  restorePreloaded(filter: { projectId?: string | undefined; flavor?: ChartScope['flavor'] | undefined }): number {
    let restored = 0
    for (const { scope, pkg, bytes } of this.preloaded.values()) {
      if ((filter.projectId !== undefined && filter.projectId !== scope.projectId) || (filter.flavor !== undefined && filter.flavor !== scope.flavor)) continue
      if (this.preloadParsed(scope, pkg, bytes).action !== 'unchanged') restored += 1
    }
    return restored
  }

  delete(scope: ChartScope, id: string): Chart {
    const { repo } = this.deps
    return repo.transaction(() => {
      const chart = this.get(scope, id)
      repo.delete(scope, id)
      return chart
    })
  }

  archive(scope: ChartScope, id: string): { chart: Chart; fileName: string; bytes: Buffer } {
    const { repo } = this.deps
    return repo.transaction(() => {
      const chart = this.get(scope, id)
      const bytes = repo.packageBytes(scope, id)
      if (!bytes) throw notFound(id)
      return { chart, fileName: chartPackageFileName(chart.name, chart.version), bytes }
    })
  }

  values(scope: ChartScope, id: string): Values {
    return this.get(scope, id).values
  }

  /** The same as JSON text, without parsing the stored text first. */
  valuesJson(scope: ChartScope, id: string): string {
    return valuesJsonOf(this.get(scope, id))
  }

  quota(scope: ChartScope): ChartQuota {
    return { quota: this.deps.quota, used: this.deps.repo.countNames(scope) }
  }

  /**
   * The templates of the chart a release runs: the chart with the release's chart id if it still
   * has that name and version, else any chart of that name and version; [] once it is gone.
   */
  /** Changes whenever a chart may have changed (see SqliteChartRepository.generation). */
  get generation(): number {
    return this.deps.repo.generation
  }

  templatesFor(scope: ChartScope, ref: ChartRef): ChartTemplate[] {
    const { repo } = this.deps
    const byId = repo.get(scope, ref.id)
    const chart = byId && byId.name === ref.name && byId.version === ref.version ? byId : repo.findByNameVersion(scope, ref.name, ref.version)
    return chart ? (repo.templates(scope, chart.id) ?? []) : []
  }

  /**
   * Loads a package under its stable id (derived from name and version), idempotently: the same
   * bytes again change nothing; other bytes replace the chart in place. A chart of the same name
   * and version under another id (an earlier upload into a file database) gives way to it.
   * Preloading is the operator's choice, so it is not held to the chart quota.
   */
  async preload(scope: ChartScope, bytes: Buffer): Promise<PreloadResult> {
    const pkg = await this.read(bytes)
    return this.preloadParsed(scope, pkg, bytes)
  }

  preloadParsed(scope: ChartScope, pkg: ChartPackage, bytes: Buffer): PreloadResult {
    const { repo, clock } = this.deps
    const { name, version } = pkg.metadata
    const id = stableChartId(name, version)
    const result = repo.transaction(() => {
      const replaced: string[] = []
      const clash = repo.findByNameVersion(scope, name, version)
      if (clash && clash.id !== id) {
        repo.delete(scope, clash.id)
        replaced.push(clash.id)
      }
      const existing = repo.get(scope, id)
      const now = clock.now()
      if (existing && existing.name === name && existing.version === version && repo.packageDigest(scope, id) === packageDigest(bytes)) {
        return { chart: existing, action: 'unchanged' as const, replaced }
      }
      const chart = chartFrom(pkg, scope, id, existing?.createdAt ?? now, now, { visible: true, source: '' })
      if (existing) repo.replace(chart, { packageBytes: bytes, templates: pkg.templates })
      else repo.insert(chart, { packageBytes: bytes, templates: pkg.templates })
      return { chart, action: existing ? ('updated' as const) : ('created' as const), replaced }
    })
    this.preloaded.set(`${scope.projectId}\u0000${scope.flavor}\u0000${id}`, { scope: { ...scope }, pkg, bytes })
    return result
  }

  private checkQuota(scope: ChartScope, name: string): void {
    const { repo, quota } = this.deps
    if (repo.hasName(scope, name)) return
    const used = repo.countNames(scope)
    if (used >= quota) {
      throw new QuotaExceededError(
        `Insufficient chart quota: project ${scope.projectId} already has ${used} of ${quota} charts (all versions of a chart count once); delete a chart or start the emulator with a larger --chart-quota`,
      )
    }
  }
}

function chartFrom(
  pkg: ChartPackage,
  scope: ChartScope,
  id: string,
  createdAt: Date,
  updatedAt: Date,
  extra: { visible: boolean; source: string },
): Chart {
  const m = pkg.metadata
  return {
    scope,
    id,
    name: m.name,
    version: m.version,
    description: m.description,
    iconUrl: m.icon,
    appVersion: m.appVersion,
    public: false,
    visible: extra.visible,
    source: extra.source,
    readme: pkg.readme,
    // Read through: a package from the worker parses its values on first use.
    get values() {
      return pkg.values
    },
    valuesJson: pkg.valuesJson,
    createdAt,
    updatedAt,
  }
}

const notFound = (id: string): NotFoundError => new NotFoundError(`chart: not found: no chart with id "${id}"`)
