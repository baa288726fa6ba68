import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_REPO_FETCH_LIMITS, DefaultRepoFetcher, type RepoFetchLimits } from '../../src/cloudpods/repo-fetcher.js'
import { NotAcceptableError } from '../../src/errors.js'
import { chartPackage, indexYaml, serveFiles, type FileServer } from '../helpers/http-repo.js'

const LIMITS: RepoFetchLimits = { ...DEFAULT_REPO_FETCH_LIMITS, maxPackageBytes: 1024 * 1024 }
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

let server: FileServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

describe('HTTP Helm repository fetcher', () => {
  it('reads index.yaml and every package, resolving relative URLs against the repo URL', async () => {
    const a1 = await chartPackage('alpha', '1.0.0')
    const a2 = await chartPackage('alpha', '1.1.0')
    const b1 = await chartPackage('beta', '0.1.0')
    server = await serveFiles({ '/charts/alpha-1.0.0.tgz': a1, '/charts/pkgs/alpha-1.1.0.tgz': a2, '/other/beta-0.1.0.tgz': b1 })
    server.files.set(
      '/charts/index.yaml',
      indexYaml([
        { name: 'alpha', version: '1.0.0', url: 'alpha-1.0.0.tgz', digest: sha256(a1) },
        { name: 'alpha', version: '1.1.0', url: 'pkgs/alpha-1.1.0.tgz' },
        { name: 'beta', version: '0.1.0', url: `${server.url}/other/beta-0.1.0.tgz` },
      ]),
    )
    // With and without the trailing slash, as Helm treats the repo URL as a folder.
    for (const url of [`${server.url}/charts`, `${server.url}/charts/`]) {
      const got = await new DefaultRepoFetcher(LIMITS).fetch(url)
      expect(got.map((p) => p.expected)).toEqual([
        { name: 'alpha', version: '1.0.0', digest: sha256(a1) },
        { name: 'alpha', version: '1.1.0', digest: undefined },
        { name: 'beta', version: '0.1.0', digest: undefined },
      ])
      expect(got.map((p) => p.bytes)).toEqual([a1, a2, b1])
      expect(got[0]?.source).toBe(`${server.url}/charts/alpha-1.0.0.tgz`)
    }
  })

  it('answers an empty list for an index without entries', async () => {
    server = await serveFiles({ '/index.yaml': 'apiVersion: v1\nentries: {}\n' })
    expect(await new DefaultRepoFetcher(LIMITS).fetch(server.url)).toEqual([])
  })

  it('refuses an unreachable repo, a missing index or package, and a non-index', async () => {
    server = await serveFiles({ '/bad/index.yaml': 'apiVersion: v1\nentries: [1, 2]\n', '/gone/index.yaml': indexYaml([{ name: 'a', version: '1.0.0', url: 'a-1.0.0.tgz' }]), '/yaml/index.yaml': 'entries: {a: [' })
    const fetcher = new DefaultRepoFetcher(LIMITS)
    expect((await rejection(fetcher.fetch(`${server.url}/missing`))).message).toMatch(/index\.yaml\) answered HTTP 404/)
    expect((await rejection(fetcher.fetch(`${server.url}/gone`))).message).toMatch(/chart a 1\.0\.0\) answered HTTP 404/)
    expect((await rejection(fetcher.fetch(`${server.url}/bad`))).message).toMatch(/not a Helm repository index: "entries" is not a mapping/)
    expect((await rejection(fetcher.fetch(`${server.url}/yaml`))).message).toMatch(/invalid YAML/)
    const unused = await serveFiles()
    const closed = unused.url
    await unused.close()
    const err = await rejection(fetcher.fetch(closed))
    expect(err).toBeInstanceOf(NotAcceptableError)
    expect(err.message).toMatch(/failed: ECONNREFUSED/)
  })

  it('refuses package URLs that are not http(s): a remote index must not read local files', async () => {
    server = await serveFiles({ '/index.yaml': indexYaml([{ name: 'a', version: '1.0.0', url: 'file:///etc/passwd' }]) })
    expect((await rejection(new DefaultRepoFetcher(LIMITS).fetch(server.url))).message).toMatch(/package URL file:\/\/\/etc\/passwd is not http\(s\)/)
  })

  it('bounds the index size, each package, the total and the number of versions, without reading past the bound', async () => {
    const pkg = await chartPackage('a', '1.0.0')
    const huge = (req: unknown, res: import('node:http').ServerResponse) => {
      // Chunked, no Content-Length: only the running count can stop it.
      res.writeHead(200)
      const chunk = Buffer.alloc(64 * 1024, 0x61)
      let sent = 0
      const pump = () => {
        while (sent < 64 * 1024 * 1024) {
          sent += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        res.end()
      }
      pump()
    }
    server = await serveFiles({ '/big/index.yaml': huge, '/pkg/index.yaml': indexYaml([{ name: 'a', version: '1.0.0', url: 'a.tgz' }]), '/pkg/a.tgz': huge })
    server.files.set('/many/index.yaml', indexYaml([1, 2, 3].map((i) => ({ name: 'a', version: `1.0.${i}`, url: 'a.tgz' }))))
    server.files.set('/many/a.tgz', pkg)
    const small = new DefaultRepoFetcher({ ...LIMITS, maxIndexBytes: 1024 * 1024, maxPackages: 2 })
    expect((await rejection(small.fetch(`${server.url}/big`))).message).toMatch(/index\.yaml\): the answer exceeds 1 MiB/)
    expect((await rejection(small.fetch(`${server.url}/pkg`))).message).toMatch(/chart a 1\.0\.0\): the answer exceeds 1 MiB/)
    expect((await rejection(small.fetch(`${server.url}/many`))).message).toMatch(/lists 3 chart versions; a repo may hold at most 2/)
    const tight = new DefaultRepoFetcher({ ...LIMITS, maxTotalBytes: pkg.length * 2 + 1 })
    expect((await rejection(tight.fetch(`${server.url}/many`))).message).toMatch(/the answer exceeds/)
  })

  it('gives up on a server that never answers', async () => {
    server = await serveFiles({ '/index.yaml': () => undefined })
    const err = await rejection(new DefaultRepoFetcher({ ...LIMITS, timeoutMs: 100 }).fetch(server.url))
    expect(err.message).toMatch(/no answer within 100 ms/)
  })

  it('refuses other URL schemes', async () => {
    expect(await rejection(new DefaultRepoFetcher(LIMITS).fetch('oci://registry/charts'))).toBeInstanceOf(NotAcceptableError)
  })
})

