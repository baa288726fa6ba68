/** What the release domain needs from the outside world; storage and charts implement these. */
import type { Effects, Schedule } from './lifecycle.js'
import type { ChartRef, Operation, PendingOperation, ReleaseKey, Revision, Scope, Values } from './release.js'

export interface ReleaseFilter {
  namespace?: string | undefined
  chartId?: string | undefined
}

/** Where a page of a list starts: after this release (lists are ordered by namespace, then name). */
export interface ListCursor {
  namespace: string
  name: string
}

export interface ReleaseRepository {
  /** Runs fn atomically; fn must be synchronous. */
  transaction<T>(fn: () => T): T
  /** Every revision of a release, oldest first; [] when the release does not exist. */
  history(key: ReleaseKey): Revision[]
  latest(key: ReleaseKey): Revision | null
  /** The latest revision of each release in a scope, ordered by namespace then name. */
  list(scope: Scope, filter: ReleaseFilter): Revision[]
  /** The whole list when it has at most `max` releases, else null: read it with listPage. */
  listUpTo(scope: Scope, filter: ReleaseFilter, max: number): Revision[] | null
  /** Up to `limit` releases of the list, from the one after `after` (null: from the start). */
  listPage(scope: Scope, filter: ReleaseFilter, after: ListCursor | null, limit: number): Revision[]
  pending(key: ReleaseKey): PendingOperation | null
  /** Pending operations due at or before `now`, earliest first. */
  due(now: Date, limit: number): PendingOperation[]
  /** Is anything due? */
  hasDue(now: Date): boolean
  /**
   * The one check every read makes, in a single statement: is anything due, and is any pending
   * operation counting reads (so this read must be counted)?
   */
  pendingWork(now: Date): { due: boolean; counting: boolean }
  /** False only when nothing can be due at `now`, known without a query. */
  mayBeDue(now: Date): boolean
  /** Every operation due at or before `now` is settled: the store may stop looking before `now`. */
  noneDueBy(now: Date): void
  apply(key: ReleaseKey, effects: Effects): void
  /** Counts one read of a release for read-driven progression (optional: stores without it never count). */
  countRead?(key: ReleaseKey, now: Date): void
}

/** A Kubernetes object a release would create, as show_resources reports it. */
export interface KubeResource {
  kind: string
  name: string
  namespace: string
}

export interface ResolvedChart {
  ref: ChartRef
  /** The chart's values.yaml. */
  defaults: Values
  /** The chart store's key for `defaults` (see Revision.defaultsRef). */
  defaultsRef?: string | undefined
}

export interface ChartCatalog {
  /**
   * The chart a release installs. `version` is what the request asked for (create, and a
   * Cloudpods upgrade) or undefined (a CCE update, whose body carries no version). Throws
   * NotFoundError / ValidationError.
   */
  resolve(scope: Scope, chartId: string, version: string | undefined, current: ChartRef | null): ResolvedChart
  resources(scope: Scope, chart: ChartRef, releaseName: string, namespace: string): KubeResource[]
}

/** What a scheduler may know about the operation beyond its release key (fault rules match on it). */
export interface ScheduleContext {
  /** The chart the operation installs (install, upgrade, rollback target); absent for uninstall. */
  chart?: ChartRef | undefined
}

/** Decides when and how an operation that starts now will end. */
export interface Scheduler {
  schedule(operation: Operation, key: ReleaseKey, now: Date, context?: ScheduleContext): Schedule
}
