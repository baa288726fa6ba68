/**
 * The Cloudpods release service over the real release core and SQLite (:memory:), with the
 * cluster registry and repos faked behind its ports: ids, lookups, statuses, values, list.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/clock.js'
import { CloudpodsChartCatalog } from '../../src/cloudpods/release-chart-catalog.js'
import type { PlacementInput, PlacementPort, RepoChartPort, ResolvedRepoChart } from '../../src/cloudpods/release-ports.js'
import type { ReleaseListQuery } from '../../src/cloudpods/release-query.js'
import { CloudpodsReleaseService } from '../../src/cloudpods/release-service.js'
import { NotEmptyError, NotFoundError } from '../../src/errors.js'
import { ReleaseService } from '../../src/releases/release-service.js'
import { LifecycleSettings, ProfileScheduler } from '../../src/releases/scheduler.js'
import { seededRandom } from '../../src/releases/progression.js'
import { SqliteCloudpodsReleaseStore } from '../../src/storage/cloudpods-release-repository.js'
import { openDatabase } from '../../src/storage/db.js'
import { SqliteReleaseRepository } from '../../src/storage/release-repository.js'

const REPO = { id: '11111111-1111-4111-8111-111111111111', name: 'bitnami-new', type: 'external' as const }
const INTERNAL = { id: '22222222-2222-4222-8222-222222222222', name: 'infra', type: 'internal' as const }

function fakeCharts(): RepoChartPort {
  const versions = ['8.11.1', '8.11.2']
  return {
    resolve(repoRef, chartName, constraint): ResolvedRepoChart {
      if (repoRef === '') throw new NotEmptyError('repo must provided')
      const repo = [REPO, INTERNAL].find((r) => r.id === repoRef || r.name === repoRef)
      if (!repo) throw new NotFoundError(`repo ${repoRef} not found`)
      if (chartName !== 'etcd') throw new NotFoundError(`chart ${chartName} not found in repo ${repo.name}`)
      const version = constraint === undefined ? versions.at(-1)! : versions.find((v) => v === constraint.replace(/^=/, ''))
      if (!version) throw new NotFoundError(`chart etcd has no version matching "${constraint}"`)
      return {
        repo,
        chart: { repoId: repo.id, name: 'etcd', version, digest: `sha-${version}`, apiVersion: 'v2', description: 'etcd', appVersion: '3.5.8' },
        defaults: { replicaCount: 1, image: { tag: 'r8' } },
      }
    },
    repo: (id) => [REPO, INTERNAL].find((r) => r.id === id) ?? null,
    declared: (_chart, name, namespace) => [
      { kind: 'StatefulSet', name, namespace },
      { kind: 'Service', name, namespace },
    ],
  }
}

function fakePlacement(): PlacementPort {
  const clusters = new Map<string, string>()
  const idOf = (name: string) => `c-${name}`
  return {
    resolve(input: PlacementInput, opts) {
      const ref = input.cluster || input.clusterId
      let cluster: { id: string; name: string } | undefined
      if (ref) {
        const name = clusters.get(ref) ?? (ref.startsWith('c-') ? undefined : ref)
        if (!name || (!opts.create && !clusters.has(idOf(name)))) throw new NotFoundError(`Cluster ${ref} not found`)
        clusters.set(idOf(name), name)
        cluster = { id: idOf(name), name }
      }
      const ns = input.namespace || input.namespaceId
      return { cluster, namespace: cluster && ns ? { id: `n-${ns}`, name: ns } : undefined }
    },
    cluster: (id) => (clusters.has(id) ? { id, name: clusters.get(id)! } : null),
    namespaceId: (_c, ns) => `n-${ns}`,
  }
}

const listQuery = (q: Partial<ReleaseListQuery> = {}): ReleaseListQuery => ({
  names: [], ids: [], statuses: [], filters: [], filtersAny: [], orderBy: [], order: undefined, limit: undefined, offset: 0, forceNoPaging: false, ...q,
})

let svc: CloudpodsReleaseService
let clock: ManualClock
let lifecycle: LifecycleSettings
let ids: number

beforeEach(() => {
  const db = openDatabase(':memory:')
  clock = new ManualClock('2026-03-01T08:00:00Z')
  lifecycle = new LifecycleSettings('fast', seededRandom(1))
  const charts = fakeCharts()
  const releases = new ReleaseService({ repo: new SqliteReleaseRepository(db), charts: new CloudpodsChartCatalog(charts), clock, scheduler: new ProfileScheduler(lifecycle) })
  ids = 0
  svc = new CloudpodsReleaseService({
    releases,
    store: new SqliteCloudpodsReleaseStore(db),
    placement: fakePlacement(),
    charts,
    clock,
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
  })
})

const seedCreate = { chartName: 'bitnami-new/etcd', releaseName: 'etcd-release', cluster: 'test122', namespace: 'default' }

describe('create', () => {
  it('installs the newest chart version, gives an id, answers creating, and the next read deployed', () => {
    const created = svc.create({ ...seedCreate, valuesJson: { image: { tag: 'r9' } } })
    expect(created).toMatchObject({ id: '00000000-0000-4000-8000-000000000001', status: 'creating', cluster: { id: 'c-test122', name: 'test122' }, namespace: { id: 'n-default', name: 'default' } })
    expect(created.chart).toEqual({ repoId: REPO.id, name: 'etcd', version: '8.11.2', digest: 'sha-8.11.2' })
    expect(created.latest.config).toEqual({ image: { tag: 'r9' } })
    // The core runs the chart defaults coalesced with the config.
    const core = (svc as unknown as { deps: { releases: ReleaseService } }).deps.releases
    expect(core.get(created.latest.key).values).toEqual({ replicaCount: 1, image: { tag: 'r9' } })
    expect(svc.get('etcd-release').status).toBe('deployed')
    expect(svc.get(created.id!).latest.key.name).toBe('etcd-release')
  })

  it('merges values YAML, then sets, then values_json over the top level', () => {
    const r = svc.create({ ...seedCreate, values: 'a:\n  b: 1\n  c: 2\nkeep: x\n', sets: { 'a.b': '5', 'flag': 'true' }, valuesJson: { a: { z: 1 } } })
    expect(r.latest.config).toEqual({ a: { z: 1 }, keep: 'x', flag: true })
  })

  it('refuses in kubeserver order with its words', () => {
    expect(() => svc.create({ ...seedCreate, chartName: 'a/b/c' })).toThrow('Illegal chart name: "a/b/c"')
    expect(() => svc.create({ releaseName: 'x', cluster: 'c', namespace: 'n' })).toThrow(NotEmptyError)
    expect(() => svc.create({ repo: 'bitnami-new', releaseName: 'x' })).toThrow('chart must provided')
    expect(() => svc.create({ ...seedCreate, releaseName: '' })).toThrow('invalid name: no release provided')
    expect(() => svc.create({ ...seedCreate, releaseName: 'bad name' })).toThrow(/invalid name/)
    expect(() => svc.create({ ...seedCreate, cluster: undefined })).toThrow('cluster is empty')
    expect(() => svc.create({ ...seedCreate, namespace: undefined })).toThrow('namespace is empty')
    expect(() => svc.create({ ...seedCreate, chartName: 'infra/etcd' })).toThrow('internal release can not specify namespace/cluster')
    expect(svc.list(listQuery()).total).toBe(0)
  })

  it('refuses a name in use in the same namespace (409), not in another', () => {
    svc.create(seedCreate)
    expect(() => svc.create(seedCreate)).toThrow('Duplicate name release etcd-release')
    expect(svc.create({ ...seedCreate, namespace: 'other' }).id).toBeDefined()
  })

  it('dry run stores nothing and has no id', () => {
    const r = svc.create({ ...seedCreate, dryRun: true })
    expect(r.id).toBeUndefined()
    expect(svc.list(listQuery()).total).toBe(0)
  })

  it('an internal repo installs into the system cluster', () => {
    const r = svc.create({ chartName: 'infra/etcd', releaseName: 'inner' })
    expect(r.cluster.name).toBe('system')
  })
})

describe('lookups', () => {
  it('by id, or by name narrowed by cluster/namespace; an ambiguous name is refused', () => {
    const a = svc.create(seedCreate)
    const b = svc.create({ ...seedCreate, cluster: 'other' })
    expect(() => svc.get('etcd-release')).toThrow(/matches 2 releases/)
    expect(svc.get('etcd-release', { cluster: 'other', namespace: 'default' }).id).toBe(b.id)
    expect(svc.get(a.id!).id).toBe(a.id)
    expect(() => svc.get('nosuch')).toThrow('release nosuch not found')
  })
})

describe('operations', () => {
  it('upgrade: no values reuse the config, empty version = newest, a version constraint picks it', () => {
    svc.create({ ...seedCreate, version: '8.11.1', valuesJson: { image: { tag: 'r9' } } })
    const up = svc.upgrade('etcd-release', {})
    expect(up.revision).toMatchObject({ revision: 2, config: { image: { tag: 'r9' } }, chart: { version: '8.11.2' } })
    expect(up.release.status).toBe('pending-upgrade')
    expect(up.defaults).toEqual({ replicaCount: 1, image: { tag: 'r8' } })
    const down = svc.upgrade('etcd-release', { version: '8.11.1', valuesJson: { replicaCount: 3 } })
    expect(down.revision).toMatchObject({ revision: 3, config: { replicaCount: 3 }, chart: { version: '8.11.1' } })
  })

  it('history newest first; rollback to 2 (0 = previous) answers the detail; negative refused', () => {
    svc.create(seedCreate)
    svc.upgrade('etcd-release', { valuesJson: { a: 1 } })
    svc.upgrade('etcd-release', { valuesJson: { a: 2 } })
    expect(svc.history('etcd-release').map((r) => [r.revision, r.status])).toEqual([[3, 'DEPLOYED'], [2, 'SUPERSEDED'], [1, 'SUPERSEDED']])
    expect(() => svc.rollback('etcd-release', -1)).toThrow('invalid release revision')
    const back = svc.rollback('etcd-release', 2)
    expect(back).toMatchObject({ status: 'pending-rollback', latest: { revision: 4, config: { a: 1 }, description: 'Rollback to 2' } })
    expect(svc.rollback('etcd-release', 0).latest.description).toBe('Rollback to 3')
  })

  it('delete answers deleting, then the release is gone', () => {
    svc.create(seedCreate)
    svc.get('etcd-release')
    expect(svc.delete('etcd-release').status).toBe('deleting')
    expect(() => svc.get('etcd-release')).toThrow('release etcd-release not found')
  })
})

describe('statuses', () => {
  it('create_fail, failed and delete_fail from the core outcomes', () => {
    lifecycle.use('manual')
    const r = svc.create(seedCreate)
    const releases = (svc as unknown as { deps: { releases: ReleaseService } }).deps.releases
    releases.trigger(r.latest.key, 'fail')
    expect(svc.get(r.id!).status).toBe('create_fail')
    const s = svc.create({ ...seedCreate, releaseName: 'second' })
    releases.trigger(s.latest.key, 'succeed')
    svc.upgrade('second', {})
    releases.trigger(s.latest.key, 'fail')
    expect(svc.get('second').status).toBe('failed')
    svc.delete('second')
    expect(svc.get('second').status).toBe('deleting')
    releases.trigger(s.latest.key, 'fail')
    expect(svc.get('second').status).toBe('delete_fail')
  })
})

describe('list', () => {
  it('newest first by default; filters, search, order and paging', () => {
    for (const name of ['a1', 'b2', 'c3']) {
      svc.create({ ...seedCreate, releaseName: name })
      clock.advance(1000)
    }
    svc.create({ ...seedCreate, releaseName: 'd4', cluster: 'other' })
    const names = (q: Partial<ReleaseListQuery>) => svc.list(listQuery(q)).items.map((r) => r.latest.key.name)
    expect(names({})).toEqual(['d4', 'c3', 'b2', 'a1'])
    expect(names({ cluster: 'test122' })).toEqual(['c3', 'b2', 'a1'])
    expect(names({ names: ['a1', 'c3'] })).toEqual(['c3', 'a1'])
    expect(names({ search: '2' })).toEqual(['b2'])
    expect(names({ orderBy: ['name'], order: 'asc', limit: 2, offset: 1 })).toEqual(['b2', 'c3'])
    expect(svc.list(listQuery({ limit: 2 })).total).toBe(4)
    expect(names({ filters: [{ field: 'name', op: 'in', values: ['a1', 'b2'] }, { field: 'name', op: 'notequals', values: ['a1'] }] })).toEqual(['b2'])
    expect(names({ filtersAny: [{ field: 'name', op: 'startswith', values: ['a'] }, { field: 'cluster', op: 'equals', values: ['other'] }] })).toEqual(['d4', 'a1'])
    expect(names({ statuses: ['deployed'] })).toEqual(['d4', 'c3', 'b2', 'a1'])
    expect(names({ type: 'internal' })).toEqual([])
    expect(() => svc.list(listQuery({ cluster: 'nosuch' }))).toThrow('Cluster nosuch not found')
  })
})
