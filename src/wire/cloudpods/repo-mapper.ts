/** Repo and chart domain objects → Cloudpods JSON (jsonutils rules: empty strings omitted). */
import type { Repo, RepoChartVersion } from '../../cloudpods/repo.js'
import type { RepoDetail } from './repo-schemas.js'

/** DB timestamps as kubeserver writes them: UTC with microseconds. */
export const cloudpodsTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')

export function repoDetail(repo: Repo, releaseCount: number): RepoDetail {
  return {
    id: repo.id,
    name: repo.name,
    url: repo.url,
    type: repo.type,
    status: 'available',
    release_count: releaseCount,
    created_at: cloudpodsTime(repo.createdAt),
    updated_at: cloudpodsTime(repo.updatedAt),
    ...(repo.syncedAt ? { synced_at: cloudpodsTime(repo.syncedAt) } : {}),
    domain_id: 'default',
    project_domain: 'Default',
    public_scope: 'system',
    is_public: true,
    is_emulated: false,
    deleted: false,
    can_delete: releaseCount === 0,
    can_update: true,
  }
}

const nonEmpty = (fields: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== ''))

function metadata(c: RepoChartVersion) {
  return {
    apiVersion: c.apiVersion,
    name: c.name,
    version: c.version,
    ...nonEmpty({ description: c.description, appVersion: c.appVersion, icon: c.icon }),
  }
}

/** kubeserver's ChartResult: the index entry under `chart`, its metadata inline, repo and type. */
export function chartListItem(repo: Repo, c: RepoChartVersion) {
  const meta = metadata(c)
  return { chart: { ...meta, digest: c.digest, created: c.createdAt.toISOString().replace(/\.000Z$/, 'Z') }, ...meta, repo: repo.name, type: repo.type }
}

/** kubeserver's ChartDetail: Helm's chart.Chart under `chart` (so values sit at .chart.chart.values). */
export function chartDetail(repo: Repo, c: RepoChartVersion) {
  return { chart: { chart: { metadata: metadata(c), values: c.values }, name: c.name, repo: repo.name } }
}

/** The framework's list envelope: total, limit and offset only when above 0. */
export function listEnvelope<K extends string, T>(key: K, items: T[], total: number, limit: number, offset: number) {
  return {
    [key]: items,
    ...(total > 0 ? { total } : {}),
    ...(limit > 0 && total > 0 ? { limit } : {}),
    ...(offset > 0 ? { offset } : {}),
  } as { [P in K]: T[] } & { total?: number; limit?: number; offset?: number }
}
