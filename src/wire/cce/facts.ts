/**
 * What the control plane knows about a CCE / Autopilot request: the names its operation answers to
 * in fault rules and the journal (worked out from the route's operationId), its flavour (from the
 * path prefix), and the cluster, namespace, release and chart it addresses.
 */
import type { FastifyRequest } from 'fastify'
import { updateActionOf } from './release-schemas.js'
import type { DialectFacts } from '../dialect.js'

/** Release operations by operationId (Autopilot ids carry "Autopilot"; the names are shared). */
const RELEASE_OPERATIONS: Record<string, string> = {
  CreateRelease: 'create',
  ListReleases: 'list',
  ShowRelease: 'show',
  UpdateRelease: 'update',
  DeleteRelease: 'delete',
  ShowReleaseHistory: 'history',
}

const ALIASES: Record<string, string[]> = { create: ['install'], delete: ['uninstall'], upgrade: ['update'], rollback: ['update'] }

const kebab = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)

/** The specific name of a request's operation: 'upgrade' / 'rollback' for an update, etc. */
export function operationOf(req: FastifyRequest): string | null {
  const opId = req.routeOptions.schema?.operationId
  if (typeof opId !== 'string') return null
  const base = RELEASE_OPERATIONS[opId.replace('Autopilot', '')]
  if (base === 'update') {
    const action = (req.body as { action?: unknown } | undefined)?.action
    // An update the route will refuse (unknown action) stays the generic 'update'.
    return updateActionOf(action) ?? 'update'
  }
  return base ?? kebab(opId.replace('Autopilot', ''))
}

/** Autopilot's prefixes start /autopilot/; everything else in this dialect is CCE. */
export const flavorOfPath = (path: string): 'cce' | 'autopilot' => (path.startsWith('/autopilot/') ? 'autopilot' : 'cce')

export function cceFactsOf(req: FastifyRequest): DialectFacts {
  const params = (req.params ?? {}) as Record<string, unknown>
  const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>
  const op = operationOf(req)
  const opId = req.routeOptions.schema?.operationId
  const operations = op === null ? [] : [op, ...(ALIASES[op] ?? [])]
  if (typeof opId === 'string') operations.push(opId.toLowerCase(), opId.replace('Autopilot', '').toLowerCase())
  return {
    operations,
    flavor: flavorOfPath(req.url),
    clusterId: str(params.cluster_id),
    namespace: str(params.namespace) ?? str(body.namespace),
    name: str(params.name) ?? str(body.name),
    chart: str(params.chart_id) ?? str(body.chart_id),
  }
}
