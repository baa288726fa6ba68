import type { Migration } from './index.js'

/**
 * The Cloudpods dialect's clusters, namespaces, chart repos and the chart versions in them.
 * Ids are UUIDs derived from names (src/cloudpods/ids.ts) except repos created over the API.
 * Chart packages are stored once per content (by SHA-256) however many repos or versions carry
 * them, with the templates parsed out at load; a chart version's values.yaml is parsed once, at
 * load, into values_json. A package no chart version references is deleted with its last one.
 * Nothing here references the CCE tables: the two dialects are separate scopes of one database.
 * Times are integer milliseconds since the epoch.
 */
export const migration006: Migration = {
  version: 6,
  name: 'cloudpods-repos',
  up: `
    CREATE TABLE cloudpods_clusters (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      created_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE cloudpods_namespaces (
      id TEXT PRIMARY KEY,
      cluster_id TEXT NOT NULL REFERENCES cloudpods_clusters (id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      UNIQUE (cluster_id, name)
    ) STRICT;

    CREATE TABLE cloudpods_repos (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL CHECK (type IN ('internal', 'external')),
      url TEXT NOT NULL,
      origin TEXT NOT NULL CHECK (origin IN ('folder', 'api')),
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      synced_at INTEGER
    ) STRICT;

    CREATE TABLE cloudpods_chart_packages (
      sha256 TEXT PRIMARY KEY,
      package BLOB NOT NULL,
      templates_json TEXT NOT NULL
    ) STRICT;

    CREATE TABLE cloudpods_repo_charts (
      repo_id TEXT NOT NULL REFERENCES cloudpods_repos (id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      version TEXT NOT NULL,
      api_version TEXT NOT NULL,
      description TEXT NOT NULL,
      app_version TEXT NOT NULL,
      icon TEXT NOT NULL,
      readme INTEGER NOT NULL CHECK (readme IN (0, 1)),
      values_json TEXT NOT NULL,
      package_sha256 TEXT NOT NULL REFERENCES cloudpods_chart_packages (sha256),
      created_at INTEGER NOT NULL,
      PRIMARY KEY (repo_id, name, version)
    ) STRICT;

    CREATE INDEX cloudpods_repo_charts_package ON cloudpods_repo_charts (package_sha256);
  `,
}
