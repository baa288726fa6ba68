/** The default Scheduler: due times from the active lifecycle profile; every operation succeeds. */
import type { Schedule } from './lifecycle.js'
import type { Scheduler } from './ports.js'
import { dueAt, PROFILES, type LifecycleProfile, type ProfileName } from './progression.js'
import type { Operation, ReleaseKey } from './release.js'

/** Runtime-changeable lifecycle settings, owned by one app instance (never module state). */
export class LifecycleSettings {
  profile: LifecycleProfile
  profileName: ProfileName | 'custom'
  constructor(
    name: ProfileName,
    readonly random: () => number,
  ) {
    this.profile = PROFILES[name]
    this.profileName = name
  }
  use(name: ProfileName): void {
    this.profile = PROFILES[name]
    this.profileName = name
  }
}

export class ProfileScheduler implements Scheduler {
  constructor(private readonly settings: LifecycleSettings) {}
  schedule(operation: Operation, _key: ReleaseKey, now: Date): Schedule {
    return { dueAt: dueAt(this.settings.profile, operation, now, this.settings.random), outcome: 'succeed', failureReason: null }
  }
}
