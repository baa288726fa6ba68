/**
 * What the control plane knows about a Cloudpods request. Routes name their operation in their
 * options, `config: { operation: 'create' }` (create, list, show, upgrade, history, rollback,
 * delete...); fault rules and the journal also take the lower-cased operationId. Cluster,
 * namespace and release come from the query (`cluster`/`cluster_id`, `namespace`/`namespace_id`),
 * the `:id` path parameter, or the wrapped body (`{"release": {...}}`), as climc sends them.
 */
import type { FastifyRequest } from 'fastify'
import type { DialectFacts } from '../dialect.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The operation's name in fault rules and the journal, for dialects that do not derive it from operationId. */
    operation?: string
  }
}

const ALIASES: Record<string, string[]> = { create: ['install'], delete: ['uninstall'], upgrade: ['update'], rollback: ['update'] }

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {})

export function cloudpodsFactsOf(req: FastifyRequest): DialectFacts {
  const op = req.routeOptions.config?.operation
  const opId = req.routeOptions.schema?.operationId
  const operations = op === undefined ? [] : [op, ...(ALIASES[op] ?? [])]
  if (typeof opId === 'string') operations.push(opId.toLowerCase())
  const query = obj(req.query)
  const params = obj(req.params)
  const body = obj(req.body)
  // The framework wraps bodies in the resource keyword: {"release": {...}}.
  const inner = obj(body.release)
  const pick = (...keys: string[]): string | undefined => {
    for (const source of [query, inner]) for (const k of keys) if (str(source[k])) return source[k] as string
    return undefined
  }
  return {
    operations,
    flavor: null,
    clusterId: pick('cluster_id', 'cluster'),
    namespace: pick('namespace_id', 'namespace'),
    name: str(params.id) ?? str(inner.release_name) ?? str(inner.name) ?? str(query.name),
    chart: str(inner.chart_name) ?? str(inner.chart),
  }
}
