/**
 * The release domain's ChartCatalog port, backed by the chart store: a release installs a chart
 * uploaded (or preloaded) into the same project and flavour.
 */
import { ValidationError } from '../errors.js'
import type { ChartCatalog, KubeResource, ResolvedChart } from '../releases/ports.js'
import type { ChartRef, Scope } from '../releases/release.js'
import type { ChartService } from './chart-service.js'
import { resourcesFromTemplates } from './template-resources.js'

export class StoredChartCatalog implements ChartCatalog {
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
    return resourcesFromTemplates(this.charts.templatesFor(scope, chart), releaseName, namespace)
  }
}
