/**
 * The stored answers of releases' latest revisions (release_answers), kept in memory by release
 * for shows of releases whose revision is not in memory, bounded by their bytes.
 *
 * Why: a show of a random release among 100,000 read one row of release_answers (a B-tree of
 * ~113 MB, ~20 µs in the server, past SQLite's page cache) and built a revision object kept in
 * the latest-revision cache until 5,000 later shows pushed it out: old enough to be promoted, so
 * every show added to the old generation's garbage. Here an entry is the revision (a list's
 * item where a list was read, so nothing more) and a range of bytes held anyway.
 *
 * One copy of each answer: a namespace list read joined (one Buffer for the list, release-
 * repository.ts #joinedPage) hands its items' bytes over as ranges of that Buffer, which the
 * list cache holds already; an answer read alone is copied into a shared slab, not kept as a
 * Buffer of its own (each is ~250 bytes of V8 and native objects besides its bytes, and a small
 * Buffer from Node's pool keeps its whole 8 KiB pool slab alive).
 *
 * Entries go in insertion order (oldest first) once the bytes they name exceed the budget:
 * a queue of entries, not a Map's first key (see Lru in release-repository.ts). The bytes
 * counted are those the entries name: shared with a list, they are counted in both budgets.
 * The caller drops a release's entry on every write to it, and all of them on a scope-wide write.
 */
import type { ReleaseKey, Revision } from '../releases/release.js'

export interface CachedAnswer {
  /** The latest revision the answer is of: a list's item, or made when the answer was read alone. */
  readonly revision: Revision
  /** Whether the answer was handed to the revision (AnswerCodec.adopt): done on its first show. */
  adopted: boolean
  /** The answer's bytes: a view of memory the entry shares. */
  bytes(): Buffer
}

class Entry implements CachedAnswer {
  adopted = false
  constructor(
    readonly key: ReleaseKey,
    readonly revision: Revision,
    readonly buffer: Buffer,
    readonly start: number,
    readonly end: number,
  ) {}
  bytes(): Buffer {
    return this.buffer.subarray(this.start, this.end)
  }
}

/** Copies are packed into slabs this big: a few hundred answers each. */
const SLAB_BYTES = 256 * 1024

/** name → entry, per namespace, per scope. */
type Namespaces = Map<string, Map<string, Entry>>

/**
 * Keyed by scope, then namespace, then name: one map of 100,000 releases keyed by their whole
 * key cost ~1 µs a lookup at random (cache misses over a big table and its long keys), nested
 * small maps of short keys ~0.4 µs.
 */
export class AnswerCache {
  #scopes = new Map<string, Namespaces>()
  /** The scope found last: most requests are in the same one, found without building its key. */
  #last: { projectId: string; flavor: string; clusterId: string; namespaces: Namespaces } | undefined
  #size = 0
  /** Entries in insertion order from #head on; one no longer in the maps is a spent place. */
  #queue: Entry[] = []
  #head = 0
  #bytes = 0
  #slab: Buffer | null = null
  #slabUsed = 0

  constructor(private readonly maxBytes: number) {}

  get(key: ReleaseKey): CachedAnswer | undefined {
    return this.#namespaces(key)?.get(key.namespace)?.get(key.name)
  }

  #namespaces(key: ReleaseKey): Namespaces | undefined {
    const last = this.#last
    if (last && last.projectId === key.projectId && last.flavor === key.flavor && last.clusterId === key.clusterId) return last.namespaces
    const namespaces = this.#scopes.get(scopeOf(key))
    if (namespaces) this.#last = { projectId: key.projectId, flavor: key.flavor, clusterId: key.clusterId, namespaces }
    return namespaces
  }

  /** Keeps a copy of `bytes` (read alone: its own Buffer, freed once copied). */
  copy(key: ReleaseKey, revision: Revision, bytes: Buffer): CachedAnswer {
    if (!this.#slab || this.#slabUsed + bytes.length > this.#slab.length) {
      this.#slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, bytes.length))
      this.#slabUsed = 0
    }
    const start = this.#slabUsed
    bytes.copy(this.#slab, start)
    this.#slabUsed += bytes.length
    return this.#put(new Entry(key, revision, this.#slab, start, start + bytes.length))
  }

  /** Keeps a range of a Buffer something else holds too (a cached list's answer). */
  share(key: ReleaseKey, revision: Revision, buffer: Buffer, start: number, end: number): void {
    this.#put(new Entry(key, revision, buffer, start, end))
  }

  delete(key: ReleaseKey): void {
    const namespaces = this.#namespaces(key)
    const names = namespaces?.get(key.namespace)
    const entry = names?.get(key.name)
    if (!entry) return
    names!.delete(key.name)
    if (names!.size === 0) namespaces!.delete(key.namespace)
    if (namespaces!.size === 0) {
      this.#scopes.delete(scopeOf(key))
      if (this.#last?.namespaces === namespaces) this.#last = undefined
    }
    this.#size--
    this.#bytes -= entry.end - entry.start
  }

  clear(): void {
    this.#scopes = new Map()
    this.#last = undefined
    this.#size = 0
    this.#queue = []
    this.#head = 0
    this.#bytes = 0
    this.#slab = null
  }

  get size(): number {
    return this.#size
  }

  /** Places in the eviction queue, spent ones included (bounded: see #put). */
  get queued(): number {
    return this.#queue.length - this.#head
  }

  #put(entry: Entry): Entry {
    const { key } = entry
    let namespaces = this.#namespaces(key)
    if (!namespaces) this.#scopes.set(scopeOf(key), (namespaces = new Map()))
    let names = namespaces.get(key.namespace)
    if (!names) namespaces.set(key.namespace, (names = new Map()))
    const replaced = names.get(key.name)
    if (replaced) this.#bytes -= replaced.end - replaced.start
    else this.#size++
    names.set(key.name, entry)
    this.#queue.push(entry)
    this.#bytes += entry.end - entry.start
    while (this.#bytes > this.maxBytes) this.#evictOldest()
    // Spent places (evicted, deleted or put again) are dropped once they outnumber the entries.
    if (this.#queue.length - this.#head > 2 * this.#size + 1024) {
      this.#queue = this.#queue.slice(this.#head).filter((e) => this.get(e.key) === e)
      this.#head = 0
    }
    return entry
  }

  #evictOldest(): void {
    for (;;) {
      const entry = this.#queue[this.#head++]!
      if (this.get(entry.key) === entry) {
        this.delete(entry.key)
        return
      }
    }
  }
}

const scopeOf = (k: ReleaseKey): string => `${k.projectId}\u0000${k.flavor}\u0000${k.clusterId}`
