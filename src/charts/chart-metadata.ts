import { isMap, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml'
import { ValidationError } from '../errors.js'
import { flowDepthOver } from './yaml-depth.js'

export interface ChartMetadata {
  apiVersion: string
  name: string
  version: string
  description: string
  icon: string
  appVersion: string
}

const FIELD = 'content'
const CHART_NAME_MAX = 64

/**
 * Helm itself only rejects names that are empty, `.`/`..` or contain a path separator
 * (pkg/chart/metadata.go), and `helm create` allows `^[a-zA-Z0-9._-]+$`. CCE names charts in
 * URLs, OBS object keys and `{name}-{version}.tgz` file names, so we take the conservative
 * DNS-label-like subset that every public chart we know of already satisfies.
 */
const CHART_NAME = /^[a-z]([a-z0-9-]*[a-z0-9])?$/

/**
 * CCE documents chart versions as `MAJOR.MINOR[.PATCH]`, each an integer 0-99. That is far
 * stricter than Helm (full SemVer 2, pre-release and build metadata allowed): `1.0.0-rc.1`,
 * `100.0.0` and `v1.0.0` all install with Helm but CCE rejects them, and so do we.
 * Leading zeros are refused because SemVer forbids them and `01.0` vs `1.0` would otherwise
 * name the same chart twice.
 */
const CHART_VERSION = /^(0|[1-9]\d?)\.(0|[1-9]\d?)(\.(0|[1-9]\d?))?$/

/** Anchors are legitimate in values files; a few hundred aliases is not a "billion laughs". */
const MAX_ALIAS_COUNT = 100

/**
 * Parses YAML the same safe way for both files: core schema only (no custom or language
 * tags), duplicate keys are errors, merge keys allowed because Helm's go-yaml supports them.
 */
/** Flow nesting the parser is spared; real charts nest a few levels, its stack gives out near 1000. */
export const MAX_FLOW_DEPTH = 512

function parseYaml(text: string, file: string): Document.Parsed {
  if (flowDepthOver(text, MAX_FLOW_DEPTH)) throw new ValidationError(`${file} is not valid YAML: it is nested too deeply`, FIELD)
  const lineCounter = new LineCounter()
  // The parser's own duplicate check (uniqueKeys) compares each key with every earlier one: a
  // 20k-key values.yaml took seconds. duplicateKey does the same check with a set per map.
  const doc = parseDocument(text, { schema: 'core', customTags: [], merge: true, uniqueKeys: false, prettyErrors: true, lineCounter })
  const first = doc.errors[0]
  if (first !== undefined) {
    throw new ValidationError(`${file} is not valid YAML: ${yamlProblem(first.message)}`, FIELD)
  }
  const duplicate = duplicateKey(doc)
  if (duplicate !== undefined) {
    const { line, col } = lineCounter.linePos(duplicate)
    // Worded as the parser words it (prettyErrors), so the answer is unchanged.
    throw new ValidationError(`${file} is not valid YAML: Map keys must be unique at line ${line}, column ${col}:`, FIELD)
  }
  return doc
}

/**
 * The offset of the first key that repeats an earlier key of its map, or undefined. Keys are
 * equal as the parser's uniqueKeys: true compares them: scalars by resolved value (`1` and
 * `0x1` clash, `1` and `"1"` do not), anything else only with itself, so merge keys (`<<`) and
 * collection keys never clash.
 */
function duplicateKey(doc: Document.Parsed): number | undefined {
  let found: number | undefined
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>()
      for (const { key } of map.items) {
        if (!isScalar(key)) continue
        const value: unknown = key.value
        // Merge keys (`<<`, a symbol here) may repeat; NaN never equals itself.
        if (typeof value === 'symbol' || (typeof value === 'number' && Number.isNaN(value))) continue
        if (seen.has(value)) {
          const at = key.range?.[0] ?? 0
          if (found === undefined || at < found) found = at
          break
        }
        seen.add(value)
      }
      return undefined
    },
  })
  return found
}

