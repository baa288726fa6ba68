/**
 * The emulator's test controls, independent of HTTP: the /_emulator routes and the in-process
 * API (startEmulator) both drive this object, so they behave identically.
 *
 * What lives where, and why:
 *   - releases, revisions and pending operations (including each operation's due time, fault
 *     outcome and reads left) are state: SQLite, so a restart resumes them;
 *   - so is the clock's offset and reading (the clock's own store): stored due times only mean
 *     something on a clock that keeps its advances and never goes back. A reset leaves it;
 *   - the lifecycle profile, fault rules, random seed and journal are test configuration or
 *     diagnostics: memory only, set at start from flags, reset to those start values.
 */
import type { Clock } from '../clock.js'
import { ValidationError } from '../errors.js'
import { isProfileName, OPERATIONS, PROFILES, seededRandom, type ProfileName, type Step } from '../releases/progression.js'
import type { ReleaseService } from '../releases/release-service.js'
import type { Flavor, Operation, PendingOperation, ReleaseKey, Revision } from '../releases/release.js'
import type { LifecycleSettings } from '../releases/scheduler.js'
import type { DialectName, FaultStore } from './faults.js'
import type { Journal } from './journal.js'
import { RELEASE_MEMORY_AFTER, returnMemorySoon } from './release-memory.js'

/** An absent field matches everything; all absent = reset everything. */
export interface ResetScope {
  projectId?: string | undefined
  flavor?: Flavor | undefined
  /** cce (CCE and Autopilot) or cloudpods; a Cloudpods cluster may then be named by id or name. */
  dialect?: DialectName | undefined
  clusterId?: string | undefined
  namespace?: string | undefined
}

/** Where the Cloudpods dialect's releases and clusters are found by what its users call them. */
export interface CloudpodsControl {
  /** The core key of a release by id, or by name within an optional cluster/namespace (id or name). */
  keyOf(ref: string, scope: { cluster?: string | undefined; namespace?: string | undefined }): ReleaseKey
  /** A cluster id for a cluster id or name; undefined when unknown. */
  clusterId(ref: string): string | undefined
}

export interface ResetResult {
  scoped: boolean
  /** Items removed, per registered store (e.g. { releases: 3 }). */
  deleted: Record<string, number>
  journal_cleared: number
  faults_restored: boolean
  lifecycle_restored: boolean
}

/** A store the control plane can empty: returns how many items it removed in the scope. */
export type Resetter = (scope: ResetScope) => number
/**
 * A store whose reset may be large: answers a step that removes one slice of the scope and says
 * how many, 0 once done. The API's reset runs one step per turn, so other clients are served in
 * between (see resetGradually).
 */
export type GradualResetter = (scope: ResetScope) => () => number

/** The wire-neutral shape of one operation's progression. */
export type OperationSetting =
  | { mode: 'time'; delay_ms: number; jitter_ms: number }
  | { mode: 'manual'; after_reads: number | null }

export interface LifecycleView {
  profile: ProfileName | 'custom'
  operations: Record<Operation, OperationSetting>
}

/** As OperationSetting, with jitter_ms optional (default 0). */
export type OperationSettingInput =
  | { mode: 'time'; delay_ms: number; jitter_ms?: number | undefined }
  | { mode: 'manual'; after_reads?: number | null | undefined }

export interface LifecycleUpdate {
  profile?: ProfileName | undefined
  operations?: Partial<Record<Operation, OperationSettingInput>> | undefined
}

export interface ClockView {
  now: string
  offset_ms: number
  advanceable: boolean
}

export interface AdvanceableClock extends Clock {
  advance(ms: number): void
  readonly offsetMs?: number
}

const canAdvance = (c: Clock): c is AdvanceableClock => typeof (c as Partial<AdvanceableClock>).advance === 'function'

export interface ControlPlaneDeps {
  releases: ReleaseService
  lifecycle: LifecycleSettings
  clock: Clock
  faults: FaultStore
  journal: Journal
  seed: number
  /** True when the caller injected lifecycle randomness (tests); a reset then leaves it alone. */
  fixedLifecycleRandom: boolean
  startedAt: number
  /** The Cloudpods dialect's lookups, for its triggers and reset scopes. */
  cloudpods?: CloudpodsControl | undefined
}

/** A Cloudpods reset has its own flavour only: a CCE flavour with dialect cloudpods is refused. */
export function checkResetDialect(scope: { dialect?: string | undefined; flavor?: string | undefined }): void {
  if (scope.dialect === 'cloudpods' && scope.flavor !== undefined && scope.flavor !== 'cloudpods') {
    throw new ValidationError(`flavor ${scope.flavor} is not of dialect cloudpods`, 'flavor')
  }
}

