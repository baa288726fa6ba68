/**
 * Release operations: load history → pure lifecycle plan → store the effects, in one
 * transaction. Due pending work is settled before every read, so state advances on read
 * without timers and resumes after a restart. A write settles only its own release's due work
 * first (its plan needs nothing else); the rest is settled by reads, by settleJoined() (the app
 * runs it as each write batch commits) and by drain(), which yields between slices so that a
 * backlog of thousands never holds the event loop.
 */
import type { Clock } from '../clock.js'
import { InvalidTransitionError, NotFoundError, OperationPendingError } from '../errors.js'
import { complete, completeAtOnce, DRY_RUN_DESCRIPTION, planInstall, planRollback, planUninstall, planUpgrade, rollbackTarget, UNSCHEDULED, withSchedule, type Effects } from './lifecycle.js'
import { validateNamespace, validateReleaseName } from './names.js'
import type { ChartCatalog, KubeResource, ListCursor, ReleaseFilter, ReleaseRepository, Scheduler } from './ports.js'
import type { Outcome, PendingOperation, ReleaseKey, Revision, Scope, Values } from './release.js'
import { effectiveValues, upgradeConfig, validateValuesDepth, validateValuesSize } from './values.js'

/** The one-write option of create, upgrade and rollback. */
export interface OneWrite {
  /**
   * The caller answers from the revision the operation returns and reads nothing else back in
   * the write's transaction, so an operation that ends the moment it starts (the fast profile)
   * may be stored already ended: one write instead of the write and its settling (see
   * completeAtOnce). The answer still shows the operation as it started (PENDING_*); every read
   * after it shows the outcome, as it would once the batch settled it. A caller that reads the
   * release back in the same transaction (the Cloudpods dialect answers from its own rows) leaves
   * it off, and sees the pending state.
   */
  oneWrite?: boolean | undefined
}

export interface CreateInput extends OneWrite {
  name: string
  namespace: string
  chartId: string
  version: string
  values: Values
  dryRun: boolean
}

export interface UpgradeInput extends OneWrite {
  chartId: string
  /** A version (constraint) for catalogs that take one (Cloudpods); CCE leaves it undefined. */
  version?: string | undefined
  values: Values
  dryRun: boolean
  resetValues: boolean
  reuseValues: boolean
}

export interface RollbackInput extends OneWrite {
  target: number | undefined
  dryRun: boolean
}

export interface ReleaseServiceDeps {
  repo: ReleaseRepository
  charts: ChartCatalog
  clock: Clock
  scheduler: Scheduler
  /** Largest merged values (chart defaults coalesced with the user's) as JSON, in bytes. */
  maxValuesBytes?: number
  /** Lets other work run between two slices of drain(); default: the next turn of the event loop. */
  yieldTurn?: () => Promise<void>
}

/** The default cap on a release's merged values: Helm stores a release in a 1 MiB Secret. */
export const DEFAULT_MAX_RELEASE_VALUES_BYTES = 1024 * 1024

/** Operations settled per transaction: bounds each transaction, not the total a read settles. */
const SETTLE_BATCH = 500

/**
 * Operations drain() settles per turn of the event loop: ~50-100 µs each on a quiet machine, 3x
 * that on a loaded one, so a slice keeps other clients waiting a few milliseconds. 100 a slice
 * made 30 ms turns on a loaded machine, with the first long list (after a restart) behind them.
 */
