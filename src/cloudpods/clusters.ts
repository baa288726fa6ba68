/**
 * Clusters and namespaces of the Cloudpods dialect. Kubeserver only knows clusters someone
 * imported and namespaces it synced from them; the emulator has no Kubernetes behind it, so the
 * first use of a name creates the cluster (or the namespace inside a cluster), under an id
 * derived from the name (ids.ts), and every later use by id or by name finds the same one.
 *
 * Decisions:
 *   - a UUID-shaped reference that names no known cluster/namespace is a 404, not a new name:
 *     it was meant as an id (ids are derived from names, so the name must be used first);
 *   - `cluster`/`cluster_id` and `namespace`/`namespace_id` are aliases; given both, they must
 *     name the same thing (400 otherwise);
 *   - a namespace needs its cluster, except by id (a namespace id names its cluster too).
 */
import type { Clock } from '../clock.js'
import { NotEmptyError, NotFoundError, ValidationError } from '../errors.js'
import { clusterId, isUuid, namespaceId } from './ids.js'

export interface Cluster {
  id: string
  name: string
  createdAt: Date
}

export interface Namespace {
  id: string
  name: string
  clusterId: string
  createdAt: Date
}

/** Storage of clusters and namespaces; implemented by src/storage/cloudpods-cluster-repository.ts. */
export interface ClusterRepository {
  /** Runs fn atomically; fn must be synchronous. */
  transaction<T>(fn: () => T): T
  clusterById(id: string): Cluster | null
  clusterByName(name: string): Cluster | null
  /** Inserts unless a cluster with this id exists. */
  insertCluster(cluster: Cluster): void
  /** By name. */
  listClusters(): Cluster[]
  namespaceById(id: string): Namespace | null
  namespaceByName(clusterId: string, name: string): Namespace | null
  /** Inserts unless a namespace with this id exists. */
  insertNamespace(namespace: Namespace): void
  /** By cluster, then name; all clusters when clusterId is undefined. */
  listNamespaces(clusterId?: string): Namespace[]
}

/** Where a request places a release: each field by id or name, the `_id` ones aliases. */
export interface PlacementInput {
  cluster?: string | undefined
  clusterId?: string | undefined
  namespace?: string | undefined
  namespaceId?: string | undefined
}

export interface Placement {
  cluster: Cluster | undefined
  namespace: Namespace | undefined
}

const MAX_CLUSTER_NAME = 128
// Cloudpods names may be any printable text (Chinese included); a slash would break external_id.
const CLUSTER_NAME = /^[^\s/\p{Cc}]([^/\p{Cc}]*[^\s/\p{Cc}])?$/u
// Kubernetes namespace names are RFC 1123 labels.
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const MAX_NAMESPACE_NAME = 63

export interface ClusterRegistryDeps {
  repo: ClusterRepository
  clock: Clock
}

export class ClusterRegistry {
  constructor(private readonly deps: ClusterRegistryDeps) {}

  /** By id, then by name; null when neither names a cluster. */
  findCluster(ref: string): Cluster | null {
    const { repo } = this.deps
    return repo.clusterById(ref) ?? repo.clusterByName(ref)
  }

  /** By id or name; the first use of a name creates the cluster. */
  ensureCluster(ref: string): Cluster {
    const found = this.findCluster(ref)
    if (found) return found
    if (isUuid(ref)) throw new NotFoundError(`Cluster ${ref} not found`)
    checkClusterName(ref)
    const cluster: Cluster = { id: clusterId(ref), name: ref, createdAt: this.deps.clock.now() }
    this.deps.repo.insertCluster(cluster)
    return this.deps.repo.clusterById(cluster.id) ?? cluster
  }

  /** In this cluster, by id, then by name; null when unknown. */
  findNamespace(cluster: Cluster, ref: string): Namespace | null {
    const { repo } = this.deps
    const byId = repo.namespaceById(ref)
    if (byId && byId.clusterId === cluster.id) return byId
    return repo.namespaceByName(cluster.id, ref)
  }

