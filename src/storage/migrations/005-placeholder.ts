import type { Migration } from './index.js'

/**
 * PLACEHOLDER, branch cprepos only: another branch adds the real migration 5 in parallel, and
 * migrations must be contiguous. The lead replaces this file with that one at merge. It does
 * nothing, so a database that ran it is still correct once the real one has to run.
 */
export const migration005: Migration = {
  version: 5,
  name: 'placeholder-5',
  up: '',
}
