/**
 * SQLite side of Cloudpods releases: the `id`/`created_at` columns of `releases` (migration 008)
 * and reads joining the latest revision and pending work in one statement, across clusters.
 * Rows of the release core's own tables: the core's repository writes them; this one only adds
 * the id and reads. Reads are remembered while the connection has written nothing since
 * (SQLite's total_changes() counts every row any statement on it changed, the core's included),
 * so a burst of show/list polls reads each row once, and any write, by anyone, forgets them.
 */
import type { CloudpodsReleaseRow, CloudpodsReleaseStore, CloudpodsReleaseWhere } from '../cloudpods/release-ports.js'
import type { ReleaseKey } from '../releases/release.js'
import type { DatabaseHandle } from './db.js'
import { rowToPending, rowToRevision, type PendingRow, type RevisionRow } from './release-repository.js'

type JoinedRow = Omit<RevisionRow, 'values_json' | 'defaults_json'> & {
  release_id: string
  release_created_at: number
  p_operation: PendingRow['operation'] | null
  p_revision: number | null
  p_base_revision: number | null
  p_due_at: number | null
  p_outcome: PendingRow['outcome'] | null
  p_failure_reason: string | null
  p_reads_left: number | null
}

const SELECT = `
  SELECT v.project_id, v.flavor, v.cluster_id, v.namespace, v.name, v.revision, v.status, v.description, v.chart_id,
         v.chart_name, v.chart_version, v.chart_public, v.config_json, v.defaults_hash, v.first_deployed_at, v.updated_at, r.id AS release_id, r.created_at AS release_created_at,
         p.operation AS p_operation, p.revision AS p_revision, p.base_revision AS p_base_revision, p.due_at AS p_due_at,
         p.outcome AS p_outcome, p.failure_reason AS p_failure_reason, p.reads_left AS p_reads_left
    FROM releases r
    JOIN release_revisions v
      ON v.project_id = r.project_id AND v.flavor = r.flavor AND v.cluster_id = r.cluster_id
     AND v.namespace = r.namespace AND v.name = r.name AND v.revision = r.latest_revision
    LEFT JOIN pending_operations p
      ON p.project_id = r.project_id AND p.flavor = r.flavor AND p.cluster_id = r.cluster_id
     AND p.namespace = r.namespace AND p.name = r.name
   WHERE r.flavor = 'cloudpods' AND r.project_id = @projectId AND r.id IS NOT NULL`

function toRow(j: JoinedRow): CloudpodsReleaseRow {
  // values_json is not read: a RevisionHead has no effective values.
  const { values: _values, ...latest } = rowToRevision({ ...j, values_json: '{}', defaults_json: null })
  const pending =
    j.p_operation === null
      ? null
      : rowToPending({
          project_id: j.project_id, flavor: j.flavor, cluster_id: j.cluster_id, namespace: j.namespace, name: j.name,
          operation: j.p_operation, revision: j.p_revision!, base_revision: j.p_base_revision, due_at: j.p_due_at,
          outcome: j.p_outcome!, failure_reason: j.p_failure_reason, reads_left: j.p_reads_left,
        })
  return { id: j.release_id, createdAt: new Date(j.release_created_at), latest, pending }
}

/** Distinct reads remembered between writes. */
const READ_CACHE_SIZE = 1_000

export class SqliteCloudpodsReleaseStore implements CloudpodsReleaseStore {
  private readonly stmts
  readonly #reads = new Map<string, CloudpodsReleaseRow[]>()
  #changes = -1
  constructor(private readonly db: DatabaseHandle) {
    this.stmts = {
      changes: db.prepare<[], number>('SELECT total_changes()').pluck(),
      assign: db.prepare(`
        UPDATE releases SET id = @id, created_at = @createdAt
         WHERE project_id = @projectId AND flavor = @flavor AND cluster_id = @clusterId AND namespace = @namespace AND name = @name`),
      byId: db.prepare<{ projectId: string; id: string }, JoinedRow>(`${SELECT} AND r.id = @id`),
      find: db.prepare<Record<string, string | null>, JoinedRow>(`${SELECT}
          AND (@clusterId IS NULL OR r.cluster_id = @clusterId)
          AND (@namespace IS NULL OR r.namespace = @namespace)
          AND (@name IS NULL OR r.name = @name)`),
      countByRepo: db.prepare<{ prefix: string }, { n: number }>(`
        SELECT count(*) AS n FROM releases r JOIN release_revisions v
            ON v.project_id = r.project_id AND v.flavor = r.flavor AND v.cluster_id = r.cluster_id
           AND v.namespace = r.namespace AND v.name = r.name AND v.revision = r.latest_revision
         WHERE r.flavor = 'cloudpods' AND substr(v.chart_id, 1, length(@prefix)) = @prefix`),
    }
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  assign(key: ReleaseKey, id: string, createdAt: Date): void {
    const { projectId, flavor, clusterId, namespace, name } = key
    const changed = this.stmts.assign.run({ projectId, flavor, clusterId, namespace, name, id, createdAt: createdAt.getTime() }).changes
    if (changed !== 1) throw new Error(`no release row to assign id ${id} to`)
  }

  byId(projectId: string, id: string): CloudpodsReleaseRow | null {
    return this.#remember(`i\0${projectId}\0${id}`, () => {
      const row = this.stmts.byId.get({ projectId, id })
      return row ? [toRow(row)] : []
    })[0] ?? null
  }

  find(projectId: string, where: CloudpodsReleaseWhere): CloudpodsReleaseRow[] {
    const params = { projectId, clusterId: where.clusterId ?? null, namespace: where.namespace ?? null, name: where.name ?? null }
    return this.#remember(`f\0${projectId}\0${params.clusterId}\0${params.namespace}\0${params.name}`, () => this.stmts.find.all(params).map(toRow))
  }

  /** Answers from memory while nothing was written since; never inside a transaction (it may roll back). */
  #remember(key: string, read: () => CloudpodsReleaseRow[]): CloudpodsReleaseRow[] {
    if (this.db.inTransaction) return read()
    const changes = this.stmts.changes.get()!
    if (changes !== this.#changes) {
      this.#reads.clear()
      this.#changes = changes
    }
    const known = this.#reads.get(key)
    if (known) return known
    const rows = read()
    if (this.#reads.size >= READ_CACHE_SIZE) this.#reads.delete(this.#reads.keys().next().value!)
    this.#reads.set(key, rows)
    return rows
  }

  countByRepo(repoId: string): number {
    return this.stmts.countByRepo.get({ prefix: `${repoId}/` })!.n
  }
}
