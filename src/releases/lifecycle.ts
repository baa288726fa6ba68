/**
 * The release lifecycle as data: what each operation writes when it starts, succeeds and fails,
 * with Helm 3's status and description strings (pkg/action/{install,upgrade,rollback,uninstall}.go).
 * The planners are pure: they read a release's history and return the changes to store; the
 * service applies them in one transaction. Time comes in as an argument, never from a clock.
 */
import { AlreadyExistsError, InvalidTransitionError, OperationPendingError, ValidationError } from '../errors.js'
import {
  isPending,
  type ChartRef,
  type Operation,
  type Outcome,
  type PendingOperation,
  type ReleaseKey,
  type ReleaseStatus,
  type Revision,
  type Values,
} from './release.js'

interface OperationRule {
  pending: ReleaseStatus
  pendingText: (target: number) => string
  successText: (target: number) => string
  failureText: (name: string, reason: string) => string
}

export const TRANSITIONS: Readonly<Record<Operation, OperationRule>> = {
  install: {
    pending: 'PENDING_INSTALL',
    pendingText: () => 'Initial install underway',
    successText: () => 'Install complete',
    failureText: (name, reason) => `Release "${name}" failed: ${reason}`,
  },
  upgrade: {
    pending: 'PENDING_UPGRADE',
    pendingText: () => 'Preparing upgrade',
    successText: () => 'Upgrade complete',
    failureText: (name, reason) => `Upgrade "${name}" failed: ${reason}`,
  },
  rollback: {
    pending: 'PENDING_ROLLBACK',
    pendingText: (target) => `Rollback to ${target}`,
    // Helm keeps "Rollback to N" once the rollback succeeds.
    successText: (target) => `Rollback to ${target}`,
    failureText: (name, reason) => `Rollback "${name}" failed: ${reason}`,
  },
  uninstall: {
    pending: 'DELETING',
    pendingText: () => 'Deletion in progress (or silently failed)',
    successText: () => 'Uninstallation complete',
    failureText: () => 'Deletion in progress (or silently failed)',
  },
}

export const DRY_RUN_DESCRIPTION = 'Dry run complete'

/** Helm CLI's --history-max default; the newest DEPLOYED revision is never pruned. */
export const MAX_HISTORY = 10

/** What a plan asks the store to do, in order. */
export interface Effects {
  insert: Revision | null
  updates: Array<{ revision: number; status: ReleaseStatus; description: string }>
  /** Remove the release and all its revisions (uninstall without keep-history). */
  purge: boolean
  /** Set (object) or clear (null) the release's pending operation; undefined leaves it. */
  pending: PendingOperation | null | undefined
  /** Revisions to drop to honour MAX_HISTORY. */
  prune: number[]
  /** The pending operation this write ends (set by complete()), so no one reads it back to know. */
  ends?: PendingOperation | undefined
  /**
   * The inserted revision as the operation started, when it is stored already ended
   * (completeAtOnce): what the write answers, and what the stored answer is restated from.
   */
  startedAs?: Revision | undefined
}

const noEffects = (): Effects => ({ insert: null, updates: [], purge: false, pending: undefined, prune: [] })

export interface Schedule {
  dueAt: Date | null
  outcome: Outcome
  failureReason: string | null
  /** Read-driven progression (moto's manual `times`): due on the Nth read of the release. */
  afterReads?: number | null
}

/** The description an operation that ends UNKNOWN leaves (CCE: "abnormal; try deleting and reinstalling"). */
export const unknownText = (name: string, reason: string): string => `Release "${name}" is in an unknown state: ${reason}`

export interface InstallCommand {
  key: ReleaseKey
  chart: ChartRef
  config: Values
  values: Values
  defaultsRef?: string | undefined
  now: Date
  schedule: Schedule
}

