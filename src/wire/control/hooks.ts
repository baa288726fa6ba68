/**
 * The control plane's hooks on the emulated API: fault injection (HTTP outcomes) and the request
 * journal. Both are registered on the root instance, so they cover every emulated route whatever
 * its prefix (/cce/cam/v3, /autopilot/cam/v3, and the chart API under /v2/charts and
 * /autopilot/v2/charts), and skip the control plane itself.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Clock } from '../../clock.js'
import type { FaultStore, RequestFacts } from '../../control/faults.js'
import { clipBody, redactHeaders, type Journal } from '../../control/journal.js'
import { mapCceError } from '../cce/error-map.js'
import { updateActionOf } from '../cce/release-schemas.js'
import { WireError } from '../errors.js'

export const CONTROL_PREFIX = '/_emulator'

declare module 'fastify' {
  interface FastifyRequest {
    emulatorFault: string | null
    journalResponse: { text: string | null; truncated: boolean } | null
    arrivedAt: Date | null
  }
}

const isControl = (req: FastifyRequest): boolean => req.url.startsWith(CONTROL_PREFIX)

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
    // An update the route will refuse (unknown action) stays the generic 'update'.
    return updateActionOf((req.body as { action?: unknown } | undefined)?.action) ?? 'update'
  }
  return base ?? kebab(opId.replace('Autopilot', ''))
}

export function factsOf(req: FastifyRequest): RequestFacts {
  const path = req.url.split('?')[0] ?? req.url
  const params = (req.params ?? {}) as Record<string, unknown>
  const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>
  const op = operationOf(req)
  const opId = req.routeOptions.schema?.operationId
  const operations = op === null ? [] : [op, ...(ALIASES[op] ?? [])]
  if (typeof opId === 'string') operations.push(opId.toLowerCase(), opId.replace('Autopilot', '').toLowerCase())
  return {
    operations,
    dialect: path.startsWith('/autopilot/') ? 'autopilot' : 'cce',
    path,
    clusterId: str(params.cluster_id),
    namespace: str(params.namespace) ?? str(body.namespace),
    name: str(params.name) ?? str(body.name),
    chart: str(params.chart_id) ?? str(body.chart_id),
  }
}

export function registerFaultHook(app: FastifyInstance, faults: FaultStore): void {
  app.decorateRequest('emulatorFault', null)
  // preValidation: after the body is parsed (create and update name their release and chart
  // there) and after authentication, before the handler can change any state.
  app.addHook('preValidation', async (req, reply) => {
    if (!faults.hasHttpRules || isControl(req) || req.routeOptions.url === undefined) return
    const rule = faults.decideHttp(factsOf(req))
    if (!rule) return
    req.emulatorFault = rule.id
    reply.header('x-emulator-fault', rule.id)
    req.log.info({ fault: rule.id, status: rule.error?.status, latencyMs: rule.latency_ms }, 'fault injected')
    if (rule.latency_ms) await new Promise((resolve) => setTimeout(resolve, rule.latency_ms!))
    if (rule.error) {
      const { statusCode, body } = mapCceError(new WireError(rule.error.status, rule.error.error_code, rule.error.error_msg))
      return reply.code(statusCode).type('application/json').send(body)
    }
  })
}

export function registerJournal(app: FastifyInstance, journal: Journal, clock: Clock): void {
  app.decorateRequest('journalResponse', null)
  app.decorateRequest('arrivedAt', null)
  if (!journal.enabled) return
  // Callback-style hooks: these run on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (req, _reply, done) => {
    if (!isControl(req)) req.arrivedAt = clock.now()
    done()
  })
  app.addHook('onSend', (req, _reply, payload, done) => {
    if (req.arrivedAt && (typeof payload === 'string' || Buffer.isBuffer(payload))) req.journalResponse = clipBody(payload)
    done(null, payload)
  })
  app.addHook('onResponse', (req, reply, done) => {
    if (!req.arrivedAt) return done()
    const facts = req.routeOptions.url === undefined ? null : factsOf(req)
    const [path = req.url, query = ''] = req.url.split('?', 2)
    const requestBody = clipBody(req.rawBody)
    journal.record({
      time: req.arrivedAt.toISOString(),
      method: req.method,
      path,
      query,
      route: req.routeOptions.url ?? null,
      // factsOf lists the specific operation first (null only for a route without an operationId).
      operation: facts?.operations[0] ?? null,
      dialect: facts?.dialect ?? (path.startsWith('/autopilot/') ? 'autopilot' : path.startsWith('/cce/') || path.startsWith('/v2/') ? 'cce' : null),
      project_id: req.projectId || null,
      cluster_id: facts?.clusterId ?? null,
      namespace: facts?.namespace ?? null,
      name: facts?.name ?? null,
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 1000) / 1000,
      request_id: String(req.id),
      request_headers: redactHeaders(req.headers),
      request_body: requestBody.text,
      request_body_truncated: requestBody.truncated,
      response_body: req.journalResponse?.text ?? null,
      response_body_truncated: req.journalResponse?.truncated ?? false,
      fault: req.emulatorFault,
    })
    done()
  })
}
