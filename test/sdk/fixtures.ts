/** What both SDK tiers (Python and Go) share: the project, cluster and chart they drive, and the wire formats they assert. */
import { join } from 'node:path'
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