export class ControlPlane {
  readonly faults: FaultStore
  readonly journal: Journal
  readonly seed: number
  readonly #deps: ControlPlaneDeps
  readonly #resetters = new Map<string, { all: Resetter; gradual: GradualResetter | undefined }>()
  readonly #checks = new Map<string, () => boolean>()
  #startLifecycle: Pick<LifecycleSettings, 'profile' | 'profileName'>

  constructor(deps: ControlPlaneDeps) {
    this.#deps = deps
    this.faults = deps.faults
    this.journal = deps.journal
    this.seed = deps.seed
    this.#startLifecycle = { profile: deps.lifecycle.profile, profileName: deps.lifecycle.profileName }
  }

  /** Makes the current lifecycle settings the ones a full reset returns to (start-up overrides). */
  captureStartLifecycle(): void {
    const { profile, profileName } = this.#deps.lifecycle
    this.#startLifecycle = { profile, profileName }
  }

  /** Lets a store (releases, charts…) take part in resets; `gradual` for one whose scope may be large. */
  registerResetter(name: string, fn: Resetter, gradual?: GradualResetter): void {
    this.#resetters.set(name, { all: fn, gradual })
  }

  /** Adds a readiness check; /_emulator/health answers 503 until every check passes. */
  registerReadiness(name: string, check: () => boolean): void {
    this.#checks.set(name, check)
  }

  readiness(): { ready: boolean; checks: Record<string, boolean> } {
    const checks: Record<string, boolean> = {}
    for (const [name, check] of this.#checks) {
      try {
        checks[name] = check()
      } catch {
        checks[name] = false
      }
    }
    return { ready: Object.values(checks).every(Boolean), checks }
  }

