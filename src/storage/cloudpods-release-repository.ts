/**
 * SQLite side of Cloudpods releases: the `id`/`created_at` columns of `releases` (migration 008)
 * and reads joining the latest revision and pending work in one statement, across clusters.
 * Rows of the release core's own tables: the core's repository writes them; this one only adds
 * the id and reads. Nothing is cached here, so nothing can go stale when the core writes.
 */
import type { CloudpodsReleaseRow, CloudpodsReleaseStore, CloudpodsReleaseWhere } from '../cloudpods/release-ports.js'
import type { ReleaseKey } from '../releases/release.js'
import type { DatabaseHandle } from './db.js'
import { rowToPending, rowToRevision, type PendingRow, type RevisionRow } from './release-repository.js'

type JoinedRow = RevisionRow & {
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
  SELECT v.*, r.id AS release_id, r.created_at AS release_created_at,
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
  const latest = rowToRevision(j)
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

export class SqliteCloudpodsReleaseStore implements CloudpodsReleaseStore {
  private readonly stmts
  constructor(private readonly db: DatabaseHandle) {
    this.stmts = {
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
    const row = this.stmts.byId.get({ projectId, id })
    return row ? toRow(row) : null
  }

  find(projectId: string, where: CloudpodsReleaseWhere): CloudpodsReleaseRow[] {
    return this.stmts.find
      .all({ projectId, clusterId: where.clusterId ?? null, namespace: where.namespace ?? null, name: where.name ?? null })
      .map(toRow)
  }

  countByRepo(repoId: string): number {
    return this.stmts.countByRepo.get({ prefix: `${repoId}/` })!.n
  }
}
