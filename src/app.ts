/**
 * The app factory: wires storage → service → wire for one emulator instance. It never
 * listens; src/server.ts and src/cli.ts own the process.
 */
import { readFile } from 'node:fs/promises'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Clock } from './clock.js'
import { DEFAULT_JOURNAL_SIZE, type EmulatorConfig } from './config.js'
import { ControlPlane, faultRandom } from './control/control-plane.js'
import { FaultStore, loadFaultFile, type FaultRuleInput } from './control/faults.js'
import { Journal } from './control/journal.js'
import { StoredChartCatalog } from './charts/chart-catalog.js'
import { ChartService, DEFAULT_CHART_QUOTA } from './charts/chart-service.js'
import { DEFAULT_CHART_LIMITS, type ChartPackageReader } from './charts/chart-package.js'
import { defaultChartReader } from './charts/worker-reader.js'
import { preloadCharts } from './charts/preload.js'
import { seededRandom } from './releases/progression.js'
import { ReleaseService } from './releases/release-service.js'
import { LifecycleSettings, ProfileScheduler } from './releases/scheduler.js'
import type { DatabaseHandle } from './storage/db.js'
import { MIGRATIONS } from './storage/migrations/index.js'
import { SqliteChartRepository } from './storage/chart-repository.js'
import { SqliteReleaseRepository } from './storage/release-repository.js'
import { VERSION } from './version.js'
import { CceErrorSchema } from './wire/common/schemas.js'
import { mapCceError, MAX_PATH_PARAM_LENGTH } from './wire/cce/error-map.js'
import { CreateReleaseBodySchema, ReleaseParamsSchema, ReleaseRespSchema, UpdateReleaseBodySchema } from './wire/cce/release-schemas.js'
import { releaseRoutes } from './wire/cce/release-routes.js'
import { chartRoutes } from './wire/cce/chart-routes.js'
import { ChartQuotaSchema, ChartRespSchema, ChartUploadBodySchema, ChartValuesSchema } from './wire/cce/chart-schemas.js'
import { registerFaultHook, registerJournal } from './wire/control/hooks.js'
import { controlRoutes } from './wire/control/routes.js'
import { sharedCompilers } from './wire/compilers.js'
import { handleClientError } from './wire/client-errors.js'
import { WireError } from './wire/errors.js'
import { registerJsonParser } from './wire/json-body.js'
import { parseQuerystring } from './wire/querystring.js'
import { authHook } from './wire/auth.js'
import { newRequestId, registerRequestContext } from './wire/request-context.js'

export interface AppDeps {
  config: EmulatorConfig
  db: DatabaseHandle
  clock: Clock
  /** A pino logger, or false for none (tests). */
  logger: FastifyBaseLogger | false
  /** Randomness for lifecycle jitter; seeded in tests. Default: seeded from config.seed. */
  random?: () => number
  /**
   * Collect the route schemas into an OpenAPI document (npm run openapi, the drift test). Off,
   * /openapi.json serves the committed openapi/openapi.json, which the drift test keeps equal
   * to what the schemas generate, and the swagger plugin never loads.
   */
  openapi?: boolean
  /** Start-up fault rules; overrides config.faults (the file) when given. */
  faults?: FaultRuleInput[]
  /** Reads chart packages; default: a worker thread when the worker entry is built (see worker-reader.ts). */
  chartReader?: ChartPackageReader
}

export interface EmulatorApp {
  app: FastifyInstance
  releases: ReleaseService
  /** The chart stores (CCE and Autopilot), for in-process seeding. */
  charts: ChartService
  lifecycle: LifecycleSettings
  /** The /_emulator controls, for in-process use. */
  control: ControlPlane
}

function routerRefusal(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const { statusCode, body } = mapCceError(err)
  reply.code(statusCode).header('x-request-id', req.id).type('application/json').send(body)
}

