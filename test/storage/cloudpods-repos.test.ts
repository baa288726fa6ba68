import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_CHART_LIMITS } from '../../src/charts/chart-package.js'
import { ManualClock } from '../../src/clock.js'
import { repoId } from '../../src/cloudpods/ids.js'
import { DEFAULT_REPO_FETCH_LIMITS, DefaultRepoFetcher } from '../../src/cloudpods/repo-fetcher.js'
import { preloadRepos } from '../../src/cloudpods/repo-preload.js'
import { repoDigest, RepoService } from '../../src/cloudpods/repo-service.js'
import { AlreadyExistsError, NotAcceptableError, NotEmptyError, NotFoundError, ValidationError } from '../../src/errors.js'
import { ChartPreloadError } from '../../src/charts/preload.js'
import { SqliteRepoRepository } from '../../src/storage/cloudpods-repo-repository.js'
import { openDatabase, type DatabaseHandle } from '../../src/storage/db.js'
import { chartPackage, indexYaml, serveFiles, type FileServer } from '../helpers/http-repo.js'
import { buildTgz } from '../helpers/tgz.js'

const FIXTURES = resolve(import.meta.dirname, '../fixtures/cloudpods-charts')
const BITNAMI = pathToFileURL(join(FIXTURES, 'bitnami-new')).href

function setup(opts: { db?: DatabaseHandle; releasesUsing?: (id: string) => number } = {}) {
  const db = opts.db ?? openDatabase(':memory:')
  const clock = new ManualClock('2026-03-01T08:00:00Z')
  let n = 0
  const repos = new RepoService({
    repo: new SqliteRepoRepository(db),
    clock,
    limits: DEFAULT_CHART_LIMITS,
    fetcher: new DefaultRepoFetcher({ ...DEFAULT_REPO_FETCH_LIMITS, maxPackageBytes: DEFAULT_CHART_LIMITS.maxPackageBytes }),
    newId: () => `00000000-0000-4000-8000-00000000000${++n}`,
    ...(opts.releasesUsing ? { releasesUsing: opts.releasesUsing } : {}),
  })
  return { db, clock, repos }
}

const count = (db: DatabaseHandle, table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get()

let server: FileServer | undefined
const dirs: string[] = []
afterEach(async () => {
  await server?.close()
  server = undefined
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'cp-repos-'))
  dirs.push(d)
  return d
}

