import type { Migration } from './index.js'

/**
 * PLACEHOLDER, branch `durable` only: version 4 belongs to another branch's migration, which
 * replaces this file at merge. It exists so that 005 is contiguous here; it changes nothing.
 */
export const migration004: Migration = {
  version: 4,
  name: 'placeholder',
  up: '',
}
