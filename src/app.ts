/**
 * The app factory: wires storage → service → wire for one emulator instance. It never
 * listens; src/server.ts and src/cli.ts own the process.
 */
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type onRequestHookHandler } from 'fastify'
import type { Clock } from './clock.js'
import { DEFAULT_JOURNAL_SIZE, type EmulatorConfig } from './config.js'
import { ControlPlane, faultRandom } from './control/control-plane.js'
import { FaultStore, flavorDialects, loadFaultFile, type FaultRuleInput } from './control/faults.js'
import { Dashboard } from './control/dashboard.js'
import { RevisionTimes } from './control/revision-times.js'
import { Journal } from './control/journal.js'
import { StoredChartCatalog } from './charts/chart-catalog.js'
import { ChartService, DEFAULT_CHART_QUOTA } from './charts/chart-service.js'
import { DEFAULT_CHART_LIMITS, type ChartPackageReader } from './charts/chart-package.js'
import { defaultChartReader } from './charts/worker-reader.js'
import { preloadCharts } from './charts/preload.js'
import { ClusterRegistry } from './cloudpods/clusters.js'
import { DEFAULT_REPO_FETCH_LIMITS, DefaultRepoFetcher } from './cloudpods/repo-fetcher.js'
import { preloadRepos } from './cloudpods/repo-preload.js'
import { RepoService } from './cloudpods/repo-service.js'
import { placementPort, repoChartPort } from './cloudpods/release-adapters.js'
import { CloudpodsChartCatalog, FlavorChartCatalog } from './cloudpods/release-chart-catalog.js'
import { CloudpodsReleaseService } from './cloudpods/release-service.js'
import { SqliteCloudpodsReleaseStore } from './storage/cloudpods-release-repository.js'
import { seededRandom } from './releases/progression.js'
import { ReleaseService, SETTLE_SLICE } from './releases/release-service.js'
import { LifecycleSettings, ProfileScheduler } from './releases/scheduler.js'
import type { DatabaseHandle } from './storage/db.js'
import { MIGRATIONS } from './storage/migrations/index.js'
import { SqliteChartRepository } from './storage/chart-repository.js'
import { SqliteClusterRepository } from './storage/cloudpods-cluster-repository.js'
import { SqliteRepoRepository } from './storage/cloudpods-repo-repository.js'
import { GroupCommit } from './storage/group-commit.js'
import { SqliteReleaseRepository } from './storage/release-repository.js'
import { WalCheckpointer } from './storage/wal-checkpointer.js'
import { SqliteDashboardQueries } from './storage/dashboard-queries.js'
import { VERSION } from './version.js'
import { lazyChildLogger } from './logging/lazy-child.js'
import { cceDialect } from './wire/cce/dialect.js'
import { releaseAnswers } from './wire/cce/release-mapper.js'
import { cloudpodsDialect } from './wire/cloudpods/dialect.js'
import { clientErrorHandler } from './wire/client-errors.js'
import { restoreHeadMethod, routeHeadAsGet } from './wire/head-requests.js'
import { MAX_PATH_PARAM_LENGTH } from './wire/common/schemas.js'
import { CompileWarmer, sharedCompilers } from './wire/compilers.js'
import { registerFaultHook, registerJournal } from './wire/control/hooks.js'
import { controlRoutes } from './wire/control/routes.js'
import { dashboardRoutes } from './wire/control/dashboard-routes.js'
import { collectOperations } from './wire/control/operation-catalog.js'
import { uiRoutes } from './wire/control/ui-routes.js'
import { dialectErrorHandler, DialectRouter, type Dialect, type DialectContext } from './wire/dialect.js'
import { drainUnread } from './wire/body-drain.js'
import { WritePacer } from './wire/write-pacing.js'
import { registerMethodNotAllowed } from './wire/method-not-allowed.js'
import { chartPartEncoding, optionalNullableBodies } from './wire/openapi-shape.js'
import { registerJsonParser } from './wire/json-body.js'
import { parseQuerystring } from './wire/querystring.js'
import { decorateRequestContext, enterRequestContext, newRequestId } from './wire/request-context.js'
import { KeystoneService } from './auth/keystone.js'
import { SqliteKeystoneTokenRepository } from './storage/keystone-token-repository.js'

/**
 * The HTTP dialects served, each a folder under src/wire/. The first is the default: it answers
 * for paths no dialect owns (and Node parser refusals without a readable request line).
 */
export const DIALECTS: readonly Dialect[] = [cceDialect, cloudpodsDialect]

