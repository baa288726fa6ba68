/**
 * TypeBox schemas of the Cloudpods release routes (spec cloudpods-release-api.md §3-§6, climc
 * wire §2). Bodies take the framework's wrapper `{"release": {...}}` (required on create,
 * optional elsewhere) and keep unknown keys (climc sends `timeout`, `reuse_values`...; the
 * server ignores them). Query strings arrive folded: a repeated or `key.N` parameter is an array.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { FILTER_FIELDS, FILTER_OPS } from '../../cloudpods/release-query.js'
import { cloudpodsErrorResponses } from './schemas.js'

export const RELEASES_TAG = 'Cloudpods releases'

const Str = (description?: string) => Type.String(description ? { description } : {})
const Opt = <T extends TSchema>(t: T) => Type.Optional(t)
/** A query parameter that may repeat (`a=1&a=2`, or climc's `a.0=1&a.1=2`). */
const QList = (description: string) => Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description }))
const QStr = (description: string) => QList(description)
/** The fields list-query.ts orders by (release-query.ts checkField); empty ones are skipped. */
const OrderByField = Type.String({ enum: ['', ...FILTER_FIELDS] })
/** One clause as list-query.ts parseFilterClause reads it: a known field, a known operator (any case), (values). */
const anyCase = (w: string) => w.replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`)
const FilterClause = Type.String({ pattern: `^\\s*(?:${FILTER_FIELDS.join('|')})\\.(?:${FILTER_OPS.map(anyCase).join('|')})\\([\\s\\S]*\\)\\s*$` })
const FilterList = (description: string) => Type.Optional(Type.Union([FilterClause, Type.Array(FilterClause)], { description }))
/** What list-query.ts nonNegativeInt takes (of a repeated one the first counts). */
const CountWord = Type.String({ pattern: '^[0-9]{0,9}$' })
const Count = (description: string) => Type.Optional(Type.Union([CountWord, Type.Array(CountWord)], { description: `${description}; up to 9 digits` }))
/** What list-query.ts checkListOrder takes. */
const OrderWord = Type.String({ pattern: '^(?:[aA][sS][cC]|[dD][eE][sS][cC])?$' })
const Values = (description: string) => Type.Object({}, { additionalProperties: true, description })
const DbTime = (description: string) => Type.String({ description: `${description}; YYYY-MM-DDTHH:MM:SS.ffffffZ` })

export const ReleaseIdParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 253, description: 'Release id (UUID) or name' }) })

const Placement = {
  cluster: Opt(Str('Cluster id or name (deprecated alias of cluster_id)')),
  cluster_id: Opt(Str('Cluster id or name')),
  namespace: Opt(Str('Namespace id or name (deprecated alias of namespace_id)')),
  namespace_id: Opt(Str('Namespace id or name')),
}

const ValuesFields = {
  values: Opt(Type.String({ maxLength: 1024 * 1024, description: 'Values as a YAML document: empty, or a mapping at the top level (anything else is a 400 InputParameterError)' })),
  sets: Opt(Type.Record(Type.String(), Type.String(), { description: '--set style pairs: dotted path → value' })),
  values_json: Opt(Values('Values merged last over the top level (climc sends -f files here)')),
  version: Opt(Str('Chart version constraint; empty: the newest version')),
}

export const CreateReleaseInputSchema = Type.Object(
  {
    chart_name: Opt(Type.String({ pattern: '^(?:|[^/]*/[^/]*)$', description: 'Deprecated "<repo>/<chart>"; what climc sends; fills repo and chart where they are empty' })),
    repo: Opt(Str('Repo id or name')),
    chart: Opt(Str('Chart name')),
    name: Opt(Str('Release name')),
    release_name: Opt(Str('Deprecated alias of name (wins when non-empty)')),
    ...Placement,
    ...ValuesFields,
    dry_run: Opt(Type.Boolean({ description: 'Validate and answer the unsaved release; store nothing' })),
    timeout: Opt(Type.Integer({ description: 'Sent by climc; ignored' })),
  },
  {
    additionalProperties: true,
    description: 'Names the chart by repo + chart, or chart_name "<repo>/<chart>" filling whichever of them is empty (release-service.ts chartRefOf)',
    anyOf: [
      { required: ['repo', 'chart'], properties: { repo: { minLength: 1 }, chart: { minLength: 1 } } },
      { required: ['chart_name'], properties: { chart_name: { pattern: '^[^/]+/[^/]+$' } } },
      { required: ['repo', 'chart_name'], properties: { repo: { minLength: 1 }, chart_name: { pattern: '^[^/]*/[^/]+$' } } },
      { required: ['chart', 'chart_name'], properties: { chart: { minLength: 1 }, chart_name: { pattern: '^[^/]+/[^/]*$' } } },
    ],
  },
)

export const CreateReleaseBodySchema = Type.Object({ release: CreateReleaseInputSchema }, { additionalProperties: true })

export const UpgradeReleaseInputSchema = Type.Object(
  {
    ...ValuesFields,
    ...Placement,
    chart_name: Opt(Str('Ignored: the release keeps its chart')),
    release_name: Opt(Str('Ignored: the release is the one in the path')),
    reuse_values: Opt(Type.Boolean({ description: 'Ignored, as kubeserver ignores it' })),
    reset_values: Opt(Type.Boolean({ description: 'Ignored, as kubeserver ignores it' })),
    dry_run: Opt(Type.Boolean({ description: 'Ignored, as kubeserver ignores it' })),
    timeout: Opt(Type.Integer({ description: 'Sent by climc; ignored' })),
  },
  { additionalProperties: true },
)

/** Wrapped `{"release": {...}}` or the bare object: both are accepted (the wrapper wins). */
const wrappedOrBare = <T extends ReturnType<typeof Type.Object>>(inner: T) =>
  Type.Object({ release: Opt(inner), ...inner.properties }, { additionalProperties: true, description: 'Wrapped {"release": {...}} or bare' })

export const UpgradeReleaseBodySchema = wrappedOrBare(UpgradeReleaseInputSchema)

/** The fields that make the seed's `PUT /api/releases/{name}` an upgrade (climc <= 3.8). */
export const LEGACY_UPGRADE_FIELDS = ['chart_name', 'release_name', 'version', 'values', 'values_json', 'sets'] as const
const anyUpgradeField = LEGACY_UPGRADE_FIELDS.map((f) => ({ required: [f] }))

/** The legacy PUT: an upgrade only when the (unwrapped) body carries one of the upgrade fields. */
export const LegacyUpgradeBodySchema = Type.Object(
  { release: Opt(UpgradeReleaseInputSchema), ...UpgradeReleaseInputSchema.properties },
  {
    additionalProperties: true,
    description: `Wrapped {"release": {...}} or bare; the (inner) body carries at least one of ${LEGACY_UPGRADE_FIELDS.join(', ')}: any other update is refused`,
    anyOf: [
      { required: ['release'], properties: { release: { anyOf: anyUpgradeField } } },
      { not: { required: ['release'] }, anyOf: anyUpgradeField },
    ],
  },
)

export const RollbackInputSchema = Type.Object(
  {
    revision: Opt(Type.Integer({ minimum: 0, description: "Revision to roll back to; 0 or absent: the previous one; one the release's history does not hold is a 400" })),
    description: Opt(Str('Accepted and ignored, as kubeserver does: Helm writes "Rollback to N"')),
    recreate: Opt(Type.Boolean()),
    force: Opt(Type.Boolean()),
    ...Placement,
  },
  { additionalProperties: true },
)
export const RollbackBodySchema = wrappedOrBare(RollbackInputSchema)

/** DELETE's body is optional and ignored (climc sends `{"release": {"cluster", "namespace"}}`). */
export const DeleteBodySchema = Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])

export const ShowQuerySchema = Type.Object(
  {
    cluster: QStr('Narrows a name lookup: cluster id or name'),
    cluster_id: QStr('Alias of cluster'),
    namespace: QStr('Narrows a name lookup: namespace id or name; by name it needs cluster or cluster_id (else 406 NotEmptyError)'),
    namespace_id: QStr('Alias of namespace'),
  },
  { additionalProperties: true },
)

export const HistoryQuerySchema = Type.Object(
  { ...ShowQuerySchema.properties, max: QStr('Accepted; Helm 3.4.1 ignores it, so every revision comes back') },
  { additionalProperties: true },
)

export const ListQuerySchema = Type.Object(
  {
    limit: Count('Page size; default and cap 2048'),
    offset: Count('Items to skip'),
    force_no_paging: QStr('true: no paging'),
    details: QStr('Default true; false answers DB columns only (climc sends false)'),
    cluster: QStr('Cluster id or name'),
    cluster_id: QStr('Alias of cluster'),
    namespace: QStr('Namespace id or name; by name it needs cluster or cluster_id (else 406 NotEmptyError)'),
    namespace_id: QStr('Alias of namespace'),
    name: QList('Exact release names (any of)'),
    id: QList('Release ids (any of)'),
    status: QList('DB statuses (any of)'),
    search: QStr('Substring of the name'),
    type: QStr('internal or external (the repo type)'),
    filter: FilterList("field.op(values), all must hold; ops equals, notequals, contains, startswith, endswith, in, notin, isnull, isnotnull, isempty, isnotempty, gt, ge, lt, le"),
    filter_any: FilterList('As filter; any must hold'),
    order_by: Type.Optional(Type.Union([OrderByField, Type.Array(OrderByField)], { description: 'Fields to order by' })),
    order: Type.Optional(Type.Union([OrderWord, Type.Array(OrderWord)], { description: 'asc or desc, any case (default desc); of a repeated one the first counts' })),
    deployed: QStr("climc's legacy flag, honoured (extension): status deployed"),
    failed: QStr("climc's legacy flag, honoured (extension): failed, create_fail, delete_fail"),
    pending: QStr("climc's legacy flag, honoured (extension): creating and pending-*"),
    superseded: QStr("climc's legacy flag, honoured (extension): superseded"),
    deleting: QStr("climc's legacy flag, honoured (extension): deleting"),
    deleted: QStr("climc's legacy flag, honoured (extension): matches nothing (deleted releases are gone)"),
  },
  { additionalProperties: true },
)

const Info = Type.Object({
  first_deployed: Str('RFC 3339'),
  last_deployed: Str('RFC 3339'),
  deleted: Str('"" while not deleted'),
  description: Str(),
  status: Str("Helm's status: pending-install, deployed, failed, superseded, uninstalling, ..."),
  notes: Opt(Str()),
})

const ResourceItem = Type.Object(
  {
    name: Str(),
    namespace: Opt(Str()),
    kind: Opt(Str()),
    cluster_id: Opt(Str()),
    cluster: Opt(Str()),
  },
  { additionalProperties: true },
)

const Columns = {
  id: Opt(Str('UUID; absent on a dry run')),
  name: Str(),
  status: Str('DB status: creating, deployed, create_fail, failed, pending-upgrade, pending-rollback, superseded, deleting, delete_fail, unknown'),
  progress: Type.Number(),
  created_at: DbTime('Created'),
  updated_at: DbTime('Last change'),
  update_version: Type.Integer(),
  deleted: Type.Boolean(),
  domain_id: Str(),
  is_emulated: Type.Boolean(),
  external_id: Opt(Str('<cluster_id>/<namespace>/<name>, once installed')),
  cluster_id: Str(),
  namespace_id: Str(),
  repo_id: Opt(Str()),
  chart: Str('Bare chart name'),
  chart_version: Str('Resolved chart version'),
  config: Opt(Values('The user-supplied values')),
}

const Details = {
  can_delete: Opt(Type.Boolean()),
  can_update: Opt(Type.Boolean()),
  project_domain: Opt(Str()),
  cluster: Opt(Str('Cluster name')),
  clusterID: Opt(Str('Deprecated duplicate of cluster_id')),
  distribution: Opt(Str()),
  namespace: Opt(Str('Namespace name')),
  type: Opt(Type.Union([Type.Literal('internal'), Type.Literal('external')])),
  info: Opt(Info),
  version: Opt(Type.Integer({ description: 'Helm revision (not the chart version)' })),
  manifest: Opt(Str('The declared objects (kind, name, namespace); templates are not rendered')),
}

/** A list item: DB columns, plus the details unless details=false. */
export const ReleaseItemSchema = Type.Object({ ...Columns, ...Details }, { additionalProperties: false })

export const ReleaseDetailSchema = Type.Object(
  {
    ...Columns,
    ...Details,
    resources: Opt(Type.Record(Type.String(), Type.Array(ResourceItem), { description: 'kubeserver keyword (statefulset, k8s_service, deployment, configmap, ...) → objects; always present on GET' })),
  },
  { additionalProperties: false },
)

export const ReleaseEnvelopeSchema = Type.Object({ release: ReleaseDetailSchema })

export const ReleaseListSchema = Type.Object({
  releases: Type.Array(ReleaseItemSchema),
  total: Opt(Type.Integer({ description: 'Omitted when 0' })),
  limit: Opt(Type.Integer({ description: 'Omitted when 0' })),
  offset: Opt(Type.Integer({ description: 'Omitted when 0' })),
})

/** Helm's release.Release, as the upgrade answers it. */
export const HelmReleaseEnvelopeSchema = Type.Object({
  release: Type.Object({
    name: Str(),
    namespace: Str(),
    version: Type.Integer({ description: 'Revision' }),
    info: Info,
    chart: Type.Object({
      metadata: Type.Object({ name: Str(), version: Str(), apiVersion: Opt(Str()), appVersion: Opt(Str()), description: Opt(Str()) }),
      values: Opt(Values("The chart's values.yaml")),
    }),
    config: Opt(Values('The user-supplied values')),
    manifest: Opt(Str()),
  }),
})

export const HistoryEnvelopeSchema = Type.Object({
  release: Type.Array(
    Type.Object({
      revision: Type.Integer(),
      updated: Str('RFC 3339'),
      status: Str("Helm's status"),
      chart: Str('<chart>-<version>'),
      description: Str(),
    }),
    { description: 'Newest first' },
  ),
})

export const releaseErrors = cloudpodsErrorResponses

export type ReleaseItem = Static<typeof ReleaseItemSchema>
export type ReleaseDetail = Static<typeof ReleaseDetailSchema>
export type HelmReleaseEnvelope = Static<typeof HelmReleaseEnvelopeSchema>
export type HistoryEntry = Static<typeof HistoryEnvelopeSchema>['release'][number]
export type ReleaseList = Static<typeof ReleaseListSchema>