export async function buildApp(deps: AppDeps): Promise<EmulatorApp> {
  const { config, db, clock } = deps
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    genReqId: newRequestId,
    bodyLimit: config.bodyLimit,
    // Per-request log lines cost throughput; refusals are logged at debug by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH, querystringParser: parseQuerystring },
    // A malformed %-encoding or an over-long path segment is refused by the router before any
    // hook runs: answer it like every other error (CCE body, X-Request-Id), not Fastify's default.
    frameworkErrors: routerRefusal,
    // Requests Node's parser refuses (oversized headers, broken chunking): a CCE body too.
    clientErrorHandler: handleClientError,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // Compiled validators/serializers are reused across instances: startEmulator pays for them once per process.
    schemaController: { compilersFactory: sharedCompilers() },
  }).withTypeProvider<TypeBoxTypeProvider>()

  const seed = config.seed ?? (Math.floor(Math.random() * 0x1_0000_0000) >>> 0)
  const lifecycle = new LifecycleSettings(config.lifecycle, deps.random ?? seededRandom(seed))
  const faults = new FaultStore(deps.faults ?? (config.faults ? loadFaultFile(config.faults) : []), faultRandom(seed))
  const repo = new SqliteReleaseRepository(db)
  // Starts no thread until the first package is read; closing the app stops it.
  const chartReader = deps.chartReader ?? defaultChartReader()
  app.addHook('onClose', () => chartReader.close())
  const charts = new ChartService({
    repo: new SqliteChartRepository(db),
    clock,
    limits: {
      ...DEFAULT_CHART_LIMITS,
      maxPackageBytes: config.chartMaxBytes ?? DEFAULT_CHART_LIMITS.maxPackageBytes,
      maxUnpackedBytes: config.chartMaxUnpackedBytes ?? DEFAULT_CHART_LIMITS.maxUnpackedBytes,
      maxValuesBytes: config.chartMaxValuesBytes ?? DEFAULT_CHART_LIMITS.maxValuesBytes,
    },
    reader: chartReader,
    quota: config.chartQuota ?? DEFAULT_CHART_QUOTA,
  })
  // Before anything listens: health is only ready once the folder is loaded, and a bad package fails the start.
  if (config.charts) {
    const scopes = [{ projectId: config.defaultProjectId, flavor: 'cce' as const }, { projectId: config.defaultProjectId, flavor: 'autopilot' as const }]
    try {
      await preloadCharts(config.charts, charts, scopes, app.log)
    } catch (err) {
      await chartReader.close()
      throw err
    }
  }
  const releases = new ReleaseService({
    repo,
    charts: new StoredChartCatalog(charts),
    clock,
    scheduler: new ProfileScheduler(lifecycle, faults),
    // A release's merged values may be as large as a request body, and no larger.
    maxValuesBytes: config.bodyLimit,
  })
  const journal = new Journal(config.journalSize ?? DEFAULT_JOURNAL_SIZE)
  const control = new ControlPlane({
    releases,
    lifecycle,
    clock,
    faults,
    journal,
    seed,
    fixedLifecycleRandom: deps.random !== undefined,
    startedAt: Date.now(),
  })
  control.registerResetter('releases', (scope) => repo.deleteWhere(scope))
  // Charts belong to a project and flavour, not to a cluster or namespace. Uploads go; preloaded
  // charts stay, and come back as loaded if a test deleted or re-uploaded them.
  control.registerResetter('charts', (scope) => {
    if (scope.clusterId || scope.namespace) return 0
    const removed = charts.removeUploaded(scope)
    charts.restorePreloaded(scope)
    return removed
  })
  control.registerReadiness('database', () => db.open && db.pragma('user_version', { simple: true }) === MIGRATIONS.length)

  registerJsonParser(app)
  registerRequestContext(app, config.defaultProjectId)
  // Root-level hooks: they cover every emulated prefix, present and future, and skip /_emulator.
  registerJournal(app, journal, clock)
  registerFaultHook(app, faults)
  for (const schema of [CceErrorSchema, ReleaseRespSchema, ReleaseParamsSchema, CreateReleaseBodySchema, UpdateReleaseBodySchema, ChartRespSchema, ChartValuesSchema, ChartQuotaSchema, ChartUploadBodySchema]) {
    app.addSchema(schema)
  }

  if (deps.openapi) await app.register((await import('@fastify/swagger')).default, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'CCE release emulator', version: VERSION, description: "Huawei Cloud CCE's Helm chart and release API, emulated" },
      tags: [
        { name: 'CCE releases', description: '/cce/cam/v3' },
        { name: 'Autopilot releases', description: '/autopilot/cam/v3' },
        { name: 'CCE charts', description: '/v2/charts' },
        { name: 'Autopilot charts', description: '/autopilot/v2/charts' },
        { name: 'Emulator control', description: 'Test controls under /_emulator (not part of CCE)' },
      ],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  })

  app.setErrorHandler((err, req, reply) => {
    const mapped = mapCceError(err)
    if (mapped.internal) req.log.error({ err }, 'request failed')
    else req.log.debug({ err: (err as Error).message, status: mapped.statusCode }, 'request refused')
    return reply.code(mapped.statusCode).type('application/json').send(mapped.body)
  })
  app.setNotFoundHandler((req, reply) => {
    const { body } = mapCceError(new WireError(404, 'APIGW.0101', `The API does not exist or has not been published in the environment: ${req.method} ${req.url.split('?')[0]}`))
    return reply.code(404).type('application/json').send(body)
  })

  // One gateway check for every CCE-facing scope (releases here; charts use the same hook). It is a
  // preParsing hook so verify mode can hash the raw body before anything parses or handles it.
  const auth = authHook({ mode: config.auth, credentials: config.credentials, tokens: config.tokens, clock, maxBodyBytes: config.bodyLimit })
  for (const [prefix, flavor] of [['/cce/cam/v3', 'cce'], ['/autopilot/cam/v3', 'autopilot']] as const) {
    await app.register(
      async (scoped) => {
        scoped.addHook('preParsing', auth)
        await scoped.register(releaseRoutes, { flavor, releases })
      },
      { prefix },
    )
  }
  // Chart uploads are bigger than JSON bodies: a signed upload without X-Sdk-Content-Sha256 is hashed up to the package limit.
  const chartAuth = authHook({ mode: config.auth, credentials: config.credentials, tokens: config.tokens, clock, maxBodyBytes: charts.limits.maxPackageBytes + 64 * 1024 })
  for (const [prefix, flavor] of [['/v2/charts', 'cce'], ['/autopilot/v2/charts', 'autopilot']] as const) {
    await app.register(
      async (scoped) => {
        scoped.addHook('preParsing', chartAuth)
        await scoped.register(chartRoutes, { flavor, charts })
      },
      { prefix },
    )
  }
  await app.register(controlRoutes, {
    prefix: '/_emulator',
    version: VERSION,
    database: config.db === ':memory:' ? 'memory' : 'file',
    control,
    lifecycle: () => lifecycle.profileName,
  })
  // Read once, on the first request for it: neither start-up nor every request pays for the file.
  let openApiFile: Promise<Buffer> | undefined
  app.get('/openapi.json', { schema: { hide: true } }, async (_req, reply) => {
    if (deps.openapi) return app.swagger()
    openApiFile ??= readFile(new URL('../openapi/openapi.json', import.meta.url)).catch((err: unknown) => {
      openApiFile = undefined
      throw err
    })
    return reply.type('application/json').send(await openApiFile)
  })

  return { app, releases, charts, lifecycle, control }
}
