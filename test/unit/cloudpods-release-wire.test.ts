import { describe, expect, it } from 'vitest'
import type { CloudpodsRelease } from '../../src/cloudpods/release.js'
import { parseFilterClause, parseReleaseListQuery } from '../../src/wire/cloudpods/list-query.js'
import { dbTime, helmRelease, helmTime, historyEntry, releaseColumns, releaseDetail, releaseListItem } from '../../src/wire/cloudpods/release-mapper.js'

describe('filter clauses', () => {
  it('reads field.op(values) with quotes and lists', () => {
    expect(parseFilterClause("status.equals('deployed')")).toEqual({ field: 'status', op: 'equals', values: ['deployed'] })
    expect(parseFilterClause('name.contains(e)')).toEqual({ field: 'name', op: 'contains', values: ['e'] })
    expect(parseFilterClause('status.in(deployed, "failed")')).toEqual({ field: 'status', op: 'in', values: ['deployed', 'failed'] })
    expect(parseFilterClause('name.Equals("a,b")')).toEqual({ field: 'name', op: 'equals', values: ['a,b'] })
    expect(parseFilterClause('name.isnotempty()')).toEqual({ field: 'name', op: 'isnotempty', values: [] })
  })
  it('refuses what it cannot mean', () => {
    expect(() => parseFilterClause('status')).toThrow(/not field\.op/)
    expect(() => parseFilterClause('status.like(x)')).toThrow(/unknown operator "like"/)
    expect(() => parseFilterClause('password.equals(x)')).toThrow(/unknown field "password"/)
  })
})

describe('list query', () => {
  it("climc's default query: details=false, paging, unknown keys ignored", () => {
    const { query, details } = parseReleaseListQuery({ all: 'true', details: 'false', limit: '20', offset: '0', summary_stats: 'false' })
    expect(details).toBe(false)
    expect(query).toMatchObject({ limit: 20, offset: 0, statuses: [], names: [], filters: [] })
  })
  it('aliases, arrays, order and legacy flags', () => {
    const { query, details } = parseReleaseListQuery({
      cluster: 'test122', namespace: 'default', name: ['a', 'b'], status: 'deployed', deleting: 'true', failed: 'false',
      filter: ['status.equals(deployed)', 'name.contains(e)'], order_by: ['name'], order: 'asc', type: 'external',
    })
    expect(details).toBe(true)
    expect(query).toMatchObject({ cluster: 'test122', namespace: 'default', names: ['a', 'b'], statuses: ['deployed', 'deleting'], orderBy: ['name'], order: 'asc', type: 'external' })
    expect(query.filters).toHaveLength(2)
  })
  it('refuses bad paging and order', () => {
    expect(() => parseReleaseListQuery({ limit: '-1' })).toThrow('limit must be a non-negative integer')
    expect(() => parseReleaseListQuery({ order: 'up' })).toThrow('order must be asc or desc')
    expect(() => parseReleaseListQuery({ order_by: 'secret' })).toThrow(/unknown field/)
  })
})

const at = new Date('2026-03-01T08:00:00.000Z')
const release = (over: Partial<CloudpodsRelease> = {}): CloudpodsRelease => ({
  id: 'd44c4dc7-618a-4070-833a-6d6464e8ad83',
  createdAt: at,
  latest: {
    key: { projectId: 'default', flavor: 'cloudpods', clusterId: 'c1', namespace: 'default', name: 'etcd-release' },
    revision: 2, status: 'DEPLOYED', description: 'Upgrade complete',
    chart: { id: 'r1/etcd@abc', name: 'etcd', version: '8.11.2', public: false },
    config: { image: { tag: 'r9' } }, firstDeployedAt: at, updatedAt: new Date('2026-03-01T08:01:02.5Z'),
  },
  pending: null,
  status: 'deployed',
  cluster: { id: 'c1', name: 'test122' },
  namespace: { id: 'n1', name: 'default' },
  chart: { repoId: 'r1', name: 'etcd', version: '8.11.2', digest: 'abc' },
  repo: { id: 'r1', name: 'bitnami-new', type: 'external' },
  ...over,
})
const objects = [
  { kind: 'StatefulSet', name: 'etcd-release', namespace: 'default' },
  { kind: 'Service', name: 'etcd-release-headless', namespace: 'default' },
]

