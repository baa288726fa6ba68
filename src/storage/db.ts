import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { migrate } from './migrations/index.js'

export type DatabaseHandle = Database.Database

/**
 * Opens (creating if needed) and migrates the database. WAL keeps readers off the writer's
 * back; synchronous=FULL makes every acknowledged write durable, even across a power cut.
 */
export function openDatabase(path: string): DatabaseHandle {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  try {
    if (path !== ':memory:') db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    migrate(db)
    return db
  } catch (err) {
    db.close()
    throw err
  }
}