describe('RepoService', () => {
  it('creates a repo from a file:// folder and resolves its charts by version constraint', async () => {
    const { repos } = setup()
    const repo = await repos.create({ name: 'bitnami-new', url: BITNAMI })
    expect(repo).toMatchObject({ name: 'bitnami-new', type: 'external', url: BITNAMI, origin: 'api' })
    expect(repos.get('bitnami-new')).toEqual(repo)
    expect(repos.get(repo.id)).toEqual(repo)

    const newest = repos.resolve('bitnami-new', 'etcd')
    expect(newest.chart.version).toBe('8.11.2')
    expect(newest.defaults).toMatchObject({ replicaCount: 1, image: { tag: '3.5.9-debian-11-r1' } })
    expect(repos.resolve(repo.id, 'etcd', '8.11.1').defaults).toMatchObject({ image: { tag: '3.5.8-debian-11-r8' } })
    expect(repos.resolve('bitnami-new', 'etcd', '~8.11.0').chart.version).toBe('8.11.2')
    expect(repos.resolve('bitnami-new', 'etcd', '<8.11.2').chart.version).toBe('8.11.1')
    expect(newest.ref).toEqual({ repoId: repo.id, repoName: 'bitnami-new', name: 'etcd', version: '8.11.2', digest: newest.chart.digest })
    expect(repoDigest(newest.package())).toBe(newest.chart.digest)

    expect(() => repos.resolve('bitnami-new', 'etcd', '>=9')).toThrow(NotFoundError)
    expect(() => repos.resolve('bitnami-new', 'nginx')).toThrow(NotFoundError)
    expect(() => repos.resolve('nope', 'etcd')).toThrow(NotFoundError)
    expect(() => repos.resolve('', 'etcd')).toThrow(NotEmptyError)
    expect(() => repos.resolve('bitnami-new', '')).toThrow(NotEmptyError)
    expect(() => repos.resolve('bitnami-new', 'etcd', 'latest')).toThrow(ValidationError)
  })

  it("lists the resources a release of the chart declares, from the chart's templates", async () => {
    const { repos } = setup()
    await repos.create({ name: 'bitnami-new', url: BITNAMI })
    const { ref } = repos.resolve('bitnami-new', 'etcd', '8.11.1')
    expect(repos.resources(ref, 'etcd-release', 'default')).toEqual([
      { kind: 'ConfigMap', name: 'etcd-release-configuration', namespace: 'default' },
      { kind: 'StatefulSet', name: 'etcd-release', namespace: 'default' },
      { kind: 'Service', name: 'etcd-release', namespace: 'default' },
    ])
  })

  it('lists the newest version of each chart, or every version, filtered', async () => {
    const { repos } = setup()
    const dir = tempDir()
    cpSync(join(FIXTURES, 'bitnami-new'), dir, { recursive: true })
    writeFileSync(join(dir, 'alpha-0.1.0.tgz'), await chartPackage('alpha', '0.1.0'))
    await repos.create({ name: 'mixed', url: pathToFileURL(dir).href })
    const versions = (f: Parameters<RepoService['charts']>[1]) => repos.charts('mixed', f).charts.map((c) => `${c.name}-${c.version}`)
    expect(versions({})).toEqual(['alpha-0.1.0', 'etcd-8.11.2'])
    expect(versions({ allVersions: true })).toEqual(['alpha-0.1.0', 'etcd-8.11.2', 'etcd-8.11.1'])
    expect(versions({ allVersions: true, version: '8.11.1' })).toEqual(['etcd-8.11.1'])
    expect(versions({ name: 'etcd', version: '<8.11.2' })).toEqual(['etcd-8.11.1'])
    expect(versions({ keyword: 'lph' })).toEqual(['alpha-0.1.0'])
  })

  it('refuses bad input, a name in use, and a source holding any bad package (storing nothing)', async () => {
    const { db, repos } = setup()
    await expect(repos.create({ url: BITNAMI })).rejects.toThrow(/Missing name/)
    await expect(repos.create({ name: 'a/b', url: BITNAMI })).rejects.toThrow(ValidationError)
    await expect(repos.create({ name: 'r', url: '' })).rejects.toThrow(/Missing repo url/)
    await expect(repos.create({ name: 'r', type: 'cloud', url: BITNAMI })).rejects.toThrow(/Not support type "cloud"/)
    await expect(repos.create({ name: 'r', url: 'not a url' })).rejects.toThrow(NotAcceptableError)
    await expect(repos.create({ name: 'r', url: 'ftp://example.com/charts' })).rejects.toThrow(NotAcceptableError)

    const dir = tempDir()
    cpSync(join(FIXTURES, 'bitnami-new'), dir, { recursive: true })
    writeFileSync(join(dir, 'evil-1.0.0.tgz'), await buildTgz([{ name: 'evil/Chart.yaml', content: 'apiVersion: v2\nname: evil\nversion: 1.0.0\n' }, { name: 'evil/templates/x', type: 'symlink', linkname: '/etc/passwd' }]))
    const err = await repos.create({ name: 'evil', url: pathToFileURL(dir).href }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NotAcceptableError)
    expect((err as Error).message).toMatch(/evil-1\.0\.0\.tgz: not a valid chart package: .*symbolic link/)
    expect(count(db, 'cloudpods_repos')).toBe(0)
    expect(count(db, 'cloudpods_chart_packages')).toBe(0)

    await repos.create({ name: 'bitnami-new', url: BITNAMI })
    await expect(repos.create({ name: 'bitnami-new', url: BITNAMI })).rejects.toThrow(AlreadyExistsError)
  })

  it('stores each package once however many repos carry it, and drops it with its last chart version', async () => {
    const { db, repos } = setup()
    const a = await repos.create({ name: 'one', url: BITNAMI })
    await repos.create({ name: 'two', url: BITNAMI })
    expect(count(db, 'cloudpods_repo_charts')).toBe(4)
    expect(count(db, 'cloudpods_chart_packages')).toBe(2)
    repos.delete('one')
    expect(count(db, 'cloudpods_chart_packages')).toBe(2)
    repos.delete('two')
    expect(count(db, 'cloudpods_repo_charts')).toBe(0)
    expect(count(db, 'cloudpods_chart_packages')).toBe(0)
    expect(() => repos.get(a.id)).toThrow(NotFoundError)
    expect(() => repos.delete('one')).toThrow(NotFoundError)
  })

  it('refuses to delete a repo that releases use (406)', async () => {
    const { repos } = setup({ releasesUsing: () => 2 })
    await repos.create({ name: 'bitnami-new', url: BITNAMI })
    expect(() => repos.delete('bitnami-new')).toThrow(new NotAcceptableError('2 release use this repo'))
    expect(repos.get('bitnami-new')).toBeDefined()
  })

  it('creates from an HTTP Helm repository and syncs it again, keeping the old charts when the sync fails', async () => {
    const { repos, clock } = setup()
    const v1 = await chartPackage('app', '1.0.0')
    const v2 = await chartPackage('app', '1.1.0', 'replicaCount: 3\n')
    server = await serveFiles({ '/index.yaml': indexYaml([{ name: 'app', version: '1.0.0', url: 'app-1.0.0.tgz', digest: repoDigest(v1) }]), '/app-1.0.0.tgz': v1 })
    const repo = await repos.create({ name: 'web', type: 'internal', url: server.url })
    expect(repo.type).toBe('internal')
    expect(repos.resolve('web', 'app').chart.version).toBe('1.0.0')

    server.files.set('/index.yaml', indexYaml([{ name: 'app', version: '1.0.0', url: 'app-1.0.0.tgz' }, { name: 'app', version: '1.1.0', url: 'app-1.1.0.tgz' }]))
    server.files.set('/app-1.1.0.tgz', v2)
    clock.advance(60_000)
    const synced = await repos.sync('web')
    expect(synced.syncedAt?.toISOString()).toBe('2026-03-01T08:01:00.000Z')
    expect(synced.createdAt).toEqual(repo.createdAt)
    expect(repos.resolve('web', 'app')).toMatchObject({ chart: { version: '1.1.0' }, defaults: { replicaCount: 3 } })

    // The index now lies about a digest: the sync is refused and nothing changes.
    server.files.set('/index.yaml', indexYaml([{ name: 'app', version: '2.0.0', url: 'app-1.1.0.tgz', digest: 'ab'.repeat(32) }]))
    await expect(repos.sync(repo.id)).rejects.toThrow(/SHA-256 is .*index\.yaml says abab/)
    server.files.set('/index.yaml', indexYaml([{ name: 'app', version: '2.0.0', url: 'app-1.1.0.tgz' }]))
    await expect(repos.sync(repo.id)).rejects.toThrow(/index\.yaml lists it as app 2\.0\.0 but the package is app 1\.1\.0/)
    expect(repos.charts('web', { allVersions: true }).charts.map((c) => c.version)).toEqual(['1.1.0', '1.0.0'])
  })

  it('keeps finding the templates of a release whose version a sync removed while another repo holds the package', async () => {
    const { repos } = setup()
    await repos.create({ name: 'one', url: BITNAMI })
    const { ref } = repos.resolve('one', 'etcd', '8.11.1')
    await repos.create({ name: 'two', url: BITNAMI })
    repos.delete('one')
    expect(repos.resources(ref, 'r', 'ns')).toHaveLength(3)
    expect(repos.packageOf(ref)).not.toBeNull()
    repos.delete('two')
    expect(repos.resources(ref, 'r', 'ns')).toEqual([])
    expect(repos.packageOf(ref)).toBeNull()
  })
})

