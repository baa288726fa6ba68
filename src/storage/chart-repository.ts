/** SQLite store of chart packages (table `charts`, migration 003). */
import { createHash } from 'node:crypto'
import { valuesJsonOf, type Chart, type ChartContent, type ChartScope } from '../charts/chart.js'
import type { ChartTemplate } from '../charts/chart-package.js'
import type { Flavor } from '../releases/release.js'
import { ChartValuesTable } from './chart-values.js'
import type { DatabaseHandle } from './db.js'

export interface ChartRow {
  project_id: string
  flavor: Flavor
  id: string
  name: string
  version: string
  description: string
  icon_url: string
  app_version: string
  public: number
  visible: number
  source: string
  readme: number
  values_json: string
  values_hash: string
  created_at: number
  updated_at: number
}

/** Every column but the heavy ones (package, templates), which only archive and resources read; the defaults are in chart_values. */
const COLUMNS =
  'project_id, flavor, id, name, version, description, icon_url, app_version, public, visible, source, readme, values_json, values_hash, created_at, updated_at'
const FROM = 'charts JOIN chart_values ON chart_values.hash = charts.values_hash'
const SCOPE = 'project_id = @projectId AND flavor = @flavor'

const scopeParams = (s: ChartScope) => ({ projectId: s.projectId, flavor: s.flavor })

function rowToChart(r: ChartRow): Chart {
  let values: Chart['values'] | undefined
  return {
    scope: { projectId: r.project_id, flavor: r.flavor },
    id: r.id,
    name: r.name,
    version: r.version,
    description: r.description,
    iconUrl: r.icon_url,
    appVersion: r.app_version,
    public: r.public === 1,
    visible: r.visible === 1,
    source: r.source,
    readme: r.readme === 1,
    // Parsed on first use: an answer needs the text only, and 20k-key defaults take ~8 ms to parse.
    get values(): Chart['values'] {
      return (values ??= JSON.parse(r.values_json) as Chart['values'])
    },
    valuesJson: r.values_json,
    valuesRef: r.values_hash,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  }
}

function chartParams(c: Chart, content: ChartContent, valuesHash: string) {
  return {
    ...scopeParams(c.scope),
    id: c.id,
    name: c.name,
    version: c.version,
    description: c.description,
    iconUrl: c.iconUrl,
    appVersion: c.appVersion,
    public: c.public ? 1 : 0,
    visible: c.visible ? 1 : 0,
    source: c.source,
    readme: c.readme ? 1 : 0,
    valuesHash,
    templatesJson: JSON.stringify(content.templates),
    package: content.packageBytes,
    sha256: packageDigest(content.packageBytes),
    createdAt: c.createdAt.getTime(),
    updatedAt: c.updatedAt.getTime(),
  }
}

/** Charts (and template lists) kept in memory at most; beyond it they are read each time. */
const CACHED_CHARTS = 256

export const packageDigest = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

/**
 * Every release create resolves its chart, and every show_resources reads its templates: both are
 * kept in memory, per chart, until any chart write (or a failed transaction) drops them all. Charts
 * are few and rarely written. `generation` counts those drops, so callers can key derived caches
 * (the resources of a release, src/charts/chart-catalog.ts) on it. Reads inside a transaction
 * are kept too (every create resolves its chart inside one): a chart write in a transaction that
 * is then rolled back drops them (transaction(), and the write batch's onLost in src/app.ts).
 */
export class SqliteChartRepository {
  readonly #statements = new Map<string, ReturnType<DatabaseHandle['prepare']>>()
  readonly #charts = new Map<string, Chart | null>()
  readonly #templates = new Map<string, ChartTemplate[] | null>()
  #generation = 0

  readonly #values: ChartValuesTable

  constructor(private readonly db: DatabaseHandle) {
    this.#values = new ChartValuesTable(db)
  }

