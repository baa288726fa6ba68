/**
 * The request journal: what the emulated API was asked and answered, newest first, for tests
 * to assert on (WireMock's /__admin/requests). Memory is bounded twice over: a ring buffer of
 * `capacity` entries, and per-entry caps on bodies and headers, so a long run can never grow
 * it (WireMock's journal OOMs, wiremock#29/#51). Credentials are redacted before storing: tokens and
 * signatures in headers, Keystone passwords and tokens in login bodies.
 */

/** Bodies longer than this are cut (and flagged); 0 would drop bodies entirely. */
export const JOURNAL_BODY_LIMIT = 4096
const HEADER_VALUE_LIMIT = 512
const HEADER_COUNT_LIMIT = 48
const REDACTED = 'REDACTED'

export interface JournalEntry {
  id: number
  /** Emulator (simulated) time when the request arrived, RFC 3339 with milliseconds. */
  time: string
  method: string
  path: string
  query: string
  /** The route pattern that answered, or null (404). */
  route: string | null
  operation: string | null
  /** The API the request spoke: cce or cloudpods; null for a path no dialect owns. */
  dialect: 'cce' | 'cloudpods' | null
  /** cce or autopilot; null outside the CCE dialect. */
  flavor: 'cce' | 'autopilot' | null
  project_id: string | null
  cluster_id: string | null
  namespace: string | null
  name: string | null
  status: number
  duration_ms: number
  request_id: string
  request_headers: Record<string, string>
  request_body: string | null
  request_body_truncated: boolean
  response_body: string | null
  response_body_truncated: boolean
  /** The fault rule that shaped the answer, if any. */
  fault: string | null
}

export interface JournalFilter {
  method?: string | undefined
  operation?: string | undefined
  status?: number | undefined
  dialect?: string | undefined
  flavor?: string | undefined
  cluster_id?: string | undefined
  namespace?: string | undefined
  name?: string | undefined
  path_prefix?: string | undefined
  /** Only entries with a larger id (poll for what is new). */
  since_id?: number | undefined
  limit?: number | undefined
}

/** What a request's entry is built from, when it is first read (see Journal.defer). */
export type EntryBuilder = () => Omit<JournalEntry, 'id'>

/**
 * A request's entry as a record, built when first read. `held`: a large response body the record
 * refers to (see Journal.hold), let go when the entry is built or dropped from the ring.
 */
export interface DeferredEntry {
  build(): Omit<JournalEntry, 'id'>
  readonly held: Buffer | null
}

type Slot = JournalEntry | EntryBuilder | DeferredEntry

/**
 * Bytes of large response bodies entries may refer to rather than clip. Answers are mostly bytes
 * the emulator keeps anyway (a release's, a list's), the same object answer after answer, so a
 * reference costs nothing; distinct bodies past this are clipped at once, so the journal never
 * holds more than this of bodies it alone keeps alive.
 */
export const JOURNAL_HELD_BYTES = 16 * 1024 * 1024