  uptimeSeconds(): number {
    return (Date.now() - this.#deps.startedAt) / 1000
  }

  /** Everything at once: the in-process API's reset (a test's own process waits for it anyway). */
  reset(scope: ResetScope = {}): ResetResult {
    const deleted: Record<string, number> = {}
    for (const one of this.#storeScopes(scope)) {
      for (const [name, { all }] of this.#resetters) deleted[name] = (deleted[name] ?? 0) + all(one)
    }
    return this.#finishReset(scope, deleted)
  }

  /**
   * The same, with large stores emptied one slice per turn of the event loop (`pause` between
   * slices): the API's reset, which other clients of a shared emulator must not wait for. What
   * existed when it started is gone when it answers; what was made meanwhile is kept.
   */
  async resetGradually(scope: ResetScope = {}, pause: () => Promise<void> = nextTurn): Promise<ResetResult> {
    const stores = this.#storeScopes(scope)
    const deleted: Record<string, number> = {}
    for (const one of stores) {
      for (const [name, { all, gradual }] of this.#resetters) {
        if (!gradual) {
          deleted[name] = (deleted[name] ?? 0) + all(one)
          continue
        }
        const step = gradual(one)
        for (let n = step(); n > 0; n = step()) {
          deleted[name] = (deleted[name] ?? 0) + n
          await pause()
        }
        deleted[name] ??= 0
      }
    }
    return this.#finishReset(scope, deleted)
  }

  #finishReset(scope: ResetScope, deleted: Record<string, number>): ResetResult {
    const scoped = Object.values(scope).some((v) => v !== undefined)
    if ((deleted.releases ?? 0) >= RELEASE_MEMORY_AFTER) returnMemorySoon()
    if (scoped) return { scoped, deleted, journal_cleared: 0, faults_restored: false, lifecycle_restored: false }
    // Everything: start-up faults and profile, fresh seeded randomness so the next test repeats.
    const journalCleared = this.journal.clear()
    this.faults.reset(faultRandom(this.seed))
    this.#deps.lifecycle.profile = this.#startLifecycle.profile
    this.#deps.lifecycle.profileName = this.#startLifecycle.profileName
    if (!this.#deps.fixedLifecycleRandom) this.#deps.lifecycle.reseed(seededRandom(this.seed))
    return { scoped, deleted, journal_cleared: journalCleared, faults_restored: true, lifecycle_restored: true }
  }

  clock(): ClockView {
    const c = this.#deps.clock
    return { now: c.now().toISOString(), offset_ms: canAdvance(c) ? (c.offsetMs ?? 0) : 0, advanceable: canAdvance(c) }
  }

  /**
   * Moves simulated time forward (stored before it takes effect), then settles everything that
   * fell due, in bounded batches; returns the clock and how many operations completed.
   */
  advance(seconds: number): ClockView & { settled: number } {
    this.#moveClock(seconds)
    const settled = this.#deps.releases.settle()
    return { ...this.clock(), settled }
  }

  /**
   * advance() for the HTTP route: the same answer, but the settling yields to other clients
   * between slices (ReleaseService.drain), so thousands falling due never stall them.
   */
  async advanceYielding(seconds: number): Promise<ClockView & { settled: number }> {
    this.#moveClock(seconds)
    const settled = await this.#deps.releases.drain()
    return { ...this.clock(), settled }
  }

  #moveClock(seconds: number): void {
    const c = this.#deps.clock
    if (!canAdvance(c)) throw new ValidationError('this emulator was started with a clock that cannot be advanced', 'seconds')
    if (!Number.isFinite(seconds) || seconds < 0) throw new ValidationError('the clock only moves forward: seconds must be >= 0', 'seconds')
    c.advance(Math.round(seconds * 1000))
  }

  lifecycle(): LifecycleView {
    const { profile, profileName } = this.#deps.lifecycle
    const operations = Object.fromEntries(OPERATIONS.map((op) => [op, toSetting(profile[op])])) as Record<Operation, OperationSetting>
    return { profile: profileName, operations }
  }

  setLifecycle(update: LifecycleUpdate): LifecycleView {
    if (update.profile !== undefined && !isProfileName(update.profile)) {
      throw new ValidationError(`profile must be one of ${Object.keys(PROFILES).join(', ')}`, 'profile')
    }
    const overrides: Partial<Record<Operation, Step>> = {}
    for (const [op, setting] of Object.entries(update.operations ?? {}) as Array<[Operation, OperationSettingInput | undefined]>) {
      if (setting) overrides[op] = toStep(setting, op)
    }
    this.#deps.lifecycle.configure(update.profile, overrides)
    return this.lifecycle()
  }

  /**
   * A dialect-level scope as the stores take it (by flavour): the CCE dialect is two flavours;
   * Cloudpods is flavour 'cloudpods', whose cluster may be given by name.
   */
  #storeScopes(scope: ResetScope): ResetScope[] {
    const { dialect, ...rest } = scope
    if (dialect === undefined) return [rest]
    if (dialect === 'cloudpods') {
      checkResetDialect(scope)
      const clusterId = rest.clusterId === undefined ? undefined : (this.#deps.cloudpods?.clusterId(rest.clusterId) ?? rest.clusterId)
      return [{ ...rest, flavor: 'cloudpods', clusterId }]
    }
    if (rest.flavor === 'cloudpods') throw new ValidationError('flavor cloudpods is not of dialect cce', 'flavor')
    return rest.flavor !== undefined ? [rest] : [{ ...rest, flavor: 'cce' }, { ...rest, flavor: 'autopilot' }]
  }

  /** Ends a Cloudpods release's pending operation now: the release by id, or by name (narrowed by cluster/namespace). */
  triggerCloudpods(
    ref: { id: string; cluster?: string | undefined; namespace?: string | undefined },
    outcome: 'succeed' | 'fail' | 'unknown',
    reason?: string,
  ): { operation: PendingOperation; release: Revision | null } {
    const cloudpods = this.#deps.cloudpods
    if (!cloudpods) throw new ValidationError('this emulator serves no Cloudpods dialect', 'dialect')
    return this.trigger(cloudpods.keyOf(ref.id, { cluster: ref.cluster, namespace: ref.namespace }), outcome, reason)
  }

  /** Ends a release's pending operation now ("trigger instead of wait"). */
  trigger(key: ReleaseKey, outcome: 'succeed' | 'fail' | 'unknown', reason?: string): { operation: PendingOperation; release: Revision | null } {
    return this.#deps.releases.trigger(key, outcome, reason)
  }
}

export const faultRandom = (seed: number): (() => number) => seededRandom((seed ^ 0x5bd1e995) >>> 0)

function toSetting(step: Step): OperationSetting {
  if (step === null) return { mode: 'manual', after_reads: null }
  if ('afterReads' in step) return { mode: 'manual', after_reads: step.afterReads }
  return { mode: 'time', delay_ms: step.ms, jitter_ms: step.jitterMs }
}

function toStep(s: OperationSettingInput, op: Operation): Step {
  if (s.mode === 'manual') {
    if (s.after_reads === null || s.after_reads === undefined) return null
    if (!Number.isInteger(s.after_reads) || s.after_reads < 1) throw new ValidationError('after_reads must be a positive integer or null', `operations.${op}.after_reads`)
    return { afterReads: s.after_reads }
  }
  const ms = s.delay_ms
  const jitter = s.jitter_ms ?? 0
  if (!Number.isInteger(ms) || ms < 0) throw new ValidationError('delay_ms must be a non-negative integer', `operations.${op}.delay_ms`)
  if (!Number.isInteger(jitter) || jitter < 0) throw new ValidationError('jitter_ms must be a non-negative integer', `operations.${op}.jitter_ms`)
  return { ms, jitterMs: jitter }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
