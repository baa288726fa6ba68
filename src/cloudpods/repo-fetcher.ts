/**
 * Reads the packages of a chart repository, bounded: a local folder (`file:///…`, every `.tgz`
 * in it) or an HTTP(S) Helm repository (`index.yaml`, then each chart version's package, URLs
 * resolved against the repo URL as Helm does). Packages are returned as bytes; validating them
 * (bombs, traversal, links) is the package reader's job, in the repo service.
 *
 * An upstream index may only point at http(s) packages: a remote index naming `file:` URLs
 * would otherwise read this machine's files.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml'
import { NotAcceptableError } from '../errors.js'

export interface FetchedPackage {
  /** Where it came from (file name or URL), for messages. */
  source: string
  bytes: Buffer
  /** What index.yaml says the package is; the service checks the package agrees. */
  expected?: { name: string; version: string; digest?: string | undefined } | undefined
}

export interface RepoFetcher {
  /** Throws NotAcceptableError when the repository cannot be read or breaks a limit. */
  fetch(url: string): Promise<FetchedPackage[]>
}

export interface RepoFetchLimits {
  /** One package, as stored (the chart API's maxPackageBytes). */
  maxPackageBytes: number
  /** All packages of one repo together. */
  maxTotalBytes: number
  /** Chart versions (packages) in one repo. */
  maxPackages: number
  maxIndexBytes: number
  /** Per HTTP request, headers to last byte. */
  timeoutMs: number
}

export const DEFAULT_REPO_FETCH_LIMITS: Readonly<Omit<RepoFetchLimits, 'maxPackageBytes'>> = Object.freeze({
  maxTotalBytes: 256 * 1024 * 1024,
  maxPackages: 500,
  maxIndexBytes: 8 * 1024 * 1024,
  timeoutMs: 30_000,
})

/** Reads file:// folders and http(s) repositories. */
export class DefaultRepoFetcher implements RepoFetcher {
  constructor(private readonly limits: RepoFetchLimits) {}

  fetch(url: string): Promise<FetchedPackage[]> {
    const parsed = new URL(url)
    if (parsed.protocol === 'file:') return fetchFolder(fileURLToPath(parsed), this.limits)
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return fetchHelmRepo(parsed, this.limits)
    return Promise.reject(new NotAcceptableError(`Add helm repo ${url} failed: only file://, http:// and https:// repositories are supported`))
  }
}

const MiB = 1024 * 1024
const human = (n: number): string => (n >= MiB && n % MiB === 0 ? `${n / MiB} MiB` : `${n} bytes`)

export async function fetchFolder(dir: string, limits: RepoFetchLimits): Promise<FetchedPackage[]> {
  let files: string[]
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory')
    files = (await readdir(dir)).filter((f) => f.toLowerCase().endsWith('.tgz')).sort()
  } catch (err) {
    throw new NotAcceptableError(`cannot read the folder ${dir}: ${(err as Error).message}`)
  }
  if (files.length > limits.maxPackages) {
    throw new NotAcceptableError(`the folder ${dir} holds ${files.length} packages; a repo may hold at most ${limits.maxPackages}`)
  }
  const out: FetchedPackage[] = []
  let total = 0
  for (const file of files) {
    const path = join(dir, file)
    try {
      const info = await stat(path)
      if (!info.isFile()) continue
      if (info.size > limits.maxPackageBytes) throw new Error(`it exceeds ${human(limits.maxPackageBytes)}`)
      total += info.size
      if (total > limits.maxTotalBytes) throw new Error(`the repo's packages exceed ${human(limits.maxTotalBytes)} together`)
      out.push({ source: file, bytes: await readFile(path) })
    } catch (err) {
      throw new NotAcceptableError(`cannot read ${path}: ${(err as Error).message}`)
    }
  }
  return out
}

interface IndexEntry {
  name: string
  version: string
  url: string
  digest: string | undefined
}

