/**
 * The seam between the app factory and the HTTP dialects it serves (CCE / Autopilot, Cloudpods).
 * A dialect is a folder `src/wire/<name>/` whose `dialect.ts` exports one `Dialect`, listed once
 * in DIALECTS (src/app.ts). Everything that speaks a dialect's language lives behind it: its
 * routes and their schemas, its error body, its query-string shape, its auth and project/tenant
 * reading, and the names its operations go by in fault rules and the journal.
 *
 * The app factory owns what is shared: the JSON body parser, X-Request-Id, the clock, the
 * control plane and its fault/journal hooks. Where no route has answered yet (router refusals,
 * Node parser refusals, unknown paths, the root error handler) it asks DialectRouter which
 * dialect owns the path and lets that one render the answer; unowned paths get the default (CCE).
 */
import type { TSchema } from '@sinclair/typebox'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import type { ChartService } from '../charts/chart-service.js'
import type { Clock } from '../clock.js'
import type { EmulatorConfig } from '../config.js'
import type { DialectName, RequestFacts } from '../control/faults.js'
import type { KeystoneService } from '../auth/keystone.js'
import type { ClusterRegistry } from '../cloudpods/clusters.js'
import type { RepoService } from '../cloudpods/repo-service.js'
import type { CloudpodsReleaseService } from '../cloudpods/release-service.js'
import type { ReleaseService } from '../releases/release-service.js'

export type { DialectName }

/** What every dialect plugin is given: the emulator's configuration and shared services. */
export interface DialectContext {
  config: EmulatorConfig
  clock: Clock
  releases: ReleaseService
  charts: ChartService
  /** The Cloudpods dialect's clusters/namespaces, chart repos and releases. */
  cloudpods: { clusters: ClusterRegistry; repos: RepoService; releases: CloudpodsReleaseService }
  /** Keystone v3 (climc's login) and the tokens the Cloudpods /api accepts. */
  keystone: KeystoneService
}

/** An error as one dialect answers it. */
export interface RenderedError {
  statusCode: number
  body: unknown
  /** True when the cause is our bug, not the caller's: log it at error level, never echo it. */
  internal: boolean
}

/** A request's facts for fault matching and the journal; the hook adds `dialect` and `path`. */
export type DialectFacts = Omit<RequestFacts, 'dialect' | 'path'>

export interface Dialect {
  readonly name: DialectName
  /**
   * Path prefixes the dialect owns ('/api' owns '/api' and '/api/...', not '/apis'). Used only
   * where no route has matched; each route scope inside the plugin sets its own prefix.
   */
  readonly prefixes: readonly string[]
  /**
   * Registered once on the root instance, encapsulated (never wrapped in fastify-plugin): inside
   * it the dialect sets its own error handler and its hooks (query normalisation, project/tenant,
   * auth), so none of them leaks onto another dialect.
   */
  readonly plugin: FastifyPluginAsync<DialectContext>
  /**
   * Unknown paths below these route-scope prefixes first run `onRequest`, the dialect's own
   * request hook, as its routes do (after the root's hooks), then get the root's not-found answer
   * (notFound). One root not-found handler serves every dialect: a Fastify not-found handler per
   * scope put ~70 entries in its router each, a tenth of the start-up.
   */
  readonly notFoundScopes?: { readonly prefixes: readonly string[]; readonly onRequest: onRequestHookHandler }
  /** Shared $id schemas its routes reference; added on the root so the control plane and OpenAPI resolve them. */
  readonly schemas?: readonly TSchema[]
  /** OpenAPI tags of its routes. */
  readonly openapiTags?: ReadonlyArray<{ name: string; description: string }>
  /**
   * Any error (WireError, DomainError, Fastify validation / parser / router errors, or anything
   * else, which is a 500 that never leaks its message) as this dialect answers it. A WireError's
   * `errorCode` is the dialect's own code or class; a fault rule's error arrives as a WireError.
   * `now` is emulator time, for bodies that carry one.
   */
  renderError(err: unknown, now: Date): RenderedError
  /**
   * The error for a path nothing serves, rendered with renderError: the root's not-found handler
   * answers with the owning dialect's (the default dialect's for paths nobody owns).
   */
  notFound(method: string, url: string): Error
  /**
   * The error for a path it serves asked with another method, rendered with renderError as a
   * 405; `allow` is the Allow header's value (src/wire/method-not-allowed.ts).
   */
  methodNotAllowed(method: string, url: string, allow: string): Error
  /** Facts of a request routed inside this dialect (operations, flavor, cluster, namespace, name, chart). */
  factsOf(req: FastifyRequest): DialectFacts
}

/** Whether `path` (no query) is `prefix` or below it. */
export const underPrefix = (path: string, prefix: string): boolean =>
  path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47 /* '/' */ || path.charCodeAt(prefix.length) === 63 /* '?' */)

/** Picks the dialect that owns a path; the first dialect listed is the default for unowned paths. */
export class DialectRouter {
  readonly default: Dialect
  readonly #owners: Array<[string, Dialect]>

  constructor(readonly dialects: readonly Dialect[]) {
    if (dialects.length === 0) throw new Error('at least one dialect is needed')
    this.default = dialects[0]!
    // Longest prefix first, so a dialect may own a path below another's prefix.
    this.#owners = dialects.flatMap((d) => d.prefixes.map((p): [string, Dialect] => [p, d])).sort((a, b) => b[0].length - a[0].length)
  }

  /** The dialect owning this URL (a query string is ignored), or null. */
  owner(url: string): Dialect | null {
    for (const [prefix, dialect] of this.#owners) if (underPrefix(url, prefix)) return dialect
    return null
  }

  /** The owner, else the default dialect. */
  forUrl(url: string): Dialect {
    return this.owner(url) ?? this.default
  }

  /** The request hook an unknown path runs before its 404, if it lies below a dialect's route scope. */
  notFoundHook(url: string): onRequestHookHandler | undefined {
    for (const d of this.dialects) if (d.notFoundScopes?.prefixes.some((p) => underPrefix(url, p))) return d.notFoundScopes.onRequest
    return undefined
  }
}

/** A Fastify error handler answering in `dialect`'s body; 5xx causes are logged, never sent. */
export function dialectErrorHandler(dialect: Pick<Dialect, 'renderError'>, clock: Clock) {
  return (err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const mapped = dialect.renderError(err, clock.now())
    if (mapped.internal) req.log.error({ err }, 'request failed')
    else req.log.debug({ err: (err as Error).message, status: mapped.statusCode }, 'request refused')
    return reply.code(mapped.statusCode).type('application/json').send(mapped.body)
  }
}
