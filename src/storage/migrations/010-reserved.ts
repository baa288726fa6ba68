import type { Migration } from './index.js'

/**
 * A placeholder: version 10 is reserved for the write-side work merged alongside 011. Versions
 * must be contiguous; when the real 010 is merged it replaces this file (it changes nothing).
 */
export const migration010: Migration = {
  version: 10,
  name: 'reserved',
  up: '',
}