/** history is ordered oldest first; an empty array means the name is free. */
export function planInstall(history: Revision[], cmd: InstallCommand): Effects {
  if (history.length > 0) {
    throw new AlreadyExistsError(`cannot re-use a name that is still in use: release "${cmd.key.name}" already exists`)
  }
  const revision: Revision = {
    key: cmd.key,
    revision: 1,
    status: TRANSITIONS.install.pending,
    description: TRANSITIONS.install.pendingText(1),
    chart: cmd.chart,
    config: cmd.config,
    values: cmd.values,
    ...(cmd.defaultsRef !== undefined ? { defaultsRef: cmd.defaultsRef } : {}),
    firstDeployedAt: cmd.now,
    updatedAt: cmd.now,
  }
  return { ...noEffects(), insert: revision, pending: pendingFor(cmd.key, 'install', 1, null, cmd.schedule) }
}

export interface UpgradeCommand {
  chart: ChartRef
  config: Values
  values: Values
  defaultsRef?: string | undefined
  now: Date
  schedule: Schedule
}

/** Helm's base release for an upgrade: latest if deployed, else newest deployed, else a failed/superseded latest. */
function upgradeBase(history: Revision[]): Revision | null {
  const latest = history.at(-1)
  if (!latest) return null
  if (latest.status === 'DEPLOYED') return latest
  const deployed = history.findLast((r) => r.status === 'DEPLOYED')
  if (deployed) return deployed
  return latest.status === 'FAILED' || latest.status === 'SUPERSEDED' ? latest : null
}

export function planUpgrade(history: Revision[], cmd: UpgradeCommand): Effects {
  const latest = requireLatest(history)
  if (isPending(latest.status)) {
    throw new OperationPendingError(
      `Update release is forbidden: another operation (install/upgrade/rollback) is in progress on release "${latest.key.name}" (status ${latest.status})`,
    )
  }
  const base = upgradeBase(history)
  if (!base) {
    throw new OperationPendingError(
      `Update release is forbidden: "${latest.key.name}" has no deployed releases (status ${latest.status})`,
    )
  }
  const next = latest.revision + 1
  const revision: Revision = {
    key: latest.key,
    revision: next,
    status: TRANSITIONS.upgrade.pending,
    description: TRANSITIONS.upgrade.pendingText(next),
    chart: cmd.chart,
    config: cmd.config,
    values: cmd.values,
    ...(cmd.defaultsRef !== undefined ? { defaultsRef: cmd.defaultsRef } : {}),
    firstDeployedAt: latest.firstDeployedAt,
    updatedAt: cmd.now,
  }
  return {
    ...noEffects(),
    insert: revision,
    pending: pendingFor(latest.key, 'upgrade', next, base.revision, cmd.schedule),
    prune: pruneFor(history, next),
  }
}

/** Resolves Helm's rollback target: an explicit revision, or the one before the latest. */
export function rollbackTarget(history: Revision[], requested: number | undefined): Revision {
  const latest = requireLatest(history)
  if (requested !== undefined && requested < 0) {
    throw new ValidationError('invalid release revision', 'parameters.release_version')
  }
  const wanted = requested && requested > 0 ? requested : latest.revision - 1
  const target = history.find((r) => r.revision === wanted)
  if (!target) throw new ValidationError(`release has no ${wanted} version`, 'parameters.release_version')
  return target
}

export interface RollbackCommand {
  target: number | undefined
  now: Date
  schedule: Schedule
}

/**
 * Rollback has no pending check in Helm: it is the way out of a stuck PENDING_* release. The
 * stuck revision keeps its status in history (helm/helm#11565); its pending work is abandoned.
 */
export function planRollback(history: Revision[], cmd: RollbackCommand): Effects {
  const latest = requireLatest(history)
  if (latest.status === 'DELETING') {
    throw new OperationPendingError(`Update release is forbidden: release "${latest.key.name}" is being deleted`)
  }
  const target = rollbackTarget(history, cmd.target)
  const next = latest.revision + 1
  const revision: Revision = {
    ...target,
    revision: next,
    status: TRANSITIONS.rollback.pending,
    description: TRANSITIONS.rollback.pendingText(target.revision),
    firstDeployedAt: latest.firstDeployedAt,
    updatedAt: cmd.now,
  }
  return {
    ...noEffects(),
    insert: revision,
    pending: pendingFor(latest.key, 'rollback', next, target.revision, cmd.schedule),
    prune: pruneFor(history, next),
  }
}

