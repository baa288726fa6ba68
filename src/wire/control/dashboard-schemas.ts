/**
 * TypeBox schemas of the control plane's read-across-scopes routes (the dashboard's data, also
 * meant for scripts). Flavours and dialects are plain strings here, not enums: they are whatever
 * the store holds, so a new flavour needs no schema change. Query numbers are digit strings (the
 * app's Ajv does not coerce).
 */
import { Type } from '@sinclair/typebox'
import { Nullable } from '../../control/fault-schema.js'

const Time = (description: string) => Type.String({ description: `${description}, RFC 3339 (emulator time)` })
const Digits = (description: string) => Type.String({ pattern: '^[0-9]{1,9}$', description })

export const ReleaseListQuerySchema = Type.Object(
  {
    project_id: Type.Optional(Type.String({ minLength: 1 })),
    dialect: Type.Optional(Type.String({ minLength: 1, description: 'cce (CCE and Autopilot) or cloudpods' })),
    flavor: Type.Optional(Type.String({ minLength: 1, description: 'A stored flavour: cce, autopilot, cloudpods…' })),
    cluster_id: Type.Optional(Type.String({ minLength: 1 })),
    namespace: Type.Optional(Type.String({ minLength: 1 })),
    status: Type.Optional(Type.String({ pattern: '^[A-Z_]+(,[A-Z_]+)*$', description: 'Status of the latest revision; several comma-separated' })),
    chart: Type.Optional(Type.String({ minLength: 1, description: 'Chart name' })),
    q: Type.Optional(Type.String({ maxLength: 253, description: 'Substring of the release name, case-insensitive' })),
    limit: Type.Optional(Type.String({ pattern: '^([1-9][0-9]{0,2}|1000)$', description: '1-1000, default 50' })),
    offset: Type.Optional(Digits('Releases to skip, default 0')),
  },
  { additionalProperties: false },
)

const PendingRefSchema = Type.Object({
  operation: Type.String({ enum: ['install', 'upgrade', 'rollback', 'uninstall'] }),
  revision: Type.Integer(),
  due_at: Nullable(Type.String({ description: 'null: waits for a trigger or for reads' })),
})

/** Which release a summary or a pending operation is about, across every scope. */
const releaseKey = {
  project_id: Type.String(),
  dialect: Type.String(),
  flavor: Type.String(),
  cluster_id: Type.String(),
  namespace: Type.String(),
  name: Type.String(),
}

export const ReleaseSummarySchema = Type.Object({
  ...releaseKey,
  revision: Type.Integer({ description: 'Latest revision' }),
  status: Type.String(),
  description: Type.String(),
  chart_id: Type.String(),
  chart_name: Type.String(),
  chart_version: Type.String(),
  first_deployed_at: Time('First deployment'),
  updated_at: Time('When the latest revision was written'),
  pending: Nullable(PendingRefSchema),
})

export const ReleaseListSchema = Type.Object({
  total: Type.Integer({ description: 'Releases matching every filter' }),
  offset: Type.Integer(),
  limit: Type.Integer(),
  status_counts: Type.Record(Type.String(), Type.Integer(), { description: 'Per status, releases matching every filter but status' }),
  releases: Type.Array(ReleaseSummarySchema, { description: 'Ordered by project, flavour, cluster, namespace, name' }),
})

const Facet = Type.Array(Type.Object({ value: Type.String(), count: Type.Integer() }))
export const ReleaseFacetsSchema = Type.Object({
  projects: Facet,
  dialects: Facet,
  flavors: Type.Array(Type.Object({ value: Type.String(), count: Type.Integer(), dialect: Type.String() }), {
    description: 'Every flavour the emulator stores (count 0 when it holds none), with its dialect',
  }),
  clusters: Facet,
  namespaces: Facet,
  charts: Facet,
  statuses: Facet,
})

export const ReleaseParamsSchema = Type.Object({
  flavor: Type.String({ minLength: 1 }),
  cluster_id: Type.String({ minLength: 1 }),
  namespace: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
})
export const ProjectQuerySchema = Type.Object(
  { project_id: Type.Optional(Type.String({ minLength: 1, description: 'Default: X-Project-Id, else --project-id' })) },
  { additionalProperties: false },
)

const Values = Type.Record(Type.String(), Type.Unknown())
export const RevisionViewSchema = Type.Object({
  revision: Type.Integer(),
  status: Type.String(),
  description: Type.String(),
  operation: Type.String({ enum: ['install', 'upgrade', 'rollback', 'uninstall'] }),
  chart_id: Type.String(),
  chart_name: Type.String(),
  chart_version: Type.String(),
  started_at: Time('When the operation started (an uninstall: when DELETING began)'),
  ended_at: Nullable(Type.String({ description: 'When the pending state ended; null while pending, or when unknown (see end_known)' })),
  end_known: Type.Boolean({ description: 'False when it ended before this emulator process started' }),
  config: Type.Unsafe<Record<string, unknown>>({ ...Values, description: 'Values the user supplied' }),
  values: Type.Unsafe<Record<string, unknown>>({ ...Values, description: 'Chart defaults merged with the user values' }),
})

export const PendingOperationSchema = Type.Object({
  ...releaseKey,
  operation: Type.String({ enum: ['install', 'upgrade', 'rollback', 'uninstall'] }),
  revision: Type.Integer(),
  base_revision: Nullable(Type.Integer()),
  started_at: Time('When the operation started'),
  due_at: Nullable(Type.String({ description: 'When it completes by itself; null: waits for a trigger or for reads' })),
  outcome: Type.String({ enum: ['succeed', 'fail', 'unknown', 'stick'], description: 'How it will end (a lifecycle fault may say fail, unknown or stick)' }),
  failure_reason: Nullable(Type.String()),
  reads_left: Nullable(Type.Integer({ description: 'Read-driven progression: reads until it completes' })),
})

