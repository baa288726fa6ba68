/** TypeBox schemas of the CCE / Autopilot chart API (spec §2.1, §2.6-2.8), field types as the SDKs decode them. */
import { Type, type Static } from '@sinclair/typebox'
import { UPLOAD_FIELD_LIMITS } from './chart-upload.js'

export const ChartRespSchema = Type.Object(
  {
    id: Type.String({ description: 'Chart id (UUID)' }),
    name: Type.String({ description: 'Chart name, from Chart.yaml' }),
    values: Type.String({ description: 'values.yaml as a JSON string (not an object)' }),
    translate: Type.String({ description: 'Always ""' }),
    instruction: Type.String({ description: '"README.md" when the package has a README, else ""' }),
    version: Type.String({ description: 'Chart version, from Chart.yaml', examples: ['1.0.0'] }),
    description: Type.String({ description: 'From Chart.yaml' }),
    source: Type.String({ description: 'The `source` upload parameter, "" when none was given' }),
    icon_url: Type.String({ description: 'Chart.yaml `icon`' }),
    public: Type.Boolean({ description: 'Always false: uploaded and preloaded charts are private' }),
    chart_url: Type.String({ description: 'Package file name, `<name>-<version>.tgz`' }),
    create_at: Type.String({ description: 'RFC 3339' }),
    update_at: Type.String({ description: 'RFC 3339' }),
  },
  { $id: 'ChartResp' },
)
export type ChartResp = Static<typeof ChartRespSchema>

export const ChartListSchema = Type.Array(Type.Ref(ChartRespSchema))

export const ChartValuesSchema = Type.Object(
  { values: Type.Object({}, { additionalProperties: true, description: "The chart's values.yaml, every top-level key" }) },
  { $id: 'ChartValues' },
)

export const ChartQuotaSchema = Type.Object(
  {
    quotas: Type.Object({
      resources: Type.Array(
        Type.Object({
          type: Type.String({ examples: ['Charts'] }),
          quota: Type.Integer({ description: 'Chart names allowed (--chart-quota)' }),
          used: Type.Integer({ description: 'Distinct chart names stored; all versions of a chart count once' }),
        }),
      ),
    }),
  },
  { $id: 'ChartQuotaResp' },
)

export const ChartIdParamsSchema = Type.Object({ chart_id: Type.String({ minLength: 1, maxLength: 128 }) })

/** A project id as X-Project-Id and the SDKs' credentials carry it. */
export const PROJECT_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$'

export const ProjectParamsSchema = Type.Object({ project_id: Type.String({ pattern: PROJECT_ID_PATTERN, description: 'The project id (1-64 letters, digits, "_" or "-")' }) })

/**
 * The multipart body, for the OpenAPI document only: @fastify/multipart streams the parts in the
 * handler, so Fastify validates nothing here (see `documentMultipart`).
 */
export const ChartUploadBodySchema = Type.Object(
  {
    content: Type.String({
      format: 'binary',
      description: 'The chart package (.tgz made by `helm package`, at most --chart-max-bytes, 10 MiB by default); the filename may carry a path',
    }),
    parameters: Type.Optional(
      Type.String({
        maxLength: UPLOAD_FIELD_LIMITS.fieldSize,
        description: 'A JSON string: {"override": bool, "skip_lint": bool, "visible": bool, "source": string}; "" means none',
        examples: ['{"override":true,"skip_lint":true,"source":"package"}'],
      }),
    ),
  },
  {
    $id: 'ChartUploadBody',
    // Other text fields are read and ignored, within the part limits (UPLOAD_FIELD_LIMITS).
    additionalProperties: Type.String({ maxLength: UPLOAD_FIELD_LIMITS.fieldSize }),
    maxProperties: UPLOAD_FIELD_LIMITS.files + UPLOAD_FIELD_LIMITS.fields,
  },
)

/** The binary DownloadChart answer. */
export const ChartArchiveSchema = Type.String({ format: 'binary', description: 'The chart package exactly as uploaded' })