export async function fetchHelmRepo(repoUrl: URL, limits: RepoFetchLimits): Promise<FetchedPackage[]> {
  // Helm joins the index and relative package URLs to the repo URL as a folder.
  const base = new URL(repoUrl.href.endsWith('/') ? repoUrl.href : `${repoUrl.href}/`)
  const indexUrl = new URL('index.yaml', base)
  const entries = parseIndex(await download(indexUrl, limits.maxIndexBytes, limits.timeoutMs, 'index.yaml'), indexUrl, base)
  if (entries.length > limits.maxPackages) {
    throw new NotAcceptableError(`${indexUrl.href} lists ${entries.length} chart versions; a repo may hold at most ${limits.maxPackages}`)
  }
  const out: FetchedPackage[] = []
  let total = 0
  for (const e of entries) {
    const bytes = await download(new URL(e.url), Math.min(limits.maxPackageBytes, limits.maxTotalBytes - total), limits.timeoutMs, `chart ${e.name} ${e.version}`)
    total += bytes.length
    out.push({ source: e.url, bytes, expected: { name: e.name, version: e.version, digest: e.digest } })
  }
  return out
}

/** GET with a deadline and a byte budget; never buffers past the budget. */
async function download(url: URL, maxBytes: number, timeoutMs: number, what: string): Promise<Buffer> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  try {
    const res = await fetch(url, { signal: controller.signal, redirect: 'follow', headers: { accept: '*/*' } })
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined)
      throw new NotAcceptableError(`GET ${url.href} (${what}) answered HTTP ${res.status}`)
    }
    const declared = Number(res.headers.get('content-length') ?? NaN)
    if (declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined)
      throw tooBig(url, what, maxBytes)
    }
    const chunks: Buffer[] = []
    let size = 0
    if (res.body) {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength
        if (size > maxBytes) {
          controller.abort()
          throw tooBig(url, what, maxBytes)
        }
        chunks.push(Buffer.from(chunk))
      }
    }
    return Buffer.concat(chunks)
  } catch (err) {
    if (err instanceof NotAcceptableError) throw err
    const reason = controller.signal.aborted ? `no answer within ${timeoutMs} ms` : causeOf(err)
    throw new NotAcceptableError(`GET ${url.href} (${what}) failed: ${reason}`)
  } finally {
    clearTimeout(timer)
  }
}

const tooBig = (url: URL, what: string, max: number): NotAcceptableError => new NotAcceptableError(`GET ${url.href} (${what}): the answer exceeds ${human(Math.max(0, max))}`)

/** undici reports "fetch failed" and hides the reason (ECONNREFUSED…) in `cause`. */
function causeOf(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } }
  return e.cause?.code ?? e.cause?.message ?? e.message
}

function parseIndex(bytes: Buffer, indexUrl: URL, base: URL): IndexEntry[] {
  const bad = (why: string): NotAcceptableError => new NotAcceptableError(`${indexUrl.href} is not a Helm repository index: ${why}`)
  let doc
  try {
    doc = parseDocument(bytes.toString('utf8'), { schema: 'core', customTags: [], merge: true, uniqueKeys: false, prettyErrors: false })
  } catch {
    throw bad('it could not be parsed (nested too deeply?)')
  }
  if (doc.errors.length > 0) throw bad(`invalid YAML (${(doc.errors[0]?.message ?? '').split('\n', 1)[0]})`)
  const entries = doc.get('entries', true)
  if (entries === undefined || entries === null) return []
  if (!isMap(entries)) throw bad('"entries" is not a mapping')
  const out: IndexEntry[] = []
  for (const pair of entries.items) {
    const chart = scalar(pair.key as Node)
    if (!isSeq(pair.value)) throw bad(`entries.${chart} is not a list`)
    for (const item of pair.value.items) {
      if (!isMap(item)) throw bad(`an entry of ${chart} is not a mapping`)
      const version = scalar(item.get('version', true) as Node | undefined)
      const urls = item.get('urls', true)
      const first = isSeq(urls) ? scalar(urls.items[0] as Node | undefined) : ''
      if (version === '' || first === '') throw bad(`an entry of ${chart} has no version or no urls`)
      let url: URL
      try {
        url = new URL(first, base)
      } catch {
        throw bad(`${chart} ${version}: "${first}" is not a URL`)
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`${chart} ${version}: package URL ${url.href} is not http(s)`)
      const digest = scalar(item.get('digest', true) as Node | undefined)
      out.push({ name: scalar(item.get('name', true) as Node | undefined) || chart, version, url: url.href, digest: digest === '' ? undefined : digest.toLowerCase() })
    }
  }
  return out
}

/** A scalar as written (`version: 1.10` stays "1.10"); "" for anything else. */
function scalar(node: Node | null | undefined): string {
  if (!node || !isScalar(node) || node.value === null) return ''
  return typeof node.value === 'string' ? node.value : (node.source ?? String(node.value))
}
