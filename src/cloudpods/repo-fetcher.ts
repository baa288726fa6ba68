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
    if (parsed.protocol === 'file:') {
      // fileURLToPath throws a bare URIError on escapes that do not decode (e.g. "%zz"): the caller's fault, not ours.
      let dir: string
      try {
        dir = fileURLToPath(parsed)
      } catch (err) {
        return Promise.reject(new NotAcceptableError(`Add helm repo ${url} failed: not a usable file URL (${(err as Error).message})`))
      }
      return fetchFolder(dir, this.limits)
    }
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

export async function fetchHelmRepo(repoUrl: URL, limits: RepoFetchLimits): Promise<FetchedPackage[]> {
  // Helm joins the index and relative package URLs to the repo URL as a folder.
  const base = new URL(repoUrl.href.endsWith('/') ? repoUrl.href : `${repoUrl.href}/`)
  const indexUrl = new URL('index.yaml', base)
  // The YAML parser loads on the first HTTP repo, not at start-up (see chart-package.ts).
  const { parseIndex } = await import('./repo-index.js')
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
