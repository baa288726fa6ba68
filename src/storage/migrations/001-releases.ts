import type { Migration } from './index.js'

/**
 * Releases and their revisions. Times are integer milliseconds since the epoch. `releases`
 * holds one row per live release so lists read the latest revision without a MAX() scan;
 * deleting it purges revisions and pending work through the foreign keys.
 */
export const migration001: Migration = {
  version: 1,
  name: 'releases',
  up: `
    CREATE TABLE releases (
      project_id TEXT NOT NULL,
      flavor TEXT NOT NULL CHECK (flavor IN ('cce', 'autopilot')),
      cluster_id TEXT NOT NULL,
      namespace TEXT NOT NULL,
      name TEXT NOT NULL,
      latest_revision INTEGER NOT NULL,
      PRIMARY KEY (project_id, flavor, cluster_id, namespace, name)
    ) STRICT;

    CREATE TABLE release_revisions (
      project_id TEXT NOT NULL,
      flavor TEXT NOT NULL,
      cluster_id TEXT NOT NULL,
      namespace TEXT NOT NULL,
      name TEXT NOT NULL,
      revision INTEGER NOT NULL CHECK (revision > 0),
      status TEXT NOT NULL,
      description TEXT NOT NULL,
      chart_id TEXT NOT NULL,
      chart_name TEXT NOT NULL,
      chart_version TEXT NOT NULL,
      chart_public INTEGER NOT NULL CHECK (chart_public IN (0, 1)),
      config_json TEXT NOT NULL,
      values_json TEXT NOT NULL,
      first_deployed_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (project_id, flavor, cluster_id, namespace, name, revision),
      FOREIGN KEY (project_id, flavor, cluster_id, namespace, name)
        REFERENCES releases (project_id, flavor, cluster_id, namespace, name) ON DELETE CASCADE
    ) STRICT;

    CREATE TABLE pending_operations (
      project_id TEXT NOT NULL,
      flavor TEXT NOT NULL,
      cluster_id TEXT NOT NULL,
      namespace TEXT NOT NULL,
      name TEXT NOT NULL,
      operation TEXT NOT NULL CHECK (operation IN ('install', 'upgrade', 'rollback', 'uninstall')),
      revision INTEGER NOT NULL,
      base_revision INTEGER,
      due_at INTEGER,
      outcome TEXT NOT NULL CHECK (outcome IN ('succeed', 'fail', 'stick')),
      failure_reason TEXT,
      PRIMARY KEY (project_id, flavor, cluster_id, namespace, name),
      FOREIGN KEY (project_id, flavor, cluster_id, namespace, name)
        REFERENCES releases (project_id, flavor, cluster_id, namespace, name) ON DELETE CASCADE
    ) STRICT;

    CREATE INDEX pending_operations_due ON pending_operations (due_at) WHERE due_at IS NOT NULL;
  `,
}
