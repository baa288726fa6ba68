/**
 * CCE / Autopilot chart routes, mounted once per flavour (`/v2/charts`, `/autopilot/v2/charts`).
 * @fastify/multipart is registered inside this plugin only, so no other route accepts
 * multipart bodies. Handlers read the upload, call the service, map back.
 */
import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifySchema } from 'fastify'
import type { ChartScope } from '../../charts/chart.js'
import type { ChartService } from '../../charts/chart-service.js'
import type { Flavor } from '../../releases/release.js'
import { CceErrorSchema, cceErrorResponses } from '../common/schemas.js'
import { WireError } from '../errors.js'
import { attachment, toChartResp } from './chart-mapper.js'
import { JSON_TYPE } from '../common/json-type.js'
import {
  ChartArchiveSchema,
  ChartIdParamsSchema,
  ChartListSchema,
  ChartQuotaSchema,
  ChartRespSchema,
  ChartUploadBodySchema,
  ChartValuesSchema,
  PROJECT_ID_PATTERN,
  ProjectParamsSchema,
} from './chart-schemas.js'
import { keepBufferedUpload, readChartUpload, UPLOAD_FIELD_LIMITS } from './chart-upload.js'

export interface ChartRoutesOptions {
  flavor: Flavor
  charts: ChartService
}

const PROJECT_ID = new RegExp(PROJECT_ID_PATTERN)

/** 403 too: an exhausted chart quota, or a quota path naming another project. */
const errors = { ...cceErrorResponses, 403: Type.Ref(CceErrorSchema) }

/**
 * Documents a multipart body in the OpenAPI document without giving Fastify a body schema to
 * validate (the parts are streamed in the handler, so there is no parsed body to check).
 */
const documentMultipart = {
  swaggerTransform: ({ schema, url }: { schema: FastifySchema; url: string }) => ({
    schema: { ...schema, consumes: ['multipart/form-data'], body: Type.Ref(ChartUploadBodySchema) },
    url,
  }),
}

