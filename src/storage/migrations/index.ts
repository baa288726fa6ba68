/**
 * Versioned schema migrations under PRAGMA user_version. Steps run in one synchronous
 * transaction each; a database from a newer emulator is refused rather than guessed at.
 * A step that rebuilds a table other tables reference sets `foreignKeysOff`: SQLite ignores
 * PRAGMA foreign_keys inside a transaction, and with them on, dropping the old parent table
 * would cascade into its children. Such a step runs with them off and commits only if
 * PRAGMA foreign_key_check finds nothing (SQLite's documented table-rebuild procedure).
 */
import type Database from 'better-sqlite3'
import { migration001 } from './001-releases.js'
import { migration002 } from './002-pending-progression.js'
import { migration003 } from './003-charts.js'
import { migration004 } from './004-chart-values.js'
import { migration005 } from './005-emulator-clock.js'
import { migration006 } from './006-cloudpods-repos.js'
import { migration007 } from './007-keystone-tokens.js'
import { migration008 } from './008-cloudpods-releases.js'
import { migration009 } from './009-release-filter-indexes.js'
import { migration010 } from './010-release-answers.js'
import { migration011 } from './011-release-answers-follow.js'

export interface Migration {
  version: number
  name: string
  /** SQL, or a function for steps that compute what SQL cannot (004 hashes rows); run in the step's transaction. */
  up: string | ((db: Database.Database) => void)
  /** Run with foreign keys off, checked before commit (table rebuilds of a referenced table). */
  foreignKeysOff?: boolean
}

export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005, migration006, migration007, migration008, migration009, migration010, migration011]

export class DatabaseFromFutureError extends Error {
  constructor(found: number, supported: number) {
    super(`database schema version ${found} is newer than this emulator supports (${supported}); upgrade the emulator or use another --db`)
  }
}

export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`)
  })
  const latest = migrations.length
  const from = db.pragma('user_version', { simple: true }) as number
  if (from > latest) throw new DatabaseFromFutureError(from, latest)
  for (const m of migrations.slice(from)) {
    const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number
    if (m.foreignKeysOff) db.pragma('foreign_keys = OFF')
    try {
      db.transaction(() => {
        if (typeof m.up === 'string') db.exec(m.up)
        else m.up(db)
        if (m.foreignKeysOff) {
          const broken = db.pragma('foreign_key_check') as Array<{ table: string; parent: string }>
          if (broken.length > 0) throw new Error(`${broken.length} row(s) break a foreign key, e.g. ${broken[0]!.table} → ${broken[0]!.parent}`)
        }
        db.pragma(`user_version = ${m.version}`)
      })()
    } catch (err) {
      throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err })
    } finally {
      if (m.foreignKeysOff) db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`)
    }
  }
  return { from, to: latest }
}
