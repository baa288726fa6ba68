/** SQLite implementation of the release domain's ReleaseRepository port. */
import { ChartValuesTable } from './chart-values.js'
import type { DatabaseHandle } from './db.js'
import { effectiveValues } from '../releases/values.js'
import type { Effects } from '../releases/lifecycle.js'
import type { ReleaseFilter, ReleaseRepository } from '../releases/ports.js'
import { releaseKeyString, type Flavor, type Operation, type Outcome, type PendingOperation, type ReleaseKey, type ReleaseStatus, type Revision, type Scope, type Values } from '../releases/release.js'

export interface RevisionRow {
  project_id: string
  flavor: Flavor
  cluster_id: string
  namespace: string
  name: string
  revision: number
  status: ReleaseStatus
  description: string
  chart_id: string
  chart_name: string
  chart_version: string
  chart_public: number
  config_json: string
  /** The computed values, for revisions written before migration 004 (or without a defaults key). */
  values_json: string | null
  defaults_hash: string | null
  /** chart_values.values_json for defaults_hash (joined). */
  defaults_json: string | null
  first_deployed_at: number
  updated_at: number
}

export interface PendingRow {
  project_id: string
  flavor: Flavor
  cluster_id: string
  namespace: string
  name: string
  operation: Operation
  revision: number
  base_revision: number | null
  due_at: number | null
  outcome: Outcome
  failure_reason: string | null
  reads_left: number | null
}

const KEY = 'project_id = @projectId AND flavor = @flavor AND cluster_id = @clusterId AND namespace = @namespace AND name = @name'

const keyParams = (k: ReleaseKey) => ({
  projectId: k.projectId,
  flavor: k.flavor,
  clusterId: k.clusterId,
  namespace: k.namespace,
  name: k.name,
})

/**
 * Chart defaults parsed once per read, however many of the rows read share them (a history, a
 * list of releases of one chart). Revisions are never mutated, so sharing the objects is safe.
 */
type DefaultsCache = Map<string, Values>

export function rowToRevision(r: RevisionRow, defaults: DefaultsCache = new Map()): Revision {
  const config = JSON.parse(r.config_json) as Values
  const revision: Revision = {
    key: { projectId: r.project_id, flavor: r.flavor, clusterId: r.cluster_id, namespace: r.namespace, name: r.name },
    revision: r.revision,
    status: r.status,
    description: r.description,
    chart: { id: r.chart_id, name: r.chart_name, version: r.chart_version, public: r.chart_public === 1 },
    config,
    values: r.values_json !== null ? (JSON.parse(r.values_json) as Values) : effectiveValues(chartDefaults(r, defaults), config),
    firstDeployedAt: new Date(r.first_deployed_at),
    updatedAt: new Date(r.updated_at),
  }
  if (r.defaults_hash !== null) revision.defaultsRef = r.defaults_hash
  return revision
}

function chartDefaults(r: RevisionRow, cache: DefaultsCache): Values {
  const hash = r.defaults_hash
  if (hash === null || r.defaults_json === null) throw new Error(`revision ${r.revision} of release ${r.name} has no stored values and no chart defaults`)
  let values = cache.get(hash)
  if (!values) cache.set(hash, (values = JSON.parse(r.defaults_json) as Values))
  return values
}

const rowsToRevisions = (rows: RevisionRow[]): Revision[] => {
  const defaults: DefaultsCache = new Map()
  return rows.map((row) => rowToRevision(row, defaults))
}

export function rowToPending(r: PendingRow): PendingOperation {
  return {
    key: { projectId: r.project_id, flavor: r.flavor, clusterId: r.cluster_id, namespace: r.namespace, name: r.name },
    operation: r.operation,
    revision: r.revision,
    baseRevision: r.base_revision,
    dueAt: r.due_at === null ? null : new Date(r.due_at),
    outcome: r.outcome,
    failureReason: r.failure_reason,
    readsLeft: r.reads_left,
  }
}

