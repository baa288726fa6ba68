import type { Migration } from './index.js'

/**
 * Reserved: branch `cprel` rebuilds `releases` as migration 008 (flavor 'cloudpods', id and
 * created_at columns). This empty step keeps 009 numbered until that one replaces it at merge.
 */
export const migration008: Migration = {
  version: 8,
  name: 'reserved-cloudpods-releases',
  up: '',
}
