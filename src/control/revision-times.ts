/**
 * When each revision's pending operation started and ended, for the dashboard's timeline. A
 * revision row keeps when its operation started (updated_at) but not when the pending state
 * ended: a completion only rewrites status and description. Rather than a schema change, the
 * release repository is wrapped, and every start and end the release service applies is noted
 * here, in memory and bounded like the journal: diagnostics, not state. Operations that ended
 * before this process started show an unknown end.
 */
import type { Clock } from '../clock.js'
import type { Effects } from '../releases/lifecycle.js'
import type { ReleaseRepository } from '../releases/ports.js'
import { releaseKeyString, type Operation, type PendingOperation, type ReleaseKey } from '../releases/release.js'

export interface RevisionTiming {
  operation: Operation
  /** When the operation started; for an uninstall, when the release began DELETING. */
  startedAt: Date
  /** When its pending state ended (completion, failure, trigger); null while pending. */
  endedAt: Date | null
}

/** Revisions remembered; the oldest are forgotten first. */
const CAPACITY = 100_000

export class RevisionTimes {
  readonly #times = new Map<string, RevisionTiming>()

  constructor(private readonly clock: Clock) {}

  /** The timing of a revision's operation, if this process saw it start or end. */
  get(key: ReleaseKey, revision: number): RevisionTiming | undefined {
    return this.#times.get(`${releaseKeyString(key)}#${revision}`)
  }

  get size(): number {
    return this.#times.size
  }

  /**
   * The repository the release service should use: the same one, with apply() observed. A proxy
   * rather than a class listing the port's methods, so methods the port gains pass through.
   */
  observe(inner: ReleaseRepository): ReleaseRepository {
    const apply = (key: ReleaseKey, effects: Effects): void => {
      // Only writes that end pending work need the current operation (a keyed read, unless the write names it).
      const current = effects.pending === null ? (effects.ends ?? inner.pending(key)) : null
      inner.apply(key, effects)
      if (effects.pending !== undefined) this.note(key, effects, current)
    }
    // Bound to the store itself (its methods use private fields), once each: reads are the hot path.
    const bound = new Map<PropertyKey, unknown>([['apply', apply]])
    return new Proxy(inner, {
      get: (target, prop) => {
        if (bound.has(prop)) return bound.get(prop)
        const value: unknown = Reflect.get(target, prop, target)
        if (typeof value !== 'function') return value
        const fn = (value as (...args: unknown[]) => unknown).bind(target)
        bound.set(prop, fn)
        return fn
      },
    })
  }

  /** Called once `fx` is applied: `current` is the pending operation the release had before, if any. */
  note(key: ReleaseKey, fx: Effects, current: PendingOperation | null): void {
    const now = this.clock.now()
    const id = releaseKeyString(key)
    if (fx.pending === null && current) {
      // Work that fell due ended at its due time, however much later a read settled it.
      const due = current.dueAt
      const endedAt = due && due.getTime() <= now.getTime() ? due : now
      const slot = `${id}#${current.revision}`
      const known = this.#times.get(slot)
      this.#set(slot, { operation: current.operation, startedAt: known?.startedAt ?? endedAt, endedAt })
    }
    // The revision's own time (taken when the operation was planned), so the two can be matched.
    if (fx.pending) this.#set(`${id}#${fx.pending.revision}`, { operation: fx.pending.operation, startedAt: fx.insert?.updatedAt ?? now, endedAt: null })
  }

  #set(slot: string, timing: RevisionTiming): void {
    this.#times.delete(slot)
    if (this.#times.size >= CAPACITY) this.#times.delete(this.#times.keys().next().value!)
    this.#times.set(slot, timing)
  }
}
