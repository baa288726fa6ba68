import { createHash } from 'node:crypto'
import type Database from 'better-sqlite3'
import type { Migration } from './index.js'

/**
 * Chart defaults (values.yaml as JSON) stored once, by content: `chart_values` is keyed by the
 * SHA-256 of the JSON text. A chart references its defaults; a revision stores only the user's
 * config and a reference to the defaults it was made with, and its values (defaults coalesced
 * with config) are computed when it is read. Before, every revision and every answer carried a
 * copy: 30 releases of a chart with a 4 MiB values.yaml took 139 MB on disk.
 *
 * The reference outlives the chart: deleting or re-uploading a chart leaves the defaults its
 * releases were made with (rows go only when nothing references them, see sweepChartValues).
 * Revisions written before this migration keep their computed values (values_json); new ones
 * store defaults_hash instead, never both.
 */
export const migration004: Migration = {
  version: 4,
  name: 'chart-values',
  up: (db: Database.Database) => {
    db.exec(`
      CREATE TABLE chart_values (
        hash TEXT PRIMARY KEY,
        values_json TEXT NOT NULL
      ) STRICT;
      ALTER TABLE charts ADD COLUMN values_hash TEXT REFERENCES chart_values (hash);
    `)
    const insert = db.prepare('INSERT OR IGNORE INTO chart_values (hash, values_json) VALUES (?, ?)')
    const link = db.prepare('UPDATE charts SET values_hash = ? WHERE rowid = ?')
    for (const row of db.prepare('SELECT rowid AS id, values_json FROM charts').all() as Array<{ id: number; values_json: string }>) {
      const hash = chartValuesHash(row.values_json)
      insert.run(hash, row.values_json)
      link.run(hash, row.id)
    }
    db.exec(`
      ALTER TABLE charts DROP COLUMN values_json;
      CREATE INDEX charts_values_hash ON charts (values_hash);

      CREATE TABLE release_revisions_new (
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
        values_json TEXT,
        defaults_hash TEXT REFERENCES chart_values (hash),
        first_deployed_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        CHECK ((values_json IS NULL) <> (defaults_hash IS NULL)),
        PRIMARY KEY (project_id, flavor, cluster_id, namespace, name, revision),
        FOREIGN KEY (project_id, flavor, cluster_id, namespace, name)
          REFERENCES releases (project_id, flavor, cluster_id, namespace, name) ON DELETE CASCADE
      ) STRICT;

      INSERT INTO release_revisions_new
        (project_id, flavor, cluster_id, namespace, name, revision, status, description, chart_id, chart_name, chart_version,
         chart_public, config_json, values_json, defaults_hash, first_deployed_at, updated_at)
      SELECT project_id, flavor, cluster_id, namespace, name, revision, status, description, chart_id, chart_name, chart_version,
             chart_public, config_json, values_json, NULL, first_deployed_at, updated_at
        FROM release_revisions;

      DROP TABLE release_revisions;
      ALTER TABLE release_revisions_new RENAME TO release_revisions;
      CREATE INDEX release_revisions_defaults ON release_revisions (defaults_hash) WHERE defaults_hash IS NOT NULL;
    `)
  },
}

/** The key of a chart_values row: SHA-256 of the JSON text, hex. */
export const chartValuesHash = (valuesJson: string): string => createHash('sha256').update(valuesJson).digest('hex')