export const chartRoutes: FastifyPluginAsyncTypebox<ChartRoutesOptions> = async (app, { flavor, charts }) => {
  await app.register(multipart, {
    limits: { ...UPLOAD_FIELD_LIMITS, fileSize: charts.limits.maxPackageBytes },
    throwFileSizeLimit: true,
  })
  app.decorateRequest('bufferedUpload', undefined)
  app.addHook('preParsing', keepBufferedUpload(charts.limits.maxPackageBytes))

  const tags = [flavor === 'cce' ? 'CCE charts' : 'Autopilot charts']
  const opId = (op: string) => (flavor === 'cce' ? op : op.replace(/Chart|UserCharts/, (m) => `Autopilot${m}`))
  const chart = Type.Ref(ChartRespSchema)
  const scopeOf = (projectId: string): ChartScope => ({ projectId, flavor })
  const maxBytes = charts.limits.maxPackageBytes

  app.post(
    '/',
    {
      prefixTrailingSlash: 'no-slash',
      config: documentMultipart,
      schema: {
        tags,
        summary: 'Upload a chart package (multipart: file part `content`, optional text part `parameters`)',
        operationId: opId('UploadChart'),
        response: { 201: chart, ...errors },
      },
    },
    async (req, reply) => {
      const upload = await readChartUpload(req, maxBytes)
      const created = await charts.upload(scopeOf(req.projectId), upload.bytes, upload.parameters)
      req.log.debug({ id: created.id, name: created.name, version: created.version, filename: upload.filename }, 'chart uploaded')
      return reply.code(201).send(toChartResp(created))
    },
  )

  app.get(
    '/',
    {
      prefixTrailingSlash: 'no-slash',
      schema: {
        tags,
        summary: 'List charts (every version), a bare array',
        operationId: opId('ListCharts'),
        response: { 200: ChartListSchema, ...errors },
      },
    },
    async (req) => charts.list(scopeOf(req.projectId)).map(toChartResp),
  )

  app.get(
    '/:chart_id',
    {
      schema: {
        tags,
        summary: 'Show a chart',
        operationId: opId('ShowChart'),
        params: ChartIdParamsSchema,
        response: { 200: chart, ...errors },
      },
    },
    async (req) => toChartResp(charts.get(scopeOf(req.projectId), req.params.chart_id)),
  )

  app.put(
    '/:chart_id',
    {
      config: documentMultipart,
      schema: {
        tags,
        summary: 'Update a chart by re-uploading its package (same chart name; the id stays)',
        operationId: opId('UpdateChart'),
        params: ChartIdParamsSchema,
        response: { 200: chart, ...errors },
      },
    },
    async (req) => {
      const scope = scopeOf(req.projectId)
      // An unknown chart is a 404 before its upload is read.
      charts.get(scope, req.params.chart_id)
      const upload = await readChartUpload(req, maxBytes)
      return toChartResp(await charts.update(scope, req.params.chart_id, upload.bytes, upload.parameters))
    },
  )

  app.delete(
    '/:chart_id',
    {
      schema: {
        tags,
        summary: 'Delete a chart; answers the deleted chart. Releases installed from it keep running.',
        operationId: opId('DeleteChart'),
        params: ChartIdParamsSchema,
        response: { 200: chart, ...errors },
      },
    },
    async (req) => toChartResp(charts.delete(scopeOf(req.projectId), req.params.chart_id)),
  )

  app.get(
    '/:chart_id/archive',
    {
      schema: {
        tags,
        summary: 'Download the chart package exactly as uploaded',
        operationId: opId('DownloadChart'),
        params: ChartIdParamsSchema,
        response: { 200: { content: { 'application/octet-stream': { schema: ChartArchiveSchema } } }, ...errors },
      },
    },
    async (req, reply) => {
      const { bytes, fileName } = charts.archive(scopeOf(req.projectId), req.params.chart_id)
      return reply.type('application/octet-stream').header('content-disposition', attachment(fileName)).send(bytes as never)
    },
  )

  app.get(
    '/:chart_id/values',
    {
      schema: {
        tags,
        summary: "The chart's values.yaml as JSON",
        operationId: opId('ShowChartValues'),
        params: ChartIdParamsSchema,
        response: { 200: Type.Ref(ChartValuesSchema), ...errors },
      },
    },
    // The stored text as is: the schema's serializer would parse and write back up to ~1 MB of defaults.
    async (req, reply) => reply.type(JSON_TYPE).send(`{"values":${charts.valuesJson(scopeOf(req.projectId), req.params.chart_id)}}` as never),
  )

  app.get(
    '/:project_id/quotas',
    {
      schema: {
        tags,
        summary: 'Chart quota of the project in the path (all versions of a chart count once)',
        operationId: opId('ShowUserChartsQuotas'),
        params: ProjectParamsSchema,
        response: { 200: Type.Ref(ChartQuotaSchema), ...errors },
      },
      // Before schema validation, which would refuse it too but without saying what to fix.
      preValidation: async (req) => {
        const projectId = (req.params as { project_id: string }).project_id
        if (!PROJECT_ID.test(projectId)) {
          throw new WireError(400, 'CCE.01400001', `Invalid request: project_id "${projectId}" in the path is not a project id; configure project_id in the SDK credentials`)
        }
      },
    },
    async (req) => {
      const projectId = req.params.project_id
      const header = req.headers['x-project-id']
      if (typeof header === 'string' && header !== '' && header !== projectId) {
        throw new WireError(403, 'CCE.01403001', `Forbidden. The path names project ${projectId} but the request is for project ${header} (X-Project-Id).`)
      }
      const { quota, used } = charts.quota(scopeOf(projectId))
      return { quotas: { resources: [{ type: 'Charts', quota, used }] } }
    },
  )
}
