/** SQLite store of Cloudpods repos, their chart versions and the packages (migration 006). */
import type { ChartTemplate } from '../charts/chart-package.js'
import type { LoadedChart, Repo, RepoChartVersion, RepoOrigin, RepoRepository, RepoType } from '../cloudpods/repo.js'
import type { DatabaseHandle } from './db.js'

interface RepoRow {
  id: string
  name: string
  type: RepoType
  url: string
  origin: RepoOrigin
  created_at: number
  updated_at: number
  synced_at: number | null
}

interface ChartRow {
  repo_id: string
  name: string
  version: string
  api_version: string
  description: string
  app_version: string
  icon: string
  readme: number
  values_json: string
  package_sha256: string
  created_at: number
}

const REPO_COLUMNS = 'id, name, type, url, origin, created_at, updated_at, synced_at'
const CHART_COLUMNS = 'repo_id, name, version, api_version, description, app_version, icon, readme, values_json, package_sha256, created_at'

const toRepo = (r: RepoRow): Repo => ({
  id: r.id,
  name: r.name,
  type: r.type,
  url: r.url,
  origin: r.origin,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
  syncedAt: r.synced_at === null ? null : new Date(r.synced_at),
})

const toChart = (r: ChartRow): RepoChartVersion => ({
  repoId: r.repo_id,
  name: r.name,
  version: r.version,
  apiVersion: r.api_version,
  description: r.description,
  appVersion: r.app_version,
  icon: r.icon,
  readme: r.readme === 1,
  values: JSON.parse(r.values_json) as RepoChartVersion['values'],
  digest: r.package_sha256,
  createdAt: new Date(r.created_at),
})

const repoParams = (r: Repo) => ({
  id: r.id,
  name: r.name,
  type: r.type,
  url: r.url,
  origin: r.origin,
  createdAt: r.createdAt.getTime(),
  updatedAt: r.updatedAt.getTime(),
  syncedAt: r.syncedAt?.getTime() ?? null,
})

export class SqliteRepoRepository implements RepoRepository {
  readonly #statements = new Map<string, ReturnType<DatabaseHandle['prepare']>>()

  constructor(private readonly db: DatabaseHandle) {}

  #prepare(sql: string): ReturnType<DatabaseHandle['prepare']> {
    let statement = this.#statements.get(sql)
    if (!statement) this.#statements.set(sql, (statement = this.db.prepare(sql)))
    return statement
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  list(): Repo[] {
    const rows = this.#prepare(`SELECT ${REPO_COLUMNS} FROM cloudpods_repos ORDER BY created_at DESC, name DESC, id DESC`).all({}) as RepoRow[]
    return rows.map(toRepo)
  }

  byId(id: string): Repo | null {
    const row = this.#prepare(`SELECT ${REPO_COLUMNS} FROM cloudpods_repos WHERE id = @id`).get({ id }) as RepoRow | undefined
    return row ? toRepo(row) : null
  }

  byName(name: string): Repo | null {
    const row = this.#prepare(`SELECT ${REPO_COLUMNS} FROM cloudpods_repos WHERE name = @name`).get({ name }) as RepoRow | undefined
    return row ? toRepo(row) : null
  }

  insert(repo: Repo): void {
    this
      .#prepare(
        `INSERT INTO cloudpods_repos (${REPO_COLUMNS}) VALUES (@id, @name, @type, @url, @origin, @createdAt, @updatedAt, @syncedAt)`,
      )
      .run(repoParams(repo))
  }

  update(repo: Repo): void {
    const info = this
      .#prepare(
        `UPDATE cloudpods_repos SET name = @name, type = @type, url = @url, origin = @origin, created_at = @createdAt,
           updated_at = @updatedAt, synced_at = @syncedAt WHERE id = @id`,
      )
      .run(repoParams(repo))
    if (info.changes !== 1) throw new Error(`repo ${repo.id} vanished during an update`)
  }

  delete(id: string): boolean {
    const deleted = this.#prepare('DELETE FROM cloudpods_repos WHERE id = @id').run({ id }).changes === 1
    if (deleted) this.#collectPackages()
    return deleted
  }

  replaceCharts(repoId: string, charts: readonly LoadedChart[], now: Date): void {
    this.#prepare('DELETE FROM cloudpods_repo_charts WHERE repo_id = @repoId').run({ repoId })
    const putPackage = this.#prepare(
      'INSERT INTO cloudpods_chart_packages (sha256, package, templates_json) VALUES (@sha256, @package, @templatesJson) ON CONFLICT (sha256) DO NOTHING',
    )
    const putChart = this.#prepare(
      `INSERT INTO cloudpods_repo_charts (${CHART_COLUMNS})
       VALUES (@repoId, @name, @version, @apiVersion, @description, @appVersion, @icon, @readme, @valuesJson, @sha256, @createdAt)`,
    )
    for (const c of charts) {
      putPackage.run({ sha256: c.digest, package: c.bytes, templatesJson: JSON.stringify(c.templates) })
      const m = c.metadata
      putChart.run({
        repoId,
        name: m.name,
        version: m.version,
        apiVersion: m.apiVersion,
        description: m.description,
        appVersion: m.appVersion,
        icon: m.icon,
        readme: c.readme ? 1 : 0,
        valuesJson: JSON.stringify(c.values),
        sha256: c.digest,
        createdAt: now.getTime(),
      })
    }
    this.#collectPackages()
  }

  charts(repoId: string, name?: string): RepoChartVersion[] {
    const rows = this
      .#prepare(`SELECT ${CHART_COLUMNS} FROM cloudpods_repo_charts WHERE repo_id = @repoId AND (@name IS NULL OR name = @name)`)
      .all({ repoId, name: name ?? null }) as ChartRow[]
    return rows.map(toChart)
  }

  chart(repoId: string, name: string, version: string): RepoChartVersion | null {
    const row = this
      .#prepare(`SELECT ${CHART_COLUMNS} FROM cloudpods_repo_charts WHERE repo_id = @repoId AND name = @name AND version = @version`)
      .get({ repoId, name, version }) as ChartRow | undefined
    return row ? toChart(row) : null
  }

  templates(digest: string): ChartTemplate[] | null {
    const row = this.#prepare('SELECT templates_json FROM cloudpods_chart_packages WHERE sha256 = @digest').get({ digest }) as { templates_json: string } | undefined
    return row ? (JSON.parse(row.templates_json) as ChartTemplate[]) : null
  }

  packageBytes(digest: string): Buffer | null {
    const row = this.#prepare('SELECT package FROM cloudpods_chart_packages WHERE sha256 = @digest').get({ digest }) as { package: Buffer } | undefined
    return row ? row.package : null
  }

  /** Packages no chart version references any more. */
  #collectPackages(): void {
    this
      .#prepare('DELETE FROM cloudpods_chart_packages WHERE NOT EXISTS (SELECT 1 FROM cloudpods_repo_charts c WHERE c.package_sha256 = cloudpods_chart_packages.sha256)')
      .run({})
  }
}
