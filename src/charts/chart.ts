/**
 * The chart model: one uploaded package version in one project's CCE or Autopilot chart store.
 * Nothing here knows about JSON casing or HTTP.
 */
import type { Flavor, Values } from '../releases/release.js'
import type { ChartTemplate } from './chart-package.js'

/** Where a chart lives: CCE and Autopilot have separate chart stores per project. */
export interface ChartScope {
  projectId: string
  flavor: Flavor
}

export interface Chart {
  scope: ChartScope
  id: string
  name: string
  version: string
  description: string
  iconUrl: string
  appVersion: string
  /** CCE's public (shared) charts; every uploaded or preloaded chart is private. */
  public: boolean
  /** The `visible` upload parameter, stored and echoed nowhere (ChartResp has no such field). */
  visible: boolean
  /** The `source` upload parameter, echoed in ChartResp. */
  source: string
  /** The package has a README at the top of its chart folder. */
  readme: boolean
  /** values.yaml as JSON. */
  values: Values
  /** `values` as JSON text, when at hand (read from the store or the package): a 20k-key values.yaml took ~6 ms to serialize, twice per upload. */
  valuesJson?: string | undefined
  /** The store's key for these defaults, which releases made from the chart keep; unset before it is stored. */
  valuesRef?: string | undefined
  createdAt: Date
  updatedAt: Date
}

/** What an upload stores besides the metadata. */
export interface ChartContent {
  packageBytes: Buffer
  templates: ChartTemplate[]
}

/** A chart's defaults as JSON text: the text read with them when at hand, else serialized. */
export const valuesJsonOf = (chart: Chart): string => chart.valuesJson ?? JSON.stringify(chart.values)
