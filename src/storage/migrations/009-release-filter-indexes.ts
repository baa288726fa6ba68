import type { Migration } from './index.js'

/**
 * An index for the list filter the primary keys do not serve: chart_id, which lives on the
 * revision. The namespace filter and the unfiltered list are prefixes of `releases`' primary key;
 * due and read-counted work have their partial indexes (002). test/storage/query-plans.test.ts
 * checks with EXPLAIN QUERY PLAN that every list, show, history and settle query searches an
 * index rather than scanning a table.
 */
export const migration009: Migration = {
  version: 9,
  name: 'release-filter-indexes',
  up: `
    CREATE INDEX release_revisions_chart ON release_revisions (project_id, flavor, cluster_id, chart_id);
  `,
}