export class Journal {
  #ring: Array<Slot | undefined>
  #ids: number[]
  /** The large body each slot's record refers to, if any (see hold): let go when the slot is built or reused. */
  #heldAt: Array<Buffer | null>
  #next = 0
  #size = 0
  #seq = 0
  #errors = 0
  #held = new Map<Buffer, number>()
  #heldBytes = 0

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError('journal capacity must be a non-negative integer')
    this.#ring = new Array<Slot | undefined>(capacity)
    this.#ids = new Array<number>(capacity).fill(0)
    this.#heldAt = new Array<Buffer | null>(capacity).fill(null)
  }

  get size(): number {
    return this.#size
  }

  /** Total entries ever recorded (ids are 1..total). */
  get total(): number {
    return this.#seq
  }

  get enabled(): boolean {
    return this.capacity > 0
  }

  /** Answers with status 400 or above recorded since start (a counter, like total). */
  get errors(): number {
    return this.#errors
  }

  /** Bytes of large bodies entries refer to (each distinct body counted once). */
  get heldBytes(): number {
    return this.#heldBytes
  }

  record(entry: Omit<JournalEntry, 'id'>): void {
    const id = this.#count(entry.status)
    if (this.capacity > 0) this.#put(id, { id, ...entry }, null)
  }

  /**
   * Records an entry built only if someone reads it. Every answered request is recorded and few
   * are ever read, so the hot path keeps references to what the request already holds and the
   * strings (redacted headers, clipped bodies, ISO times, facts) are made on the first read.
   * A record with `held` must have had it granted by hold().
   */
  defer(status: number, entry: EntryBuilder | DeferredEntry): void {
    const id = this.#count(status)
    const held = typeof entry === 'function' ? null : entry.held
    if (this.capacity > 0) this.#put(id, entry, held)
    else if (held) this.#release(held)
  }

  /**
   * Whether an entry may refer to this large body instead of clipping it now: yes while the
   * distinct bodies referred to stay within JOURNAL_HELD_BYTES. A yes is one reference, given
   * back when the entry is built or dropped.
   */
  hold(body: Buffer): boolean {
    if (this.capacity === 0) return false
    const n = this.#held.get(body)
    if (n !== undefined) {
      this.#held.set(body, n + 1)
      return true
    }
    if (this.#heldBytes + body.length > JOURNAL_HELD_BYTES) return false
    this.#held.set(body, 1)
    this.#heldBytes += body.length
    return true
  }

  #release(body: Buffer): void {
    const n = this.#held.get(body)
    if (n === undefined) return
    if (n > 1) this.#held.set(body, n - 1)
    else {
      this.#held.delete(body)
      this.#heldBytes -= body.length
    }
  }

  #count(status: number): number {
    this.#seq += 1
    if (status >= 400) this.#errors += 1
    return this.#seq
  }

  #put(id: number, slot: Slot, held: Buffer | null): void {
    const at = this.#next
    const old = this.#heldAt[at]
    if (old) this.#release(old)
    this.#ring[at] = slot
    this.#ids[at] = id
    this.#heldAt[at] = held
    this.#next = at + 1 === this.capacity ? 0 : at + 1
    if (this.#size < this.capacity) this.#size += 1
  }

  /** Newest first. */
  list(filter: JournalFilter = {}): JournalEntry[] {
    const limit = filter.limit ?? this.capacity
    const out: JournalEntry[] = []
    for (let i = 1; i <= this.#size && out.length < limit; i++) {
      const at = (this.#next - i + this.capacity) % this.capacity
      const slot = this.#ring[at]!
      const id = this.#ids[at]!
      if (filter.since_id !== undefined && id <= filter.since_id) break
      let e: JournalEntry
      if (typeof slot === 'function') e = this.#ring[at] = { id, ...slot() }
      else if ('build' in slot) {
        e = this.#ring[at] = { id, ...slot.build() }
        const held = this.#heldAt[at]
        if (held) {
          this.#heldAt[at] = null
          this.#release(held)
        }
      } else e = slot
      if (accepts(e, filter)) out.push(e)
    }
    return out
  }

  clear(): number {
    const n = this.#size
    this.#ring = new Array<Slot | undefined>(this.capacity)
    this.#ids.fill(0)
    this.#heldAt.fill(null)
    this.#held.clear()
    this.#heldBytes = 0
    this.#next = 0
    this.#size = 0
    return n
  }
}

function accepts(e: JournalEntry, f: JournalFilter): boolean {
  if (f.method !== undefined && e.method !== f.method.toUpperCase()) return false
  if (f.operation !== undefined && e.operation !== f.operation.toLowerCase()) return false
  if (f.status !== undefined && e.status !== f.status) return false
  if (f.dialect !== undefined && e.dialect !== f.dialect) return false
  if (f.flavor !== undefined && e.flavor !== f.flavor) return false
  if (f.cluster_id !== undefined && e.cluster_id !== f.cluster_id) return false
  if (f.namespace !== undefined && e.namespace !== f.namespace) return false
  if (f.name !== undefined && e.name !== f.name) return false
  if (f.path_prefix !== undefined && !e.path.startsWith(f.path_prefix)) return false
  return true
}

