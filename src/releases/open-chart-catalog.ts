/**
 * A chart catalog that knows no charts and accepts any chart id: the release API's stand-in
 * until uploaded charts exist. The chart name is the chart id and the version is whatever the
 * request asked for (kept on upgrade, whose body carries none).
 */
import type { ChartCatalog, KubeResource, ResolvedChart } from './ports.js'
import type { ChartRef, Scope } from './release.js'

export class OpenChartCatalog implements ChartCatalog {
  resolve(_scope: Scope, chartId: string, version: string | undefined, current: ChartRef | null): ResolvedChart {
    const keep = current && current.id === chartId ? current.version : undefined
    return { ref: { id: chartId, name: chartId, version: version ?? keep ?? current?.version ?? '', public: false }, defaults: {} }
  }
  resources(): KubeResource[] {
    return []
  }
}
