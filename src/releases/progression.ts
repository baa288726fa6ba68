/**
 * How long simulated operations take. A profile maps each operation to a step:
 *   - a Delay (ms + uniform jitter): due that long after it starts (kwok's delay + jitter);
 *   - AfterReads: due on the Nth read of the release (moto's `manual` progression with `times`);
 *   - null: never by itself; it waits for a trigger (POST /_emulator/releases/…/complete).
 * Pure: randomness is injected.
 */
import type { Operation } from './release.js'

export type ProfileName = 'fast' | 'realistic' | 'manual'

export interface Delay {
  ms: number
  jitterMs: number
}

export interface AfterReads {
  afterReads: number
}

export type Step = Delay | AfterReads | null

export type LifecycleProfile = Readonly<Record<Operation, Step>>

export const OPERATIONS: readonly Operation[] = ['install', 'upgrade', 'rollback', 'uninstall']

export const PROFILES = {
  // Due at once: the answer to the write shows PENDING_*, the next read shows the outcome.
  fast: {
    install: { ms: 0, jitterMs: 0 },
    upgrade: { ms: 0, jitterMs: 0 },
    rollback: { ms: 0, jitterMs: 0 },
    uninstall: { ms: 0, jitterMs: 0 },
  },
  // Seconds, in the range a small chart takes on a real cluster.
  realistic: {
    install: { ms: 6000, jitterMs: 3000 },
    upgrade: { ms: 5000, jitterMs: 2500 },
    rollback: { ms: 4000, jitterMs: 2000 },
    uninstall: { ms: 3000, jitterMs: 1500 },
  },
  manual: { install: null, upgrade: null, rollback: null, uninstall: null },
} as const satisfies Readonly<Record<ProfileName, LifecycleProfile>>

export const isProfileName = (s: string): s is ProfileName => Object.hasOwn(PROFILES, s)

export const isDelay = (s: Step): s is Delay => s !== null && 'ms' in s

/** Due time for an operation started at `now`; `random` returns [0, 1). Null: not time-driven. */
export function dueAt(profile: LifecycleProfile, op: Operation, now: Date, random: () => number): Date | null {
  const d = profile[op]
  if (!d || !isDelay(d)) return null
  const jitter = d.jitterMs === 0 ? 0 : Math.round((random() * 2 - 1) * d.jitterMs)
  return new Date(now.getTime() + Math.max(0, d.ms + jitter))
}

/** How many reads an operation started now waits for, or null when it is not read-driven. */
export function readsFor(profile: LifecycleProfile, op: Operation): number | null {
  const s = profile[op]
  return s && 'afterReads' in s ? s.afterReads : null
}

/** Small seeded PRNG (mulberry32) so a run with --seed is repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
