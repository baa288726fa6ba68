import type { Migration } from './index.js'

/**
 * PLACEHOLDER, branch `cprel` only: version 6 belongs to another branch's migration
 * (cprepos: Cloudpods clusters, namespaces and repos), which replaces this
 * file at merge. It exists so that 008 is contiguous here; it changes nothing.
 */
export const migration006: Migration = {
  version: 6,
  name: 'placeholder',
  up: '',
}