describe('folder fetcher (file://)', () => {
  let dir: string | undefined
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
    dir = undefined
  })

  it('refuses a file:// URL whose %-escapes do not decode (schemathesis found a 500 here)', async () => {
    const err = await rejection(new DefaultRepoFetcher(LIMITS).fetch('file:///charts-%zz/repo'))
    expect(err).toBeInstanceOf(NotAcceptableError)
    expect((err as Error).message).toMatch(/not a usable file URL/)
  })

  it('reads every .tgz of the folder, not its subfolders or other files, bounded', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cp-folder-'))
    writeFileSync(join(dir, 'b-1.0.0.tgz'), await chartPackage('b', '1.0.0'))
    writeFileSync(join(dir, 'a-1.0.0.TGZ'), await chartPackage('a', '1.0.0'))
    writeFileSync(join(dir, 'README.md'), 'not a chart')
    mkdirSync(join(dir, 'nested'))
    writeFileSync(join(dir, 'nested', 'c-1.0.0.tgz'), await chartPackage('c', '1.0.0'))
    const got = await new DefaultRepoFetcher(LIMITS).fetch(pathToFileURL(dir).href)
    expect(got.map((p) => p.source)).toEqual(['a-1.0.0.TGZ', 'b-1.0.0.tgz'])
    expect((await rejection(new DefaultRepoFetcher({ ...LIMITS, maxPackages: 1 }).fetch(pathToFileURL(dir).href))).message).toMatch(/holds 2 packages/)
    expect((await rejection(new DefaultRepoFetcher({ ...LIMITS, maxPackageBytes: 10 }).fetch(pathToFileURL(dir).href))).message).toMatch(/exceeds 10 bytes/)
    expect((await rejection(new DefaultRepoFetcher(LIMITS).fetch(pathToFileURL(join(dir, 'missing')).href))).message).toMatch(/cannot read the folder/)
  })
})
