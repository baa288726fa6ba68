/**
 * The operation names fault rules accept, read off the routes actually served: each dialect's
 * factsOf is asked about every route it owns, so the dashboard's fault form lists exactly what a
 * rule can match, for every dialect present (a new dialect's routes appear with it).
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import { OPERATIONS } from '../../releases/progression.js'
import type { DialectRouter } from '../dialect.js'
import { CONTROL_PREFIX } from './hooks.js'

export interface CatalogOperation {
  name: string
  dialects: string[]
  /** 'operation_id': a route's operationId (lower-cased), which rules also accept; 'operation': a name. */
  kind: 'operation' | 'operation_id'
}

// An update route answers to upgrade or rollback by its body's action; ask with each.
const BODIES: readonly unknown[] = [{}, { action: 'upgrade' }, { action: 'rollback' }]

/** Starts collecting routes; call before the dialects register theirs. */
export function collectOperations(app: FastifyInstance, dialects: DialectRouter): () => CatalogOperation[] {
  const routes: RouteOptions[] = []
  app.addHook('onRoute', (route) => {
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true
    if (!hidden && !route.url.startsWith(CONTROL_PREFIX)) routes.push(route)
  })
  let catalog: CatalogOperation[] | undefined
  return () => (catalog ??= build(routes, dialects))
}

function build(routes: readonly RouteOptions[], dialects: DialectRouter): CatalogOperation[] {
  const byName = new Map<string, Set<string>>()
  const add = (name: string, dialect: string) => {
    let set = byName.get(name)
    if (!set) byName.set(name, (set = new Set()))
    set.add(dialect)
  }
  for (const route of routes) {
    const dialect = dialects.owner(route.url)
    if (!dialect) continue
    for (const body of BODIES) {
      // Only what factsOf reads of a routed request: its route options, path, params, query and body.
      const req = { url: route.url, routeOptions: { url: route.url, schema: route.schema, config: route.config ?? {} }, params: {}, query: {}, body, headers: {} }
      for (const name of dialect.factsOf(req as unknown as FastifyRequest).operations) add(name, dialect.name)
    }
  }
  // Lifecycle rules match the operation a write starts, in every dialect that has releases.
  for (const d of dialects.dialects) for (const op of OPERATIONS) add(op, d.name)
  const ids = new Set(routes.map((r) => (r.schema as { operationId?: unknown } | undefined)?.operationId).filter((id): id is string => typeof id === 'string').map((id) => id.toLowerCase()))
  return [...byName]
    .map(([name, set]): CatalogOperation => ({ name, dialects: [...set].sort(), kind: ids.has(name) ? 'operation_id' : 'operation' }))
    .sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'operation' ? -1 : 1))
}
