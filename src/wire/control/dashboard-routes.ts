/**
 * Control-plane routes that read across every scope, for the web dashboard and for scripts:
 * releases (paged, filtered, counted), one release with its revisions' timing, pending work and
 * its triggers by stored key, chart stores, the fault form's catalog, and a change counter. Like
 * the rest of /_emulator: never journaled, never faulted, CCE error bodies.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Dashboard, PendingEntry, ReleaseSummary, RevisionView } from '../../control/dashboard.js'
import type { ControlPlane } from '../../control/control-plane.js'
import { defaultFaultErrors, MAX_LATENCY_MS } from '../../control/faults.js'
import { FaultRuleInputSchema, FLAVOR_NAMES } from '../../control/fault-schema.js'
import type { Flavor, ReleaseKey } from '../../releases/release.js'
import { cceRequestHook } from '../cce/request-hooks.js'
import type { CatalogOperation } from './operation-catalog.js'
import {
  ChangesSchema,
  ChartParamsSchema,
  ChartStoresSchema,
  ChartValuesSchema,
  FaultCatalogSchema,
  PendingListSchema,
  PendingQuerySchema,
  PendingTriggerBodySchema,
  PendingTriggerResultSchema,
  ProjectQuerySchema,
  ReleaseDetailSchema,
  ReleaseFacetsSchema,
  ReleaseListQuerySchema,
  ReleaseListSchema,
  ReleaseParamsSchema,
  RepoChartParamsSchema,
} from './dashboard-schemas.js'
import { controlErrors, tags } from './schemas.js'

export interface DashboardRoutesOptions {
  dashboard: Dashboard
  control: ControlPlane
  operations: () => CatalogOperation[]
  /** Every stored flavour with its dialect. */
  flavors: () => Array<[string, string]>
}

const attachment = (fileName: string) => `attachment; filename="${fileName.replace(/["\\\r\n]/g, '_')}"`
const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString())

const LIFECYCLE_OUTCOMES: string[] = (
  FaultRuleInputSchema.properties.lifecycle as unknown as { properties: { outcome: { anyOf: Array<{ const: string }> } } }
).properties.outcome.anyOf.map((s) => s.const)