export const ReleaseDetailSchema = Type.Object({
  release: ReleaseSummarySchema,
  revisions: Type.Array(RevisionViewSchema, { description: 'Oldest first (at most the last 10, as Helm keeps)' }),
  pending: Nullable(PendingOperationSchema),
  resources: Type.Array(Type.Object({ kind: Type.String(), name: Type.String(), namespace: Type.String() })),
  resources_error: Nullable(Type.String({ description: 'Why resources are empty when the chart can no longer be read' })),
  cluster_refs: Type.Array(Type.String(), { description: 'The cluster id and the names requests may give it (a Cloudpods cluster name): what its journal entries carry as cluster_id' }),
})

export const PendingQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^([1-9][0-9]{0,2}|1000)$', description: '1-1000, default 100' })),
    offset: Type.Optional(Digits('Operations to skip, default 0')),
  },
  { additionalProperties: false },
)
export const PendingListSchema = Type.Object({
  total: Type.Integer(),
  offset: Type.Integer(),
  limit: Type.Integer(),
  operations: Type.Array(PendingOperationSchema, { description: 'Earliest due first; those waiting for a trigger last' }),
})

export const PendingTriggerBodySchema = Type.Object(
  {
    project_id: Type.String({ minLength: 1 }),
    flavor: Type.String({ minLength: 1 }),
    cluster_id: Type.String({ minLength: 1 }),
    namespace: Type.String({ minLength: 1 }),
    name: Type.String({ minLength: 1 }),
    reason: Type.Optional(Type.String({ maxLength: 1024, description: 'fail only: the error text (default: the fault reason, else "simulated failure")' })),
    status: Type.Optional(Type.String({ enum: ['FAILED', 'UNKNOWN'], description: 'fail only; default FAILED' })),
  },
  { additionalProperties: false, description: 'A release by its stored key, in any flavour' },
)
export const PendingTriggerResultSchema = Type.Object({
  operation: Type.String({ enum: ['install', 'upgrade', 'rollback', 'uninstall'] }),
  revision: Type.Integer(),
  outcome: Type.String({ enum: ['succeed', 'fail', 'unknown'] }),
  deleted: Type.Boolean({ description: 'True when a completed delete removed the release' }),
  status: Nullable(Type.String({ description: 'Status of the latest revision afterwards; null when deleted' })),
})

export const ChangesSchema = Type.Object({
  version: Type.String({ description: 'Changes whenever any field below does: poll it (once a second is plenty) and re-read what you show' }),
  data: Type.Integer({ description: 'Rows the database has written since start (releases, charts, repos…)' }),
  journal: Type.Object({ total: Type.Integer({ description: 'Requests journaled since start' }), errors: Type.Integer({ description: 'Of which answered 400 or above' }) }),
  faults: Type.String({ description: 'Digest of the fault rules and their firing counts' }),
  clock: Type.Object({ now: Type.String(), offset_ms: Type.Number() }),
  lifecycle: Type.String({ description: 'Lifecycle profile, or custom' }),
})

export const FaultCatalogSchema = Type.Object({
  dialects: Type.Array(Type.String()),
  flavors: Type.Array(Type.Object({ flavor: Type.String(), dialect: Type.String() }), { description: 'Every stored flavour and its dialect' }),
  match_flavors: Type.Array(Type.String(), { description: 'The flavours match.flavor accepts (a request flavour, from the path prefix)' }),
  operations: Type.Array(
    Type.Object({
      name: Type.String(),
      dialects: Type.Array(Type.String()),
      kind: Type.String({ enum: ['operation', 'operation_id'], description: "operation_id: a route's operationId, lower-cased" }),
    }),
    { description: "Names match.operation accepts, from the served routes (each route's operation, aliases and operationId)" },
  ),
  errors: Type.Array(Type.Object({ status: Type.Integer(), error_code: Type.String(), error_msg: Type.String() }), { description: 'HTTP outcomes with their default code and text' }),
  lifecycle_outcomes: Type.Array(Type.String()),
  max_latency_ms: Type.Integer(),
})

export const ChartStoresSchema = Type.Object({
  charts: Type.Array(
    Type.Object({
      project_id: Type.String(),
      flavor: Type.String(),
      dialect: Type.String(),
      id: Type.String(),
      name: Type.String(),
      version: Type.String(),
      description: Type.String(),
      app_version: Type.String(),
      created_at: Type.String(),
      archive_url: Type.String({ description: 'Download of the package, under /_emulator' }),
      values_url: Type.String(),
    }),
  ),
  repo_charts: Type.Array(
    Type.Object({
      repo: Type.String(),
      repo_id: Type.String(),
      repo_type: Type.String(),
      dialect: Type.String({ description: 'cloudpods: repos are the Cloudpods chart stores' }),
      name: Type.String(),
      version: Type.String(),
      description: Type.String(),
      app_version: Type.String(),
      created_at: Type.String(),
      archive_url: Type.String(),
      values_url: Type.String(),
    }),
    { description: 'Every version of every chart in every Cloudpods repo' },
  ),
})
export const RepoChartParamsSchema = Type.Object({ repo: Type.String({ minLength: 1, description: 'Repo id or name' }), name: Type.String({ minLength: 1 }), version: Type.String({ minLength: 1 }) })
export const ChartParamsSchema = Type.Object({ flavor: Type.String({ minLength: 1 }), chart_id: Type.String({ minLength: 1 }) })
export const ChartValuesSchema = Type.Object({ values: Type.Unsafe<Record<string, unknown>>({ ...Values, description: "The chart's values.yaml as JSON" }) })
