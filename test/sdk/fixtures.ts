/** What both SDK tiers (Python and Go) share: the project, cluster and chart they drive, and the wire formats they assert. */
import { join } from 'node:path'
import { expect } from 'vitest'
import { stableChartId } from '../../src/charts/chart-metadata.js'
import { REPO_ROOT } from './venv.js'

export const PROJECT = '0123456789abcdef0123456789abcdef'
export const CLUSTER = 'a870253f-5dc7-11ee-bf71-0255ac100b03'
export const EXAMPLE_CHARTS = join(REPO_ROOT, 'examples', 'charts')
// Releases install a real chart: the example nginx-demo 1.0.0, preloaded (--charts) under its stable id into PROJECT.
export const CHART = stableChartId('nginx-demo', '1.0.0')
export const REQUEST_ID = /^[0-9a-f]{32}$/
export const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** The field types every SDK decodes strictly (Go) or silently mis-decodes (Python). */
export function expectReleaseShape(r: unknown, where: string): void {
  expect(r, where).toMatchObject({
    chart_name: expect.any(String),
    chart_public: expect.any(Boolean),
    chart_version: expect.any(String),
    cluster_id: CLUSTER,
    cluster_name: expect.any(String),
    create_at: expect.any(String),
    description: expect.any(String),
    name: expect.any(String),
    namespace: expect.any(String),
    parameters: expect.any(String),
    resources: expect.any(String),
    status: expect.any(String),
    status_description: expect.any(String),
    update_at: expect.any(String),
    values: expect.any(String),
    version: expect.any(Number),
  })
  expect(Number.isInteger((r as { version: number }).version), `${where}: version is an integer`).toBe(true)
}
