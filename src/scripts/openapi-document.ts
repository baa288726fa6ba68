/** Builds the OpenAPI document from the route schemas of a throwaway in-memory app. */
import { buildApp } from '../app.js'
import { ManualClock } from '../clock.js'
import { defaultConfig } from '../config.js'
import { openDatabase } from '../storage/db.js'

export async function openApiDocument(): Promise<string> {
  const db = openDatabase(':memory:')
  const { app } = await buildApp({ config: defaultConfig({ db: ':memory:' }), db, clock: new ManualClock(), logger: false, openapi: true })
  try {
    await app.ready()
    return `${JSON.stringify(app.swagger(), null, 2)}\n`
  } finally {
    await app.close()
    db.close()
  }
}