/** Which releases a reset removes; an absent field matches everything. */
export interface ReleaseScopeFilter {
  projectId?: string | undefined
  flavor?: Flavor | undefined
  clusterId?: string | undefined
  namespace?: string | undefined
}

/** Most latest-revision reads a process keeps answers for; beyond it the oldest are dropped. */
const LATEST_CACHE_SIZE = 10_000
/** Distinct list queries (scope × filter) a process keeps answers for. */
const LIST_CACHE_SIZE = 1_000

/**
 * Reads are most of the traffic (Terraform and SDK clients poll show and list), so what reads
 * need, the latest revision of a release, list answers, and whether any pending work is due or
 * counting reads, is kept in memory in front of SQLite. This process is the database's only writer, so
 * every write here drops what it may change. Answers are only cached outside a transaction: a
 * value read inside one may yet be rolled back.
 */
export class SqliteReleaseRepository implements ReleaseRepository {
  private readonly stmts
  readonly #latest = new Map<string, Revision | null>()
  readonly #lists = new Map<string, Revision[]>()
  #work: { nextDueAt: number | null; counting: boolean } | null = null
  readonly #chartValues: ChartValuesTable

  constructor(private readonly db: DatabaseHandle) {
    this.#chartValues = new ChartValuesTable(db)
    this.stmts = {
      history: db.prepare<Record<string, string>, RevisionRow>(`
        SELECT v.*, d.values_json AS defaults_json FROM release_revisions v LEFT JOIN chart_values d ON d.hash = v.defaults_hash
         WHERE ${KEY} ORDER BY revision`),
      latest: db.prepare<Record<string, string>, RevisionRow>(`
        SELECT v.*, d.values_json AS defaults_json FROM releases r JOIN release_revisions v
          ON v.project_id = r.project_id AND v.flavor = r.flavor AND v.cluster_id = r.cluster_id
         AND v.namespace = r.namespace AND v.name = r.name AND v.revision = r.latest_revision
        LEFT JOIN chart_values d ON d.hash = v.defaults_hash
        WHERE r.project_id = @projectId AND r.flavor = @flavor AND r.cluster_id = @clusterId
          AND r.namespace = @namespace AND r.name = @name`),
      list: db.prepare<Record<string, string | null>, RevisionRow>(`
        SELECT v.*, d.values_json AS defaults_json FROM releases r JOIN release_revisions v
          ON v.project_id = r.project_id AND v.flavor = r.flavor AND v.cluster_id = r.cluster_id
         AND v.namespace = r.namespace AND v.name = r.name AND v.revision = r.latest_revision
        LEFT JOIN chart_values d ON d.hash = v.defaults_hash
        WHERE r.project_id = @projectId AND r.flavor = @flavor AND r.cluster_id = @clusterId
          AND (@namespace IS NULL OR r.namespace = @namespace)
          AND (@chartId IS NULL OR v.chart_id = @chartId)
        ORDER BY r.namespace, r.name`),
      upsertRelease: db.prepare(`
        INSERT INTO releases (project_id, flavor, cluster_id, namespace, name, latest_revision)
        VALUES (@projectId, @flavor, @clusterId, @namespace, @name, @revision)
        ON CONFLICT DO UPDATE SET latest_revision = excluded.latest_revision`),
      insertRevision: db.prepare(`
        INSERT INTO release_revisions (project_id, flavor, cluster_id, namespace, name, revision, status, description,
          chart_id, chart_name, chart_version, chart_public, config_json, values_json, defaults_hash, first_deployed_at, updated_at)
        VALUES (@projectId, @flavor, @clusterId, @namespace, @name, @revision, @status, @description,
          @chartId, @chartName, @chartVersion, @chartPublic, @configJson, @valuesJson, @defaultsHash, @firstDeployedAt, @updatedAt)`),
      updateRevision: db.prepare(`UPDATE release_revisions SET status = @status, description = @description WHERE ${KEY} AND revision = @revision`),
      deleteRevision: db.prepare(`DELETE FROM release_revisions WHERE ${KEY} AND revision = @revision`),
      deleteRelease: db.prepare(`DELETE FROM releases WHERE ${KEY}`),
      pending: db.prepare<Record<string, string>, PendingRow>(`SELECT * FROM pending_operations WHERE ${KEY}`),
      putPending: db.prepare(`
        INSERT INTO pending_operations (project_id, flavor, cluster_id, namespace, name, operation, revision, base_revision, due_at, outcome, failure_reason, reads_left)
        VALUES (@projectId, @flavor, @clusterId, @namespace, @name, @operation, @revision, @baseRevision, @dueAt, @outcome, @failureReason, @readsLeft)
        ON CONFLICT DO UPDATE SET operation = excluded.operation, revision = excluded.revision, base_revision = excluded.base_revision,
          due_at = excluded.due_at, outcome = excluded.outcome, failure_reason = excluded.failure_reason, reads_left = excluded.reads_left`),
      // The read that brings reads_left to 0 makes the operation due now; settle() then completes it.
      countRead: db.prepare(`
        UPDATE pending_operations
           SET reads_left = reads_left - 1, due_at = CASE WHEN reads_left <= 1 THEN @now ELSE due_at END
         WHERE ${KEY} AND reads_left IS NOT NULL AND reads_left > 0`),
      deleteWhere: db.prepare(`
        DELETE FROM releases
         WHERE (@projectId IS NULL OR project_id = @projectId) AND (@flavor IS NULL OR flavor = @flavor)
           AND (@clusterId IS NULL OR cluster_id = @clusterId) AND (@namespace IS NULL OR namespace = @namespace)`),
      clearPending: db.prepare(`DELETE FROM pending_operations WHERE ${KEY}`),
      due: db.prepare<{ now: number; limit: number }, PendingRow>(
        `SELECT * FROM pending_operations WHERE due_at IS NOT NULL AND due_at <= @now ORDER BY due_at LIMIT @limit`,
      ),
      pendingWork: db.prepare<[], { next_due_at: number | null; counting: number }>(`
        SELECT (SELECT MIN(due_at) FROM pending_operations WHERE due_at IS NOT NULL) AS next_due_at,
               EXISTS (SELECT 1 FROM pending_operations WHERE reads_left IS NOT NULL AND reads_left > 0) AS counting`),
      hasDue: db.prepare<{ now: number }, { one: number }>(
        `SELECT 1 AS one FROM pending_operations WHERE due_at IS NOT NULL AND due_at <= @now LIMIT 1`,
      ),
    }
  }

