import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/clock.js'
import { ClusterRegistry } from '../../src/cloudpods/clusters.js'
import { clusterId, namespaceId } from '../../src/cloudpods/ids.js'
import { NotEmptyError, NotFoundError, ValidationError } from '../../src/errors.js'
import { SqliteClusterRepository } from '../../src/storage/cloudpods-cluster-repository.js'
import { openDatabase } from '../../src/storage/db.js'

function registry() {
  const db = openDatabase(':memory:')
  return new ClusterRegistry({ repo: new SqliteClusterRepository(db), clock: new ManualClock('2026-03-01T08:00:00Z') })
}

describe('ClusterRegistry', () => {
  it('creates a cluster on first use of its name, with the id derived from the name, and finds it by id or name', () => {
    const r = registry()
    expect(r.findCluster('test122')).toBeNull()
    const c = r.ensureCluster('test122')
    expect(c).toMatchObject({ id: clusterId('test122'), name: 'test122' })
    expect(r.ensureCluster('test122')).toEqual(c)
    expect(r.ensureCluster(c.id)).toEqual(c)
    expect(r.findCluster(c.id)).toEqual(c)
    expect(r.listClusters()).toEqual([c])
  })

  it('gives the same ids on another run (a fresh database)', () => {
    const a = registry()
    const b = registry()
    const ca = a.ensureCluster('default')
    expect(b.ensureCluster('default').id).toBe(ca.id)
    expect(b.ensureNamespace(b.ensureCluster('default'), 'default').id).toBe(a.ensureNamespace(ca, 'default').id)
  })

  it('creates namespaces inside their cluster; the same name in two clusters is two namespaces', () => {
    const r = registry()
    const c1 = r.ensureCluster('c1')
    const c2 = r.ensureCluster('c2')
    const n1 = r.ensureNamespace(c1, 'default')
    const n2 = r.ensureNamespace(c2, 'default')
    expect(n1).toMatchObject({ id: namespaceId(c1.id, 'default'), clusterId: c1.id, name: 'default' })
    expect(n2.id).not.toBe(n1.id)
    expect(r.findNamespace(c1, n1.id)).toEqual(n1)
    // A namespace id only names it inside its own cluster.
    expect(r.findNamespace(c2, n1.id)).toBeNull()
    expect(r.listNamespaces(c1)).toEqual([n1])
    expect(r.listNamespaces()).toHaveLength(2)
  })

  it('treats an unknown UUID as an id (404), not a new name', () => {
    const r = registry()
    expect(() => r.ensureCluster('2c136bb7-aab8-42f6-89d4-ed921278456c')).toThrow(NotFoundError)
    const c = r.ensureCluster('c1')
    expect(() => r.ensureNamespace(c, '18f51c33-5ff4-41f6-8396-2bcb3174ffa5')).toThrow(NotFoundError)
  })

  it('refuses names Kubernetes or Cloudpods would refuse', () => {
    const r = registry()
    for (const bad of ['', ' lead', 'a/b', 'x'.repeat(129), 'tab\there']) expect(() => r.ensureCluster(bad), bad).toThrow(ValidationError)
    const c = r.ensureCluster('集群-1')
    for (const bad of ['Default', '-ns', 'ns-', 'a_b', 'x'.repeat(64)]) expect(() => r.ensureNamespace(c, bad), bad).toThrow(ValidationError)
    expect(r.listNamespaces(c)).toEqual([])
  })

  describe('resolve (request fields, aliases folded)', () => {
    it('creates on install and treats cluster/cluster_id and namespace/namespace_id as aliases, by id or name', () => {
      const r = registry()
      const { cluster, namespace } = r.resolve({ cluster: 'default', namespace: 'default' }, { create: true })
      expect(cluster?.name).toBe('default')
      expect(namespace?.name).toBe('default')
      expect(r.resolve({ clusterId: cluster?.id, namespaceId: 'default' }, { create: false })).toEqual({ cluster, namespace })
      expect(r.resolve({ cluster: 'default', clusterId: cluster?.id, namespace: namespace?.id, namespaceId: 'default' }, { create: false })).toEqual({ cluster, namespace })
      // A namespace id names its cluster too.
      expect(r.resolve({ namespaceId: namespace?.id }, { create: false })).toEqual({ cluster, namespace })
      expect(r.resolve({}, { create: true })).toEqual({ cluster: undefined, namespace: undefined })
    })

    it('refuses aliases naming different things, unknown names on lookups and a namespace name without a cluster', () => {
      const r = registry()
      r.resolve({ cluster: 'a', namespace: 'x' }, { create: true })
      r.resolve({ cluster: 'b', namespace: 'y' }, { create: true })
      expect(() => r.resolve({ cluster: 'a', clusterId: 'b' }, { create: false })).toThrow(ValidationError)
      expect(() => r.resolve({ cluster: 'a', namespace: 'x', namespaceId: 'y' }, { create: true })).toThrow(ValidationError)
      expect(() => r.resolve({ cluster: 'nope' }, { create: false })).toThrow(NotFoundError)
      expect(() => r.resolve({ cluster: 'a', namespace: 'y' }, { create: false })).toThrow(NotFoundError)
      expect(() => r.resolve({ namespace: 'x' }, { create: true })).toThrow(NotEmptyError)
      // Nothing was created by the refused calls.
      expect(r.listClusters().map((c) => c.name)).toEqual(['a', 'b'])
    })
  })
})
