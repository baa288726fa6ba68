/**
 * The release domain's ChartCatalog port, backed by the chart store: a release installs a chart
 * uploaded (or preloaded) into the same project and flavour.
 */
import { ValidationError } from '../errors.js'
import type { ChartCatalog, KubeResource, ResolvedChart } from '../releases/ports.js'
import type { ChartRef, Scope } from '../releases/release.js'
import type { ChartService } from './chart-service.js'
import { resourcesFromTemplates } from './template-resources.js'

/** Releases whose resources are kept; beyond it the oldest are dropped. */
const CACHED_RESOURCES = 10_000

export class StoredChartCatalog implements ChartCatalog {
  /**
   * show_resources scans a chart's templates: once per release and chart, until any chart
   * changes (the chart store's generation). The same array is answered while it is valid, so
   * the wire can keep its answer bytes against it.
   */
  readonly #resources = new Map<string, KubeResource[]>()
  #generation = -1

  constructor(private readonly charts: ChartService) {}

  /**
   * create: `version` must be the chart's version (400, field `version`).
   * upgrade: the chart may be another version of the release's chart, never another chart (400, field `chart_id`).
   * An unknown chart id is a 404.
   */
  resolve(scope: Scope, chartId: string, version: string | undefined, current: ChartRef | null): ResolvedChart {
    const chart = this.charts.get(scope, chartId)
    if (version !== undefined && version !== chart.version) {
      throw new ValidationError(
        `chart ${chartId} is "${chart.name}" version ${chart.version}, not version "${version}"; use the chart_id of that version (GET /v2/charts lists them)`,
        'version',
      )
    }
    if (current !== null && current.name !== chart.name) {
      throw new ValidationError(
        `chart ${chartId} is "${chart.name}" but the release runs chart "${current.name}"; an upgrade may change the chart version, not the chart`,
        'chart_id',
      )
    }
    return { ref: { id: chart.id, name: chart.name, version: chart.version, public: chart.public }, defaults: chart.values, defaultsRef: chart.valuesRef }
  }

  resources(scope: Scope, chart: ChartRef, releaseName: string, namespace: string): KubeResource[] {
    if (this.#generation !== this.charts.generation) {
      this.#resources.clear()
      this.#generation = this.charts.generation
    }
    const key = [scope.projectId, scope.flavor, chart.id, chart.name, chart.version, releaseName, namespace].join('\u0000')
    let resources = this.#resources.get(key)
    if (!resources) {
      resources = resourcesFromTemplates(this.charts.templatesFor(scope, chart), releaseName, namespace)
      if (this.#resources.size >= CACHED_RESOURCES) this.#resources.delete(this.#resources.keys().next().value!)
      this.#resources.set(key, resources)
    }
    return resources
  }
}