  /** By id or name in this cluster; the first use of a name creates the namespace. */
  ensureNamespace(cluster: Cluster, ref: string): Namespace {
    const found = this.findNamespace(cluster, ref)
    if (found) return found
    if (isUuid(ref)) throw new NotFoundError(`resource namespace_id/${ref} not found in cluster ${cluster.name}`)
    checkNamespaceName(ref)
    const namespace: Namespace = { id: namespaceId(cluster.id, ref), name: ref, clusterId: cluster.id, createdAt: this.deps.clock.now() }
    this.deps.repo.insertNamespace(namespace)
    return this.deps.repo.namespaceById(namespace.id) ?? namespace
  }

  /**
   * Resolves a request's cluster and namespace fields (aliases folded). With `create`, names
   * seen for the first time are created (install); without, unknown ones are 404 (lookups).
   * Fields left out resolve to undefined: whether they are required is the caller's rule.
   */
  resolve(input: PlacementInput, opts: { create: boolean }): Placement {
    return this.deps.repo.transaction(() => {
      let cluster = this.one(
        [input.cluster, input.clusterId],
        'cluster',
        (ref) => (opts.create ? this.ensureCluster(ref) : this.findCluster(ref) ?? notFound(`Cluster ${ref} not found`)),
        (c) => c.id,
      )
      const nsRefs = [input.namespace, input.namespaceId]
      if (cluster === undefined) {
        const byId = nsRefs.map((r) => (r ? this.deps.repo.namespaceById(r) : null)).find((n) => n !== null)
        if (byId) cluster = this.deps.repo.clusterById(byId.clusterId) ?? undefined
        else if (nsRefs.some((r) => r)) throw new NotEmptyError('cluster must provided to find a namespace by name', 'cluster')
      }
      const inCluster = cluster
      const namespace =
        inCluster === undefined
          ? undefined
          : this.one(
              nsRefs,
              'namespace',
              (ref) => (opts.create ? this.ensureNamespace(inCluster, ref) : this.findNamespace(inCluster, ref) ?? notFound(`resource namespace_id/${ref} not found in cluster ${inCluster.name}`)),
              (n) => n.id,
            )
      return { cluster, namespace }
    })
  }

  listClusters(): Cluster[] {
    return this.deps.repo.listClusters()
  }

  listNamespaces(cluster?: Cluster): Namespace[] {
    return this.deps.repo.listNamespaces(cluster?.id)
  }

  /** Resolves each given alias; they must all name the same thing. */
  private one<T>(refs: Array<string | undefined>, field: string, resolve: (ref: string) => T, id: (t: T) => string): T | undefined {
    const given = refs.filter((r): r is string => r !== undefined && r !== '')
    if (given.length === 0) return undefined
    const found = given.map(resolve)
    const first = found[0] as T
    if (found.some((f) => id(f) !== id(first))) {
      throw new ValidationError(`${field} and ${field}_id name different ${field}s ("${given.join('" and "')}")`, field)
    }
    return first
  }
}

function notFound(message: string): never {
  throw new NotFoundError(message)
}

function checkClusterName(name: string): void {
  if (name.length > MAX_CLUSTER_NAME || !CLUSTER_NAME.test(name)) {
    throw new ValidationError(`invalid cluster name "${name.slice(0, MAX_CLUSTER_NAME)}": use 1-${MAX_CLUSTER_NAME} printable characters, no "/"`, 'cluster')
  }
}

function checkNamespaceName(name: string): void {
  if (name.length > MAX_NAMESPACE_NAME || !NAMESPACE_NAME.test(name)) {
    throw new ValidationError(
      `invalid namespace name "${name.slice(0, MAX_NAMESPACE_NAME + 1)}": a Kubernetes namespace is at most ${MAX_NAMESPACE_NAME} lowercase letters, digits and "-", starting and ending with a letter or digit`,
      'namespace',
    )
  }
}
