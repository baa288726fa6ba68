/**
 * Versioned schema migrations under PRAGMA user_version. Steps run in one synchronous
 * transaction each; a database from a newer emulator is refused rather than guessed at.
 */
import type Database from 'better-sqlite3'
import { migration001 } from './001-releases.js'
import { migration002 } from './002-pending-progression.js'
import { migration003 } from './003-charts.js'
import { migration004 } from './004-chart-values.js'
import { migration005 } from './005-emulator-clock.js'
import { migration006 } from './006-cloudpods-repos.js'
import { migration007 } from './007-keystone-tokens.js'

export interface Migration {
  version: number
  name: string
  /** SQL, or a function for steps that compute what SQL cannot (004 hashes rows); run in the step's transaction. */
  up: string | ((db: Database.Database) => void)
}

export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005, migration006, migration007]

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
    try {
      db.transaction(() => {
        if (typeof m.up === 'string') db.exec(m.up)
        else m.up(db)
        db.pragma(`user_version = ${m.version}`)
      })()
    } catch (err) {
      throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err })
    }
  }
  return { from, to: latest }
}
