import type { Migration } from './index.js'

/**
 * Cloudpods releases are a scope of the same release tables (flavor 'cloudpods'), with what
 * kubeserver's releases_tbl adds: a UUID `id` (the `{id}` of /api/releases/{id}) and
 * `created_at` (the list's default order). Both are nullable: CCE and Autopilot releases have no
 * id, and the Cloudpods service sets both in the transaction that installs the release.
 *
 * SQLite cannot alter a CHECK constraint, so `releases` is rebuilt. It is the parent of
 * release_revisions and pending_operations (ON DELETE CASCADE): the step runs with foreign keys
 * off (`foreignKeysOff`), or dropping the old table would delete every revision and pending
 * operation; the runner checks the foreign keys before it commits. Existing rows keep their
 * data and get `created_at` from their first deployment, so an upgraded file loses nothing.
 */
export const migration008: Migration = {
  version: 8,
  name: 'cloudpods-releases',
  foreignKeysOff: true,
  up: `
    CREATE TABLE releases_new (
      project_id TEXT NOT NULL,
      flavor TEXT NOT NULL CHECK (flavor IN ('cce', 'autopilot', 'cloudpods')),
      cluster_id TEXT NOT NULL,
      namespace TEXT NOT NULL,
      name TEXT NOT NULL,
      latest_revision INTEGER NOT NULL,
      id TEXT,
      created_at INTEGER,
      PRIMARY KEY (project_id, flavor, cluster_id, namespace, name)
    ) STRICT;

    INSERT INTO releases_new (project_id, flavor, cluster_id, namespace, name, latest_revision, id, created_at)
    SELECT r.project_id, r.flavor, r.cluster_id, r.namespace, r.name, r.latest_revision, NULL,
           (SELECT v.first_deployed_at FROM release_revisions v
             WHERE v.project_id = r.project_id AND v.flavor = r.flavor AND v.cluster_id = r.cluster_id
               AND v.namespace = r.namespace AND v.name = r.name AND v.revision = r.latest_revision)
      FROM releases r;

    DROP TABLE releases;
    ALTER TABLE releases_new RENAME TO releases;
    CREATE UNIQUE INDEX releases_id ON releases (id) WHERE id IS NOT NULL;
    CREATE INDEX releases_flavor_name ON releases (flavor, name);
  `,
}