export const SETTLE_SLICE = 25

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export class ReleaseService {
  #draining: Promise<number> | null = null

  constructor(private readonly deps: ReleaseServiceDeps) {}

  create(scope: Scope, input: CreateInput): Revision {
    validateReleaseName(input.name)
    validateNamespace(input.namespace)
    validateValuesDepth(input.values)
    const key: ReleaseKey = { ...scope, namespace: input.namespace, name: input.name }
    const { repo, clock } = this.deps
    return repo.transaction(() => {
      const chart = this.deps.charts.resolve(scope, input.chartId, input.version, null)
      const now = clock.now()
      const cmd = {
        key,
        chart: chart.ref,
        config: input.values,
        values: this.merged(chart.defaults, input.values),
        defaultsRef: chart.defaultsRef,
        now,
        schedule: UNSCHEDULED,
      }
      // Helm's dry-run install skips the name-in-use check and stores nothing.
      if (input.dryRun) return dryRun(planInstall([], cmd))
      const history = this.settledHistory(key, now)
      const fx = withSchedule(planInstall(history, cmd), this.deps.scheduler.schedule('install', key, now, { chart: chart.ref }))
      return this.applyAndReturn(key, fx, input.oneWrite ? { history, now } : null)
    })
  }

  get(key: ReleaseKey): Revision {
    this.beforeRead(key)
    const latest = this.deps.repo.latest(key)
    if (!latest) throw notFound(key)
    return latest
  }

  list(scope: Scope, filter: ReleaseFilter): Revision[] {
    this.beforeRead(null)
    return this.deps.repo.list(scope, filter)
  }

  /**
   * A list read for answering: the whole list when it has at most `max` releases, else null, and
   * the caller reads it with listPages (so a list of 100,000 never sits in memory at once).
   */
  listUpTo(scope: Scope, filter: ReleaseFilter, max: number): Revision[] | null {
    this.beforeRead(null)
    return this.deps.repo.listUpTo(scope, filter, max)
  }

  /**
   * A long list, `size` releases at a time, each page read when asked for (after listUpTo,
   * which settled due work). Pages are read at different moments: a write between two of them
   * shows in the later one only, as with any paginated read.
   */
  *listPages(scope: Scope, filter: ReleaseFilter, size: number): Generator<Revision[], void, void> {
    let after: ListCursor | null = null
    for (;;) {
      const page = this.deps.repo.listPage(scope, filter, after, size)
      if (page.length > 0) yield page
      if (page.length < size) return
      const last = page.at(-1)!.key
      after = { namespace: last.namespace, name: last.name }
    }
  }

  history(key: ReleaseKey): Revision[] {
    this.beforeRead(key)
    const revisions = this.deps.repo.history(key)
    if (revisions.length === 0) throw notFound(key)
    return revisions
  }

  upgrade(key: ReleaseKey, input: UpgradeInput): Revision {
    validateValuesDepth(input.values)
    const { repo, clock } = this.deps
    return repo.transaction(() => {
      const now = clock.now()
      const history = this.requireHistory(key, now)
      const current = history.at(-1)!
      const chart = this.deps.charts.resolve(key, input.chartId, input.version, current.chart)
      const config = upgradeConfig(current.config, input.values, input)
      const fx = planUpgrade(history, {
        chart: chart.ref,
        config,
        values: this.merged(chart.defaults, config),
        defaultsRef: chart.defaultsRef,
        now,
        schedule: UNSCHEDULED,
      })
      if (input.dryRun) return dryRun(fx)
      const scheduled = withSchedule(fx, this.deps.scheduler.schedule('upgrade', key, now, { chart: chart.ref }))
      return this.applyAndReturn(key, scheduled, input.oneWrite ? { history, now } : null)
    })
  }

  rollback(key: ReleaseKey, input: RollbackInput): Revision {
    const { repo, clock } = this.deps
    return repo.transaction(() => {
      const now = clock.now()
      const history = this.requireHistory(key, now)
      if (input.dryRun) {
        rollbackTarget(history, input.target)
        return history.at(-1)!
      }
      const fx = planRollback(history, { target: input.target, now, schedule: UNSCHEDULED })
      const chart = rollbackTarget(history, input.target).chart
      const scheduled = withSchedule(fx, this.deps.scheduler.schedule('rollback', key, now, { chart }))
      return this.applyAndReturn(key, scheduled, input.oneWrite ? { history, now } : null)
    })
  }

  uninstall(key: ReleaseKey): Revision {
    const { repo, clock } = this.deps
    return repo.transaction(() => {
      const now = clock.now()
      const history = this.requireHistory(key, now)
      const fx = planUninstall(history, repo.pending(key), { now, schedule: UNSCHEDULED })
      // Deleting twice plans nothing; only a real deletion is scheduled (and may meet a fault).
      repo.apply(key, fx.pending ? withSchedule(fx, this.deps.scheduler.schedule('uninstall', key, now)) : fx)
      // The answer shows the release as it is now: DELETING, before it disappears.
      return repo.latest(key)!
    })
  }

  resources(release: Revision): KubeResource[] {
    return this.deps.charts.resources(release.key, release.chart, release.key.name, release.key.namespace)
  }

  /**
   * Completes every pending operation due now, however many, and returns how many were
   * settled. The work is cut into batches of SETTLE_BATCH, each its own transaction, so no
   * transaction grows with the backlog and a caller could yield between batches. `now` is taken
   * once: work falling due while a backlog is settled waits for the next request.
   */
  settle(): number {
    const { repo, clock } = this.deps
    const now = clock.now()
    // Cheap when nothing is due: the store knows a lower bound of the next due time.
    if (!repo.hasDue(now)) return 0
    let settled = 0
    for (;;) {
      const batch = this.settleBatch(now, SETTLE_BATCH)
      settled += batch.completed
      // Every operation a batch takes leaves the due set, so a short batch means none is left.
      if (batch.taken < SETTLE_BATCH) return settled
    }
  }

  /**
   * Settles up to `limit` of the operations due now, earliest first, in one transaction:
   * `taken` below `limit` means none is left. Free when nothing is due.
   */
  settleSome(limit: number): { taken: number; completed: number } {
    const now = this.deps.clock.now()
    if (!this.deps.repo.pendingWork(now).due) return { taken: 0, completed: 0 }
    return this.settleBatch(now, limit)
  }

  /**
   * settleSome for a caller already inside a write's transaction (the app runs it as each write
   * batch commits): no separate query asks first whether anything is due.
   */
  settleJoined(limit: number): { taken: number; completed: number } {
    const now = this.deps.clock.now()
    if (!this.deps.repo.mayBeDue(now)) return { taken: 0, completed: 0 }
    return this.settleBatch(now, limit)
  }

  /** True while drain() is settling a backlog: reads should wait for it (see drain). */
  get draining(): boolean {
    return this.#draining !== null
  }

  /**
   * Settles every operation due now, SETTLE_SLICE at a time, letting the event loop run between
   * slices: a backlog of thousands (a clock advance, a restart) never stalls other clients for
   * long. Resolves with how many operations it completed once none due at its start is left.
   * Calls made while a drain runs wait for it, then settle what is due by their own time.
   * Until it resolves a read may still see some of that work pending: callers that answer
   * reads wait for it first (the app's request hook).
   */
  drain(): Promise<number> {
    const run = (): Promise<number> => this.#drainFrom(this.deps.clock.now())
    const running = this.#draining
    const next: Promise<number> = (running ? running.then(run, run) : run()).finally(() => {
      if (this.#draining === next) this.#draining = null
    })
    this.#draining = next
    return next
  }

  async #drainFrom(now: Date): Promise<number> {
    const yieldTurn = this.deps.yieldTurn ?? nextTurn
    let settled = 0
    if (!this.deps.repo.pendingWork(now).due) return 0
    for (;;) {
      const slice = this.settleBatch(now, SETTLE_SLICE)
      settled += slice.completed
      if (slice.taken < SETTLE_SLICE) return settled
      await yieldTurn()
    }
  }

  /** Settles up to `limit` operations due at `now`, earliest first, in one transaction. */
  private settleBatch(now: Date, limit: number): { taken: number; completed: number } {
    const { repo } = this.deps
    return repo.transaction(() => {
      const due = repo.due(now, limit)
      for (const op of due) repo.apply(op.key, settleOne(repo.history(op.key), op))
      if (due.length < limit) repo.noneDueBy(now)
      return { taken: due.length, completed: due.filter((op) => op.outcome !== 'stick').length }
    })
  }

  /**
   * "Trigger instead of wait": ends the release's pending operation now with the given outcome,
   * whatever its schedule (the control plane's complete / fail). Returns the latest revision
   * afterwards, or null when a completed uninstall purged the release.
   */
  trigger(key: ReleaseKey, outcome: Exclude<Outcome, 'stick'>, reason?: string): { operation: PendingOperation; release: Revision | null } {
    const { repo, clock } = this.deps
    return repo.transaction(() => {
      const history = this.requireHistory(key, clock.now())
      const op = repo.pending(key)
      if (!op) throw new OperationPendingError(`release "${key.name}" has no pending operation (status ${history.at(-1)!.status})`)
      repo.apply(key, complete(history, op, outcome, reason))
      return { operation: op, release: repo.latest(key) }
    })
  }

  /**
   * Reads are the hot path: one statement tells whether anything is due or counting reads, and
   * only then is the read counted (it may make work due) and due work settled. A list read
   * counts no release (moto counts describes of one resource, not listings). Public for
   * dialects that read release rows through their own store (Cloudpods' list by id or name).
   */
  beforeRead(key: ReleaseKey | null): void {
    const { repo, clock } = this.deps
    const now = clock.now()
    const work = repo.pendingWork(now)
    if (work.counting && key) repo.countRead?.(key, now)
    if (work.due || work.counting) this.settle()
  }

  private merged(defaults: Values, config: Values): Values {
    const values = effectiveValues(defaults, config)
    validateValuesSize(values, this.deps.maxValuesBytes ?? DEFAULT_MAX_RELEASE_VALUES_BYTES)
    return values
  }

  private requireHistory(key: ReleaseKey, now: Date): Revision[] {
    const history = this.settledHistory(key, now)
    if (history.length === 0) throw notFound(key)
    return history
  }

  /**
   * The release's history once its own pending work due by `now` is completed: what a write
   * plans from. Other releases' due work does not change this plan and is left to reads.
   */
  private settledHistory(key: ReleaseKey, now: Date): Revision[] {
    const { repo } = this.deps
    const history = repo.history(key)
    if (history.length === 0 || !repo.pendingWork(now).due) return history
    const op = repo.pending(key)
    if (!op?.dueAt || op.dueAt.getTime() > now.getTime()) return history
    repo.apply(key, settleOne(history, op))
    return repo.history(key)
  }

  /**
   * Stores `fx` and returns the revision it started. `planned` (oneWrite): the history `fx` was
   * planned from, and when: an operation that ends at once is stored ended.
   */
  private applyAndReturn(key: ReleaseKey, fx: Effects, planned: { history: Revision[]; now: Date } | null): Revision {
    const once = planned && completeAtOnce(planned.history, fx, planned.now)
    this.deps.repo.apply(key, once ?? fx)
    return fx.insert ?? this.deps.repo.latest(key)!
  }
}

/**
 * Ends one due operation. Each result takes the operation out of the due set, which settle()
 * relies on to finish: pending work that no longer matches its revision is dropped rather than
 * blocking every read, and a stuck operation with a due time (only a hand-edited database has
 * one) loses the due time and stays stuck.
 */
function settleOne(history: Revision[], op: PendingOperation): Effects {
  if (op.outcome === 'stick') return { insert: null, updates: [], purge: false, pending: { ...op, dueAt: null }, prune: [] }
  try {
    return complete(history, op, op.outcome)
  } catch (err) {
    if (err instanceof InvalidTransitionError) return { insert: null, updates: [], purge: false, pending: null, prune: [] }
    throw err
  }
}

function dryRun(fx: Effects): Revision {
  // Planners always insert for install/upgrade; a dry run shows that revision without storing it.
  return { ...fx.insert!, description: DRY_RUN_DESCRIPTION }
}

const notFound = (key: ReleaseKey): NotFoundError =>
  new NotFoundError(`release: not found: release "${key.name}" in namespace "${key.namespace}" of cluster "${key.clusterId}"`)