export interface UninstallCommand {
  now: Date
  schedule: Schedule
}

/** Uninstall proceeds on pending releases too (Helm has no pending check there). */
export function planUninstall(history: Revision[], current: PendingOperation | null, cmd: UninstallCommand): Effects {
  const latest = requireLatest(history)
  // Deleting twice is a no-op: the first deletion keeps its schedule.
  if (latest.status === 'DELETING' && current?.operation === 'uninstall') return noEffects()
  return {
    ...noEffects(),
    updates: [{ revision: latest.revision, status: 'DELETING', description: TRANSITIONS.uninstall.pendingText(0) }],
    pending: pendingFor(latest.key, 'uninstall', latest.revision, null, cmd.schedule),
  }
}

/**
 * A history as the store holds it once `fx` is applied (oldest first). Revisions that change are
 * copied, never modified: cached answers may hold the old ones.
 */
export function afterEffects(history: readonly Revision[], fx: Effects): Revision[] {
  if (fx.purge) return []
  const next = fx.insert ? [...history, fx.insert] : [...history]
  for (const u of fx.updates) {
    const i = next.findIndex((r) => r.revision === u.revision)
    if (i >= 0) next[i] = restated(next[i]!, u.status, u.description)
  }
  return fx.prune.length === 0 ? next : next.filter((r) => !fx.prune.includes(r.revision))
}

/**
 * A copy with another status. `values` keeps its descriptor: a stored revision computes its
 * values on first use (a getter), and copying must not force that.
 */
function restated(r: Revision, status: ReleaseStatus, description: string): Revision {
  const copy = {
    key: r.key,
    revision: r.revision,
    status,
    description,
    chart: r.chart,
    config: r.config,
    ...(r.defaultsRef !== undefined ? { defaultsRef: r.defaultsRef } : {}),
    firstDeployedAt: r.firstDeployedAt,
    updatedAt: r.updatedAt,
  } as Revision
  return Object.defineProperty(copy, 'values', Object.getOwnPropertyDescriptor(r, 'values')!)
}

/** What happens when a pending operation falls due (or is triggered). */
export function complete(history: Revision[], op: PendingOperation, outcome: Exclude<Outcome, 'stick'>, reason?: string): Effects {
  const rule = TRANSITIONS[op.operation]
  const own = history.find((r) => r.revision === op.revision)
  if (!own) throw new InvalidTransitionError(`pending ${op.operation} refers to missing revision ${op.revision}`)
  const expected = rule.pending
  if (own.status !== expected) {
    throw new InvalidTransitionError(`cannot complete ${op.operation}: revision ${op.revision} is ${own.status}, not ${expected}`)
  }
  const done: Effects = { ...noEffects(), pending: null, ends: op }
  const why = reason ?? op.failureReason ?? 'simulated failure'

  if (outcome === 'unknown') {
    return { ...done, updates: [{ revision: op.revision, status: 'UNKNOWN', description: unknownText(own.key.name, why) }] }
  }

  if (op.operation === 'uninstall') {
    // Failure leaves the release stuck in DELETING, as a failing pre-delete hook does in Helm.
    return outcome === 'succeed' ? { ...done, purge: true } : done
  }
  const target = op.baseRevision ?? 0
  if (outcome === 'fail') {
    const updates: Effects['updates'] = []
    if (op.operation === 'rollback') {
      // Helm: a failed rollback apply still supersedes the previous latest revision.
      const previous = history.findLast((r) => r.revision < op.revision)
      if (previous?.status === 'DEPLOYED') {
        updates.push({ revision: previous.revision, status: 'SUPERSEDED', description: previous.description })
      }
    }
    updates.push({ revision: op.revision, status: 'FAILED', description: rule.failureText(own.key.name, why) })
    return { ...done, updates }
  }
  const updates: Effects['updates'] = []
  if (op.operation === 'upgrade') {
    const base = history.find((r) => r.revision === op.baseRevision)
    if (base?.status === 'DEPLOYED') {
      updates.push({ revision: base.revision, status: 'SUPERSEDED', description: base.description })
    }
  } else if (op.operation === 'rollback') {
    // Every deployed revision is superseded (helm/helm#2941).
    for (const r of history) {
      if (r.status === 'DEPLOYED' && r.revision !== op.revision) {
        updates.push({ revision: r.revision, status: 'SUPERSEDED', description: r.description })
      }
    }
  }
  updates.push({ revision: op.revision, status: 'DEPLOYED', description: rule.successText(target) })
  return { ...done, updates }
}