describe('shapes', () => {
  it('times: DB microseconds, Helm RFC 3339 with the fraction it has', () => {
    expect(dbTime(at)).toBe('2026-03-01T08:00:00.000000Z')
    expect(helmTime(at)).toBe('2026-03-01T08:00:00Z')
    expect(helmTime(new Date('2026-03-01T08:01:02.5Z'))).toBe('2026-03-01T08:01:02.5Z')
  })
  it('detail: the seed fields, resources by keyword (Service is k8s_service), external_id once installed', () => {
    const d = releaseDetail(release(), objects)
    expect(d).toMatchObject({
      id: 'd44c4dc7-618a-4070-833a-6d6464e8ad83', name: 'etcd-release', status: 'deployed', chart: 'etcd', chart_version: '8.11.2',
      cluster: 'test122', cluster_id: 'c1', clusterID: 'c1', namespace: 'default', namespace_id: 'n1', repo_id: 'r1', type: 'external',
      version: 2, external_id: 'c1/default/etcd-release', config: { image: { tag: 'r9' } }, progress: 100, deleted: false,
      created_at: '2026-03-01T08:00:00.000000Z', can_delete: true, can_update: true, project_domain: 'Default',
      info: { status: 'deployed', description: 'Upgrade complete', first_deployed: '2026-03-01T08:00:00Z', last_deployed: '2026-03-01T08:01:02.5Z', deleted: '' },
    })
    expect(d.resources).toEqual({
      statefulset: [{ name: 'etcd-release', namespace: 'default', kind: 'StatefulSet', cluster_id: 'c1', cluster: 'test122' }],
      k8s_service: [{ name: 'etcd-release-headless', namespace: 'default', kind: 'Service', cluster_id: 'c1', cluster: 'test122' }],
    })
    expect(d.manifest).toContain('kind: StatefulSet\nmetadata:\n  name: etcd-release\n  namespace: default\n')
  })
  it('creating: no external_id; empty config omitted; the list item has no resources', () => {
    const creating = release({ status: 'creating', latest: { ...release().latest, config: {}, revision: 1, status: 'PENDING_INSTALL' } })
    const item = releaseListItem(creating, objects)
    expect(item).not.toHaveProperty('external_id')
    expect(item).not.toHaveProperty('config')
    expect(item).not.toHaveProperty('resources')
    expect(item).toMatchObject({ status: 'creating', info: { status: 'pending-install' } })
  })
  it('details=false: DB columns only', () => {
    const cols = releaseColumns(release())
    expect(Object.keys(cols).sort()).toEqual(['chart', 'chart_version', 'cluster_id', 'config', 'created_at', 'deleted', 'domain_id', 'external_id', 'id', 'is_emulated', 'name', 'namespace_id', 'progress', 'repo_id', 'status', 'update_version', 'updated_at'])
  })
  it('upgrade answers the raw Helm release; history entries carry name-version', () => {
    const rev = { ...release().latest, values: {} }
    const chart = { repoId: 'r1', name: 'etcd', version: '8.11.2', digest: 'abc', apiVersion: 'v2', appVersion: '3.5.8', description: '' }
    expect(helmRelease(rev, chart, { replicaCount: 1 }, objects)).toMatchObject({
      name: 'etcd-release', namespace: 'default', version: 2, config: { image: { tag: 'r9' } },
      chart: { metadata: { name: 'etcd', version: '8.11.2', apiVersion: 'v2', appVersion: '3.5.8' }, values: { replicaCount: 1 } },
      info: { status: 'deployed' },
    })
    expect(historyEntry(rev)).toEqual({ revision: 2, updated: '2026-03-01T08:01:02.5Z', status: 'deployed', chart: 'etcd-8.11.2', description: 'Upgrade complete' })
  })
})
