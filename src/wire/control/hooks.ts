/**
 * The control plane's hooks on the emulated API: fault injection (HTTP outcomes) and the request
 * journal. Both are registered on the root instance, so they cover every dialect's routes whatever
 * their prefix, and skip the control plane itself. The dialect owning a request's path supplies
 * its facts (operation names, flavor, cluster, namespace, name, chart) and renders a fault's error
 * in its own body.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Clock } from '../../clock.js'
import type { FaultStore, RequestFacts } from '../../control/faults.js'
import { clipBody, redactBody, redactHeaders, type Journal } from '../../control/journal.js'
import type { Dialect, DialectRouter } from '../dialect.js'
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

/** Facts of a routed request, from the dialect owning its path (else the default dialect). */
export function factsOf(req: FastifyRequest, dialect: Dialect, path: string): RequestFacts {
  // Completed in place rather than spread: this runs for every journaled request.
  const facts = dialect.factsOf(req) as RequestFacts
  facts.dialect = dialect.name
  facts.path = path
  return facts
}

export function registerFaultHook(app: FastifyInstance, faults: FaultStore, dialects: DialectRouter, clock: Clock): void {
  app.decorateRequest('emulatorFault', null)
  // preValidation: after the body is parsed (create and update name their release and chart
  // there) and after authentication, before the handler can change any state.
  app.addHook('preValidation', async (req, reply) => {
    if (!faults.hasHttpRules || isControl(req) || req.routeOptions.url === undefined) return
    const path = req.url.split('?')[0] ?? req.url
    const dialect = dialects.forUrl(path)
    const rule = faults.decideHttp(factsOf(req, dialect, path))
    if (!rule) return
    req.emulatorFault = rule.id
    reply.header('x-emulator-fault', rule.id)
    req.log.info({ fault: rule.id, status: rule.error?.status, latencyMs: rule.latency_ms }, 'fault injected')
    if (rule.latency_ms) await new Promise((resolve) => setTimeout(resolve, rule.latency_ms!))
    if (rule.error) {
      const { statusCode, body } = dialect.renderError(new WireError(rule.error.status, rule.error.error_code, rule.error.error_msg), clock.now())
      return reply.code(statusCode).type('application/json').send(body)
    }
  })
}

export function registerJournal(app: FastifyInstance, journal: Journal, clock: Clock, dialects: DialectRouter): void {
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
    const [path = req.url, query = ''] = req.url.split('?', 2)
    const owner = dialects.owner(path)
    // Routed requests get their dialect's facts; an unknown path only its owner and flavour.
    const routed = req.routeOptions.url !== undefined
    const facts = routed ? factsOf(req, owner ?? dialects.default, path) : null
    const flavor = facts ? facts.flavor : owner ? owner.factsOf(req).flavor : null
    const requestBody = clipBody(redactBody(path, req.rawBody))
    journal.record({
      time: req.arrivedAt.toISOString(),
      method: req.method,
      path,
      query,
      route: req.routeOptions.url ?? null,
      // factsOf lists the specific operation first (null only for a route without an operation name).
      operation: facts?.operations[0] ?? null,
      dialect: facts?.dialect ?? owner?.name ?? null,
      flavor,
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
