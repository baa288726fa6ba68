/**
 * Cloudpods releases, `/releases` under /api (spec cloudpods-release-api.md §4 rows 1-9, climc
 * wire §2): the framework's envelopes, every success a 200. Errors are thrown (domain errors, or
 * cloudpodsError for the framework's own classes) for the dialect's error handler to render.
 * `config.operation` names each route in fault rules and the journal.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { chartRefOf, type CloudpodsReleaseService } from '../../cloudpods/release-service.js'
import type { CloudpodsRelease } from '../../cloudpods/release.js'
import { ValidationError } from '../../errors.js'
import { cloudpodsError } from './error-map.js'
import { first, type ListQueryInput, parseReleaseListQuery } from './list-query.js'
import { helmRelease, historyEntry, releaseColumns, releaseDetail, releaseListItem } from './release-mapper.js'
import {
  CreateReleaseBodySchema,
  HelmReleaseEnvelopeSchema,
  HistoryEnvelopeSchema,
  HistoryQuerySchema,
  ListQuerySchema,
  ReleaseEnvelopeSchema,
  ReleaseIdParamsSchema,
  ReleaseListSchema,
  type ReleaseList,
  RELEASES_TAG,
  releaseErrors,
  RollbackBodySchema,
  ShowQuerySchema,
  UpgradeReleaseBodySchema,
  LegacyUpgradeBodySchema,
  LEGACY_UPGRADE_FIELDS,
} from './release-schemas.js'

export interface ReleaseRoutesOptions {
  releases: CloudpodsReleaseService
}

type Body = Record<string, unknown>
/** The framework accepts a perform/update body wrapped in the keyword or bare. */
const unwrap = (body: Body | null | undefined): Body => {
  const inner = body?.release
  return inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? (inner as Body) : (body ?? {})
}
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

const isLegacyUpgrade = (body: Body) => LEGACY_UPGRADE_FIELDS.some((f) => body[f] !== undefined)

const upgradeInput = (b: Body) => ({
  version: str(b.version),
  values: str(b.values),
  sets: b.sets as Record<string, string> | undefined,
  valuesJson: b.values_json as Record<string, unknown> | undefined,
})