/**
 * Headers as stored: X-Auth-Token / X-Security-Token values and the Signature of an
 * SDK-HMAC-SHA256 Authorization are replaced; the access key id and signed-header list stay,
 * since tests assert on them and they are not secrets.
 */
export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  let n = 0
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue
    if (n++ >= HEADER_COUNT_LIMIT) break
    const value = Array.isArray(raw) ? raw.join(', ') : raw
    out[name] = clip(redactHeader(name.toLowerCase(), value), HEADER_VALUE_LIMIT)
  }
  return out
}

function redactHeader(name: string, value: string): string {
  if (name === 'x-auth-token' || name === 'x-security-token' || name === 'x-subject-token') return REDACTED
  if (name === 'authorization' || name === 'proxy-authorization') {
    if (/^SDK-HMAC-SHA256\s/i.test(value)) return value.replace(/(Signature=)[^,\s]*/i, `$1${REDACTED}`)
    return REDACTED
  }
  return value
}

const KEYSTONE_AUTH_PATH = /\/auth\/tokens\/?$/

/**
 * A request body as stored: a Keystone login (`POST /v3/auth/tokens`) loses its secrets, the
 * password of the password method and the id of the token method (and any other `password` or
 * `secret` member). A login body that does not parse is redacted by pattern, so a malformed or
 * oversized one cannot leak them either. Other bodies are stored as sent.
 */
export function redactBody(path: string, body: Buffer | undefined): Buffer | string | undefined {
  if (body === undefined || body.length === 0 || !KEYSTONE_AUTH_PATH.test(path)) return body
  const text = body.toString('utf8')
  try {
    return JSON.stringify(redactSecrets(JSON.parse(text), false))
  } catch {
    return text.replace(/("(?:password|secret|id)"\s*:\s*)(?:"(?:[^"\\]|\\.)*(?:"|$)|[^,}\]\s]+)/gi, `$1"${REDACTED}"`)
  }
}

function redactSecrets(value: unknown, inToken: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, false))
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    const k = key.toLowerCase()
    if (k === 'password' && typeof v !== 'object') out[key] = REDACTED
    else if (k === 'secret' || (inToken && k === 'id')) out[key] = REDACTED
    else out[key] = redactSecrets(v, k === 'token')
  }
  return out
}

/** A body as stored: utf-8 text cut to the limit. */
export function clipBody(body: Buffer | string | null | undefined): { text: string | null; truncated: boolean } {
  if (body === null || body === undefined) return { text: null, truncated: false }
  // A UTF-16 string of n code units is at most 3n UTF-8 bytes: short ones need no encoding.
  if (typeof body === 'string' && body.length * 3 <= JOURNAL_BODY_LIMIT) return { text: body, truncated: false }
  // A long string is cut before it is encoded: JOURNAL_BODY_LIMIT code units make at least as
  // many bytes, so the kept bytes are the same as the whole body's, without copying a 75 MB list.
  const buf = typeof body === 'string' ? Buffer.from(body.length > JOURNAL_BODY_LIMIT ? body.slice(0, JOURNAL_BODY_LIMIT) : body, 'utf8') : body
  if (typeof body === 'string' && body.length > JOURNAL_BODY_LIMIT) return { text: buf.subarray(0, JOURNAL_BODY_LIMIT).toString('utf8'), truncated: true }
  if (buf.length <= JOURNAL_BODY_LIMIT) return { text: buf.toString('utf8'), truncated: false }
  return { text: buf.subarray(0, JOURNAL_BODY_LIMIT).toString('utf8'), truncated: true }
}

/**
 * A body held for a deferred entry: the very string or bytes when within the limit (a reference,
 * no copy), else clipped now, so an entry never keeps a large body alive.
 */
export type KeptBody = Buffer | string | { text: string | null; truncated: boolean } | null

export function keepBody(body: Buffer | string | null | undefined): KeptBody {
  if (body === null || body === undefined) return null
  return body.length <= JOURNAL_BODY_LIMIT ? body : clipBody(body)
}

export const keptText = (kept: KeptBody): { text: string | null; truncated: boolean } =>
  kept === null || typeof kept === 'string' || Buffer.isBuffer(kept) ? clipBody(kept) : kept

const clip = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n)}…`)
