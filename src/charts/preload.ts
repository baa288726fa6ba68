/**
 * `--charts DIR`: loads every `.tgz` in a folder into the default project's CCE and Autopilot
 * chart stores at start, under ids derived from name and version (stableChartId), so CI
 * pipelines can hard-code them. Any unreadable or invalid package fails the start.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { DomainError } from '../errors.js'
import type { ChartScope } from './chart.js'
import type { ChartService, PreloadResult } from './chart-service.js'

export class ChartPreloadError extends Error {}

export interface PreloadLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

export interface PreloadedChart {
  file: string
  id: string
  name: string
  version: string
}

export async function preloadCharts(dir: string, charts: ChartService, scopes: readonly ChartScope[], log: PreloadLog | undefined): Promise<PreloadedChart[]> {
  const folder = resolve(dir)
  let files: string[]
  try {
    if (!statSync(folder).isDirectory()) throw new Error('not a directory')
    files = readdirSync(folder)
      .filter((f) => f.toLowerCase().endsWith('.tgz'))
      .sort()
  } catch (err) {
    // A relative folder resolves against the process's directory, which in-process callers may not expect: say where.
    const where = folder === dir ? dir : `${dir} (${folder})`
    throw new ChartPreloadError(`--charts ${where}: cannot read the folder: ${(err as Error).message}; the bundled example charts are --charts @examples (in process: charts: exampleCharts)`)
  }

  const loaded: PreloadedChart[] = []
  const seen = new Map<string, string>()
  for (const file of files) {
    const path = join(folder, file)
    let bytes: Buffer
    try {
      bytes = readFileSync(path)
    } catch (err) {
      throw new ChartPreloadError(`--charts ${dir}: cannot read ${file}: ${(err as Error).message}`)
    }
    let pkg
    try {
      pkg = await charts.read(bytes)
    } catch (err) {
      if (err instanceof DomainError) throw new ChartPreloadError(`--charts ${dir}: ${file} is not a valid chart package: ${err.message}`)
      throw err
    }
    const key = `${pkg.metadata.name}-${pkg.metadata.version}`
    const twin = seen.get(key)
    if (twin !== undefined) {
      throw new ChartPreloadError(`--charts ${dir}: ${twin} and ${file} are both chart "${pkg.metadata.name}" version ${pkg.metadata.version}; keep one`)
    }
    seen.set(key, file)

    let first: PreloadResult | undefined
    const actions: Record<string, string> = {}
    for (const scope of scopes) {
      const result = charts.preloadParsed(scope, pkg, bytes)
      first ??= result
      actions[scope.flavor] = result.action
      if (result.replaced.length > 0) {
        log?.warn({ file, replaced: result.replaced, project: scope.projectId, flavor: scope.flavor }, 'preloaded chart replaced an uploaded chart of the same name and version')
      }
    }
    if (!first) continue
    const entry = { file, id: first.chart.id, name: first.chart.name, version: first.chart.version }
    loaded.push(entry)
    log?.info({ ...entry, ...actions }, `preloaded chart ${entry.name} ${entry.version} as ${entry.id}`)
  }
  log?.info({ dir: folder, charts: loaded.length }, 'chart preloading done')
  return loaded
}
