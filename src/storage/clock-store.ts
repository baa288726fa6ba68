/** SQLite implementation of the clock's ClockStore port: one row, written in autocommit. */
import type { ClockState, ClockStore } from '../clock.js'
import type { DatabaseHandle } from './db.js'

export class SqliteClockStore implements ClockStore {
  private readonly stmts

  constructor(db: DatabaseHandle) {
    this.stmts = {
      load: db.prepare<[], { offset_ms: number; reading_ms: number }>('SELECT offset_ms, reading_ms FROM emulator_clock WHERE id = 1'),
      save: db.prepare<{ offsetMs: number; readingMs: number }>(`
        INSERT INTO emulator_clock (id, offset_ms, reading_ms) VALUES (1, @offsetMs, @readingMs)
        ON CONFLICT (id) DO UPDATE SET offset_ms = excluded.offset_ms, reading_ms = excluded.reading_ms`),
    }
  }

  load(): ClockState | null {
    const row = this.stmts.load.get()
    return row ? { offsetMs: row.offset_ms, readingMs: row.reading_ms } : null
  }

  /** Survives the process dying once it returns (WAL, see openDatabase); inside a write batch, once the batch commits. */
  save(state: ClockState): void {
    this.stmts.save.run({ offsetMs: Math.round(state.offsetMs), readingMs: Math.round(state.readingMs) })
  }
}
