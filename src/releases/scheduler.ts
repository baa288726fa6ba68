/**
 * The default Scheduler: due times from the active lifecycle profile (with per-operation
 * overrides), and outcomes from an optional fault source (the control plane's fault rules).
 */
import type { Schedule } from './lifecycle.js'
import type { ScheduleContext, Scheduler } from './ports.js'
import { dueAt, PROFILES, readsFor, type LifecycleProfile, type ProfileName, type Step } from './progression.js'
import type { Operation, Outcome, ReleaseKey } from './release.js'

/**
 * Runtime-changeable lifecycle settings, owned by one app instance (never module state).
 * They are configuration, not state: they live in memory and start from --lifecycle; the
 * schedule each operation got is stored with the operation, so a restart resumes it as planned.
 */
export class LifecycleSettings {
  profile: LifecycleProfile
  profileName: ProfileName | 'custom'
  #random: () => number
  constructor(
    name: ProfileName,
    random: () => number,
  ) {
    this.profile = PROFILES[name]
    this.profileName = name
    this.#random = random
  }
  /** Randomness for jitter; replaceable so a reset can re-seed it. */
  get random(): () => number {
    return this.#random
  }
  reseed(random: () => number): void {
    this.#random = random
  }
  use(name: ProfileName): void {
    this.profile = PROFILES[name]
    this.profileName = name
  }
  /** Starts from `base` (or the current profile) and overrides some operations. */
  configure(base: ProfileName | undefined, overrides: Partial<Record<Operation, Step>>): void {
    const start = base === undefined ? this.profile : PROFILES[base]
    const entries = Object.entries(overrides).filter(([, v]) => v !== undefined)
    this.profile = { ...start, ...Object.fromEntries(entries) }
    this.profileName = entries.length > 0 ? 'custom' : (base ?? this.profileName)
  }
}

/** A decided non-default ending for an operation (a fault rule's lifecycle outcome). */
export interface OutcomeOverride {
  outcome: Exclude<Outcome, 'succeed'>
  reason: string | null
}

/** Where lifecycle faults come from; consulted once per operation as it starts. */
export interface OutcomeSource {
  decide(operation: Operation, key: ReleaseKey, context: ScheduleContext): OutcomeOverride | null
}

export class ProfileScheduler implements Scheduler {
  constructor(
    private readonly settings: LifecycleSettings,
    private readonly outcomes?: OutcomeSource,
  ) {}
  schedule(operation: Operation, key: ReleaseKey, now: Date, context: ScheduleContext = {}): Schedule {
    const { profile, random } = this.settings
    const override = this.outcomes?.decide(operation, key, context) ?? null
    // A stuck operation never falls due by itself: only a trigger, a rollback or a delete clears it.
    if (override?.outcome === 'stick') return { dueAt: null, outcome: 'stick', failureReason: override.reason, afterReads: null }
    return {
      dueAt: dueAt(profile, operation, now, random),
      outcome: override?.outcome ?? 'succeed',
      failureReason: override?.reason ?? null,
      afterReads: readsFor(profile, operation),
    }
  }
}