/**
 * Writes started per turn of the event loop (~0.3 ms each): keeps every turn short under a burst,
 * and shorter still while reads arrive. A turn then holds up to 50 waiting reads (~37 µs each)
 * and 4 writes, about as much time for each: reads next to a full create load keep half their
 * rate or more (0.54-0.77x of show alone with 4, 0.42-0.52x with 8; creates next to them ~700-1,000/s
 * instead of ~1,100-1,400/s, and unchanged when no reads arrive).
 */
const WRITES_PER_TURN = 32
const WRITES_PER_TURN_WHILE_READING = 4
/**
 * Wall time per turn for writes, whatever their count: a turn (writes, the reads read with them,
 * the commit) stays well under issue 9's 50 ms stall budget even when each write is costly.
 */
const WRITE_BUDGET_MS = 10
/** The same right after a connection was accepted (one per turn: see write-pacing.ts). */
const WRITE_BUDGET_CONNECTING_MS = 2
/** Releases an API reset removes per turn: ~20 µs each with their revisions, answers and pending work. */
const RESET_SLICE = 250

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
  /** The dialects served; default DIALECTS. Tests pass wrapped ones to mount probe routes. */
  dialects?: readonly Dialect[]
  /** Reads chart packages; default: a worker thread when the worker entry is built (see worker-reader.ts). */
  chartReader?: ChartPackageReader
  /** How long a client may take to send its headers, and its whole request; tests shorten them. */
  timeouts?: { headersMs: number; requestMs: number }
}

/**
 * A slow client (slowloris, a stalled upload) holds a connection, never the event loop; these
 * bound how long. Node's defaults keep header-dribbling connections for 60 s, checked every 30 s.
 * Loopback clients send headers in microseconds and a 10 MiB chart in milliseconds.
 */
export const DEFAULT_TIMEOUTS = { headersMs: 10_000, requestMs: 60_000 }

export interface EmulatorApp {
  app: FastifyInstance
  releases: ReleaseService
  /** The chart stores (CCE and Autopilot), for in-process seeding. */
  charts: ChartService
  lifecycle: LifecycleSettings
  /** The /_emulator controls, for in-process use. */
  control: ControlPlane
  /**
   * The Cloudpods dialect's clusters/namespaces and chart repos (src/cloudpods/), for the
   * Cloudpods plugin: mount src/wire/cloudpods/repo-routes.ts with `repos`.
   */
  cloudpods: { clusters: ClusterRegistry; repos: RepoService; releases: CloudpodsReleaseService }
  /** Keystone v3 for climc: issues the tokens the Cloudpods /api checks (cloudpodsAuthHook). */
  keystone: KeystoneService
  /** Compiles the routes' schemas while the app idles, from `delayMs` after the call (see CompileWarmer). */
  warmUp(delayMs: number): void
}

