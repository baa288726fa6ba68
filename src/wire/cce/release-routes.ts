/**
 * CCE / Autopilot release routes, mounted once per flavour (`/cce/cam/v3`, `/autopilot/cam/v3`).
 * Handlers map, call the service, map back; rules live in src/releases.
 *
 * LIMITATIONS (see README): `cluster_name` echoes the cluster id; `parameters` is always "";
 * `description` (request) is accepted and not stored, as CCE does not return it; hooks,
 * `recreate`, `name_template` and `no_hooks` are accepted and have no effect.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyReply } from 'fastify'
import { ValidationError } from '../../errors.js'
import { validateNamespace, validateReleaseName } from '../../releases/names.js'
import type { ReleaseService } from '../../releases/release-service.js'
import type { Flavor, ReleaseKey, Revision } from '../../releases/release.js'
import { cceErrorResponses } from '../common/schemas.js'
import { JSON_TYPE } from '../common/json-type.js'
import { flag, params, releaseBytes, valuesOf, wantsResources } from './release-mapper.js'
import { sendList, streamList } from './release-list-stream.js'
import {
  ClusterParamsSchema,
  CreateReleaseBodySchema,
  ListQuerySchema,
  ReleaseListSchema,
  ReleaseParamsPathSchema,
  ReleaseRespSchema,
  ShowResourcesQuerySchema,
  UpdateReleaseBodySchema,
  updateActionOf,
} from './release-schemas.js'

/** Lists up to this long are answered whole (and kept); longer ones are streamed page by page. */
export const WHOLE_LIST_MAX = 1000
/** Releases read per page of a streamed list; the stream serializes them by bytes (release-list-stream.ts). */
export const LIST_PAGE = 100

const badAction = () => new ValidationError('must be "upgrade" or "rollback" (empty or absent means "upgrade")', 'action')

export interface ReleaseRoutesOptions {
  flavor: Flavor
  releases: ReleaseService
}

export const releaseRoutes: FastifyPluginAsyncTypebox<ReleaseRoutesOptions> = async (app, { flavor, releases }) => {
  const tags = [flavor === 'cce' ? 'CCE releases' : 'Autopilot releases']
  const opId = (op: string) => (flavor === 'cce' ? op : op.replace('Release', 'AutopilotRelease'))
  const itemPath = '/clusters/:cluster_id/namespace/:namespace/releases/:name'
  const release = Type.Ref(ReleaseRespSchema)
  const one = (summary: string, operationId: string) => ({
    tags,
    summary,
    operationId: opId(operationId),
    response: { 200: release, ...cceErrorResponses },
  })
  const keyOf = (projectId: string, p: { cluster_id: string; namespace: string; name: string }): ReleaseKey => ({
    projectId,
    flavor,
    clusterId: p.cluster_id,
    namespace: p.namespace,
    name: p.name,
  })
  // Answers are sent as bytes kept per revision (release-mapper.ts); the response schemas still
  // describe them (OpenAPI, and the byte-identity test against their serializer).
  const sendBytes = (reply: FastifyReply, bytes: Buffer) => reply.type(JSON_TYPE).send(bytes)
  const answer = (reply: FastifyReply, r: Revision, showResources: boolean) =>
    sendBytes(reply, releaseBytes(r, showResources ? releases.resources(r) : undefined))

  app.post(
    '/clusters/:cluster_id/releases',
    {
      schema: {
        tags,
        summary: 'Create a release (helm install)',
        operationId: opId('CreateRelease'),
        params: ClusterParamsSchema,
        body: Type.Ref(CreateReleaseBodySchema),
        response: { 201: release, ...cceErrorResponses },
      },
      // The schema states the name rules; the domain's check runs first for Helm's wording.
      preValidation: async (req) => {
        const body = req.body as { name?: unknown; namespace?: unknown } | undefined
        if (typeof body?.name === 'string') validateReleaseName(body.name)
        if (typeof body?.namespace === 'string') validateNamespace(body.namespace)
      },
    },
    async (req, reply) => {
      const b = req.body
      const p = params(b.parameters)
      const created = releases.create(
        { projectId: req.projectId, flavor, clusterId: req.params.cluster_id },
        { name: b.name, namespace: b.namespace, chartId: b.chart_id, version: b.version, values: valuesOf(b.values), dryRun: flag(p.dry_run), oneWrite: true },
      )
      return sendBytes(reply.code(201), releaseBytes(created))
    },
  )

  app.get(
    '/clusters/:cluster_id/releases',
    {
      schema: {
        tags,
        summary: 'List releases (latest revision of each)',
        operationId: opId('ListReleases'),
        params: ClusterParamsSchema,
        querystring: ListQuerySchema,
        response: { 200: ReleaseListSchema, ...cceErrorResponses },
      },
    },
    async (req, reply) => {
      const scope = { projectId: req.projectId, flavor, clusterId: req.params.cluster_id }
      const filter = { chartId: req.query.chart_id || undefined, namespace: req.query.namespace || undefined }
      const whole = releases.listUpTo(scope, filter, WHOLE_LIST_MAX)
      if (whole) return sendList(req, reply, whole)
      return streamList(req, reply, releases.listPages(scope, filter, LIST_PAGE))
    },
  )

  app.get(
    itemPath,
    { schema: { ...one('Show a release', 'ShowRelease'), params: ReleaseParamsPathSchema, querystring: ShowResourcesQuerySchema } },
    async (req, reply) => answer(reply, releases.get(keyOf(req.projectId, req.params)), wantsResources(req.query)),
  )

  app.put(
    itemPath,
    {
      schema: {
        ...one('Upgrade or roll back a release', 'UpdateRelease'),
        params: ReleaseParamsPathSchema,
        querystring: ShowResourcesQuerySchema,
        body: Type.Ref(UpdateReleaseBodySchema),
      },
      // The schema lists the actions; this answers first, naming them and the empty default.
      preValidation: async (req) => {
        const body = req.body as { action?: unknown } | undefined
        if (body && typeof body === 'object' && !updateActionOf(body.action)) throw badAction()
      },
    },
    async (req, reply) => {
      const key = keyOf(req.projectId, req.params)
      const b = req.body
      const p = params(b.parameters)
      const action = updateActionOf(b.action)
      if (!action) throw badAction()
      const updated =
        action === 'rollback'
          ? releases.rollback(key, { target: p.release_version ?? undefined, dryRun: flag(p.dry_run), oneWrite: true })
          : releases.upgrade(key, {
              chartId: b.chart_id,
              values: valuesOf(b.values),
              dryRun: flag(p.dry_run),
              resetValues: flag(p.reset_values),
              reuseValues: flag(p.replace),
              oneWrite: true,
            })
      return answer(reply, updated, wantsResources(req.query))
    },
  )

  app.delete(
    itemPath,
    { schema: { ...one('Delete a release (helm uninstall)', 'DeleteRelease'), params: ReleaseParamsPathSchema, querystring: ShowResourcesQuerySchema } },
    async (req, reply) => answer(reply, releases.uninstall(keyOf(req.projectId, req.params)), wantsResources(req.query)),
  )

  app.get(
    `${itemPath}/history`,
    {
      schema: {
        tags,
        summary: 'Release history, one entry per revision, oldest first',
        operationId: opId('ShowReleaseHistory'),
        params: ReleaseParamsPathSchema,
        response: { 200: ReleaseListSchema, ...cceErrorResponses },
      },
    },
    async (req, reply) => sendList(req, reply, releases.history(keyOf(req.projectId, req.params))),
  )
}