export const releaseRoutes: FastifyPluginAsyncTypebox<ReleaseRoutesOptions> = async (app, { releases }) => {
  const detail = (r: CloudpodsRelease) => ({ release: releaseDetail(r, releases.declared(r)) })
  // Create, rollback and delete answer the detail without `resources`: only GET fills it.
  const item = (r: CloudpodsRelease) => ({ release: releaseListItem(r, releases.declared(r)) })
  const upgrade = (id: string, body: Body) => {
    const result = releases.upgrade(id, upgradeInput(body))
    return { release: helmRelease(result.revision, result.chart, result.defaults, releases.declared(result.release)) }
  }
  const meta = (operationId: string, summary: string) => ({ operationId, summary, tags: [RELEASES_TAG] })

  app.get(
    '/releases',
    {
      config: { operation: 'list' },
      // The schema states the order words and fields; this answers first, with the framework's sentences.
      preValidation: async (req) => {
        parseReleaseListQuery(req.query as ListQueryInput)
      },
      schema: { ...meta('cloudpodsListReleases', 'List releases (climc k8s-release-list)'), querystring: ListQuerySchema, response: { 200: ReleaseListSchema, ...releaseErrors } },
    },
    async (req) => {
      const { query, details } = parseReleaseListQuery(req.query)
      const { items, total } = releases.list(query)
      const out: ReleaseList = {
        releases: items.map((r) => (details ? releaseListItem(r, releases.declared(r)) : releaseColumns(r))),
      }
      // jsonutils omits zero members: an empty answer is exactly {"releases": []}.
      if (total > 0) out.total = total
      const limit = query.forceNoPaging ? 0 : query.limit || 2048
      if (total > 0 && limit > 0) out.limit = limit
      if (query.offset > 0) out.offset = query.offset
      return out
    },
  )

  app.post(
    '/releases',
    {
      config: { operation: 'create' },
      // The schema states how the chart is named; this answers first, with kubeserver's sentences.
      preValidation: async (req) => {
        const r = (req.body as { release?: unknown } | undefined)?.release
        if (r === null || typeof r !== 'object' || Array.isArray(r)) return
        const { repo, chart, chart_name: chartName } = r as Record<string, unknown>
        if ([repo, chart, chartName].every((v) => v === undefined || typeof v === 'string')) {
          chartRefOf({ repo, chart, chartName } as { repo?: string; chart?: string; chartName?: string })
        }
      },
      schema: { ...meta('cloudpodsCreateRelease', 'Install a chart from a repo (climc k8s-release-create)'), body: CreateReleaseBodySchema, response: { 200: ReleaseEnvelopeSchema, ...releaseErrors } },
    },
    async (req) => {
      const r = req.body.release
      const created = releases.create({
        chartName: r.chart_name,
        repo: r.repo,
        chart: r.chart,
        name: r.name,
        releaseName: r.release_name,
        cluster: r.cluster,
        clusterId: r.cluster_id,
        namespace: r.namespace,
        namespaceId: r.namespace_id,
        version: r.version,
        values: r.values,
        sets: r.sets,
        valuesJson: r.values_json,
        dryRun: r.dry_run,
      })
      return item(created)
    },
  )

  app.get(
    '/releases/:id',
    {
      config: { operation: 'show' },
      schema: { ...meta('cloudpodsShowRelease', 'Show a release by id or name, with the objects it declares (climc k8s-release-show)'),
        params: ReleaseIdParamsSchema,
        querystring: ShowQuerySchema,
        response: { 200: ReleaseEnvelopeSchema, ...releaseErrors },
      },
    },
    async (req) => {
      const q = req.query
      return detail(releases.get(req.params.id, { cluster: first(q.cluster), clusterId: first(q.cluster_id), namespace: first(q.namespace), namespaceId: first(q.namespace_id) }))
    },
  )

  app.post(
    '/releases/:id/upgrade',
    {
      config: { operation: 'upgrade' },
      schema: { ...meta('cloudpodsUpgradeRelease', "Helm upgrade; answers Helm's release object (climc k8s-release-upgrade, 3.9+)"),
        params: ReleaseIdParamsSchema,
        body: UpgradeReleaseBodySchema,
        response: { 200: HelmReleaseEnvelopeSchema, ...releaseErrors },
      },
    },
    async (req) => upgrade(req.params.id, unwrap(req.body)),
  )

  app.put(
    '/releases/:id',
    {
      config: { operation: 'upgrade' },
      schema: { ...meta('cloudpodsLegacyUpgradeRelease', "The seed's upgrade (climc <= 3.8): a PUT carrying chart_name / release_name / values_json / version upgrades; other updates are refused"),
        params: ReleaseIdParamsSchema,
        body: LegacyUpgradeBodySchema,
        response: { 200: HelmReleaseEnvelopeSchema, ...releaseErrors },
      },
      // The schema states the upgrade fields; this answers first, saying what to use instead.
      preValidation: async (req) => {
        const body = req.body as Body | null | undefined
        if ((body == null || (typeof body === 'object' && !Array.isArray(body))) && !isLegacyUpgrade(unwrap(body))) throw noGenericUpdate()
      },
    },
    async (req) => {
      const body = unwrap(req.body)
      if (!isLegacyUpgrade(body)) throw noGenericUpdate()
      return upgrade(req.params.id, body)
    },
  )

  app.patch(
    '/releases/:id',
    {
      config: { operation: 'update' },
      schema: { ...meta('cloudpodsUpdateRelease', 'The generic row update: always refused with 400 InputParameterError, whatever the body (use upgrade)'),
        params: ReleaseIdParamsSchema,
        body: Type.Unknown(),
        response: releaseErrors,
      },
    },
    async () => {
      throw noGenericUpdate()
    },
  )

  app.get(
    '/releases/:id/history',
    {
      config: { operation: 'history' },
      schema: { ...meta('cloudpodsReleaseHistory', 'Revisions, newest first (climc k8s-release-history)'),
        params: ReleaseIdParamsSchema,
        querystring: HistoryQuerySchema,
        response: { 200: HistoryEnvelopeSchema, ...releaseErrors },
      },
    },
    async (req) => {
      const q = req.query
      // A GET: the query's cluster/namespace narrow a name, as for show.
      const scope = { cluster: first(q.cluster), clusterId: first(q.cluster_id), namespace: first(q.namespace), namespaceId: first(q.namespace_id) }
      return { release: releases.history(req.params.id, scope).map(historyEntry) }
    },
  )

  app.post(
    '/releases/:id/rollback',
    {
      config: { operation: 'rollback' },
      schema: { ...meta('cloudpodsRollbackRelease', 'Helm rollback to a revision (0: the previous one); answers the release (climc k8s-release-rollback)'),
        params: ReleaseIdParamsSchema,
        body: RollbackBodySchema,
        response: { 200: ReleaseEnvelopeSchema, ...releaseErrors },
      },
      // The schema states revision >= 0; this answers first, with kubeserver's sentence.
      preValidation: async (req) => {
        const revision = unwrap(req.body as Body | null | undefined).revision
        if (typeof revision === 'number' && revision < 0) throw new ValidationError('invalid release revision', 'revision')
      },
    },
    async (req) => {
      const revision = unwrap(req.body).revision
      return item(releases.rollback(req.params.id, typeof revision === 'number' ? revision : 0))
    },
  )

  app.delete(
    '/releases/:id',
    {
      config: { operation: 'delete' },
      schema: { ...meta('cloudpodsDeleteRelease', 'Uninstall: answers the release (deleting); it is gone once the uninstall completes (climc k8s-release-delete)'),
        params: ReleaseIdParamsSchema,
        body: Type.Unknown({ description: 'Optional and ignored (climc sends {"release": {"cluster", "namespace"}})' }),
        response: { 200: ReleaseEnvelopeSchema, ...releaseErrors },
      },
    },
    async (req) => item(releases.delete(req.params.id)),
  )

  // The framework's generic routes that mean nothing for releases.
  const SpecParams = Type.Object({ id: Type.String(), spec: Type.String() })
  app.get(
    '/releases/:id/:spec',
    {
      config: { operation: 'show' },
      schema: { ...meta('cloudpodsReleaseSpec', 'Any other spec: 404 SpecNotFoundError'), params: SpecParams, response: releaseErrors },
    },
    async (req) => {
      throw cloudpodsError(404, 'SpecNotFoundError', `release ${req.params.id} ${req.params.spec} not found`)
    },
  )
  app.post(
    '/releases/:id/:spec',
    {
      config: { operation: 'perform' },
      schema: { ...meta('cloudpodsReleaseAction', 'Any other action (purge, status, ...): 404 ActionNotFoundError'), params: SpecParams, body: Type.Unknown(), response: releaseErrors },
    },
    async (req) => {
      throw cloudpodsError(404, 'ActionNotFoundError', `release perform ${req.params.spec} not found, please check service version, current version: emulator`)
    },
  )
}

const noGenericUpdate = () =>
  cloudpodsError(
    400,
    'InputParameterError',
    'the emulator does not update release rows (description/config): upgrade with POST /api/releases/{id}/upgrade, or PUT with chart_name/release_name/values_json/version',
  )
