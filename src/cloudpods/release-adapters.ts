/**
 * The Cloudpods release service's ports, over the cluster registry and the repo service. Cluster
 * names are read on every release answer, so they are remembered per id: a cluster never changes
 * name (its id is derived from it). Repos are read each time: they can be deleted.
 */
import { NotFoundError } from '../errors.js'
import type { ClusterRegistry } from './clusters.js'
import { namespaceId } from './ids.js'
import type { RepoChartCatalog } from './repo.js'
import type { RepoService } from './repo-service.js'
import type { DeclaredObject } from './release.js'
import type { ClusterRef, PlacementPort, RepoChartPort, RepoRef } from './release-ports.js'

/** Bound on each memo below; past it the oldest entry goes. */
const MEMO_SIZE = 10_000

function remember<V>(memo: Map<string, V>, key: string, value: V): V {
  if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value!)
  memo.set(key, value)
  return value
}

export function placementPort(clusters: ClusterRegistry): PlacementPort {
  const names = new Map<string, ClusterRef>()
  const namespaceIds = new Map<string, string>()
  return {
    resolve: (input, opts) => clusters.resolve(input, opts),
    cluster(id) {
      let found = names.get(id)
      if (!found) {
        const c = clusters.findCluster(id)
        if (!c || c.id !== id) return null
        found = remember(names, id, { id: c.id, name: c.name })
      }
      return found
    },
    // A SHA-1 per row of every answer otherwise; the id is a pure function of its inputs.
    namespaceId: (clusterId, namespace) => {
      const key = `${clusterId}/${namespace}`
      return namespaceIds.get(key) ?? remember(namespaceIds, key, namespaceId(clusterId, namespace))
    },
  }
}

export function repoChartPort(catalog: RepoChartCatalog, repos: Pick<RepoService, 'get'>): RepoChartPort {
  // A package digest names its bytes, so what its templates declare for a release never changes.
  const declared = new Map<string, DeclaredObject[]>()
  return {
    resolve(repoRef, chartName, constraint) {
      const r = catalog.resolve(repoRef, chartName, constraint)
      const c = r.chart
      return {
        repo: { id: r.repo.id, name: r.repo.name, type: r.repo.type },
        chart: { repoId: r.repo.id, name: c.name, version: c.version, digest: c.digest, apiVersion: c.apiVersion, description: c.description, appVersion: c.appVersion },
        defaults: r.defaults,
      }
    },
    repo(id): RepoRef | null {
      try {
        const r = repos.get(id)
        return r.id === id ? { id: r.id, name: r.name, type: r.type } : null
      } catch (err) {
        if (err instanceof NotFoundError) return null
        throw err
      }
    },
    declared(chart, releaseName, namespace) {
      const key = `${chart.digest}\0${releaseName}\0${namespace}`
      const known = chart.digest === '' ? undefined : declared.get(key)
      if (known) return known
      const objects = catalog.resources({ repoId: chart.repoId, repoName: '', name: chart.name, version: chart.version, digest: chart.digest }, releaseName, namespace)
      return chart.digest === '' ? objects : remember(declared, key, objects)
    },
  }
}
