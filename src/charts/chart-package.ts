/**
 * What the rest of the emulator needs to know about chart packages, without loading the
 * readers: tar-stream and the YAML parser load on the first upload (see loadChartPackage), not
 * at start-up, where every millisecond counts against the ready budget.
 */
import { uuidV5 } from '../uuid-v5.js'
import type { ChartMetadata } from './chart-metadata.js'

export interface ChartPackageLimits {
  /** Size of the uploaded .tgz as sent. */
  maxPackageBytes: number
  /** Size of the decompressed tar stream (headers and padding included, so nothing escapes the count). */
  maxUnpackedBytes: number
  /** Number of tar entries, directories included. */
  maxFiles: number
  /**
   * Size of values.yaml, and a quarter of what it may hold once loaded as JSON (aliases expand
   * it). Every release revision and answer carries the chart's defaults, so they stay small.
   */
  maxValuesBytes: number
}

/**
 * Helm 3.17 caps a decompressed chart at 100 MiB; the package and entry caps are ours. Reading
 * never holds more than the kept files below in memory, so these bound CPU time, not RAM.
 */
export const DEFAULT_CHART_LIMITS: Readonly<ChartPackageLimits> = Object.freeze({
  maxPackageBytes: 10 * 1024 * 1024,
  maxUnpackedBytes: 100 * 1024 * 1024,
  maxFiles: 5000,
  maxValuesBytes: 256 * 1024,
})

export interface ChartTemplate {
  /** Relative to the chart folder, e.g. `templates/deployment.yaml`. */
  path: string
  content: string
}

export interface ChartPackage {
  metadata: ChartMetadata
  values: Record<string, unknown>
  /** `values` as JSON text, made where the package is read (a worker thread), so the event loop need not serialize large defaults. */
  valuesJson: string
  valuesYaml: string
  templates: ChartTemplate[]
  readme: boolean
}

export function chartPackageFileName(name: string, version: string): string {
  return `${name}-${version}.tgz`
}

/** The namespace UUID preloaded chart ids are derived under. Never change it: ids would change. */
export const CHART_ID_NAMESPACE = '88c528e6-590a-4b6f-a5a8-6fa1a1e6b50d'

/**
 * The id of a preloaded chart: uuidv5(CHART_ID_NAMESPACE, "chart/<name>/<version>"), so the same
 * chart keeps its id across restarts and machines and any language can compute it, e.g. Python's
 * uuid.uuid5(uuid.UUID('88c528e6-590a-4b6f-a5a8-6fa1a1e6b50d'), 'chart/nginx-demo/1.0.0').
 */
export function stableChartId(name: string, version: string): string {
  return uuidV5(CHART_ID_NAMESPACE, `chart/${name}/${version}`)
}

/** Reads and validates chart packages; a failed read is a ValidationError (a 400). */
export interface ChartPackageReader {
  read(bytes: Buffer, limits: ChartPackageLimits): Promise<ChartPackage>
  /** Stops whatever the reader runs (a worker thread); reads after it fail. */
  close(): Promise<void>
}

/** Reads a package, loading the tar and YAML readers the first time one is needed. */
export async function loadChartPackage(bytes: Buffer, limits: ChartPackageLimits): Promise<ChartPackage> {
  const { readChartPackage } = await import('./package-reader.js')
  return readChartPackage(bytes, limits)
}

/** Reads on the calling thread: for tests and for sources run without a compiled worker. */
export const inlineChartReader = (): ChartPackageReader => ({ read: loadChartPackage, close: async () => undefined })
