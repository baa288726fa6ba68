/**
 * Cloudpods repos and charts: `/repos` (kubeserver's `repos` model, framework envelopes) and
 * `/charts` (its helm chart handlers). Mounted by the Cloudpods dialect plugin under `/api`;
 * errors are thrown as domain errors for the dialect's error handler to render.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { NotEmptyError, ValidationError } from '../../errors.js'
import { checkRepoInput, type CreateRepoInput, type RepoService } from '../../cloudpods/repo-service.js'
import { chartDetail, chartListItem, listEnvelope, repoDetail } from './repo-mapper.js'
import {
  ChartDetailSchema,
  ChartListQuerySchema,
  ChartListSchema,
  ChartParamsSchema,
  ChartShowQuerySchema,
  RepoCreateBodySchema,
  RepoEnvelopeSchema,
  RepoListQuerySchema,
  RepoListSchema,
  RepoParamsSchema,
  RepoRouteSchemas,
} from './repo-schemas.js'

export interface RepoRoutesOptions {
  repos: RepoService
}

/** The framework's default page size (consts.GetDefaultPagingLimit). */
export const DEFAULT_PAGE_SIZE = 2048

const REPOS_TAG = 'Cloudpods repos'
const CHARTS_TAG = 'Cloudpods charts'
const { errors } = RepoRouteSchemas

function paging(q: { limit?: string | undefined; offset?: string | undefined }): { limit: number; offset: number } {
  const limit = q.limit === undefined ? DEFAULT_PAGE_SIZE : Number(q.limit)
  return { limit: limit === 0 ? DEFAULT_PAGE_SIZE : Math.min(limit, DEFAULT_PAGE_SIZE), offset: q.offset === undefined ? 0 : Number(q.offset) }
}

export const repoRoutes: FastifyPluginAsyncTypebox<RepoRoutesOptions> = async (app, { repos }) => {
  const detail = (repo: Parameters<typeof repoDetail>[0]) => ({ repo: repoDetail(repo, repos.releaseCount(repo)) })

  app.get(
    '/repos',
    {
      schema: {
        operationId: 'cloudpodsListRepos',
        tags: [REPOS_TAG],
        summary: 'List chart repositories',
        querystring: RepoListQuerySchema,
        response: { 200: RepoListSchema, ...errors },
      },
    },
    async (req) => {
      const { limit, offset } = paging(req.query)
      const names = req.query.name === undefined ? undefined : ([] as string[]).concat(req.query.name)
      const page = repos.list({ type: req.query.type, names, search: req.query.search, limit, offset })
      return listEnvelope('repos', page.repos.map((r) => repoDetail(r, repos.releaseCount(r))), page.total, limit, offset)
    },
  )

  app.get(
    '/repos/:id',
    {
      schema: {
        operationId: 'cloudpodsGetRepo',
        tags: [REPOS_TAG],
        summary: 'Show a chart repository (by id or name)',
        params: RepoParamsSchema,
        response: { 200: RepoEnvelopeSchema, ...errors },
      },
    },
    async (req) => detail(repos.get(req.params.id)),
  )

  app.post(
    '/repos',
    {
      schema: {
        operationId: 'cloudpodsCreateRepo',
        tags: [REPOS_TAG],
        summary: 'Add a chart repository (file:// folder or http(s) Helm repository) and load its charts',
        body: RepoCreateBodySchema,
        response: { 200: RepoEnvelopeSchema, ...errors },
      },
      // The schema requires it too; this runs first, for the framework's own answer.
      preValidation: async (req) => {
        const input = (req.body as { repo?: unknown } | undefined)?.repo
        if (input === undefined) throw new ValidationError('No request key: repo', 'repo')
        if (typeof input === 'object' && input !== null) {
          const { name, type, url } = input as Record<string, unknown>
          if ([name, type, url].every((v) => v === undefined || typeof v === 'string')) checkRepoInput(input as CreateRepoInput)
        }
      },
    },
    async (req) => {
      const input = req.body.repo
      return detail(await repos.create({ name: input.name, type: input.type, url: input.url }))
    },
  )

  app.delete(
    '/repos/:id',
    {
      schema: {
        operationId: 'cloudpodsDeleteRepo',
        tags: [REPOS_TAG],
        summary: 'Delete a chart repository no release uses',
        params: RepoParamsSchema,
        response: { 200: RepoEnvelopeSchema, ...errors },
      },
    },
    async (req) => {
      const repo = repos.delete(req.params.id)
      return { repo: repoDetail(repo, 0) }
    },
  )

  app.post(
    '/repos/:id/sync',
    {
      schema: {
        operationId: 'cloudpodsSyncRepo',
        tags: [REPOS_TAG],
        summary: 'Reload a repository from its URL',
        params: RepoParamsSchema,
        response: { 200: RepoEnvelopeSchema, ...errors },
      },
    },
    async (req) => detail(await repos.sync(req.params.id)),
  )

  app.get(
    '/charts',
    {
      schema: {
        operationId: 'cloudpodsListCharts',
        tags: [CHARTS_TAG],
        summary: "List a repository's charts (the newest version of each, or all_version=true)",
        querystring: ChartListQuerySchema,
        response: { 200: ChartListSchema, ...errors },
      },
      preValidation: async (req) => {
        const repo = (req.query as { repo?: unknown }).repo
        if (repo === undefined || repo === '') throw new NotEmptyError('repo must provided', 'repo')
      },
    },
    async (req) => {
      const q = req.query
      const { limit, offset } = paging(q)
      const { repo, charts } = repos.charts(q.repo, { name: q.name, keyword: q.keyword, version: q.version, allVersions: q.all_version === 'true' || q.all_version === 'True' })
      return listEnvelope('charts', charts.slice(offset, offset + limit).map((c) => chartListItem(repo, c)), charts.length, limit, offset)
    },
  )

  app.get(
    '/charts/:name',
    {
      schema: {
        operationId: 'cloudpodsGetChart',
        tags: [CHARTS_TAG],
        summary: 'Show a chart version with its default values (at .chart.chart.values)',
        params: ChartParamsSchema,
        querystring: ChartShowQuerySchema,
        response: { 200: ChartDetailSchema, ...errors },
      },
      preValidation: async (req) => {
        const repo = (req.query as { repo?: unknown }).repo
        if (repo === undefined || repo === '') throw new ValidationError('repo not provided', 'repo')
      },
    },
    async (req) => {
      const { repo, chart } = repos.chart(req.query.repo, req.params.name, req.query.version)
      return chartDetail(repo, chart)
    },
  )
}
