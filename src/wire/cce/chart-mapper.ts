/** Chart ⇄ CCE wire shapes. */
import { valuesJsonOf, type Chart } from '../../charts/chart.js'
import { chartPackageFileName } from '../../charts/chart-package.js'
import { rfc3339 } from '../common/schemas.js'
import type { ChartResp } from './chart-schemas.js'

export function toChartResp(c: Chart): ChartResp {
  return {
    id: c.id,
    name: c.name,
    values: valuesJsonOf(c),
    translate: '',
    instruction: c.readme ? 'README.md' : '',
    version: c.version,
    description: c.description,
    source: c.source,
    icon_url: c.iconUrl,
    public: c.public,
    chart_url: chartPackageFileName(c.name, c.version),
    create_at: rfc3339(c.createdAt),
    update_at: rfc3339(c.updatedAt),
  }
}

/** `Content-Disposition` for a download; chart names and versions are already token-safe. */
export const attachment = (fileName: string): string => `attachment; filename="${fileName}"`
