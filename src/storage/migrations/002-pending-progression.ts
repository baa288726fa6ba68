import type { Migration } from './index.js'

/**
 * Control-plane state that must survive a restart, stored with the pending operation it shapes:
 *   - `reads_left`: read-driven progression (moto's manual `times`): the operation falls due on
 *     the read that brings it to 0;
 *   - outcome 'unknown': a fault that ends the operation in CCE's UNKNOWN state.
 * SQLite cannot alter a CHECK constraint, so the table is rebuilt. Nothing references it, so
 * dropping it inside the migration transaction is safe with foreign keys on.
 */
export const migration002: Migration = {
  version: 2,
  name: 'pending-progression',
  up: `
    CREATE TABLE pending_operations_new (
      project_id TEXT NOT NULL,
      flavor TEXT NOT NULL,
      cluster_id TEXT NOT NULL,
      namespace TEXT NOT NULL,
      name TEXT NOT NULL,
      operation TEXT NOT NULL CHECK (operation IN ('install', 'upgrade', 'rollback', 'uninstall')),
      revision INTEGER NOT NULL,
      base_revision INTEGER,
      due_at INTEGER,
      outcome TEXT NOT NULL CHECK (outcome IN ('succeed', 'fail', 'unknown', 'stick')),
      failure_reason TEXT,
      reads_left INTEGER CHECK (reads_left IS NULL OR reads_left >= 0),
      PRIMARY KEY (project_id, flavor, cluster_id, namespace, name),
      FOREIGN KEY (project_id, flavor, cluster_id, namespace, name)
        REFERENCES releases (project_id, flavor, cluster_id, namespace, name) ON DELETE CASCADE
    ) STRICT;

    INSERT INTO pending_operations_new
      (project_id, flavor, cluster_id, namespace, name, operation, revision, base_revision, due_at, outcome, failure_reason, reads_left)
    SELECT project_id, flavor, cluster_id, namespace, name, operation, revision, base_revision, due_at, outcome, failure_reason, NULL
      FROM pending_operations;

    DROP TABLE pending_operations;
    ALTER TABLE pending_operations_new RENAME TO pending_operations;
    CREATE INDEX pending_operations_due ON pending_operations (due_at) WHERE due_at IS NOT NULL;
    CREATE INDEX pending_operations_reads ON pending_operations (reads_left) WHERE reads_left IS NOT NULL;
  `,
}