  transaction<T>(fn: () => T): T {
    // Nested calls (a read inside a write) join the outer transaction via savepoints.
    return this.db.transaction(fn)()
  }

  history(key: ReleaseKey): Revision[] {
    return rowsToRevisions(this.stmts.history.all(keyParams(key)))
  }

  latest(key: ReleaseKey): Revision | null {
    const id = releaseKeyString(key)
    const cached = this.#latest.get(id)
    if (cached !== undefined) return cached
    const row = this.stmts.latest.get(keyParams(key))
    const revision = row ? rowToRevision(row) : null
    if (!this.db.inTransaction) {
      if (this.#latest.size >= LATEST_CACHE_SIZE) this.#latest.delete(this.#latest.keys().next().value!)
      this.#latest.set(id, revision)
    }
    return revision
  }

  list(scope: Scope, filter: ReleaseFilter): Revision[] {
    const id = `${scope.projectId}/${scope.flavor}/${scope.clusterId}?${filter.namespace ?? ''}&${filter.chartId ?? ''}`
    const cached = this.#lists.get(id)
    if (cached) return cached
    const revisions = rowsToRevisions(
      this.stmts.list.all({
        projectId: scope.projectId,
        flavor: scope.flavor,
        clusterId: scope.clusterId,
        namespace: filter.namespace ?? null,
        chartId: filter.chartId ?? null,
      }),
    )
    if (!this.db.inTransaction) {
      if (this.#lists.size >= LIST_CACHE_SIZE) this.#lists.delete(this.#lists.keys().next().value!)
      this.#lists.set(id, revisions)
    }
    return revisions
  }

  pending(key: ReleaseKey): PendingOperation | null {
    const row = this.stmts.pending.get(keyParams(key))
    return row ? rowToPending(row) : null
  }

  due(now: Date, limit: number): PendingOperation[] {
    return this.stmts.due.all({ now: now.getTime(), limit }).map(rowToPending)
  }

  hasDue(now: Date): boolean {
    return this.stmts.hasDue.get({ now: now.getTime() }) !== undefined
  }

  pendingWork(now: Date): { due: boolean; counting: boolean } {
    let work = this.#work
    if (!work) {
      const row = this.stmts.pendingWork.get()!
      work = { nextDueAt: row.next_due_at, counting: row.counting === 1 }
      if (!this.db.inTransaction) this.#work = work
    }
    return { due: work.nextDueAt !== null && work.nextDueAt <= now.getTime(), counting: work.counting }
  }

  /** Counts one read of a release for read-driven progression; a no-op for anything else. */
  countRead(key: ReleaseKey, now: Date): void {
    this.#work = null
    this.stmts.countRead.run({ ...keyParams(key), now: now.getTime() })
  }

  /** Removes every release (with revisions and pending work) in a scope; returns how many. */
  deleteWhere(filter: ReleaseScopeFilter): number {
    this.#forgetAll()
    const removed = this.stmts.deleteWhere.run({
      projectId: filter.projectId ?? null,
      flavor: filter.flavor ?? null,
      clusterId: filter.clusterId ?? null,
      namespace: filter.namespace ?? null,
    }).changes
    if (removed > 0) this.#chartValues.sweep()
    return removed
  }

  apply(key: ReleaseKey, fx: Effects): void {
    this.#latest.delete(releaseKeyString(key))
    // Any write can change any list of its cluster; lists are cheap to rebuild, so drop them all.
    this.#lists.clear()
    this.#work = null
    this.transaction(() => {
      const k = keyParams(key)
      if (fx.purge) {
        this.stmts.deleteRelease.run(k)
        this.#chartValues.sweep()
        return
      }
      if (fx.insert) {
        const r = fx.insert
        this.stmts.upsertRelease.run({ ...k, revision: r.revision })
        this.stmts.insertRevision.run({
          ...k,
          revision: r.revision,
          status: r.status,
          description: r.description,
          chartId: r.chart.id,
          chartName: r.chart.name,
          chartVersion: r.chart.version,
          chartPublic: r.chart.public ? 1 : 0,
          configJson: JSON.stringify(r.config),
          // Chart defaults are stored once (chart_values); the values are computed again on read.
          valuesJson: r.defaultsRef === undefined ? JSON.stringify(r.values) : null,
          defaultsHash: r.defaultsRef ?? null,
          firstDeployedAt: r.firstDeployedAt.getTime(),
          updatedAt: r.updatedAt.getTime(),
        })
      }
      for (const u of fx.updates) this.stmts.updateRevision.run({ ...k, ...u })
      for (const revision of fx.prune) this.stmts.deleteRevision.run({ ...k, revision })
      if (fx.prune.length > 0) this.#chartValues.sweep()
      if (fx.pending === null) this.stmts.clearPending.run(k)
      else if (fx.pending) {
        const p = fx.pending
        this.stmts.putPending.run({
          ...k,
          operation: p.operation,
          revision: p.revision,
          baseRevision: p.baseRevision,
          dueAt: p.dueAt ? p.dueAt.getTime() : null,
          outcome: p.outcome,
          failureReason: p.failureReason,
          readsLeft: p.readsLeft ?? null,
        })
      }
    })
  }

  /** A write whose reach is a whole scope: forget every cached answer. */
  #forgetAll(): void {
    this.#latest.clear()
    this.#lists.clear()
    this.#work = null
  }
}
