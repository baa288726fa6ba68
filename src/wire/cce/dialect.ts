/**
 * The CCE dialect: Huawei CCE and Autopilot behind their API gateway. Releases under
 * /cce/cam/v3 and /autopilot/cam/v3, charts under /v2/charts and /autopilot/v2/charts; the
 * CCE error body (src/wire/cce/error-map.ts); X-Project-Id; first-value-wins query strings;
 * the gateway's authentication (src/wire/auth.ts).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { authHook } from '../auth.js'
import { CceErrorSchema } from '../common/schemas.js'
import { dialectErrorHandler, type Dialect, type DialectContext } from '../dialect.js'
import { WireError } from '../errors.js'
import { chartRoutes } from './chart-routes.js'
import { ChartQuotaSchema, ChartRespSchema, ChartUploadBodySchema, ChartValuesSchema } from './chart-schemas.js'
import { mapCceError } from './error-map.js'
import { cceFactsOf } from './facts.js'
import { releaseRoutes } from './release-routes.js'
import { CreateReleaseBodySchema, ReleaseParamsSchema, ReleaseRespSchema, UpdateReleaseBodySchema } from './release-schemas.js'
import { cceRequestHook, declareProjectHeader } from './request-hooks.js'

/** The API gateway's answer for a path it does not publish. */
export const apiNotFound = (method: string, url: string): WireError =>
  new WireError(404, 'APIGW.0101', `The API does not exist or has not been published in the environment: ${method} ${url.split('?')[0]}`)

/** The route scopes (prefix, flavour): the gateway's 404 for an unknown path below one runs the CCE request hook first. */
const RELEASE_SCOPES = [['/cce/cam/v3', 'cce'], ['/autopilot/cam/v3', 'autopilot']] as const
const CHART_SCOPES = [['/v2/charts', 'cce'], ['/autopilot/v2/charts', 'autopilot']] as const
const requestHook = cceRequestHook()

async function ccePlugin(app: FastifyInstance, ctx: DialectContext): Promise<void> {
  const { config, clock, releases, charts } = ctx
  app.setErrorHandler(dialectErrorHandler(cceDialect, clock))
  app.addHook('onRequest', requestHook)
  app.addHook('onRoute', declareProjectHeader)

  // Each prefix is a scope holding the routes and the auth hook. An unknown path below it is the
  // root's 404 (after this dialect's request hook: notFoundScopes below), so it never meets the
  // credential check.
  const mount = async (prefix: string, routes: (scope: FastifyInstance) => Promise<void>) => app.register(routes, { prefix })

  // One gateway check for every CCE-facing scope. It is a preParsing hook so verify mode can hash
  // the raw body before anything parses or handles it.
  const auth = authHook({ mode: config.auth, credentials: config.credentials, tokens: config.tokens, clock, maxBodyBytes: config.bodyLimit })
  // The route plugins run inside the auth scope rather than as plugins of their own: each avvio
  // plugin level is start-up time, and these scopes hold nothing else.
  for (const [prefix, flavor] of RELEASE_SCOPES) {
    await mount(prefix, async (scoped) => {
      scoped.addHook('preParsing', auth)
      await releaseRoutes(scoped.withTypeProvider<TypeBoxTypeProvider>(), { flavor, releases })
    })
  }
  // Chart uploads are bigger than JSON bodies: a signed upload without X-Sdk-Content-Sha256 is hashed up to the package limit.
  const chartAuth = authHook({ mode: config.auth, credentials: config.credentials, tokens: config.tokens, clock, maxBodyBytes: charts.limits.maxPackageBytes + 64 * 1024 })
  for (const [prefix, flavor] of CHART_SCOPES) {
    await mount(prefix, async (scoped) => {
      scoped.addHook('preParsing', chartAuth)
      await chartRoutes(scoped.withTypeProvider<TypeBoxTypeProvider>(), { flavor, charts })
    })
  }
}

/** CCE codes are CCE.01<status><serial>, as CCE.01400001 and CCE.01404001. */
export const methodNotAllowed = (method: string, url: string, allow: string): WireError =>
  new WireError(405, 'CCE.01405001', `Method not allowed: ${method} ${url.split('?')[0]} takes ${allow}`)

export const cceDialect: Dialect = {
  name: 'cce',
  // Wider than the route prefixes: any path under them is the gateway's (its 404, its refusals).
  prefixes: ['/cce', '/autopilot', '/v2'],
  plugin: ccePlugin,
  notFoundScopes: { prefixes: [...RELEASE_SCOPES, ...CHART_SCOPES].map(([prefix]) => prefix), onRequest: requestHook },
  schemas: [CceErrorSchema, ReleaseRespSchema, ReleaseParamsSchema, CreateReleaseBodySchema, UpdateReleaseBodySchema, ChartRespSchema, ChartValuesSchema, ChartQuotaSchema, ChartUploadBodySchema],
  openapiTags: [
    { name: 'CCE releases', description: '/cce/cam/v3' },
    { name: 'Autopilot releases', description: '/autopilot/cam/v3' },
    { name: 'CCE charts', description: '/v2/charts' },
    { name: 'Autopilot charts', description: '/autopilot/v2/charts' },
  ],
  renderError: (err) => mapCceError(err),
  notFound: apiNotFound,
  methodNotAllowed,
  factsOf: cceFactsOf,
}
