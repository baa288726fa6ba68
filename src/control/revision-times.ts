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
import { type Operation, type PendingOperation, type ReleaseKey } from '../releases/release.js'

export interface RevisionTiming {
  operation: Operation
  /** When the operation started; for an uninstall, when the release began DELETING. */
  startedAt: Date
  /** When its pending state ended (completion, failure, trigger); null while pending. */
  endedAt: Date | null
}

/** Revisions remembered; the oldest are forgotten first. */
const CAPACITY = 100_000

/** A reset's scope: an absent field matches every release. */
export interface TimesScope {
  projectId?: string | undefined
  flavor?: string | undefined
  clusterId?: string | undefined
  namespace?: string | undefined
}

/**
 * Timings are kept packed: the map holds a slot number per revision, the slot's fields sit in
 * typed arrays. At 100,000 revisions an object, a Date or two and a key built as a template
 * (a tree of ~8 concatenated strings) each took ~500 bytes, ~50 MB of heap that stayed after a
 * reset; a slot and a flat key take ~110.
 */
export class RevisionTimes {
  /** revision key (flat, see slotKey) → slot; in insertion order, oldest first. */
  #slots = new Map<string, number>()
  readonly #operation: Operation[] = []
  readonly #startedAt = new Float64Array(CAPACITY)
  /** NaN while pending. */
  readonly #endedAt = new Float64Array(CAPACITY)
  /** Slots not in use, taken from the end. */
  readonly #free: number[] = []
  #used = 0

  constructor(private readonly clock: Clock) {}

  /** The timing of a revision's operation, if this process saw it start or end. */
  get(key: ReleaseKey, revision: number): RevisionTiming | undefined {
    const slot = this.#slots.get(slotKey(key, revision))
    if (slot === undefined) return undefined
    const ended = this.#endedAt[slot]!
    return { operation: this.#operation[slot]!, startedAt: new Date(this.#startedAt[slot]!), endedAt: Number.isNaN(ended) ? null : new Date(ended) }
  }

  /** Forgets the revisions of the releases in a scope (a reset removed them). */
  forget(scope: TimesScope): void {
    if (scope.projectId === undefined && scope.flavor === undefined && scope.clusterId === undefined && scope.namespace === undefined) {
      this.#slots = new Map()
      this.#free.length = 0
      this.#used = 0
      return
    }
    for (const [id, slot] of this.#slots) {
      const [projectId, flavor, clusterId, namespace] = id.split('/')
      const out = (want: string | undefined, have: string | undefined) => want !== undefined && want !== have
      if (out(scope.projectId, projectId) || out(scope.flavor, flavor) || out(scope.clusterId, clusterId) || out(scope.namespace, namespace)) continue
      this.#slots.delete(id)
      this.#free.push(slot)
    }
  }

  get size(): number {
    return this.#slots.size
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
    if (fx.pending === null && current) {
      // Work that fell due ended at its due time, however much later a read settled it.
      const due = current.dueAt
      const endedAt = due && due.getTime() <= now.getTime() ? due : now
      const slot = slotKey(key, current.revision)
      const known = this.#slots.get(slot)
      this.#set(slot, current.operation, known !== undefined ? this.#startedAt[known]! : endedAt.getTime(), endedAt.getTime())
    }
    // The revision's own time (taken when the operation was planned), so the two can be matched.
    if (fx.pending) this.#set(slotKey(key, fx.pending.revision), fx.pending.operation, (fx.insert?.updatedAt ?? now).getTime(), NaN)
  }

  #set(id: string, operation: Operation, startedAt: number, endedAt: number): void {
    let slot = this.#slots.get(id)
    // A new timing is the newest: taken out and put back at the end of the order.
    if (slot !== undefined) this.#slots.delete(id)
    else if (this.#slots.size >= CAPACITY) {
      const oldest = this.#slots.keys().next().value!
      slot = this.#slots.get(oldest)!
      this.#slots.delete(oldest)
    } else slot = this.#free.pop() ?? this.#used++
    this.#operation[slot] = operation
    this.#startedAt[slot] = startedAt
    this.#endedAt[slot] = endedAt
    this.#slots.set(id, slot)
  }
}

/** Joined, not a template: a flat string (a template's result is a tree of its parts, each part kept). */
const slotKey = (k: ReleaseKey, revision: number): string => [k.projectId, k.flavor, k.clusterId, k.namespace, k.name, revision].join('/')
