/** Builds an un-listened app on an in-memory database for app.inject tests. */
import { buildApp, type EmulatorApp } from '../../src/app.js'
import { stableChartId } from '../../src/charts/chart-metadata.js'
import { ManualClock } from '../../src/clock.js'
import { defaultConfig, type EmulatorConfig } from '../../src/config.js'
import { seededRandom } from '../../src/releases/progression.js'
import { openDatabase } from '../../src/storage/db.js'
import { buildTgz, chartEntries, chartYaml } from './tgz.js'

export const AUTH = { 'x-auth-token': 'test-token' }

/**
 * The chart release tests install: `demo` 1.0.0 and 1.1.0, without values.yaml (so a release's
 * values are exactly what the test sent) and with a Deployment and a Service template. Seeded
 * under stable ids into the default project's CCE and Autopilot chart stores.
 */
export const TEST_CHART_ID = stableChartId('demo', '1.0.0')
export const TEST_CHART_V2_ID = stableChartId('demo', '1.1.0')

export function testChartPackage(version = '1.0.0', valuesYaml?: string): Promise<Buffer> {
  return buildTgz(
    chartEntries({
      chartYaml: chartYaml({ version }),
      ...(valuesYaml === undefined ? {} : { valuesYaml }),
      extra: [
        { name: 'demo/templates/deployment.yaml', content: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n' },
        { name: 'demo/templates/service.yaml', content: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-svc\n' },
      ],
    }),
  )
}

/** Loads the test charts into these projects (both flavours), as --charts would. */
export async function seedTestCharts(built: Pick<EmulatorApp, 'charts'>, projectIds: readonly string[] = ['default']): Promise<void> {
  for (const version of ['1.0.0', '1.1.0']) {
    const pkg = await testChartPackage(version)
    for (const projectId of projectIds) {
      for (const flavor of ['cce', 'autopilot'] as const) await built.charts.preload({ projectId, flavor }, pkg)
    }
  }
}

export interface TestAppOptions {
  /** Projects to seed with the test charts; [] seeds none. Default: the default project. */
  seedCharts?: readonly string[]
}

export async function buildTestApp(overrides: Partial<EmulatorConfig> = {}, opts: TestAppOptions = {}) {
  const db = openDatabase(':memory:')
  const clock = new ManualClock('2026-03-01T08:00:00Z')
  const config = defaultConfig({ db: ':memory:', ...overrides })
  const built = await buildApp({ config, db, clock, logger: false, random: seededRandom(7) })
  await seedTestCharts(built, opts.seedCharts ?? [config.defaultProjectId])
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
  chart_id: TEST_CHART_ID,
  values: { imageTag: 'v2', imagePullPolicy: 'IfNotPresent' },
  ...extra,
})
