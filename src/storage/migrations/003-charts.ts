import type { Migration } from './index.js'

/**
 * Uploaded chart packages, one row per (project, flavour, chart name, chart version): CCE and
 * Autopilot keep separate chart stores, as they keep separate releases. The package is stored
 * byte for byte (DownloadChart answers it unchanged); values and templates are parsed once at
 * upload so reads never unpack it again. Times are integer milliseconds since the epoch.
 * Releases do not reference this table: a release keeps its own copy of the chart's identity,
 * as Helm keeps the chart inside the release, so deleting a chart never touches a release.
 */
export const migration003: Migration = {
  version: 3,
  name: 'charts',
  up: `
    CREATE TABLE charts (
      project_id TEXT NOT NULL,
      flavor TEXT NOT NULL CHECK (flavor IN ('cce', 'autopilot')),
      id TEXT NOT NULL,
      name TEXT NOT NULL,
      version TEXT NOT NULL,
      description TEXT NOT NULL,
      icon_url TEXT NOT NULL,
      app_version TEXT NOT NULL,
      public INTEGER NOT NULL CHECK (public IN (0, 1)),
      visible INTEGER NOT NULL CHECK (visible IN (0, 1)),
      source TEXT NOT NULL,
      readme INTEGER NOT NULL CHECK (readme IN (0, 1)),
      values_json TEXT NOT NULL,
      templates_json TEXT NOT NULL,
      package BLOB NOT NULL,
      package_sha256 TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (project_id, flavor, id),
      UNIQUE (project_id, flavor, name, version)
    ) STRICT;
  `,
}