describe('--charts DIR subfolders as repos', () => {
  it('loads every subfolder holding packages as an external repo with an id derived from its name, idempotently across restarts', async () => {
    const dir = tempDir()
    cpSync(join(FIXTURES, 'bitnami-new'), join(dir, 'bitnami-new'), { recursive: true })
    writeFileSync(join(dir, 'top-level-1.0.0.tgz'), await chartPackage('top-level', '1.0.0'))
    cpSync(join(FIXTURES, 'src'), join(dir, 'no-packages'), { recursive: true })
    const file = join(dir, 'state.db')

    const first = setup({ db: openDatabase(file) })
    expect(await preloadRepos(dir, first.repos, undefined)).toEqual([{ name: 'bitnami-new', id: repoId('bitnami-new'), charts: 2 }])
    expect(first.repos.get('bitnami-new')).toMatchObject({ id: repoId('bitnami-new'), type: 'external', origin: 'folder', url: pathToFileURL(join(dir, 'bitnami-new')).href })
    first.db.close()

    const second = setup({ db: openDatabase(file) })
    await preloadRepos(dir, second.repos, undefined)
    expect(second.repos.list({ limit: 10, offset: 0 }).repos.map((r) => r.name)).toEqual(['bitnami-new'])
    expect(second.repos.resolve('bitnami-new', 'etcd').chart.version).toBe('8.11.2')
    second.db.close()
  })

  it('fails the start on a bad package or a bad folder name', async () => {
    const dir = tempDir()
    cpSync(join(FIXTURES, 'bitnami-new'), join(dir, 'bitnami-new'), { recursive: true })
    writeFileSync(join(dir, 'bitnami-new', 'broken-1.0.0.tgz'), 'not gzip')
    await expect(preloadRepos(dir, setup().repos, undefined)).rejects.toThrow(ChartPreloadError)
    const other = tempDir()
    cpSync(join(FIXTURES, 'bitnami-new'), join(other, 'bad name'), { recursive: true })
    await expect(preloadRepos(other, setup().repos, undefined)).rejects.toThrow(/repo bad name: folder "bad name" is not a valid repo name/)
  })

  it('reset removes API repos and restores --charts repos as loaded', async () => {
    const dir = tempDir()
    cpSync(join(FIXTURES, 'bitnami-new'), join(dir, 'bitnami-new'), { recursive: true })
    const { repos } = setup()
    await preloadRepos(dir, repos, undefined)
    await repos.create({ name: 'extra', url: BITNAMI })
    repos.delete('bitnami-new')
    expect(repos.reset()).toBe(1)
    expect(repos.list({ limit: 10, offset: 0 }).repos.map((r) => r.name)).toEqual(['bitnami-new'])
    expect(repos.resolve('bitnami-new', 'etcd').chart.version).toBe('8.11.2')
  })
})