  /** Each statement is prepared once per connection, on first use. */
  #prepare(sql: string): ReturnType<DatabaseHandle['prepare']> {
    let statement = this.#statements.get(sql)
    if (!statement) this.#statements.set(sql, (statement = this.db.prepare(sql)))
    return statement
  }

  /** Runs fn atomically; fn must be synchronous. */
  transaction<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn)()
    } catch (err) {
      this.forgetCached()
      throw err
    }
  }

  /** Changes whenever what this store answers may have changed. */
  get generation(): number {
    return this.#generation
  }

  /** Drops every cached chart and template list (any write; a rolled-back transaction). */
  forgetCached(): void {
    this.#charts.clear()
    this.#templates.clear()
    this.#generation += 1
  }

  get(scope: ChartScope, id: string): Chart | null {
    const key = `${scope.projectId}\u0000${scope.flavor}\u0000${id}`
    const cached = this.#charts.get(key)
    if (cached !== undefined) return cached
    const row = this.#prepare(`SELECT ${COLUMNS} FROM ${FROM} WHERE ${SCOPE} AND id = @id`).get({ ...scopeParams(scope), id }) as ChartRow | undefined
    const chart = row ? rowToChart(row) : null
    if (this.#charts.size < CACHED_CHARTS) this.#charts.set(key, chart)
    return chart
  }

  findByNameVersion(scope: ChartScope, name: string, version: string): Chart | null {
    const row = this
      .#prepare(`SELECT ${COLUMNS} FROM ${FROM} WHERE ${SCOPE} AND name = @name AND version = @version`)
      .get({ ...scopeParams(scope), name, version }) as ChartRow | undefined
    return row ? rowToChart(row) : null
  }

  /** Ordered by name, then version (numerically), then id. */
  list(scope: ChartScope): Chart[] {
    const rows = this.#prepare(`SELECT ${COLUMNS} FROM ${FROM} WHERE ${SCOPE}`).all(scopeParams(scope)) as ChartRow[]
    return rows.map(rowToChart).sort(compareCharts)
  }

  /** Distinct chart names: what the chart quota counts. */
  countNames(scope: ChartScope): number {
    return (this.#prepare(`SELECT COUNT(DISTINCT name) AS n FROM charts WHERE ${SCOPE}`).get(scopeParams(scope)) as { n: number }).n
  }

  hasName(scope: ChartScope, name: string): boolean {
    return this.#prepare(`SELECT 1 FROM charts WHERE ${SCOPE} AND name = @name LIMIT 1`).get({ ...scopeParams(scope), name }) !== undefined
  }

  insert(chart: Chart, content: ChartContent): void {
    this.forgetCached()
    this
      .#prepare(
        `INSERT INTO charts (project_id, flavor, id, name, version, description, icon_url, app_version, public, visible, source, readme,
           values_hash, templates_json, package, package_sha256, created_at, updated_at)
         VALUES (@projectId, @flavor, @id, @name, @version, @description, @iconUrl, @appVersion, @public, @visible, @source, @readme,
           @valuesHash, @templatesJson, @package, @sha256, @createdAt, @updatedAt)`,
      )
      .run(chartParams(chart, content, this.#values.put(valuesJsonOf(chart))))
  }

  /** Replaces everything about the chart with this id (its id and created_at stay as given). */
  replace(chart: Chart, content: ChartContent): void {
    this.forgetCached()
    const info = this
      .#prepare(
        `UPDATE charts SET name = @name, version = @version, description = @description, icon_url = @iconUrl, app_version = @appVersion,
           public = @public, visible = @visible, source = @source, readme = @readme, values_hash = @valuesHash,
           templates_json = @templatesJson, package = @package, package_sha256 = @sha256, created_at = @createdAt, updated_at = @updatedAt
         WHERE ${SCOPE} AND id = @id`,
      )
      .run(chartParams(chart, content, this.#values.put(valuesJsonOf(chart))))
    if (info.changes !== 1) throw new Error(`chart ${chart.id} vanished during an update`)
    this.#values.sweep()
  }

  /** Every chart in a project and/or flavour (all when both are absent), identity only. */
  identities(filter: { projectId?: string | undefined; flavor?: ChartScope['flavor'] | undefined }): Array<{ scope: ChartScope; id: string; name: string; version: string }> {
    const rows = this
      .#prepare(`SELECT project_id, flavor, id, name, version FROM charts WHERE (@projectId IS NULL OR project_id = @projectId) AND (@flavor IS NULL OR flavor = @flavor)`)
      .all({ projectId: filter.projectId ?? null, flavor: filter.flavor ?? null }) as Array<{ project_id: string; flavor: ChartScope['flavor']; id: string; name: string; version: string }>
    return rows.map((r) => ({ scope: { projectId: r.project_id, flavor: r.flavor }, id: r.id, name: r.name, version: r.version }))
  }

  delete(scope: ChartScope, id: string): boolean {
    this.forgetCached()
    const deleted = this.#prepare(`DELETE FROM charts WHERE ${SCOPE} AND id = @id`).run({ ...scopeParams(scope), id }).changes === 1
    if (deleted) this.#values.sweep()
    return deleted
  }

  packageBytes(scope: ChartScope, id: string): Buffer | null {
    const row = this.#prepare(`SELECT package FROM charts WHERE ${SCOPE} AND id = @id`).get({ ...scopeParams(scope), id }) as
      | { package: Buffer }
      | undefined
    return row ? row.package : null
  }

  packageDigest(scope: ChartScope, id: string): string | null {
    const row = this.#prepare(`SELECT package_sha256 FROM charts WHERE ${SCOPE} AND id = @id`).get({ ...scopeParams(scope), id }) as
      | { package_sha256: string }
      | undefined
    return row ? row.package_sha256 : null
  }

  templates(scope: ChartScope, id: string): ChartTemplate[] | null {
    const key = `${scope.projectId}\u0000${scope.flavor}\u0000${id}`
    const cached = this.#templates.get(key)
    if (cached !== undefined) return cached
    const row = this.#prepare(`SELECT templates_json FROM charts WHERE ${SCOPE} AND id = @id`).get({ ...scopeParams(scope), id }) as
      | { templates_json: string }
      | undefined
    const templates = row ? (JSON.parse(row.templates_json) as ChartTemplate[]) : null
    if (this.#templates.size < CACHED_CHARTS) this.#templates.set(key, templates)
    return templates
  }
}

const versionParts = (v: string): number[] => v.split('.').map(Number)

function compareCharts(a: Chart, b: Chart): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1
  const [x, y] = [versionParts(a.version), versionParts(b.version)]
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0)
    if (d !== 0) return d
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}
