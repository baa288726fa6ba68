/** SQLite store of Cloudpods clusters and namespaces (migration 006). */
import type { Cluster, ClusterRepository, Namespace } from '../cloudpods/clusters.js'
import type { DatabaseHandle } from './db.js'

interface ClusterRow {
  id: string
  name: string
  created_at: number
}

interface NamespaceRow extends ClusterRow {
  cluster_id: string
}

const toCluster = (r: ClusterRow): Cluster => ({ id: r.id, name: r.name, createdAt: new Date(r.created_at) })
const toNamespace = (r: NamespaceRow): Namespace => ({ id: r.id, name: r.name, clusterId: r.cluster_id, createdAt: new Date(r.created_at) })

export class SqliteClusterRepository implements ClusterRepository {
  readonly #statements = new Map<string, ReturnType<DatabaseHandle['prepare']>>()

  constructor(private readonly db: DatabaseHandle) {}

  #prepare(sql: string): ReturnType<DatabaseHandle['prepare']> {
    let statement = this.#statements.get(sql)
    if (!statement) this.#statements.set(sql, (statement = this.db.prepare(sql)))
    return statement
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  clusterById(id: string): Cluster | null {
    const row = this.#prepare('SELECT id, name, created_at FROM cloudpods_clusters WHERE id = @id').get({ id }) as ClusterRow | undefined
    return row ? toCluster(row) : null
  }

  clusterByName(name: string): Cluster | null {
    const row = this.#prepare('SELECT id, name, created_at FROM cloudpods_clusters WHERE name = @name').get({ name }) as ClusterRow | undefined
    return row ? toCluster(row) : null
  }

  insertCluster(c: Cluster): void {
    this.#prepare('INSERT INTO cloudpods_clusters (id, name, created_at) VALUES (@id, @name, @createdAt) ON CONFLICT (id) DO NOTHING').run({ id: c.id, name: c.name, createdAt: c.createdAt.getTime() })
  }

  listClusters(): Cluster[] {
    return (this.#prepare('SELECT id, name, created_at FROM cloudpods_clusters ORDER BY name').all({}) as ClusterRow[]).map(toCluster)
  }

  namespaceById(id: string): Namespace | null {
    const row = this.#prepare('SELECT id, cluster_id, name, created_at FROM cloudpods_namespaces WHERE id = @id').get({ id }) as NamespaceRow | undefined
    return row ? toNamespace(row) : null
  }

  namespaceByName(clusterId: string, name: string): Namespace | null {
    const row = this.#prepare('SELECT id, cluster_id, name, created_at FROM cloudpods_namespaces WHERE cluster_id = @clusterId AND name = @name').get({ clusterId, name }) as
      | NamespaceRow
      | undefined
    return row ? toNamespace(row) : null
  }

  insertNamespace(n: Namespace): void {
    this
      .#prepare('INSERT INTO cloudpods_namespaces (id, cluster_id, name, created_at) VALUES (@id, @clusterId, @name, @createdAt) ON CONFLICT (id) DO NOTHING')
      .run({ id: n.id, clusterId: n.clusterId, name: n.name, createdAt: n.createdAt.getTime() })
  }

  listNamespaces(clusterId?: string): Namespace[] {
    const rows = this
      .#prepare('SELECT id, cluster_id, name, created_at FROM cloudpods_namespaces WHERE (@clusterId IS NULL OR cluster_id = @clusterId) ORDER BY cluster_id, name')
      .all({ clusterId: clusterId ?? null }) as NamespaceRow[]
    return rows.map(toNamespace)
  }
}