/**
 * A plan whose pending operation falls due the moment it starts (the fast profile: due at `now`,
 * not read-driven, not stuck), with its completion folded in: the new revision is written once,
 * in the state complete() would leave it, and no pending operation is stored. The rows, history
 * and times are those of applying `fx` and then settling it at `now`; only the pending state
 * in between is never written (nothing could read it: the write's batch commits both or neither).
 * Null when the operation does not end at once.
 */
export function completeAtOnce(history: readonly Revision[], fx: Effects, now: Date): Effects | null {
  const op = fx.pending
  const started = fx.insert
  if (!op || !started || started.revision !== op.revision || op.outcome === 'stick') return null
  if (op.dueAt === null || op.dueAt.getTime() > now.getTime() || (op.readsLeft ?? 0) > 0) return null
  const done = complete(afterEffects(history, fx), op, op.outcome)
  const own = done.updates.find((u) => u.revision === started.revision)
  return {
    insert: own ? { ...started, status: own.status, description: own.description } : started,
    updates: [...fx.updates, ...done.updates.filter((u) => u.revision !== started.revision)],
    purge: done.purge,
    pending: null,
    prune: fx.prune,
    ends: op,
    startedAs: started,
  }
}

function requireLatest(history: Revision[]): Revision {
  const latest = history.at(-1)
  if (!latest) throw new InvalidTransitionError('release has no revisions')
  return latest
}

function pendingFor(key: ReleaseKey, operation: Operation, revision: number, baseRevision: number | null, s: Schedule): PendingOperation {
  return { key, operation, revision, baseRevision, ...scheduleFields(s) }
}

const scheduleFields = (s: Schedule): Pick<PendingOperation, 'dueAt' | 'outcome' | 'failureReason' | 'readsLeft'> => ({
  dueAt: s.dueAt,
  outcome: s.outcome,
  failureReason: s.failureReason,
  readsLeft: s.outcome === 'stick' ? null : (s.afterReads ?? null),
})

/** A placeholder for planning before the real schedule is decided (see withSchedule). */
export const UNSCHEDULED: Schedule = { dueAt: null, outcome: 'succeed', failureReason: null, afterReads: null }

/**
 * Gives a plan's pending operation its schedule. Lets the caller decide the schedule only once
 * the plan is known to be legal, so a refused or dry-run operation never consumes a fault rule.
 */
export function withSchedule(fx: Effects, s: Schedule): Effects {
  return fx.pending ? { ...fx, pending: { ...fx.pending, ...scheduleFields(s) } } : fx
}

/**
 * Helm's removeLeastRecent: once a new revision is added, drop the oldest until MAX_HISTORY
 * remain, never the newest DEPLOYED one.
 */
function pruneFor(history: Revision[], incoming: number): number[] {
  const excess = history.length + 1 - MAX_HISTORY
  if (excess <= 0) return []
  const keep = history.findLast((r) => r.status === 'DEPLOYED')?.revision
  return history
    .filter((r) => r.revision !== keep && r.revision !== incoming)
    .slice(0, excess)
    .map((r) => r.revision)
}
