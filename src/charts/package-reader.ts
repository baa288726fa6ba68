import { createGunzip } from 'node:zlib'
import tar from 'tar-stream'
import { ValidationError } from '../errors.js'
import type { ChartPackage, ChartPackageLimits, ChartTemplate } from './chart-package.js'
import { parseChartMetadata, parseValuesYaml } from './chart-metadata.js'

export { DEFAULT_CHART_LIMITS, type ChartPackage, type ChartPackageLimits, type ChartTemplate } from './chart-package.js'

const FIELD = 'content'
const MAX_CHART_YAML_BYTES = 256 * 1024
/** values.yaml loaded as JSON may be this many times its size limit: anchors and aliases expand it. */
const VALUES_EXPANSION = 4
/** Templates only feed the resource approximation; past this budget they are skipped, not refused. */
const MAX_TEMPLATE_BYTES = 1024 * 1024

const MiB = 1024 * 1024
function humanBytes(n: number): string {
  return n >= MiB && n % MiB === 0 ? `${n / MiB} MiB` : `${n} bytes`
}

/** Names the limit and the flag that sets it, so the refusal says what to change. */
function valuesLimit(limit: number): string {
  const kib = limit % 1024 === 0 ? ` (${limit / 1024} KiB)` : ''
  return `${limit} bytes${kib}, the limit on chart defaults (--chart-max-values-bytes)`
}

/**
 * Splits an entry name into path segments, refusing anything that could land outside the chart
 * folder when extracted. Backslashes count as separators because Helm normalises them too.
 */
function entrySegments(rawName: string): string[] {
  const name = rawName.replace(/\\/g, '/')
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
    throw new ValidationError(`chart package contains an absolute path: "${rawName}"`, FIELD)
  }
  const segments = name.split('/').filter((s) => s !== '' && s !== '.')
  if (segments.includes('..')) {
    throw new ValidationError(`chart package contains a path that escapes the chart folder: "${rawName}"`, FIELD)
  }
  return segments
}

interface Collected {
  chartFolder: string | undefined
  chartYaml: string | undefined
  valuesYaml: string | undefined
  templates: ChartTemplate[]
  templateBytes: number
  readme: boolean
  entries: number
  seenFiles: Set<string>
}

type Keep = 'chart' | 'values' | 'template' | undefined

function classify(relPath: string, size: number, state: Collected, limits: ChartPackageLimits): Keep {
  if (relPath === 'Chart.yaml') {
    if (size > MAX_CHART_YAML_BYTES) {
      throw new ValidationError(`Chart.yaml exceeds ${humanBytes(MAX_CHART_YAML_BYTES)}`, FIELD)
    }
    return 'chart'
  }
  if (relPath === 'values.yaml') {
    if (size > limits.maxValuesBytes) {
      throw new ValidationError(`values.yaml is ${size} bytes, over ${valuesLimit(limits.maxValuesBytes)}`, FIELD)
    }
    return 'values'
  }
  if (relPath.startsWith('templates/') && state.templateBytes + size <= MAX_TEMPLATE_BYTES) {
    return 'template'
  }
  return undefined
}

/**
 * Validates and reads a Helm chart package (.tgz) without touching the file system. The
 * archive is streamed through gunzip and the tar parser with back-pressure, and the
 * decompressed byte count is checked on every chunk, so a gzip bomb is abandoned after at
 * most `maxUnpackedBytes` of work while live buffers stay within the streams' high-water marks.
 */
export async function readChartPackage(bytes: Buffer, limits: ChartPackageLimits): Promise<ChartPackage> {
  if (bytes.length > limits.maxPackageBytes) {
    throw new ValidationError(`chart package exceeds ${humanBytes(limits.maxPackageBytes)}`, FIELD)
  }
  if (bytes.length < 18 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw new ValidationError('chart package is not a gzip file; upload the .tgz produced by `helm package`', FIELD)
  }

  const state = await extractEntries(bytes, limits)

  if (state.entries === 0) throw new ValidationError('chart package is an empty archive', FIELD)
  if (state.chartFolder === undefined || state.chartYaml === undefined) {
    throw new ValidationError('chart package has no Chart.yaml in its top-level chart folder', FIELD)
  }

  const metadata = parseChartMetadata(state.chartYaml, state.chartFolder)
  const values = parseValuesYaml(state.valuesYaml)
  const valuesJson = JSON.stringify(values)
  const loaded = Buffer.byteLength(valuesJson)
  if (loaded > VALUES_EXPANSION * limits.maxValuesBytes) {
    throw new ValidationError(
      `values.yaml loads to ${loaded} bytes of JSON (anchors and aliases expand it), over ${VALUES_EXPANSION} × ${valuesLimit(limits.maxValuesBytes)}`,
      FIELD,
    )
  }
  const templates = [...state.templates].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return { metadata, values, valuesJson, valuesYaml: state.valuesYaml ?? '', templates, readme: state.readme }
}

