/**
 * The release model, in CCE's vocabulary. A release is identified by (scope, namespace, name);
 * each operation writes a new revision, as Helm does. Nothing here knows about JSON casing.
 */
export type ReleaseStatus =
  | 'PENDING_INSTALL'
  | 'PENDING_UPGRADE'
  | 'PENDING_ROLLBACK'
  | 'DEPLOYED'
  | 'SUPERSEDED'
  | 'FAILED'
  | 'DELETING'
  | 'UNKNOWN'

export const PENDING_STATUSES: ReadonlySet<ReleaseStatus> = new Set([
  'PENDING_INSTALL',
  'PENDING_UPGRADE',
  'PENDING_ROLLBACK',
])

/** Helm's IsPending(): true only for pending-*, not for uninstalling. */
export const isPending = (status: ReleaseStatus): boolean => PENDING_STATUSES.has(status)

/**
 * Which API flavour a cluster belongs to: CCE and Autopilot clusters never share releases, and
 * Cloudpods releases (the kubeserver dialect) are a scope of their own in the same tables.
 */
export type Flavor = 'cce' | 'autopilot' | 'cloudpods'

/** The flavours of the CCE dialect (fault rules and the journal name these). */
export type CceFlavor = Exclude<Flavor, 'cloudpods'>

export interface Scope {
  projectId: string
  flavor: Flavor
  clusterId: string
}

export interface ReleaseKey extends Scope {
  namespace: string
  name: string
}

export type Values = Record<string, unknown>

export interface ChartRef {
  id: string
  name: string
  version: string
  public: boolean
}

export interface Revision {
  key: ReleaseKey
  revision: number
  status: ReleaseStatus
  description: string
  chart: ChartRef
  /** What the user supplied (Helm's release config). */
  config: Values
  /** Chart defaults coalesced with config: what the release actually runs with. */
  values: Values
  /**
   * The chart store's key for the defaults `values` was computed from, so storage keeps them
   * once per chart rather than once per revision; absent when only `values` is known.
   */
  defaultsRef?: string | undefined
  /** Helm's first_deployed: copied forward to every revision. */
  firstDeployedAt: Date
  updatedAt: Date
}

export type Operation = 'install' | 'upgrade' | 'rollback' | 'uninstall'

/**
 * How a pending operation will end when it falls due: DEPLOYED (or gone, for uninstall),
 * FAILED, UNKNOWN (CCE's "abnormal" state), or never by itself ('stick').
 */
export type Outcome = 'succeed' | 'fail' | 'unknown' | 'stick'

/** Pending work, stored with its due time so a restart resumes it. */
export interface PendingOperation {
  key: ReleaseKey
  operation: Operation
  revision: number
  /** The revision an upgrade supersedes on success. */
  baseRevision: number | null
  /** Null: waits for an explicit trigger (manual lifecycle). */
  dueAt: Date | null
  outcome: Outcome
  failureReason: string | null
  /** Read-driven progression: falls due on the read that takes this to 0 (absent/null: not read-driven). */
  readsLeft?: number | null
}

export const releaseKeyString = (k: ReleaseKey): string =>
  `${k.projectId}/${k.flavor}/${k.clusterId}/${k.namespace}/${k.name}`
