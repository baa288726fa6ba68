/** Builds an un-listened app on an in-memory database for app.inject tests. */
import { buildApp } from '../../src/app.js'
import { ManualClock } from '../../src/clock.js'
import { defaultConfig, type EmulatorConfig } from '../../src/config.js'
import { seededRandom } from '../../src/releases/progression.js'
import { openDatabase } from '../../src/storage/db.js'

export const AUTH = { 'x-auth-token': 'test-token' }

export async function buildTestApp(overrides: Partial<EmulatorConfig> = {}) {
  const db = openDatabase(':memory:')
  const clock = new ManualClock('2026-03-01T08:00:00Z')
  const built = await buildApp({ config: defaultConfig({ db: ':memory:', ...overrides }), db, clock, logger: false, random: seededRandom(7) })
  await built.app.ready()
  return {
    ...built,
    db,
    clock,
    close: async () => {
      await built.app.close()
      db.close()
    },
  }
}

export type TestApp = Awaited<ReturnType<typeof buildTestApp>>

export const createBody = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: 'project01',
  version: '1.0.0',
  chart_id: '3c138b72-7ce4-6d76-7c55-604cdb2ce423',
  values: { imageTag: 'v2', imagePullPolicy: 'IfNotPresent' },
  ...extra,
})