function extractEntries(bytes: Buffer, limits: ChartPackageLimits): Promise<Collected> {
  const state: Collected = {
    chartFolder: undefined,
    chartYaml: undefined,
    valuesYaml: undefined,
    templates: [],
    templateBytes: 0,
    readme: false,
    entries: 0,
    seenFiles: new Set(),
  }

  return new Promise<Collected>((resolve, reject) => {
    const gunzip = createGunzip()
    const extract = tar.extract()
    let unpacked = 0
    let settled = false

    const fail = (err: unknown): void => {
      if (settled) return
      settled = true
      gunzip.destroy()
      extract.destroy()
      reject(err)
    }
    const tooBig = (): ValidationError =>
      new ValidationError(`chart package unpacked size exceeds ${humanBytes(limits.maxUnpackedBytes)}`, FIELD)

    gunzip.on('data', (chunk: Buffer) => {
      if (settled) return
      unpacked += chunk.length
      if (unpacked > limits.maxUnpackedBytes) return fail(tooBig())
      if (!extract.write(chunk)) gunzip.pause()
    })
    extract.on('drain', () => {
      if (!settled) gunzip.resume()
    })
    gunzip.on('end', () => {
      if (!settled) extract.end(null)
    })
    gunzip.on('error', (err: Error) => {
      fail(new ValidationError(`chart package is not valid gzip data: ${err.message}`, FIELD))
    })
    extract.on('error', (err: Error) => {
      fail(err instanceof ValidationError ? err : new ValidationError(`chart package is not a valid tar archive: ${err.message}`, FIELD))
    })
    extract.on('finish', () => {
      if (settled) return
      settled = true
      resolve(state)
    })

    extract.on('entry', (header, stream, next) => {
      let accepted: Accepted
      try {
        // A declared size over the cap can only end in rejection; skip decompressing it.
        if ((header.size ?? 0) > limits.maxUnpackedBytes) throw tooBig()
        accepted = acceptEntry(header, state, limits)
      } catch (err) {
        stream.resume()
        return fail(err)
      }

      const { keep, relPath } = accepted
      if (keep === undefined) {
        stream.on('end', () => next())
        stream.resume()
        return
      }

      const chunks: Buffer[] = []
      stream.on('data', (chunk) => {
        chunks.push(chunk as Buffer)
      })
      stream.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        if (keep === 'chart') state.chartYaml = text
        else if (keep === 'values') state.valuesYaml = text
        else {
          state.templates.push({ path: relPath, content: text })
          state.templateBytes += Buffer.byteLength(text)
        }
        next()
      })
    })

    gunzip.end(bytes)
  })
}

interface Accepted {
  keep: Keep
  /** Relative to the chart folder; empty for the folder itself. */
  relPath: string
}

const SKIP: Accepted = { keep: undefined, relPath: '' }

/** Applies every structural rule to one header and says whether its content is worth keeping. */
function acceptEntry(header: tar.Header, state: Collected, limits: ChartPackageLimits): Accepted {
  state.entries += 1
  if (state.entries > limits.maxFiles) {
    throw new ValidationError(`chart package has more than ${limits.maxFiles} entries`, FIELD)
  }

  // Unknown typeflags decode to null at runtime even though the typings omit it.
  const type: string = (header.type as string | null) ?? 'unknown'
  if (type !== 'file' && type !== 'contiguous-file' && type !== 'directory') {
    const what = type === 'symlink' || type === 'link' ? `a ${type === 'link' ? 'hard link' : 'symbolic link'}` : `a "${type}" entry`
    throw new ValidationError(
      `chart package contains ${what} ("${header.name}"); only regular files and directories are allowed`,
      FIELD,
    )
  }

  const segments = entrySegments(header.name)
  const top = segments[0]
  if (top === undefined) {
    // `./` itself, written by `tar -C dir .`; it names no file.
    if (type === 'directory') return SKIP
    throw new ValidationError(`chart package contains an entry with an empty name`, FIELD)
  }
  if (state.chartFolder === undefined) {
    state.chartFolder = top
  } else if (top !== state.chartFolder) {
    throw new ValidationError(
      `chart package must contain a single top-level chart folder; found "${state.chartFolder}" and "${top}"`,
      FIELD,
    )
  }
  if (type === 'directory') return SKIP
  if (segments.length === 1) {
    throw new ValidationError(
      `chart package has a file ("${header.name}") outside the top-level chart folder`,
      FIELD,
    )
  }

  const relPath = segments.slice(1).join('/')
  if (state.seenFiles.has(relPath)) {
    throw new ValidationError(`chart package contains "${relPath}" more than once`, FIELD)
  }
  state.seenFiles.add(relPath)
  if (segments.length === 2 && /^readme(\.md|\.txt)?$/i.test(relPath)) state.readme = true
  return { keep: classify(relPath, header.size ?? 0, state, limits), relPath }
}
