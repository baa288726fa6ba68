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

/**
 * The schema the migrations build, as SQL that creates it in one step: every table, index and
 * trigger, in the order SQLite lists them, with the text it keeps for each. The migrations stay
 * the source of truth: this is read off a database they migrated (the build's, see
 * scripts/bundle.mjs), and a test checks that both paths give the same schema.
 */
export interface SchemaSnapshot {
  version: number
  sql: string
}

/** The snapshot of a database `migrate` brought to its latest version. */
export function schemaSnapshot(db: Database.Database): SchemaSnapshot {
  const rows = db.prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid").pluck().all() as string[]
  return { version: db.pragma('user_version', { simple: true }) as number, sql: rows.map((sql) => `${sql};`).join('\n') }
}

// Defined by the build in the bundles (scripts/bundle.mjs); absent when the sources or tsc's output run.
declare const __SCHEMA_SNAPSHOT__: SchemaSnapshot | undefined
const BUILT_SNAPSHOT = typeof __SCHEMA_SNAPSHOT__ === 'object' ? __SCHEMA_SNAPSHOT__ : undefined

/**
 * `snapshot`: for a new, empty database, the latest schema in one transaction instead of one
 * transaction per step (~3 ms instead of ~8 ms of every start on a new file); used only when it
 * stands for exactly these migrations' latest version.
 */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
  snapshot: SchemaSnapshot | undefined = migrations === MIGRATIONS ? BUILT_SNAPSHOT : undefined,
): { from: number; to: number } {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`)
  })
  const latest = migrations.length
  const from = db.pragma('user_version', { simple: true }) as number
  if (from > latest) throw new DatabaseFromFutureError(from, latest)
  if (from === 0 && snapshot?.version === latest && db.prepare('SELECT count(*) FROM sqlite_master').pluck().get() === 0) {
    db.transaction(() => {
      db.exec(snapshot.sql)
      db.pragma(`user_version = ${latest}`)
    })()
    return { from, to: latest }
  }
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
