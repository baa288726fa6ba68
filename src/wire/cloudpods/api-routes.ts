/**
 * The routes under /api (the kubeserver's `k8s` service endpoint), registered inside the /api
 * scope of the Cloudpods plugin: the Cloudpods error handler, query folding and not-found answer
 * already apply. Add each resource here, called with the authenticated scope, e.g.
 *
 *   await releaseRoutes(typed, { releases: ctx.cloudpods.releases })   // GET /releases → GET /api/releases
 *
 * with full schemas (tags: ['Cloudpods releases'], errors: cloudpodsErrorResponses from ./schemas.js)
 * and `config: { operation: 'create' }` for the fault/journal name (./facts.ts). Authentication
 * (X-Auth-Token) belongs here too, as a hook on this scope, so an unknown path stays a 404
 * without a token, as on the real server.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import type { DialectContext } from '../dialect.js'
import { registerCloudpodsAuth } from '../keystone/api-auth.js'
import { releaseRoutes } from './release-routes.js'
import { repoRoutes } from './repo-routes.js'

export async function apiRoutes(api: FastifyInstance, ctx: DialectContext): Promise<void> {
  // One scope below the /api not-found handler: an unknown path is a 404 with or without a token.
  await api.register(async (authed) => {
    registerCloudpodsAuth(authed, { keystone: ctx.keystone, clock: ctx.clock })
    // Called rather than registered as plugins (neither adds hooks of its own): fewer avvio
    // plugin levels at start-up.
    const typed = authed.withTypeProvider<TypeBoxTypeProvider>()
    await repoRoutes(typed, { repos: ctx.cloudpods.repos })
    await releaseRoutes(typed, { releases: ctx.cloudpods.releases })
  })
}
