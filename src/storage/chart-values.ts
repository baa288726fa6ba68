/**
 * The content-addressed store of chart defaults (table `chart_values`, migration 004), used by
 * the chart and release repositories: a chart and every revision made from it reference one row.
 */
import type Database from 'better-sqlite3'
import type { DatabaseHandle } from './db.js'
import { chartValuesHash } from './migrations/004-chart-values.js'

export class ChartValuesTable {
  readonly #put: Database.Statement<[string, string]>
  readonly #sweep: Database.Statement<[]>

  constructor(db: DatabaseHandle) {
    this.#put = db.prepare<[string, string]>('INSERT OR IGNORE INTO chart_values (hash, values_json) VALUES (?, ?)')
    this.#sweep = db.prepare<[]>(`
      DELETE FROM chart_values
       WHERE NOT EXISTS (SELECT 1 FROM charts WHERE charts.values_hash = chart_values.hash)
         AND NOT EXISTS (SELECT 1 FROM release_revisions WHERE release_revisions.defaults_hash = chart_values.hash)`)
  }

  /** Stores defaults (once per content) and answers their key. */
  put(valuesJson: string): string {
    const hash = chartValuesHash(valuesJson)
    this.#put.run(hash, valuesJson)
    return hash
  }

  /** Drops defaults that no chart and no revision references any more. */
  sweep(): void {
    this.#sweep.run()
  }
}
