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
import { keepBody, keptText, redactBody, redactHeaders, type EntryBuilder, type Journal, type KeptBody } from '../../control/journal.js'
import type { Dialect, DialectRouter } from '../dialect.js'
import { WireError } from '../errors.js'

export const CONTROL_PREFIX = '/_emulator'

declare module 'fastify' {
  interface FastifyRequest {
    emulatorFault: string | null
    /** The answer as the journal keeps it (keepBody): set in onSend, or by a streamed answer. */
    journalResponse: KeptBody
    arrivedAt: Date | null
  }
}

// The emulator's root only redirects to the dashboard (src/wire/control/ui-routes.ts): not API traffic either.
const isControl = (req: FastifyRequest): boolean => req.url.startsWith(CONTROL_PREFIX) || req.url === '/' || req.url.startsWith('/?')

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
  // Callback style: it runs on every request, and an async hook costs a promise each.
  app.addHook('preValidation', (req, reply, done) => {
    if (!faults.hasHttpRules || isControl(req) || req.routeOptions.url === undefined) return done()
    const path = req.url.split('?')[0] ?? req.url
    const dialect = dialects.forUrl(path)
    const rule = faults.decideHttp(factsOf(req, dialect, path))
    if (!rule) return done()
    req.emulatorFault = rule.id
    reply.header('x-emulator-fault', rule.id)
    req.log.info({ fault: rule.id, status: rule.error?.status, latencyMs: rule.latency_ms }, 'fault injected')
    const outcome = () => {
      if (!rule.error) return done()
      const { statusCode, body } = dialect.renderError(new WireError(rule.error.status, rule.error.error_code, rule.error.error_msg), clock.now())
      reply.code(statusCode).type('application/json').send(body)
    }
    if (rule.latency_ms) setTimeout(outcome, rule.latency_ms)
    else outcome()
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
    if (req.arrivedAt && (typeof payload === 'string' || Buffer.isBuffer(payload))) req.journalResponse = keepBody(payload)
    done(null, payload)
  })
  app.addHook('onResponse', (req, reply, done) => {
    if (req.arrivedAt) journal.defer(reply.statusCode, entryOf(req, reply.statusCode, reply.elapsedTime, dialects))
    done()
  })
}

/**
 * What the journal keeps of a request until its entry is read: references to what the request
 * already holds (headers, params, query, short bodies), bounded copies of long bodies, and the
 * facts of a request with a body (they read it, and a body may be large). The closure takes
 * these values, never the request itself, so a kept entry holds no socket or stream.
 */
function entryOf(req: FastifyRequest, status: number, elapsedMs: number, dialects: DialectRouter): EntryBuilder {
  const arrivedAt = req.arrivedAt!
  const { method, url, headers, params, query, body } = req
  const [path = url, search = ''] = url.split('?', 2)
  const routeOptions = req.routeOptions
  const route = routeOptions.url ?? null
  const requestId = String(req.id)
  const projectId = req.projectId || null
  const fault = req.emulatorFault
  const response = req.journalResponse
  const requestBody = keepBody(redactBody(path, req.rawBody))
  const owner = dialects.owner(path)
  const factsNow = (r: FastifyRequest) => (route !== null ? factsOf(r, owner ?? dialects.default, path) : null)
  // A body is read now, while it is the request's; otherwise the facts wait for a reader.
  let facts = body === undefined ? undefined : factsNow(req)
  return () => {
    // The request as the dialects' factsOf reads it, rebuilt from what was kept (a request
    // with a body had its facts taken already: the body is not kept).
    const like = { url, routeOptions: { url: route ?? undefined, schema: routeOptions.schema, config: routeOptions.config }, params, query, headers } as unknown as FastifyRequest
    if (facts === undefined) facts = factsNow(like)
    const reqBody = keptText(requestBody)
    const resBody = keptText(response)
    return {
      time: arrivedAt.toISOString(),
      method,
      path,
      query: search,
      route,
      // factsOf lists the specific operation first (null only for a route without an operation name).
      operation: facts?.operations[0] ?? null,
      dialect: facts?.dialect ?? owner?.name ?? null,
      // Routed requests get their dialect's facts; an unknown path only its owner and flavour.
      flavor: facts ? facts.flavor : owner ? owner.factsOf(like).flavor : null,
      project_id: projectId,
      cluster_id: facts?.clusterId ?? null,
      namespace: facts?.namespace ?? null,
      name: facts?.name ?? null,
      status,
      duration_ms: Math.round(elapsedMs * 1000) / 1000,
      request_id: requestId,
      request_headers: redactHeaders(headers),
      request_body: reqBody.text,
      request_body_truncated: reqBody.truncated,
      response_body: resBody.text,
      response_body_truncated: resBody.truncated,
      fault,
    }
  }
}
