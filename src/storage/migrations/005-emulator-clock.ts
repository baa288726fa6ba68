import type { Migration } from './index.js'

/**
 * The emulator clock's state, so a restart neither undoes clock advances (work scheduled after
 * an advance would stay pending; new revisions would be dated before old ones) nor lets the
 * clock go back when the host clock did. One row: how far the emulator clock runs ahead of the
 * host clock, and the emulator time when that was saved. Only a new table: older databases
 * upgrade without touching their data, and start with no row (offset 0).
 */
export const migration005: Migration = {
  version: 5,
  name: 'emulator-clock',
  up: `
    CREATE TABLE emulator_clock (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      offset_ms INTEGER NOT NULL CHECK (offset_ms >= 0),
      reading_ms INTEGER NOT NULL
    ) STRICT;
  `,
}
