import type { Migration } from './index.js'

/**
 * PLACEHOLDER, branch `cprel` only: version 7 belongs to another branch's migration
 * (climc: Keystone tokens), which replaces this
 * file at merge. It exists so that 008 is contiguous here; it changes nothing.
 */
export const migration007: Migration = {
  version: 7,
  name: 'placeholder',
  up: '',
}
