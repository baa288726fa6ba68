/**
 * The control plane's hooks on the emulated API: fault injection (HTTP outcomes) and the request
 * journal. Both are registered on the root instance, so they cover every dialect's routes whatever
 * their prefix, and skip the control plane itself. The dialect owning a request's path supplies
 * its facts (operation names, flavor, cluster, namespace, name, chart) and renders a fault's error
 * in its own body.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../../clock.js'
import type { FaultStore, RequestFacts } from '../../control/faults.js'
import { JOURNAL_BODY_LIMIT, keepBody, keptText, redactBody, redactHeaders, type DeferredEntry, type Journal, type JournalEntry, type KeptBody } from '../../control/journal.js'
import type { Dialect, DialectRouter } from '../dialect.js'
import { WireError } from '../errors.js'
import { registerRouteOf, routeOf, type RouteSeen } from '../route-of.js'

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
    if (!faults.hasHttpRules || isControl(req) || routeOf(req).url === undefined) return done()
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

/** The journal's part of each request, run by the app's one hook per phase (src/app.ts). */
export interface JournalSteps {
  /** onRequest: notes the arrival of an API request (not the control plane's). */
  arrive(req: FastifyRequest): void
  /** onSend: keeps the answer as sent. */
  keepAnswer(req: FastifyRequest, payload: unknown): void
  /** onResponse: records the entry. */
  record(req: FastifyRequest, reply: FastifyReply): void
}

/** Decorates the request for the journal; null when the journal is off (size 0). */
export function registerJournal(app: FastifyInstance, journal: Journal, clock: Clock, dialects: DialectRouter): JournalSteps | null {
  registerRouteOf(app)
  app.decorateRequest('journalResponse', null)
  app.decorateRequest('arrivedAt', null)
  if (!journal.enabled) return null
  return {
    arrive: (req) => {
      if (!isControl(req)) req.arrivedAt = clock.now()
    },
    keepAnswer: (req, payload) => {
      if (req.arrivedAt) {
        // A large Buffer is kept as is until onResponse decides whether the entry may refer to it.
        if (Buffer.isBuffer(payload)) req.journalResponse = payload
        else if (typeof payload === 'string') req.journalResponse = keepBody(payload)
      }
    },
    record: (req, reply) => {
      if (req.arrivedAt) journal.defer(reply.statusCode, new RequestRecord(req, reply.statusCode, reply.elapsedTime, dialects, journal))
    },
  }
}

/**
 * What the journal keeps of a request until its entry is read: one record of references to what
 * the request already holds (headers, params, query, short bodies, the route's own schema and
 * config), a large answer by reference while the journal may hold it (else clipped now), bounded
 * copies of long request bodies, and the facts of a request with a body (they read it, and a
 * body may be large). It holds no socket, stream or request object.
 */
class RequestRecord implements DeferredEntry {
  readonly arrivedAt: Date
  readonly method: string
  readonly url: string
  readonly headers: FastifyRequest['headers']
  readonly params: unknown
  readonly query: unknown
  readonly route: string | null
  readonly schema: RouteSeen['schema']
  readonly config: RouteSeen['config']
  readonly requestId: string
  readonly projectId: string | null
  readonly fault: string | null
  readonly response: KeptBody
  readonly held: Buffer | null
  readonly requestBody: KeptBody
  facts: RequestFacts | null | undefined

  constructor(
    req: FastifyRequest,
    readonly status: number,
    readonly elapsedMs: number,
    readonly dialects: DialectRouter,
    journal: Journal,
  ) {
    this.arrivedAt = req.arrivedAt!
    this.method = req.method
    this.url = req.url
    this.headers = req.headers
    this.params = req.params
    this.query = req.query
    const routeSeen = routeOf(req)
    this.route = routeSeen.url ?? null
    this.schema = routeSeen.schema
    this.config = routeSeen.config
    this.requestId = String(req.id)
    this.projectId = req.projectId || null
    this.fault = req.emulatorFault
    const response = req.journalResponse
    let held: Buffer | null = null
    if (Buffer.isBuffer(response) && response.length > JOURNAL_BODY_LIMIT) {
      if (journal.hold(response)) held = response
      this.response = held ?? keepBody(response)
    } else this.response = response
    this.held = held
    const rawBody = req.rawBody
    this.requestBody = rawBody === undefined ? null : keepBody(redactBody(this.path, rawBody))
    // A body is read now, while it is the request's; otherwise the facts wait for a reader.
    this.facts = req.body === undefined ? undefined : this.#factsOf(req)
  }

  get path(): string {
    const q = this.url.indexOf('?')
    return q < 0 ? this.url : this.url.slice(0, q)
  }

  #factsOf(r: FastifyRequest): RequestFacts | null {
    const path = this.path
    return this.route !== null ? factsOf(r, this.dialects.owner(path) ?? this.dialects.default, path) : null
  }

  build(): Omit<JournalEntry, 'id'> {
    const { url, status, headers } = this
    const path = this.path
    const owner = this.dialects.owner(path)
    // The request as the dialects' factsOf reads it, rebuilt from what was kept (a request
    // with a body had its facts taken already: the body is not kept).
    const like = { url, routeOptions: { url: this.route ?? undefined, schema: this.schema, config: this.config }, params: this.params, query: this.query, headers } as unknown as FastifyRequest
    if (this.facts === undefined) this.facts = this.#factsOf(like)
    const facts = this.facts
    const reqBody = keptText(this.requestBody)
    const resBody = keptText(this.response)
    return {
      time: this.arrivedAt.toISOString(),
      method: this.method,
      path,
      query: url.split('?', 2)[1] ?? '',
      route: this.route,
      // factsOf lists the specific operation first (null only for a route without an operation name).
      operation: facts?.operations[0] ?? null,
      dialect: facts?.dialect ?? owner?.name ?? null,
      // Routed requests get their dialect's facts; an unknown path only its owner and flavour.
      flavor: facts ? facts.flavor : owner ? owner.factsOf(like).flavor : null,
      project_id: this.projectId,
      cluster_id: facts?.clusterId ?? null,
      namespace: facts?.namespace ?? null,
      name: facts?.name ?? null,
      status,
      duration_ms: Math.round(this.elapsedMs * 1000) / 1000,
      request_id: this.requestId,
      request_headers: redactHeaders(headers),
      request_body: reqBody.text,
      request_body_truncated: reqBody.truncated,
      response_body: resBody.text,
      response_body_truncated: resBody.truncated,
      fault: this.fault,
    }
  }
}
