/**
 * Cloudpods release shapes (spec §5-§6): the detail, the list item (details=true / false), the
 * raw Helm release an upgrade answers, and history entries. jsonutils omits empty strings, empty
 * maps and zero times, keeps false and 0; DB times have microseconds, Helm's are RFC 3339 with
 * only the fraction they have ("" when zero).
 */
import { helmStatus, kindKeyword, type CloudpodsRelease, type DeclaredObject, type RevisionHead } from '../../cloudpods/release.js'
import type { ChartVersionInfo } from '../../cloudpods/release-ports.js'
import type { Revision, Values } from '../../releases/release.js'
import type { HelmReleaseEnvelope, HistoryEntry, ReleaseDetail, ReleaseItem } from './release-schemas.js'

/** `2024-05-01T08:30:00.000000Z`: the framework's DB timestamp. */
export const dbTime = (d: Date): string => `${d.toISOString().slice(0, 23)}000Z`

/** Go's RFC3339Nano as Helm marshals time.Time: no fraction when whole seconds, trailing zeros trimmed. */
export const helmTime = (d: Date): string => d.toISOString().replace(/\.?0*Z$/, 'Z')

const isEmpty = (v: unknown): boolean =>
  v === undefined || v === null || v === '' || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0) || (Array.isArray(v) && v.length === 0)

/** Drops what jsonutils would omit (top level only; nested values are the user's own). */
function compact<T>(o: Record<string, unknown>): T {
  const out: Record<string, unknown> = {}
  for (const k in o) if (!isEmpty(o[k])) out[k] = o[k]
  return out as T
}

/** external_id is set once Helm has installed the release (never while creating or after a failed create). */
const installed = (r: CloudpodsRelease): boolean => r.status !== 'creating' && r.status !== 'create_fail'

/** The DB columns (details=false). */
export function releaseColumns(r: CloudpodsRelease): ReleaseItem {
  const key = r.latest.key
  return compact({
    id: r.id,
    name: key.name,
    status: r.status,
    progress: 100,
    created_at: dbTime(r.createdAt),
    updated_at: dbTime(r.latest.updatedAt),
    update_version: r.latest.revision,
    deleted: false,
    domain_id: 'default',
    is_emulated: false,
    external_id: installed(r) ? `${r.cluster.id}/${key.namespace}/${key.name}` : undefined,
    cluster_id: r.cluster.id,
    namespace_id: r.namespace.id,
    repo_id: r.chart.repoId,
    chart: r.chart.name,
    chart_version: r.chart.version,
    config: r.latest.config,
  }) as ReleaseItem
}

function info(rev: RevisionHead): NonNullable<ReleaseItem['info']> {
  return {
    first_deployed: helmTime(rev.firstDeployedAt),
    last_deployed: helmTime(rev.updatedAt),
    deleted: '',
    description: rev.description,
    status: helmStatus(rev.status),
  }
}

// Declared-object lists are shared (memoised per chart package), so their manifest is too.
const manifests = new WeakMap<readonly DeclaredObject[], string>()

/** A manifest naming each declared object: the emulator renders no templates (README limitations). */
export function manifestOf(objects: readonly DeclaredObject[]): string {
  let text = manifests.get(objects)
  if (text === undefined) {
    text = objects.map((o) => `---\nkind: ${o.kind}\nmetadata:\n  name: ${o.name}\n${o.namespace ? `  namespace: ${o.namespace}\n` : ''}`).join('')
    manifests.set(objects, text)
  }
  return text
}

/** `resources`: kubeserver keyword → the objects of that kind. */
export function resourcesOf(r: CloudpodsRelease, objects: readonly DeclaredObject[]): NonNullable<ReleaseDetail['resources']> {
  const out: NonNullable<ReleaseDetail['resources']> = {}
  for (const o of objects) {
    const item = compact<{ name: string }>({ name: o.name, namespace: o.namespace, kind: o.kind, cluster_id: r.cluster.id, cluster: r.cluster.name })
    ;(out[kindKeyword(o.kind)] ??= []).push(item)
  }
  return out
}

/** A list item with details (no `resources`: the framework builds list items with isList). */
export function releaseListItem(r: CloudpodsRelease, objects: readonly DeclaredObject[]): ReleaseItem {
  const details = compact<Partial<ReleaseItem>>({
    can_delete: true,
    can_update: true,
    project_domain: 'Default',
    cluster: r.cluster.name,
    clusterID: r.cluster.id,
    distribution: 'k8s',
    namespace: r.latest.key.namespace,
    type: r.repo?.type ?? 'external',
    info: info(r.latest),
    version: r.latest.revision,
    manifest: manifestOf(objects),
  })
  return { ...releaseColumns(r), ...details }
}

/** GET's detail: the list item plus `resources`, always present (climc show prints only it). */
export function releaseDetail(r: CloudpodsRelease, objects: readonly DeclaredObject[]): ReleaseDetail {
  return { ...releaseListItem(r, objects), resources: resourcesOf(r, objects) }
}

/** Helm's release.Release as kubeserver's upgrade answers it (not the Cloudpods detail). */
export function helmRelease(rev: Revision, chart: ChartVersionInfo | null, defaults: Values, objects: readonly DeclaredObject[]): HelmReleaseEnvelope['release'] {
  return compact({
    name: rev.key.name,
    namespace: rev.key.namespace,
    version: rev.revision,
    info: info(rev),
    chart: {
      metadata: compact<HelmReleaseEnvelope['release']['chart']['metadata']>({
        name: rev.chart.name,
        version: rev.chart.version,
        apiVersion: chart?.apiVersion,
        appVersion: chart?.appVersion,
        description: chart?.description,
      }),
      ...(isEmpty(defaults) ? {} : { values: defaults }),
    },
    config: rev.config,
    manifest: manifestOf(objects),
  }) as HelmReleaseEnvelope['release']
}

/** One `history` entry. */
export function historyEntry(rev: Revision): HistoryEntry {
  return {
    revision: rev.revision,
    updated: helmTime(rev.updatedAt),
    status: helmStatus(rev.status),
    chart: `${rev.chart.name}-${rev.chart.version}`,
    description: rev.description,
  }
}