export async function buildApp(deps: AppDeps): Promise<EmulatorApp> {
  const { config, db, clock } = deps
  const served = deps.dialects ?? DIALECTS
  const dialects = new DialectRouter(served)
  const timeouts = deps.timeouts ?? DEFAULT_TIMEOUTS
  const warmer = new CompileWarmer()
  const routerRefusal = (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void => {
    const { statusCode, body } = dialects.forUrl(req.url).renderError(err, clock.now())
    reply.code(statusCode).header('x-request-id', req.id).type('application/json').send(body)
  }
  const app = Fastify({
    // A request's child logger (its reqId binding) is made only if something logs through it.
    ...(deps.logger ? { loggerInstance: deps.logger, childLoggerFactory: lazyChildLogger } : { logger: false }),
    genReqId: newRequestId,
    // HEAD takes the GET route: see head-requests.ts.
    exposeHeadRoutes: false,
    rewriteUrl: routeHeadAsGet,
    bodyLimit: config.bodyLimit,
    requestTimeout: timeouts.requestMs,
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: Math.min(1_000, timeouts.headersMs / 4) },
    // Per-request log lines cost throughput; refusals are logged at debug by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // No avvio timer per plugin and per route (~250 of them at start-up): every plugin here is an
    // async function that settles, so the 10 s "plugin did not start" guard has nothing to catch.
    pluginTimeout: 0,
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH, querystringParser: parseQuerystring },
    // A malformed %-encoding or an over-long path segment is refused by the router before any
    // hook runs: answer it like every other error (the owning dialect's body, X-Request-Id), not
    // Fastify's default.
    frameworkErrors: routerRefusal,
    // Requests Node's parser refuses (oversized headers, broken chunking): the owning dialect's body too.
    clientErrorHandler: clientErrorHandler(dialects, clock),
    // strictTypes off: Ajv's advice on schema style (a keyword without its type beside it) went to
    // stderr at run time, where a user reads it as a fault; validation is the same either way.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, strictTypes: false } },
    // Compiled validators/serializers are reused across instances: startEmulator pays for them once per process.
    schemaController: { compilersFactory: sharedCompilers({}, warmer) },
  }).withTypeProvider<TypeBoxTypeProvider>()

  const seed = config.seed ?? (Math.floor(Math.random() * 0x1_0000_0000) >>> 0)
  const lifecycle = new LifecycleSettings(config.lifecycle, deps.random ?? seededRandom(seed))
  const faults = new FaultStore(deps.faults ?? (config.faults ? loadFaultFile(config.faults) : []), faultRandom(seed))
  // One commit per turn for every write; answers wait for it (the onSend hook below).
  const chartRepo = new SqliteChartRepository(db)
  const batch = new GroupCommit(db, undefined, () => {
    repo.forgetCached()
    chartRepo.forgetCached()
  })
  const repo: SqliteReleaseRepository = new SqliteReleaseRepository(db, batch, releaseAnswers)
  app.addHook('onClose', (_app, done) => {
    batch.commitNow()
    done()
  })
  // A file's WAL is checkpointed on a worker thread: no commit waits for a checkpoint's fsyncs.
  // A WAL restart holds writes (not reads) for one short pass; see wal-checkpointer.ts.
  let noteWrites: ((req: FastifyRequest) => void) | undefined
  const checkpointer = db.memory ? undefined : new WalCheckpointer(db, {
    holdWrites: async () => {
      const release = pacer.hold()
      await batch.durable().catch(() => {})
      return release
    },
  })
  if (checkpointer) {
    batch.onCommitted(() => checkpointer.committed())
    // Writes outside the batches (chart uploads, repos, the clock) grow the WAL too. A refused
    // one changed no row: it starts no pass (nor, before the first write, the worker thread).
    const totalChanges = db.prepare('SELECT total_changes()').pluck()
    let changesSeen = totalChanges.get() as number
    // Run by the one onResponse hook below.
    noteWrites = (req) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        const changes = totalChanges.get() as number
        if (changes !== changesSeen) {
          changesSeen = changes
          checkpointer.committed()
        }
      }
    }
    app.addHook('onClose', () => checkpointer.close())
  }
  // Starts no thread until the first package is read; closing the app stops it.
  const chartReader = deps.chartReader ?? defaultChartReader()
  app.addHook('onClose', () => chartReader.close())
  const charts = new ChartService({
    repo: chartRepo,
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
  const clusters = new ClusterRegistry({ repo: new SqliteClusterRepository(db), clock })
  const cloudpodsStore = new SqliteCloudpodsReleaseStore(db, batch)
  const repos = new RepoService({
    repo: new SqliteRepoRepository(db),
    releasesUsing: (repoId) => cloudpodsStore.countByRepo(repoId),
    clock,
    limits: charts.limits,
    fetcher: new DefaultRepoFetcher({ ...DEFAULT_REPO_FETCH_LIMITS, maxPackageBytes: charts.limits.maxPackageBytes }),
    reader: chartReader,
  })
  // Before anything listens: health is only ready once the folder is loaded, and a bad package fails the start.
  if (config.charts) {
    const scopes = [{ projectId: config.defaultProjectId, flavor: 'cce' as const }, { projectId: config.defaultProjectId, flavor: 'autopilot' as const }]
    try {
      await preloadCharts(config.charts, charts, scopes, app.log)
      // Subfolders DIR/<repo>/ are Cloudpods repos; the CCE stores only take top-level packages.
      await preloadRepos(config.charts, repos, app.log)
    } catch (err) {
      await chartReader.close()
      throw err
    }
  }
  const repoCharts = repoChartPort(repos, repos)
  // The dashboard's revision timeline: when each pending operation ended is noted as it happens.
  const times = new RevisionTimes(clock)
  const releases = new ReleaseService({
    repo: times.observe(repo),
    // Cloudpods releases install from repos; CCE and Autopilot ones from the uploaded charts.
    charts: new FlavorChartCatalog(new StoredChartCatalog(charts), new CloudpodsChartCatalog(repoCharts)),
    clock,
    scheduler: new ProfileScheduler(lifecycle, faults),
    // A release's merged values may be as large as a request body, and no larger.
    maxValuesBytes: config.bodyLimit,
  })
  // Due work (a fast install) is settled in the batch of the writes that made it, before the one
  // commit: a write settles only its own release, and the next read finds nothing left to do.
  // (A running drain() settles its slices itself, and counts them.)
  batch.beforeCommit(() => void (releases.draining || releases.settleJoined(SETTLE_SLICE)))
  const cloudpodsReleases = new CloudpodsReleaseService({
    releases,
    store: cloudpodsStore,
    placement: placementPort(clusters),
    charts: repoCharts,
    clock,
    newId: randomUUID,
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
    cloudpods: {
      keyOf: (ref, scope) => cloudpodsReleases.keyOf(ref, scope),
      clusterId: (ref) => clusters.findCluster(ref)?.id,
    },
  })
  // The timeline's memory goes with the releases a reset removes.
  control.registerResetter('releases', (scope) => (times.forget(scope), repo.deleteWhere(scope)), (scope) => (times.forget(scope), repo.deleteGradually(scope, RESET_SLICE)))
  // Charts belong to a project and flavour, not to a cluster or namespace. Uploads go; preloaded
  // charts stay, and come back as loaded if a test deleted or re-uploaded them.
  control.registerResetter('charts', (scope) => {
    if (scope.clusterId || scope.namespace || scope.flavor === 'cloudpods') return 0
    const removed = charts.removeUploaded(scope)
    charts.restorePreloaded(scope)
    return removed
  })
  // Repos are global (not per project/cluster/namespace): only a full reset touches them.
  control.registerResetter('cloudpods_repos', (scope) => (Object.values(scope).some((v) => v !== undefined) ? 0 : repos.reset()))
  control.registerReadiness('database', () => db.open && db.pragma('user_version', { simple: true }) === MIGRATIONS.length)

  registerJsonParser(app)
  decorateRequestContext(app)
  const journaled = registerJournal(app, journal, clock, dialects)
  const refuseMethod = registerMethodNotAllowed(app, dialects, clock)
  // Root-level hooks: they cover every dialect, present and future. One hook per phase runs
  // each feature's step in order, as hooks of their own would: each hook Fastify runs is a
  // closure call, a `reply.sent` check and a callback on every request.
  //
  // onSend: the rest of an unread body drained (body-drain.ts); then no answer leaves while a
  // write it may have seen is uncommitted (acknowledged means durable); then the journal keeps
  // the answer as sent.
  app.addHook('onSend', (req, reply, payload, done) => {
    drainUnread(req, reply)
    if (!batch.pending) {
      journaled?.keepAnswer(req, payload)
      return done(null, payload)
    }
    batch.durable().then(
      () => {
        journaled?.keepAnswer(req, payload)
        done(null, payload)
      },
      (err: unknown) => done(err as Error),
    )
  })
  // onResponse: the WAL checkpointer hears of writes outside the batches; the journal records.
  // (The access line, src/logging/access-log.ts, is registered after the app is built.)
  if (noteWrites || journaled) {
    const writes = noteWrites
    app.addHook('onResponse', (req, reply, done) => {
      writes?.(req)
      journaled?.record(req, reply)
      done()
    })
  }
  // Reads show every due operation settled. A backlog (a restart, a clock advance, a realistic
  // profile's installs falling due together) is settled a slice per turn while reads (and, while
  // it runs, writes) wait; the health probe never waits. Free when nothing is due. Writes are
  // paced: at most WRITES_PER_TURN, and WRITE_BUDGET_MS of them, start in one turn (see write-pacing.ts).
  const pacer = new WritePacer(WRITES_PER_TURN, WRITES_PER_TURN_WHILE_READING, undefined, { ms: WRITE_BUDGET_MS, connectingMs: WRITE_BUDGET_CONNECTING_MS })
  app.server.on('connection', () => pacer.noteConnection())
  const { defaultProjectId } = config
  // onRequest, after the pacing: X-Request-Id and the project; the journal notes the arrival;
  // for a path nothing routes, a 405 when the path takes other methods, else (below a dialect's
  // route scope) that dialect's request hook, as its routes run it (CCE's X-Project-Id check),
  // before the 404 (Dialect.notFoundScopes).
  const admitted = (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
    // As Fastify does before each hook: the pacing may have waited.
    if (reply.sent) return
    let hook: onRequestHookHandler | undefined
    try {
      enterRequestContext(req, reply, defaultProjectId)
      journaled?.arrive(req)
      if (req.is404) {
        if (refuseMethod(req, reply)) return
        hook = dialects.notFoundHook(req.url)
      }
    } catch (err) {
      return done(err as Error)
    }
    if (hook) hook.call(app, req, reply, done)
    else done()
  }
  app.addHook('onRequest', (req, reply, done) => {
    // First of all: a HEAD request gets its method back (head-requests.ts).
    restoreHeadMethod(req)
    // The URL, not routeOptions: that getter builds an object on every call.
    if (req.url === '/_emulator/health' || req.url.startsWith('/_emulator/health?')) return admitted(req, reply, done)
    const read = req.method === 'GET' || req.method === 'HEAD'
    if (read) pacer.noteRead()
    try {
      if (!releases.draining) {
        if (!read) return pacer.admit(() => admitted(req, reply, done))
        // A read that need not wait (most requests) goes on at once, without a closure.
        if (releases.settleSome(SETTLE_SLICE).taken < SETTLE_SLICE) return admitted(req, reply, done)
      }
    } catch (err) {
      return done(err as Error)
    }
    releases.drain().then(
      () => (read ? admitted(req, reply, done) : pacer.admit(() => admitted(req, reply, done))),
      (err: unknown) => done(err as Error),
    )
  })
  // preValidation: fault injection (it reads the parsed body).
  registerFaultHook(app, faults, dialects, clock)
  // On the root: the control plane's schemas reference them, and OpenAPI lists them once.
  for (const dialect of served) for (const schema of dialect.schemas ?? []) app.addSchema(schema)

  if (deps.openapi) await app.register((await import('@fastify/swagger')).default, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'CCE release emulator', version: VERSION, description: "Huawei Cloud CCE's Helm chart and release API, emulated" },
      tags: [
        ...served.flatMap((d) => d.openapiTags ?? []),
        { name: 'Emulator control', description: 'Test controls under /_emulator (not part of CCE)' },
      ],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transformObject: (documentObject) =>
      chartPartEncoding(optionalNullableBodies('openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject)),
  })

  // The root answers only where no dialect scope did: the control plane, /openapi.json, and paths
  // outside every dialect's scopes, each in the body of the dialect owning the path (else CCE's).
  const rootErrors = new Map(served.map((d) => [d, dialectErrorHandler(d, clock)]))
  app.setErrorHandler((err, req, reply) => rootErrors.get(dialects.forUrl(req.url))!(err, req, reply))
  app.setNotFoundHandler(async (req) => {
    throw dialects.forUrl(req.url).notFound(req.method, req.url)
  })

  const keystone = new KeystoneService({
    mode: config.auth,
    users: config.users ?? [],
    staticTokens: config.tokens,
    clock,
    tokens: new SqliteKeystoneTokenRepository(db),
  })
  const context: DialectContext = { config, clock, releases, charts, cloudpods: { clusters, repos, releases: cloudpodsReleases }, keystone }
  // Before the dialects register: the fault form lists the operation names of their routes.
  const operations = collectOperations(app, dialects)
  for (const dialect of served) await app.register(dialect.plugin, context)
  await app.register(controlRoutes, {
    prefix: '/_emulator',
    version: VERSION,
    database: config.db === ':memory:' ? 'memory' : 'file',
    control,
    lifecycle: () => lifecycle.profileName,
  })
  const dashboard = new Dashboard({
    queries: new SqliteDashboardQueries(db),
    releases,
    charts,
    repos,
    control,
    times,
    clock,
    flavors: flavorDialects,
    pendingOf: (key) => repo.pending(key),
    historyOf: (key) => repo.history(key),
    clusterAliases: (id) => {
      const cluster = clusters.findCluster(id)
      return cluster && cluster.id === id ? [cluster.name] : []
    },
  })
  await app.register(dashboardRoutes, { prefix: '/_emulator', dashboard, control, operations, flavors: flavorDialects })
  // dist/ui/ beside the compiled app or the bundle; from the sources (tests), the last build's.
  if (config.ui !== false) await app.register(uiRoutes, { folders: [new URL('./ui/', import.meta.url), new URL('../dist/ui/', import.meta.url)] })
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

  app.addHook('onClose', (_app, done) => {
    warmer.stop()
    done()
  })
  return { app, releases, charts, lifecycle, control, cloudpods: { clusters, repos, releases: cloudpodsReleases }, keystone, warmUp: (delayMs) => warmer.start(delayMs) }
}