export const dashboardRoutes: FastifyPluginAsyncTypebox<DashboardRoutesOptions> = async (app, opts) => {
  const { dashboard, control } = opts
  app.addHook('onRequest', cceRequestHook())
  const schema = <T extends object>(summary: string, operationId: string, rest: T) => ({ tags, summary, operationId, ...rest })

  const summary = (r: ReleaseSummary) => ({
    project_id: r.key.projectId,
    dialect: dashboard.dialectOf(r.key.flavor),
    flavor: r.key.flavor,
    cluster_id: r.key.clusterId,
    namespace: r.key.namespace,
    name: r.key.name,
    revision: r.revision,
    status: r.status,
    description: r.description,
    chart_id: r.chart.id,
    chart_name: r.chart.name,
    chart_version: r.chart.version,
    first_deployed_at: r.firstDeployedAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    pending: r.pending ? { operation: r.pending.operation, revision: r.pending.revision, due_at: iso(r.pending.dueAt) } : null,
  })
  const pending = ({ operation: op, startedAt }: PendingEntry) => ({
    project_id: op.key.projectId,
    dialect: dashboard.dialectOf(op.key.flavor),
    flavor: op.key.flavor,
    cluster_id: op.key.clusterId,
    namespace: op.key.namespace,
    name: op.key.name,
    operation: op.operation,
    revision: op.revision,
    base_revision: op.baseRevision,
    started_at: startedAt.toISOString(),
    due_at: iso(op.dueAt),
    outcome: op.outcome,
    failure_reason: op.failureReason,
    reads_left: op.readsLeft ?? null,
  })
  const revision = (v: RevisionView) => ({
    revision: v.revision.revision,
    status: v.revision.status,
    description: v.revision.description,
    operation: v.operation,
    chart_id: v.revision.chart.id,
    chart_name: v.revision.chart.name,
    chart_version: v.revision.chart.version,
    started_at: v.startedAt.toISOString(),
    ended_at: iso(v.endedAt),
    end_known: v.endKnown,
    config: v.revision.config,
    values: v.revision.values,
  })

  app.get(
    '/releases',
    {
      schema: schema('Releases of every project, flavour, dialect and cluster: a page, with counts per status', 'EmulatorListAllReleases', {
        querystring: ReleaseListQuerySchema,
        response: { 200: ReleaseListSchema, ...controlErrors },
      }),
    },
    async (req) => {
      const q = req.query
      const limit = Number(q.limit ?? 50)
      const offset = Number(q.offset ?? 0)
      let flavors: string[] | undefined = q.flavor === undefined ? undefined : [q.flavor]
      if (q.dialect !== undefined) {
        const ofDialect = dashboard.flavorsOf(q.dialect)
        flavors = flavors ? flavors.filter((f) => ofDialect.includes(f)) : ofDialect
      }
      const page = dashboard.releases({
        projectId: q.project_id,
        flavors,
        clusterId: q.cluster_id,
        namespace: q.namespace,
        statuses: q.status?.split(','),
        chart: q.chart,
        search: q.q === '' ? undefined : q.q,
        limit,
        offset,
      })
      return { total: page.total, offset, limit, status_counts: page.statusCounts, releases: page.releases.map(summary) }
    },
  )

  app.get(
    '/releases/facets',
    {
      schema: schema('The values the release filters take (projects, dialects, flavours, clusters, namespaces, charts, statuses), with counts', 'EmulatorReleaseFacets', {
        response: { 200: ReleaseFacetsSchema },
      }),
    },
    async () => {
      const f = dashboard.facets()
      const counts = new Map(f.flavors.map((x) => [x.value, x.count]))
      const flavors = opts.flavors().map(([value, dialect]) => ({ value, dialect, count: counts.get(value) ?? 0 }))
      for (const x of f.flavors) if (!flavors.some((y) => y.value === x.value)) flavors.push({ value: x.value, dialect: dashboard.dialectOf(x.value), count: x.count })
      const dialects = new Map<string, number>()
      for (const x of flavors) dialects.set(x.dialect, (dialects.get(x.dialect) ?? 0) + x.count)
      return { ...f, flavors, dialects: [...dialects].map(([value, count]) => ({ value, count })) }
    },
  )

  app.get(
    '/releases/:flavor/:cluster_id/:namespace/:name',
    {
      schema: schema("One release: every revision kept with its values and timing, its pending work and the chart's resources", 'EmulatorShowReleaseDetail', {
        params: ReleaseParamsSchema,
        querystring: ProjectQuerySchema,
        response: { 200: ReleaseDetailSchema, ...controlErrors },
      }),
    },
    async (req) => {
      const p = req.params
      const key: ReleaseKey = { projectId: req.query.project_id ?? req.projectId, flavor: p.flavor as Flavor, clusterId: p.cluster_id, namespace: p.namespace, name: p.name }
      const d = dashboard.release(key)
      const latest = d.latest
      return {
        release: summary({
          key,
          revision: latest.revision,
          status: latest.status,
          description: latest.description,
          chart: latest.chart,
          firstDeployedAt: latest.firstDeployedAt,
          updatedAt: latest.updatedAt,
          pending: d.pending ? { operation: d.pending.operation, revision: d.pending.revision, dueAt: d.pending.dueAt } : null,
        }),
        revisions: d.revisions.map(revision),
        pending: d.pending ? pending({ operation: d.pending, startedAt: d.revisions.find((v) => v.revision.revision === d.pending!.revision)?.startedAt ?? latest.updatedAt }) : null,
        resources: d.resources,
        resources_error: d.resourcesError,
        cluster_refs: d.clusterRefs,
      }
    },
  )

  app.get(
    '/pending',
    {
      schema: schema('Pending operations of every release, earliest due first', 'EmulatorListPending', {
        querystring: PendingQuerySchema,
        response: { 200: PendingListSchema, ...controlErrors },
      }),
    },
    async (req) => {
      const limit = Number(req.query.limit ?? 100)
      const offset = Number(req.query.offset ?? 0)
      const { total, entries } = dashboard.pending(limit, offset)
      return { total, offset, limit, operations: entries.map(pending) }
    },
  )

  const trigger = (outcome: 'succeed' | 'fail') =>
    app.post(
      `/pending/${outcome === 'succeed' ? 'complete' : 'fail'}`,
      {
        schema: schema(
          outcome === 'succeed'
            ? "End a release's pending operation now, successfully; the release by its stored key, in any flavour"
            : "End a release's pending operation now as FAILED or UNKNOWN; the release by its stored key, in any flavour",
          outcome === 'succeed' ? 'EmulatorCompletePending' : 'EmulatorFailPending',
          { body: PendingTriggerBodySchema, response: { 200: PendingTriggerResultSchema, ...controlErrors } },
        ),
      },
      async (req) => {
        const b = req.body
        const key: ReleaseKey = { projectId: b.project_id, flavor: b.flavor as Flavor, clusterId: b.cluster_id, namespace: b.namespace, name: b.name }
        const effective = outcome === 'succeed' ? 'succeed' : b.status === 'UNKNOWN' ? 'unknown' : 'fail'
        const { operation, release } = control.trigger(key, effective, outcome === 'fail' ? b.reason : undefined)
        return { operation: operation.operation, revision: operation.revision, outcome: effective, deleted: release === null, status: release?.status ?? null }
      },
    )
  trigger('succeed')
  trigger('fail')

  app.get(
    '/changes',
    {
      schema: schema('A version that changes whenever releases, charts, the journal, fault rules, the clock or the lifecycle do: cheap to poll', 'EmulatorChanges', {
        response: { 200: ChangesSchema },
      }),
    },
    async (_req, reply) => reply.header('cache-control', 'no-store').send(dashboard.changes()),
  )

  app.get(
    '/faults/catalog',
    {
      schema: schema('What a fault rule may say: dialects, flavours, operation names of the served routes, HTTP errors and lifecycle outcomes', 'EmulatorFaultCatalog', {
        response: { 200: FaultCatalogSchema },
      }),
    },
    async () => {
      const flavors = opts.flavors()
      return {
        dialects: [...new Set(flavors.map(([, d]) => d).concat(opts.operations().flatMap((o) => o.dialects)))].sort(),
        flavors: flavors.map(([flavor, dialect]) => ({ flavor, dialect })),
        match_flavors: [...FLAVOR_NAMES],
        operations: opts.operations(),
        errors: defaultFaultErrors(),
        lifecycle_outcomes: LIFECYCLE_OUTCOMES,
        max_latency_ms: MAX_LATENCY_MS,
      }
    },
  )

  app.get(
    '/charts',
    {
      schema: schema('Charts of every project and flavour store, and of every Cloudpods repo, with links to their package and values', 'EmulatorListAllCharts', {
        response: { 200: ChartStoresSchema },
      }),
    },
    async () => ({
      charts: dashboard.charts().map((c) => {
        const base = `/_emulator/charts/${encodeURIComponent(c.flavor)}/${encodeURIComponent(c.id)}`
        const project = `?project_id=${encodeURIComponent(c.projectId)}`
        return {
          project_id: c.projectId,
          flavor: c.flavor,
          dialect: dashboard.dialectOf(c.flavor),
          id: c.id,
          name: c.name,
          version: c.version,
          description: c.description,
          app_version: c.appVersion,
          created_at: c.createdAt.toISOString(),
          archive_url: `${base}/archive${project}`,
          values_url: `${base}/values${project}`,
        }
      }),
      repo_charts: dashboard.repoCharts().map((c) => {
        const base = `/_emulator/repos/${encodeURIComponent(c.repoId)}/charts/${encodeURIComponent(c.name)}/${encodeURIComponent(c.version)}`
        return {
          repo: c.repoName,
          repo_id: c.repoId,
          repo_type: c.repoType,
          dialect: 'cloudpods',
          name: c.name,
          version: c.version,
          description: c.description,
          app_version: c.appVersion,
          created_at: c.createdAt.toISOString(),
          archive_url: `${base}/archive`,
          values_url: `${base}/values`,
        }
      }),
    }),
  )

  app.get(
    '/repos/:repo/charts/:name/:version/values',
    {
      schema: schema("A Cloudpods repo chart version's values.yaml as JSON", 'EmulatorRepoChartValues', {
        params: RepoChartParamsSchema,
        response: { 200: ChartValuesSchema, ...controlErrors },
      }),
    },
    async (req) => ({ values: dashboard.repoChartValues(req.params.repo, req.params.name, req.params.version) }),
  )

  app.get(
    '/repos/:repo/charts/:name/:version/archive',
    {
      schema: schema('Download a Cloudpods repo chart package', 'EmulatorRepoChartArchive', {
        params: RepoChartParamsSchema,
        response: { 200: { content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, ...controlErrors },
      }),
    },
    async (req, reply) => {
      const { fileName, bytes } = dashboard.repoChartArchive(req.params.repo, req.params.name, req.params.version)
      return reply.type('application/octet-stream').header('content-disposition', attachment(fileName)).send(bytes as never)
    },
  )

  app.get(
    '/charts/:flavor/:chart_id/values',
    {
      schema: schema("A stored chart's values.yaml as JSON", 'EmulatorChartValues', {
        params: ChartParamsSchema,
        querystring: ProjectQuerySchema,
        response: { 200: ChartValuesSchema, ...controlErrors },
      }),
    },
    async (req) => ({ values: dashboard.chartValues(req.query.project_id ?? req.projectId, req.params.flavor as Flavor, req.params.chart_id) }),
  )

  app.get(
    '/charts/:flavor/:chart_id/archive',
    {
      schema: schema('Download a stored chart package as uploaded', 'EmulatorChartArchive', {
        params: ChartParamsSchema,
        querystring: ProjectQuerySchema,
        response: { 200: { content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, ...controlErrors },
      }),
    },
    async (req, reply) => {
      const { fileName, bytes } = dashboard.chartArchive(req.query.project_id ?? req.projectId, req.params.flavor as Flavor, req.params.chart_id)
      return reply.type('application/octet-stream').header('content-disposition', attachment(fileName)).send(bytes as never)
    },
  )
}
