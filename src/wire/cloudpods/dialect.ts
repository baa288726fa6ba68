/**
 * The Cloudpods dialect: the kubeserver's `k8s` service, at /api (spec cloudpods-release-api.md),
 * which climc finds through the Keystone catalog. Its flat error body (./error-map.ts), its query
 * strings (repeats and `key.N` indexes are lists, ./query.ts), and operation names from each
 * route's `config.operation` (./facts.ts).
 *
 * Keystone v3 (/v3, for climc's login) belongs to this dialect too: it mounts as its own scope
 * below, next to /api, and '/v3' joins `prefixes` so its refusals and unknown paths answer here.
 */
import type { FastifyInstance, onRequestHookHandler } from 'fastify'
import { dialectErrorHandler, underPrefix, type Dialect, type DialectContext } from '../dialect.js'
import type { RawQuery } from '../querystring.js'
import { keystoneRoutes } from '../keystone/routes.js'
import { apiRoutes } from './api-routes.js'
import { cloudpodsError, mapCloudpodsError } from './error-map.js'
import { cloudpodsFactsOf } from './facts.js'
import { foldCloudpodsQuery } from './query.js'
import { CloudpodsErrorSchema } from './schemas.js'

/** The framework's answer for a path no handler serves (appsrv: "Handler not found"). */
export const handlerNotFound = (method: string, url: string) => cloudpodsError(404, 'NotFoundError', `Handler not found: ${method} ${url.split('?')[0]}`)

/** Keystone's answer for a /v3 path it does not serve. */
const keystoneNotFound = (method: string, url: string) =>
  cloudpodsError(404, 'NotFoundError', `${method} ${url.split('?')[0]} is not emulated: this Keystone serves POST /v3/auth/tokens only`)

// Callback style: it runs on every request of the dialect. The project stays --project-id until
// Keystone tokens carry one.
const foldQuery: onRequestHookHandler = (req, _reply, done) => {
  req.query = foldCloudpodsQuery(req.query as RawQuery)
  done()
}

async function cloudpodsPlugin(app: FastifyInstance, ctx: DialectContext): Promise<void> {
  app.setErrorHandler(dialectErrorHandler(cloudpodsDialect, ctx.clock))
  app.addHook('onRequest', foldQuery)
  // Unknown paths below /api and /v3 are the root's 404 (notFound, after foldQuery: see
  // notFoundScopes); these scopes hold the routes. Called, not registered: one avvio plugin level
  // less at start-up.
  await app.register((api) => apiRoutes(api, ctx), { prefix: '/api' })
  await app.register((v3) => keystoneRoutes(v3, { keystone: ctx.keystone, region: ctx.config.region ?? 'region0' }), { prefix: '/v3' })
}

export const cloudpodsDialect: Dialect = {
  name: 'cloudpods',
  prefixes: ['/api', '/v3'],
  plugin: cloudpodsPlugin,
  notFoundScopes: { prefixes: ['/api', '/v3'], onRequest: foldQuery },
  schemas: [CloudpodsErrorSchema],
  openapiTags: [
    { name: 'Cloudpods releases', description: '/api/releases (kubeserver)' },
    { name: 'Cloudpods repos', description: '/api/repos (kubeserver)' },
    { name: 'Cloudpods charts', description: '/api/charts (kubeserver)' },
    { name: 'Keystone', description: '/v3: Keystone v3 login for climc (Cloudpods)' },
  ],
  renderError: mapCloudpodsError,
  notFound: (method, url) => (underPrefix(url, '/v3') ? keystoneNotFound(method, url) : handlerNotFound(method, url)),
  methodNotAllowed: (method, url, allow) => cloudpodsError(405, 'MethodNotAllowedError', `${method} ${url.split('?')[0]} is not served; allowed: ${allow}`),
  factsOf: cloudpodsFactsOf,
}
