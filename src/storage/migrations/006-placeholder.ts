import type { Migration } from './index.js'

/**
 * PLACEHOLDER (branch `climc` only): an empty step that keeps 007-keystone-tokens at version 7
 * while other branches add 004-006. At merge the lead replaces this file with the real migration
 * 6 and renumbers 007 after the last one. It changes nothing.
 */
export const migration006: Migration = {
  version: 6,
  name: 'placeholder-6',
  up: '',
}
