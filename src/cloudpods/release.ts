/**
 * A Cloudpods release: a release of the shared core (flavor 'cloudpods', cluster = the Cloudpods
 * cluster id, namespace = the namespace name) plus what kubeserver's releases_tbl adds: a UUID,
 * created_at, the repo and the cluster/namespace names. Its DB `status` (spec §7) is derived from
 * the core's revision and pending operation, never stored twice.
 */
import type { PendingOperation, ReleaseStatus, Revision } from '../releases/release.js'

/** kubeserver's `status` column: Helm's lower-case statuses plus the framework's task states. */
export type CloudpodsStatus =
  | 'creating'
  | 'create_fail'
  | 'deployed'
  | 'failed'
  | 'pending-upgrade'
  | 'pending-rollback'
  | 'superseded'
  | 'deleting'
  | 'delete_fail'
  | 'unknown'

/** Every status a list filter may name (the framework's and Helm's), for validation. */
export const CLOUDPODS_STATUSES: readonly string[] = [
  'init', 'creating', 'create_fail', 'syncing', 'sync_fail', 'updating', 'update_fail', 'deleting', 'delete_fail',
  'deployed', 'failed', 'pending-install', 'pending-upgrade', 'pending-rollback', 'superseded', 'uninstalling', 'uninstalled', 'unknown',
]

/**
 * The DB status: PENDING_INSTALL is the create task's `creating`; a failed install is
 * `create_fail`, a failed later operation Helm's `failed`; DELETING is `deleting` while the
 * uninstall is pending and `delete_fail` once it failed (the core keeps a failed uninstall in
 * DELETING with no pending work).
 */
export function cloudpodsStatus(latest: Pick<Revision, 'status' | 'revision'>, pending: PendingOperation | null): CloudpodsStatus {
  switch (latest.status) {
    case 'PENDING_INSTALL':
      return 'creating'
    case 'DEPLOYED':
      return 'deployed'
    case 'FAILED':
      return latest.revision === 1 ? 'create_fail' : 'failed'
    case 'PENDING_UPGRADE':
      return 'pending-upgrade'
    case 'PENDING_ROLLBACK':
      return 'pending-rollback'
    case 'SUPERSEDED':
      return 'superseded'
    case 'DELETING':
      return pending?.operation === 'uninstall' ? 'deleting' : 'delete_fail'
    case 'UNKNOWN':
      return 'unknown'
  }
}

const HELM: Record<ReleaseStatus, string> = {
  PENDING_INSTALL: 'pending-install',
  PENDING_UPGRADE: 'pending-upgrade',
  PENDING_ROLLBACK: 'pending-rollback',
  DEPLOYED: 'deployed',
  SUPERSEDED: 'superseded',
  FAILED: 'failed',
  DELETING: 'uninstalling',
  UNKNOWN: 'unknown',
}

/** Helm 3's own status string (release.Status), as `info.status` and history show it. */
export const helmStatus = (s: ReleaseStatus): string => HELM[s]

export type RepoType = 'internal' | 'external'

/** The chart a Cloudpods release runs, as kubeserver stores it (repo_id, chart, chart_version). */
export interface ReleaseChart {
  repoId: string
  name: string
  version: string
  /** Package SHA-256, so templates are found again after a repo re-sync. */
  digest: string
}

/**
 * A release's latest revision without its effective values: nothing Cloudpods answers shows them
 * (Helm's `config` is the user's values), and parsing them for every row of a list is the
 * largest cost of a read.
 */
export type RevisionHead = Omit<Revision, 'values'>

export interface CloudpodsRelease {
  /** Undefined only for a dry run: the framework answers the unsaved row, without id. */
  id: string | undefined
  createdAt: Date
  latest: RevisionHead
  pending: PendingOperation | null
  status: CloudpodsStatus
  cluster: { id: string; name: string }
  namespace: { id: string; name: string }
  chart: ReleaseChart
  /** The repo as it is now; null when it was deleted since (the release type falls back to external). */
  repo: { id: string; name: string; type: RepoType } | null
}

/** A Kubernetes object a release declares, grouped by kubeserver keyword in `resources`. */
export interface DeclaredObject {
  kind: string
  name: string
  namespace: string
}

/**
 * kubeserver's resource keyword for a kind: singular, lower case (StatefulSet → statefulset),
 * except Service, whose keyword is `k8s_service` (Cloudpods has its own "service"; the seed
 * page's show answer has `k8s_service`).
 */
export const kindKeyword = (kind: string): string => (kind === 'Service' ? 'k8s_service' : kind.toLowerCase())

/**
 * ChartRef.id of a Cloudpods release in the core: `<repo id>/<chart>@<digest>`. The core only
 * compares and stores it; the Cloudpods chart catalog reads it back.
 */
export const chartRefId = (c: ReleaseChart): string => `${c.repoId}/${c.name}@${c.digest}`

export function parseChartRefId(id: string, version: string): ReleaseChart {
  const slash = id.indexOf('/')
  const at = id.lastIndexOf('@')
  const repoId = slash < 0 ? '' : id.slice(0, slash)
  const name = at > slash ? id.slice(slash + 1, at) : id.slice(slash + 1)
  return { repoId, name, version, digest: at > slash ? id.slice(at + 1) : '' }
}
