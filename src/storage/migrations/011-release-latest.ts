import type { Migration } from './index.js'

/**
 * The latest revision of every release, kept in a table of its own in list order (WITHOUT ROWID,
 * keyed like `releases`), and beside it (release_answers, same order) the answer bytes the wire
 * serialized when it was written. A list
 * of 100 releases of a namespace is then one range of adjacent pages, and no item is merged with
 * its chart defaults or serialized again: at 100,000 releases a cold list read 100 scattered
 * revision rows and spent ~65 µs per item computing and serializing its values.
 *
 * The repository writes the row in the same transaction as every change to the release
 * (apply), and the foreign keys remove both with the release (uninstall, reset): they cannot
 * disagree with `release_revisions`. A release has no answer row when none was kept (a big
 * answer, a dialect that keeps none, rows copied here by this migration); `answer_format` names
 * the serializer that wrote it, so bytes from another version of the emulator are never sent.
 * Two tables, not one: an answer (~800 bytes for a small chart) in the same WITHOUT ROWID row
 * overflowed it, one 4 KiB overflow page per release (94 MB for 20,000 releases, not 25).
 */
export const migration011: Migration = {
  version: 11,
  name: 'release-latest',
  up: `
    CREATE TABLE release_latest (
      project_id TEXT NOT NULL,
      flavor TEXT NOT NULL,
      cluster_id TEXT NOT NULL,
      namespace TEXT NOT NULL,
      name TEXT NOT NULL,
      revision INTEGER NOT NULL,
      status TEXT NOT NULL,
      description TEXT NOT NULL,
      chart_id TEXT NOT NULL,
      chart_name TEXT NOT NULL,
      chart_version TEXT NOT NULL,
      chart_public INTEGER NOT NULL,
      config_json TEXT NOT NULL,
      values_json TEXT,
      defaults_hash TEXT,
      first_deployed_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (project_id, flavor, cluster_id, namespace, name),
      FOREIGN KEY (project_id, flavor, cluster_id, namespace, name)
        REFERENCES releases (project_id, flavor, cluster_id, namespace, name) ON DELETE CASCADE
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE release_answers (
      project_id TEXT NOT NULL,
      flavor TEXT NOT NULL,
      cluster_id TEXT NOT NULL,
      namespace TEXT NOT NULL,
      name TEXT NOT NULL,
      answer BLOB NOT NULL,
      answer_format TEXT NOT NULL,
      PRIMARY KEY (project_id, flavor, cluster_id, namespace, name),
      FOREIGN KEY (project_id, flavor, cluster_id, namespace, name)
        REFERENCES releases (project_id, flavor, cluster_id, namespace, name) ON DELETE CASCADE
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX release_latest_chart ON release_latest (project_id, flavor, cluster_id, chart_id);
    INSERT INTO release_latest (project_id, flavor, cluster_id, namespace, name, revision, status, description, chart_id,
        chart_name, chart_version, chart_public, config_json, values_json, defaults_hash, first_deployed_at, updated_at)
      SELECT v.project_id, v.flavor, v.cluster_id, v.namespace, v.name, v.revision, v.status, v.description, v.chart_id,
             v.chart_name, v.chart_version, v.chart_public, v.config_json, v.values_json, v.defaults_hash, v.first_deployed_at, v.updated_at
        FROM releases r JOIN release_revisions v
          ON v.project_id = r.project_id AND v.flavor = r.flavor AND v.cluster_id = r.cluster_id
         AND v.namespace = r.namespace AND v.name = r.name AND v.revision = r.latest_revision;
  `,
}
