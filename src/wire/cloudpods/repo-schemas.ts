/**
 * TypeBox schemas of the Cloudpods repo and chart routes (kubeserver's `repos` model and its
 * helm chart handlers). Bodies follow the framework's envelopes: `{"repo": {...}}` for one repo,
 * `{"repos": [...], "total", "limit", "offset"}` for a list (members 0 are omitted, as jsonutils
 * omits them), `{"chart": {...}}` for one chart.
 */
import { Type, type Static } from '@sinclair/typebox'
import { MAX_URL_LENGTH, REPO_NAME } from '../../cloudpods/repo-service.js'

const Str = (description?: string) => Type.String(description ? { description } : {})
const Paging = {
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$', description: 'Page size; default 2048' })),
  offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$', description: 'Items to skip' })),
}
const Values = Type.Object({}, { additionalProperties: true, description: 'values.yaml of the chart version, as JSON' })

/** The flat Cloudpods error body (httperrors.HTTPError). */
export const CloudpodsErrorBody = Type.Object(
  {
    code: Type.Integer(),
    class: Str('e.g. ResourceNotFoundError, InputParameterError, NotEmptyError, NotAcceptableError, DuplicateNameError'),
    details: Str(),
    time: Type.Optional(Str('RFC 3339')),
  },
  { additionalProperties: true },
)

const errors = { 400: CloudpodsErrorBody, 404: CloudpodsErrorBody, 406: CloudpodsErrorBody, 409: CloudpodsErrorBody }

export const RepoDetailSchema = Type.Object({
  id: Str('UUID; repos loaded by --charts get one derived from their name'),
  name: Str(),
  url: Str('file:///… folder or http(s):// Helm repository'),
  type: Type.Union([Type.Literal('internal'), Type.Literal('external')]),
  status: Str('Always "available": a repo exists only once its charts are loaded'),
  release_count: Type.Integer({ description: 'Releases installed from this repo' }),
  created_at: Str('YYYY-MM-DDTHH:MM:SS.ffffffZ'),
  updated_at: Str('YYYY-MM-DDTHH:MM:SS.ffffffZ'),
  synced_at: Type.Optional(Str('Emulator extension: the last load of its charts')),
  domain_id: Str(),
  project_domain: Str(),
  public_scope: Str(),
  is_public: Type.Boolean(),
  is_emulated: Type.Boolean(),
  deleted: Type.Boolean(),
  can_delete: Type.Boolean(),
  can_update: Type.Boolean(),
})
export type RepoDetail = Static<typeof RepoDetailSchema>

export const RepoEnvelopeSchema = Type.Object({ repo: RepoDetailSchema })

export const RepoListQuerySchema = Type.Object(
  {
    ...Paging,
    type: Type.Optional(Str('internal or external')),
    name: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description: 'Exact name(s)' })),
    search: Type.Optional(Str('Substring of the name')),
  },
  { additionalProperties: true },
)
export type RepoListQuery = Static<typeof RepoListQuerySchema>

export const RepoListSchema = Type.Object({
  repos: Type.Array(RepoDetailSchema),
  total: Type.Optional(Type.Integer()),
  limit: Type.Optional(Type.Integer()),
  offset: Type.Optional(Type.Integer()),
})

export const RepoParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256, description: 'Repo id or name' }) })

// What checkRepoInput (src/cloudpods/repo-service.ts) accepts; the route runs it before the schema.
const RepoCreateInput = Type.Object(
  {
    name: Type.String({ pattern: REPO_NAME.source, description: '1-128 letters, digits, ".", "_" and "-"' }),
    type: Type.Optional(Type.String({ enum: ['', 'internal', 'external'], description: 'internal or external (default)' })),
    url: Type.String({
      maxLength: MAX_URL_LENGTH,
      pattern: '^(file:///[^\\s]*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\\s]*)?)$',
      description: 'file:///path/to/folder or http(s)://host/helm-repo',
    }),
  },
  { additionalProperties: true },
)

export const RepoCreateBodySchema = Type.Object(
  { repo: RepoCreateInput },
  { additionalProperties: true, description: 'Wrapped as the framework requires for create: {"repo": {...}}' },
)
export type RepoCreateBody = Static<typeof RepoCreateBodySchema>

const ChartMetadataSchema = Type.Object({
  apiVersion: Str(),
  name: Str(),
  version: Str(),
  description: Type.Optional(Str()),
  appVersion: Type.Optional(Str()),
  icon: Type.Optional(Str()),
})

export const ChartListItemSchema = Type.Object({
  chart: Type.Object({
    apiVersion: Str(),
    name: Str(),
    version: Str(),
    description: Type.Optional(Str()),
    appVersion: Type.Optional(Str()),
    icon: Type.Optional(Str()),
    digest: Str('SHA-256 of the package'),
    created: Str('RFC 3339'),
  }),
  apiVersion: Str(),
  name: Str(),
  version: Str(),
  description: Type.Optional(Str()),
  appVersion: Type.Optional(Str()),
  icon: Type.Optional(Str()),
  repo: Str('Repo name'),
  type: Type.Union([Type.Literal('internal'), Type.Literal('external')]),
})

export const ChartListQuerySchema = Type.Object(
  {
    ...Paging,
    repo: Type.String({ minLength: 1, description: 'Repo id or name' }),
    name: Type.Optional(Str('Exact chart name')),
    keyword: Type.Optional(Str('Substring of the chart name')),
    all_version: Type.Optional(Type.String({ description: 'true: every version, not only the newest per chart' })),
    version: Type.Optional(Str('Version constraint the versions must satisfy (Helm syntax)')),
  },
  { additionalProperties: true },
)
export type ChartListQuery = Static<typeof ChartListQuerySchema>

export const ChartListSchema = Type.Object({
  charts: Type.Array(ChartListItemSchema),
  total: Type.Optional(Type.Integer()),
  limit: Type.Optional(Type.Integer()),
  offset: Type.Optional(Type.Integer()),
})

export const ChartParamsSchema = Type.Object({ name: Type.String({ minLength: 1, maxLength: 256, description: 'Chart name' }) })

export const ChartShowQuerySchema = Type.Object(
  {
    repo: Type.String({ minLength: 1, description: 'Repo id or name' }),
    version: Type.Optional(Str('Version or constraint; default the newest')),
  },
  { additionalProperties: true },
)
export type ChartShowQuery = Static<typeof ChartShowQuerySchema>

export const ChartDetailSchema = Type.Object({
  chart: Type.Object({
    chart: Type.Object({ metadata: ChartMetadataSchema, values: Values }, { description: "Helm's chart.Chart; templates and files are not served" }),
    name: Str(),
    repo: Str('Repo name'),
  }),
})

export const RepoRouteSchemas = { errors }
