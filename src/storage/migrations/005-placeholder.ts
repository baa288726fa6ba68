import type { Migration } from './index.js'

/**
 * PLACEHOLDER (branch `climc` only): an empty step that keeps 007-keystone-tokens at version 7
 * while other branches add 004-006. At merge the lead replaces this file with the real migration
 * 5 and renumbers 007 after the last one. It changes nothing.
 */
export const migration005: Migration = {
  version: 5,
  name: 'placeholder-5',
  up: '',
}