/** The YAML library reports runaway nesting as a stack overflow; say what it means instead. */
const yamlProblem = (message: string): string =>
  /Maximum call stack size exceeded/.test(message) ? 'it is nested too deeply' : firstLine(message)

function toPlainObject(doc: Document.Parsed, file: string): Record<string, unknown> {
  if (doc.contents === null) return {}
  if (!isMap(doc.contents)) {
    throw new ValidationError(`${file} must be a YAML mapping at the top level`, FIELD)
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown>
  } catch (err) {
    // The only realistic failure here is the alias-count guard tripping.
    throw new ValidationError(`${file} could not be loaded: ${yamlProblem(errorMessage(err))}`, FIELD)
  }
}

/**
 * Reads a scalar as the author wrote it, so `version: 1.10` stays "1.10" instead of becoming
 * the number 1.1. Helm would refuse a non-string there; being lenient costs nothing.
 */
function scalarText(doc: Document.Parsed, key: string): string | undefined {
  const node = doc.get(key, true)
  if (node === undefined || node === null) return undefined
  if (!isScalar(node)) {
    throw new ValidationError(`Chart.yaml: ${key} must be a string`, FIELD)
  }
  if (node.value === null) return undefined
  if (typeof node.value === 'string') return node.value
  return node.source ?? String(node.value)
}

/**
 * @param folderName the archive's top-level folder; Helm derives the chart's identity from it
 *   and `helm package` always writes `<name>/…`, so a mismatch means a hand-made archive.
 */
export function parseChartMetadata(text: string, folderName: string): ChartMetadata {
  const doc = parseYaml(text, 'Chart.yaml')
  toPlainObject(doc, 'Chart.yaml')

  const apiVersion = scalarText(doc, 'apiVersion') ?? ''
  if (apiVersion === '') {
    throw new ValidationError('Chart.yaml: apiVersion is required', FIELD)
  }
  if (apiVersion === 'v1') {
    throw new ValidationError(
      'Chart.yaml: apiVersion v1 is a Helm 2 chart; CCE only accepts Helm 3 charts (apiVersion: v2)',
      FIELD,
    )
  }
  if (apiVersion !== 'v2') {
    throw new ValidationError(`Chart.yaml: unsupported apiVersion "${apiVersion}" (expected v2)`, FIELD)
  }

  const name = scalarText(doc, 'name') ?? ''
  if (name === '') throw new ValidationError('Chart.yaml: name is required', FIELD)
  if (name.length > CHART_NAME_MAX) {
    throw new ValidationError(`Chart.yaml: name must be at most ${CHART_NAME_MAX} characters`, FIELD)
  }
  if (!CHART_NAME.test(name)) {
    throw new ValidationError(
      `Chart.yaml: name "${name}" is invalid; use lowercase letters, digits and "-", starting with a letter and ending with a letter or digit`,
      FIELD,
    )
  }
  if (name !== folderName) {
    throw new ValidationError(
      `chart folder "${folderName}" does not match Chart.yaml name "${name}"; the package's top folder must be named after the chart`,
      FIELD,
    )
  }

  const version = scalarText(doc, 'version') ?? ''
  if (version === '') throw new ValidationError('Chart.yaml: version is required', FIELD)
  if (!CHART_VERSION.test(version)) {
    throw new ValidationError(
      `Chart.yaml: version "${version}" is invalid; CCE requires MAJOR.MINOR[.PATCH] with each part an integer 0-99`,
      FIELD,
    )
  }

  return {
    apiVersion,
    name,
    version,
    description: scalarText(doc, 'description') ?? '',
    icon: scalarText(doc, 'icon') ?? '',
    appVersion: scalarText(doc, 'appVersion') ?? '',
  }
}

/** A chart without values.yaml is valid Helm; its defaults are simply empty. */
export function parseValuesYaml(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {}
  return toPlainObject(parseYaml(text, 'values.yaml'), 'values.yaml')
}

export { chartPackageFileName, stableChartId } from './chart-package.js'

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
