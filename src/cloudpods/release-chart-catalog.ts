/**
 * The release core's ChartCatalog for flavor 'cloudpods': a chart id is `<repo id>/<chart>` (the
 * digest the core stores after '@' is ignored on the way in) and `version` a Helm constraint,
 * empty or absent meaning the newest version, as kubeserver's install and upgrade take them.
 */
import { ValidationError } from '../errors.js'
import type { ChartCatalog, KubeResource, ResolvedChart } from '../releases/ports.js'
import type { ChartRef, Scope } from '../releases/release.js'
import { chartRefId, parseChartRefId } from './release.js'
import type { RepoChartPort } from './release-ports.js'

export class CloudpodsChartCatalog implements ChartCatalog {
  constructor(private readonly charts: RepoChartPort) {}

  resolve(_scope: Scope, chartId: string, version: string | undefined, current: ChartRef | null): ResolvedChart {
    const wanted = parseChartRefId(chartId, '')
    const { chart, defaults } = this.charts.resolve(wanted.repoId, wanted.name, version || undefined)
    if (current !== null && current.name !== chart.name) {
      throw new ValidationError(`the release runs chart "${current.name}", not "${chart.name}"`, 'chart')
    }
    return { ref: { id: chartRefId(chart), name: chart.name, version: chart.version, public: false }, defaults }
  }

  resources(_scope: Scope, chart: ChartRef, releaseName: string, namespace: string): KubeResource[] {
    return this.charts.declared(parseChartRefId(chart.id, chart.version), releaseName, namespace)
  }
}

/** Sends each flavour's releases to its own catalog (CCE and Autopilot: uploaded charts; Cloudpods: repos). */
export class FlavorChartCatalog implements ChartCatalog {
  constructor(
    private readonly stored: ChartCatalog,
    private readonly cloudpods: ChartCatalog,
  ) {}
  private pick(scope: Scope): ChartCatalog {
    return scope.flavor === 'cloudpods' ? this.cloudpods : this.stored
  }
  resolve(scope: Scope, chartId: string, version: string | undefined, current: ChartRef | null): ResolvedChart {
    return this.pick(scope).resolve(scope, chartId, version, current)
  }
  resources(scope: Scope, chart: ChartRef, releaseName: string, namespace: string): KubeResource[] {
    return this.pick(scope).resources(scope, chart, releaseName, namespace)
  }
}
