/** SQLite implementation of the release domain's ReleaseRepository port. */
import { AnswerCache, type CachedAnswer } from './answer-cache.js'
import { ChartValuesTable } from './chart-values.js'
import type { DatabaseHandle } from './db.js'
import type { GroupCommit } from './group-commit.js'
import { effectiveValues } from '../releases/values.js'
import { afterEffects, type Effects } from '../releases/lifecycle.js'
import type { ListCursor, ReleaseFilter, ReleaseRepository } from '../releases/ports.js'
import { releaseKeyString, type Flavor, type Operation, type Outcome, type PendingOperation, type ReleaseKey, type ReleaseStatus, type Revision, type Scope, type Values } from '../releases/release.js'

export interface RevisionRow {
  project_id: string
  flavor: Flavor
  cluster_id: string
  namespace: string
  name: string
  revision: number
  status: ReleaseStatus
  description: string
  chart_id: string
  chart_name: string
  chart_version: string
  chart_public: number
  config_json: string
  /** The computed values, for revisions written before migration 004 (or without a defaults key). */
  values_json: string | null
  defaults_hash: string | null
  first_deployed_at: number
  updated_at: number
}

/** A list item: its key, and the answer kept for it (release_answers), if any. */
interface ListedRow {
  namespace: string
  name: string
  latest_revision: number
  revision: number | null
  status: ReleaseStatus | null
  description: string | null
  answer: Buffer | null
  answer_format: string | null
}

/**
 * A list item over its stored answer: key, revision and status fields from release_answers, the
 * answer bytes adopted by the wire; the rest of the revision (chart, config, values, times) is
 * read from release_revisions by revision number, which never changes, only if something
 * touches it (answering a list does not). A cold list of 100 at 100,000 releases read 17 columns
 * a row and built 100 whole revisions (~4 ms); this reads the key and the answer.
 */
class ListedRevision implements Revision {
  #rest: Revision | undefined
  readonly #load: (key: ReleaseKey, revision: number) => Revision
  constructor(
    readonly key: ReleaseKey,
    readonly revision: number,
    public status: ReleaseStatus,
    public description: string,
    load: (key: ReleaseKey, revision: number) => Revision,
  ) {
    this.#load = load
  }
  #whole(): Revision {
    return (this.#rest ??= this.#load(this.key, this.revision))
  }
  withStatus(status: ReleaseStatus, description: string): ListedRevision {
    const copy = new ListedRevision(this.key, this.revision, status, description, this.#load)
    copy.#rest = this.#rest
    return copy
  }
  get chart() {
    return this.#whole().chart
  }
  get config() {
    return this.#whole().config
  }
  get values() {
    return this.#whole().values
  }
  get defaultsRef() {
    return this.#whole().defaultsRef
  }
  get firstDeployedAt() {
    return this.#whole().firstDeployedAt
  }
  get updatedAt() {
    return this.#whole().updatedAt
  }
}

/**
 * A page of an unfiltered or namespace list of stored answers, read as one row (#joinedPage):
 * how many, each item field of every item joined by NUL, and the answers joined by SQLite.
 */
interface JoinedRow {
  n: number
  namespaces: string | null
  names: string | null
  revisions: string | null
  statuses: string | null
  descriptions: string | null
  /** Each item's answer length in bytes, joined like the fields. */
  lengths: string | null
  answer: Buffer | null
}

/** The latest revision, and the answer kept for the release (release_answers, migration 010), if any. */
export interface LatestRow extends RevisionRow {
  a_revision: number | null
  a_status: string | null
  a_description: string | null
  answer: Buffer | null
  answer_format: string | null
}

/**
 * The answer bytes a dialect sends for a revision, kept with the latest revision at write time
 * and handed back on read, so lists and shows of releases not in memory only concatenate. Opaque
 * here: the wire owns the format and names it (`format`), so bytes another serializer wrote are
 * never handed back.
 */
export interface AnswerCodec {
  readonly format: string
  /** The revision's answer, or null when its dialect keeps none. */
  render(r: Revision): Buffer | null
  /** Bytes read back for this revision object (what render gave for an equal revision). */
  adopt(r: Revision, bytes: Buffer): void
  /** The answer to a list of these items, made from their answers, kept for this very array. */
  adoptList(list: readonly Revision[], items: readonly Buffer[]): void
  /**
   * How adoptList joins item answers into a list answer (what goes before, between and after
   * them), so that a list of stored answers is joined by SQLite where it is read: one Buffer per
   * list instead of one per item.
   */
  readonly joints: { open: string; separator: string; close: string }
  /** The answer to a list of these items, already joined with `joints`, kept for this very array. */
  adoptJoinedList(list: readonly Revision[], bytes: Buffer): void
  /** A revision's answer with another status: what render gives for the same revision in that state. */
  restate(bytes: Buffer, status: ReleaseStatus, description: string): Buffer
}

/** A release's stored answer, as a write reads it back to restate it. */
interface KeptAnswer {
  revision: number
  answer: Buffer
  answer_format: string
}

/** Answers larger than this are not stored: their values dominate, and issue 9 keeps chart defaults out of every row. */
export const KEPT_ANSWER_MAX = 16 * 1024

export interface PendingRow {
  project_id: string
  flavor: Flavor
  cluster_id: string
  namespace: string
  name: string
  operation: Operation
  revision: number
  base_revision: number | null
  due_at: number | null
  outcome: Outcome
  failure_reason: string | null
  reads_left: number | null
}

const KEY = 'project_id = @projectId AND flavor = @flavor AND cluster_id = @clusterId AND namespace = @namespace AND name = @name'

/** The key as positional arguments, for the write statements (binding by name costs ~2 µs more per statement). */
const KEY_AT = 'project_id = ? AND flavor = ? AND cluster_id = ? AND namespace = ? AND name = ?'
const keyArgs = (k: ReleaseKey): [string, string, string, string, string] => [k.projectId, k.flavor, k.clusterId, k.namespace, k.name]

const keyParams = (k: ReleaseKey) => ({
  projectId: k.projectId,
  flavor: k.flavor,
  clusterId: k.clusterId,
  namespace: k.namespace,
  name: k.name,
})

/**
 * A revision from its row. Its values (chart defaults coalesced with the config) are computed on
 * first use: settling and planning read whole histories and never look at them. Nothing of the
 * row is kept: a cached revision holds its config and the shared, parsed chart defaults only.
 */
export function rowToRevision(r: RevisionRow, defaultsOf: (hash: string) => Values): Revision {
  const config = JSON.parse(r.config_json) as Values
  const revision = {
    key: { projectId: r.project_id, flavor: r.flavor, clusterId: r.cluster_id, namespace: r.namespace, name: r.name },
    revision: r.revision,
    status: r.status,
    description: r.description,
    chart: { id: r.chart_id, name: r.chart_name, version: r.chart_version, public: r.chart_public === 1 },
    config,
    firstDeployedAt: new Date(r.first_deployed_at),
    updatedAt: new Date(r.updated_at),
  } as Revision
  let values: Values | undefined
  if (r.values_json !== null) {
    const json = r.values_json
    Object.defineProperty(revision, 'values', { enumerable: true, get: () => (values ??= JSON.parse(json) as Values) })
  } else {
    if (r.defaults_hash === null) throw new Error(`revision ${r.revision} of release ${r.name} has no stored values and no chart defaults`)
    const defaults = defaultsOf(r.defaults_hash)
    Object.defineProperty(revision, 'values', { enumerable: true, get: () => (values ??= effectiveValues(defaults, config)) })
    revision.defaultsRef = r.defaults_hash
  }
  return revision
}

export function rowToPending(r: PendingRow): PendingOperation {
  return {
    key: { projectId: r.project_id, flavor: r.flavor, clusterId: r.cluster_id, namespace: r.namespace, name: r.name },
    operation: r.operation,
    revision: r.revision,
    baseRevision: r.base_revision,
    dueAt: r.due_at === null ? null : new Date(r.due_at),
    outcome: r.outcome,
    failureReason: r.failure_reason,
    readsLeft: r.reads_left,
  }
}

/** Which releases a reset removes; an absent field matches everything. */
export interface ReleaseScopeFilter {
  projectId?: string | undefined
  flavor?: Flavor | undefined
  clusterId?: string | undefined
  namespace?: string | undefined
}

/** A reset's scope in SQL: an absent field (a null parameter) matches everything. */
const IN_RESET_SCOPE = `(@projectId IS NULL OR project_id = @projectId) AND (@flavor IS NULL OR flavor = @flavor)
  AND (@clusterId IS NULL OR cluster_id = @clusterId) AND (@namespace IS NULL OR namespace = @namespace)`

const resetScopeParams = (f: ReleaseScopeFilter) => ({
  projectId: f.projectId ?? null,
  flavor: f.flavor ?? null,
  clusterId: f.clusterId ?? null,
  namespace: f.namespace ?? null,
})

/**
 * Latest revisions kept in memory (show, and the items of lists); beyond it the least recently
 * used go. Small: a show of a release not in it is answered from its stored answer (the
 * AnswerCache, else one row of release_answers), and 20,000 revisions written through the API
 * (config, merged values, answer bytes) held ~70 MB.
 */
const LATEST_CACHE_SIZE = 5_000
/** Histories kept in memory. */
const HISTORY_CACHE_SIZE = 1_000
/** Distinct list queries (scope × filter) kept in memory. */
const LIST_CACHE_SIZE = 2_000
/**
 * Bytes held by cached lists, all lists together, as their answers and items weigh (see
 * listWeight): the 1,000 namespace lists of 100 releases at 100,000 releases (~110 KB each) fit,
 * so that polling every namespace is answered from memory, and RSS stays bounded whatever is listed.
 */
const LIST_CACHE_BYTES = 128 * 1024 * 1024
/** What a cached list item costs besides its answer bytes (its small ListedRevision and key). */
const LIST_ITEM_OVERHEAD = 320
/** A list item whose answer the wire makes (none stored): its revision, values and bytes. */
const LIST_ITEM_UNKNOWN = 4 * 1024
/**
 * Bytes of stored answers kept for shows (see AnswerCache): the answers of 100,000 ordinary
 * releases (~77 MB) fit, most of them shared with the cached namespace lists that hold them.
 */
const ANSWER_CACHE_BYTES = 96 * 1024 * 1024
/** Parsed chart defaults kept (one per chart content, shared by every revision made from it). */
const DEFAULTS_CACHE_SIZE = 64

/**
 * A bounded cache in two generations: entries go into the young one; when it holds half the
 * limit it becomes the old one (the previous old one is dropped), and a hit in the old one moves
 * the entry back. Every operation is O(1). A Map used as an LRU (evicting its first key) made each
 * eviction walk the deleted slots at the front of V8's table: at 100,000 releases, most of a cold
 * list's time.
 */
class Lru<K, V> {
  #young = new Map<K, V>()
  #old = new Map<K, V>()
  constructor(private readonly limit: number) {}
  /** The entry, without making it recent. */
  get(key: K): V | undefined {
    const value = this.#young.get(key)
    return value !== undefined ? value : this.#old.get(key)
  }
  hit(key: K): V | undefined {
    const value = this.#young.get(key)
    if (value !== undefined) return value
    const old = this.#old.get(key)
    if (old !== undefined) this.put(key, old)
    return old
  }
  put(key: K, value: V): void {
    this.#old.delete(key)
    this.#young.set(key, value)
    if (this.#young.size * 2 >= this.limit) {
      this.#old = this.#young
      this.#young = new Map()
    }
  }
  delete(key: K): void {
    this.#young.delete(key)
    this.#old.delete(key)
  }
  clear(): void {
    this.#young = new Map()
    this.#old = new Map()
  }
}

interface ListEntry {
  limit: number
  list: Revision[] | typeof TOO_LONG
  /** Bytes it holds, as estimated by listWeight. */
  weight: number
}

/**
 * Short lists per scope and filter, least recently used first out, bounded by lists and by the
 * bytes they hold (a list of 100 stored answers weighs ~110 KB, a list of 1,000 ten times more).
 * Grouped by scope and namespace, so a write drops the lists that could hold its release (its
 * namespace's and the unfiltered ones, any chart) without looking at the others. At most a few
 * thousand entries: a Map in recency order costs O(1) per operation here (the walk over deleted
 * slots that made Lru necessary needs hundreds of thousands of evictions between rehashes).
 */
class ListCache {
  /** group \0 chart → entry, least recent first. */
  #entries = new Map<string, ListEntry & { group: string }>()
  #groups = new Map<string, Set<string>>()
  #bytes = 0
  constructor(
    private readonly maxLists: number,
    private readonly maxBytes: number,
  ) {}
  get(group: string, chart: string): ListEntry | undefined {
    const id = `${group}\u0001${chart}`
    const entry = this.#entries.get(id)
    if (entry) {
      this.#entries.delete(id)
      this.#entries.set(id, entry)
    }
    return entry
  }
  put(group: string, chart: string, entry: ListEntry): void {
    const id = `${group}\u0001${chart}`
    this.#drop(id)
    this.#entries.set(id, { ...entry, group })
    this.#bytes += entry.weight
    let ids = this.#groups.get(group)
    if (!ids) this.#groups.set(group, (ids = new Set()))
    ids.add(id)
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.maxLists && this.#bytes <= this.maxBytes) break
      this.#drop(oldest)
    }
  }
  forget(group: string): void {
    const ids = this.#groups.get(group)
    if (!ids) return
    for (const id of [...ids]) this.#drop(id)
  }
  clear(): void {
    this.#entries = new Map()
    this.#groups = new Map()
    this.#bytes = 0
  }
  #drop(id: string): void {
    const entry = this.#entries.get(id)
    if (!entry) return
    this.#entries.delete(id)
    this.#bytes -= entry.weight
    const ids = this.#groups.get(entry.group)!
    ids.delete(id)
    if (ids.size === 0) this.#groups.delete(entry.group)
  }
}

/** What a list keeps in memory: its answer (when made of stored answers) and its items. */
function listWeight(list: readonly Revision[], answers: ReadonlyArray<Buffer | null>): number {
  let weight = 64
  list.forEach((_, i) => {
    const bytes = answers[i]
    weight += bytes ? bytes.length + 1 + LIST_ITEM_OVERHEAD : LIST_ITEM_UNKNOWN
  })
  return weight
}

/** What a list answered by #joinedPage keeps in memory: its answer, and its small items. */
const joinedWeight = (list: readonly Revision[], answer: Buffer): number => 64 + answer.length + list.length * LIST_ITEM_OVERHEAD

const scopeKey = (s: Scope): string => `${s.projectId}/${s.flavor}/${s.clusterId}`
/** Lists are grouped by scope and namespace ('' for all), then keyed by chart ('' for any). */
const listGroup = (s: Scope, namespace: string | undefined): string => `${scopeKey(s)}\u0000${namespace ?? ''}`

/** A list known to be longer than what was asked: read it page by page. */
const TOO_LONG = Symbol('too long')

/**
 * Reads are most of the traffic (Terraform and SDK clients poll show and list), so what reads
 * need is kept in memory in front of SQLite: latest revisions, histories, short lists (per scope
 * and filter), parsed chart defaults, and a lower bound on when pending work next falls due.
 * This process is the database's only writer (the file is locked), so every write here drops
 * exactly what it may change: the release's own entries, and the lists of its scope that could
 * hold it (unfiltered, or filtered to its namespace). A write keeps the release's history and
 * latest revision it knows (write-through), so settling and the next show read nothing back.
 * What is read or written inside an open transaction is cached too: every release written since
 * the last commit is remembered, and when any write is undone (a refused write's savepoint, a
 * lost batch) all of them are forgotten, so nothing a rollback took back can be answered.
 * Behind the memory, each write also stores the answer bytes of the release's latest revision
 * (release_answers, with an AnswerCodec), in the write's transaction, so what is not in memory
 * is read as bytes rather than rebuilt.
 */
export class SqliteReleaseRepository implements ReleaseRepository {
  private readonly stmts
  readonly #latest = new Lru<string, Revision | null>(LATEST_CACHE_SIZE)
  readonly #history = new Lru<string, Revision[]>(HISTORY_CACHE_SIZE)
  /** scope and namespace → chart → the list, or TOO_LONG for `limit`. */
  readonly #lists = new ListCache(LIST_CACHE_SIZE, LIST_CACHE_BYTES)
  /** release → its stored answer, for shows of releases whose revision is not in #latest. */
  readonly #answerCache = new AnswerCache(ANSWER_CACHE_BYTES)
  readonly #defaults = new Lru<string, Values>(DEFAULTS_CACHE_SIZE)
  readonly #defaultsSize = new Lru<string, number>(DEFAULTS_CACHE_SIZE)
  /**
   * Never later than the earliest due time stored (null: nothing due by time), and `counting`
   * true whenever some operation counts reads: writes only lower it, so no query is needed to
   * know that nothing is due. Null when unknown.
   */
  #work: { nextDueAt: number | null; counting: boolean } | null = null
  readonly #chartValues: ChartValuesTable
  readonly #defaultsOf = (hash: string): Values => this.#chartDefaults(hash)
  /** Releases written since the last commit (the batch's), forgotten if any write is undone. */
  readonly #touched = new Map<string, ReleaseKey>()
  /** A scope-wide write (a reset) since the last commit: undoing it forgets everything. */
  #touchedAll = false

  constructor(
    private readonly db: DatabaseHandle,
    /** Batches each turn's writes into one commit (see group-commit.ts); without it every write commits alone. */
    private readonly batch?: GroupCommit,
    /** Keeps each latest revision's answer bytes (see AnswerCodec); without it none are kept. */
    private readonly answers?: AnswerCodec,
  ) {
    this.#chartValues = new ChartValuesTable(db)
    batch?.onRolledBack(() => this.#undo())
    batch?.onCommitted(() => this.#committed())
    const latestJoin = `FROM releases r JOIN release_revisions v
          ON v.project_id = r.project_id AND v.flavor = r.flavor AND v.cluster_id = r.cluster_id
         AND v.namespace = r.namespace AND v.name = r.name AND v.revision = r.latest_revision`
    const inScope = 'r.project_id = @projectId AND r.flavor = @flavor AND r.cluster_id = @clusterId'
    const answerJoin = `LEFT JOIN release_answers a ON a.project_id = r.project_id AND a.flavor = r.flavor
         AND a.cluster_id = r.cluster_id AND a.namespace = r.namespace AND a.name = r.name`
    // Unfiltered and namespace lists: the key (the covering primary key of releases) and the
    // stored answer, in key order (see ListedRevision). One statement per filter shape: an
    // `@x IS NULL OR` condition cannot use an index.
    const listed = `SELECT r.namespace, r.name, r.latest_revision, a.revision, a.status, a.description, a.answer, a.answer_format
      FROM releases r ${answerJoin}`
    const list = (where: string, limit: string) => db.prepare<Record<string, string | number>, ListedRow>(
      `${listed} WHERE ${inScope} ${where} ORDER BY r.namespace, r.name ${limit}`)
    // Chart lists need the revision's chart: whole latest revisions, with the stored answer.
    const whole = `v.*, a.revision AS a_revision, a.status AS a_status, a.description AS a_description, a.answer, a.answer_format`
    const chartList = (where: string, limit: string) => db.prepare<Record<string, string | number>, LatestRow>(
      `SELECT ${whole} ${latestJoin} ${answerJoin} WHERE ${inScope} ${where} ORDER BY r.namespace, r.name ${limit}`)
    // Few releases run a given chart: its index first (CROSS JOIN fixes the order), then a sort.
    const byChart = (where: string, limit: string) => db.prepare<Record<string, string | number>, LatestRow>(`
      SELECT ${whole} FROM release_revisions v CROSS JOIN releases r
          ON r.project_id = v.project_id AND r.flavor = v.flavor AND r.cluster_id = v.cluster_id
         AND r.namespace = v.namespace AND r.name = v.name AND r.latest_revision = v.revision
        ${answerJoin}
       WHERE v.project_id = @projectId AND v.flavor = @flavor AND v.cluster_id = @clusterId AND v.chart_id = @chartId ${where}
       ORDER BY r.namespace, r.name ${limit}`)
    const after = 'AND (r.namespace, r.name) > (@afterNamespace, @afterName)'
    const upTo = 'AND (r.namespace, r.name) <= (@lastNamespace, @lastName)'
    const answered = `SELECT a.namespace, a.name, a.revision AS latest_revision, a.revision, a.status, a.description, a.answer, a.answer_format
      FROM release_answers a`
    const inAnswerScope = 'a.project_id = @projectId AND a.flavor = @flavor AND a.cluster_id = @clusterId'
    const answersAfter = 'AND (a.namespace, a.name) > (@afterNamespace, @afterName)'
    // A page's items and its answer in one row. The subquery yields rows in key order (ORDER BY
    // with LIMIT: not flattened into the aggregate), and the aggregates take them in the same
    // pass, so answers are joined in the items' order; #joinedPage checks that order (an ORDER BY
    // inside the aggregates sorted again: +35% a page). Fields are joined by NUL and split, not
    // read as JSON: JSON.parse interned every name in V8's string table (~7% of the server's CPU
    // with most lists cold); a field holding a NUL splits into too many parts and is refused.
    const joinedPage = (where: string) => db.prepare<Record<string, string | number>, JoinedRow>(`
      SELECT count(*) AS n, group_concat(page.namespace, char(0)) AS namespaces, group_concat(page.name, char(0)) AS names,
             group_concat(page.revision, char(0)) AS revisions, group_concat(page.status, char(0)) AS statuses,
             group_concat(page.description, char(0)) AS descriptions, group_concat(length(page.answer), char(0)) AS lengths,
             CAST(@open || group_concat(page.answer, @separator) || @close AS BLOB) AS answer
        FROM (SELECT a.namespace, a.name, a.revision, a.status, a.description, a.answer FROM release_answers a
               WHERE ${inAnswerScope} ${where} AND a.answer_format = @format ORDER BY a.namespace, a.name LIMIT @limit) page`)
    const byKey = 'r.project_id = @projectId AND r.flavor = @flavor AND r.cluster_id = @clusterId AND r.namespace = @namespace AND r.name = @name'
    this.stmts = {
      history: db.prepare<Record<string, string>, RevisionRow>(`SELECT * FROM release_revisions WHERE ${KEY} ORDER BY revision`),
      revision: db.prepare<Record<string, string | number>, RevisionRow>(`SELECT * FROM release_revisions WHERE ${KEY} AND revision = @revision`),
      // The stored answer alone: a row exists only while it shows the latest revision as it is
      // (migration 011's triggers remove it otherwise), so no join with the release is needed.
      // Positional, as an array, in today's format only: a show of a release not in memory is
      // this lookup (~11 µs in a scratch loop at 100,000 releases, against ~14 µs by name as an object).
      latestAnswer: db.prepare<[string, string, string, string, string, string], [number, ReleaseStatus, string, Buffer]>(`
        SELECT revision, status, description, answer FROM release_answers a WHERE ${KEY_AT} AND answer_format = ?`).raw(),
      latest: db.prepare<Record<string, string>, LatestRow>(`SELECT ${whole} ${latestJoin} ${answerJoin} WHERE ${byKey}`),
      latestRevisionNumber: db.prepare<Record<string, string>, number>(`SELECT latest_revision FROM releases WHERE ${KEY}`).pluck(),
      keepAnswer: db.prepare<[string, string, string, string, string, number, string, string, Buffer, string]>(`
        INSERT INTO release_answers (project_id, flavor, cluster_id, namespace, name, revision, status, description, answer, answer_format)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET revision = excluded.revision, status = excluded.status, description = excluded.description,
          answer = excluded.answer, answer_format = excluded.answer_format`),
      dropAnswer: db.prepare(`DELETE FROM release_answers WHERE ${KEY}`),
      keptAnswer: db.prepare<Record<string, string>, KeptAnswer>(
        `SELECT revision, answer, answer_format FROM release_answers WHERE ${KEY}`),
      defaults: db.prepare<[string], { values_json: string }>('SELECT values_json FROM chart_values WHERE hash = ?'),
      defaultsSize: db.prepare<[string], number>('SELECT length(CAST(values_json AS BLOB)) FROM chart_values WHERE hash = ?').pluck(),
      // How many releases a list without a chart filter has, counted up to @limit on the key
      // alone (the covering primary key): a list too long to answer whole is not read first.
      listCount: {
        all: db.prepare<Record<string, string | number>, number>(`SELECT count(*) FROM (SELECT 1 FROM releases r WHERE ${inScope} LIMIT @limit)`).pluck(),
        namespace: db.prepare<Record<string, string | number>, number>(
          `SELECT count(*) FROM (SELECT 1 FROM releases r WHERE ${inScope} AND r.namespace = @namespace LIMIT @limit)`).pluck(),
      },
      // Unfiltered and namespace lists read from release_answers alone, one range in key order,
      // when every release of the range has an answer: counted on the key (countRange) to match.
      answersPage: {
        all: db.prepare<Record<string, string | number>, ListedRow>(`${answered} WHERE ${inAnswerScope} ${answersAfter} ORDER BY a.namespace, a.name LIMIT @limit`),
        namespace: db.prepare<Record<string, string | number>, ListedRow>(
          `${answered} WHERE ${inAnswerScope} AND a.namespace = @namespace AND a.name > @afterName ORDER BY a.namespace, a.name LIMIT @limit`),
      },
      joinedPage: {
        all: joinedPage(answersAfter),
        namespace: joinedPage('AND a.namespace = @namespace AND a.name > @afterName'),
      },
      countRange: {
        all: db.prepare<Record<string, string | number>, number>(`SELECT count(*) FROM (SELECT 1 FROM releases r WHERE ${inScope} ${after} ${upTo} LIMIT @limit)`).pluck(),
        namespace: db.prepare<Record<string, string | number>, number>(
          `SELECT count(*) FROM (SELECT 1 FROM releases r WHERE ${inScope} AND r.namespace = @namespace AND r.name > @afterName AND r.name <= @lastName LIMIT @limit)`).pluck(),
      },
      // Heads of lists (LIMIT: is it short enough to answer whole?) and keyset pages of long ones.
      listHead: {
        all: list('', 'LIMIT @limit'),
        namespace: list('AND r.namespace = @namespace', 'LIMIT @limit'),
        chart: byChart('', 'LIMIT @limit'),
        both: byChart('AND r.namespace = @namespace', 'LIMIT @limit'),
      },
      listPage: {
        all: list(after, 'LIMIT @limit'),
        // A namespace list's cursor is in its namespace: bounded on the name, an index range (the
        // row value made each page scan the namespace from its start).
        namespace: list('AND r.namespace = @namespace AND r.name > @afterName', 'LIMIT @limit'),
        // Many do (a long list): walk the releases in order and skip the others.
        chart: chartList(`AND +v.chart_id = @chartId ${after}`, 'LIMIT @limit'),
        both: chartList('AND r.namespace = @namespace AND r.name > @afterName AND +v.chart_id = @chartId', 'LIMIT @limit'),
      },
      upsertRelease: db.prepare<[string, string, string, string, string, number]>(`
        INSERT INTO releases (project_id, flavor, cluster_id, namespace, name, latest_revision)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET latest_revision = excluded.latest_revision`),
      insertRevision: db.prepare<unknown[]>(`
        INSERT INTO release_revisions (project_id, flavor, cluster_id, namespace, name, revision, status, description,
          chart_id, chart_name, chart_version, chart_public, config_json, values_json, defaults_hash, first_deployed_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      updateRevision: db.prepare<unknown[]>(`UPDATE release_revisions SET status = ?, description = ? WHERE ${KEY_AT} AND revision = ?`),
      deleteRevision: db.prepare(`DELETE FROM release_revisions WHERE ${KEY} AND revision = @revision`),
      deleteRelease: db.prepare(`DELETE FROM releases WHERE ${KEY}`),
      pending: db.prepare<Record<string, string>, PendingRow>(`SELECT * FROM pending_operations WHERE ${KEY}`),
      putPending: db.prepare<unknown[]>(`
        INSERT INTO pending_operations (project_id, flavor, cluster_id, namespace, name, operation, revision, base_revision, due_at, outcome, failure_reason, reads_left)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET operation = excluded.operation, revision = excluded.revision, base_revision = excluded.base_revision,
          due_at = excluded.due_at, outcome = excluded.outcome, failure_reason = excluded.failure_reason, reads_left = excluded.reads_left`),
      // The read that brings reads_left to 0 makes the operation due now; settle() then completes it.
      countRead: db.prepare(`
        UPDATE pending_operations
           SET reads_left = reads_left - 1, due_at = CASE WHEN reads_left <= 1 THEN @now ELSE due_at END
         WHERE ${KEY} AND reads_left IS NOT NULL AND reads_left > 0`),
      deleteWhere: db.prepare(`
        DELETE FROM releases WHERE ${IN_RESET_SCOPE}`),
      deleteSlice: db
        .prepare(`
        DELETE FROM releases
         WHERE rowid IN (
           SELECT rowid FROM releases
            WHERE rowid > @after AND rowid <= @upTo AND ${IN_RESET_SCOPE}
            ORDER BY rowid LIMIT @limit)
        RETURNING rowid`)
        .pluck(),
      lastRowid: db.prepare<[], number | null>('SELECT max(rowid) FROM releases').pluck(),
      clearPending: db.prepare<[string, string, string, string, string]>(`DELETE FROM pending_operations WHERE ${KEY_AT}`),
      due: db.prepare<{ now: number; limit: number }, PendingRow>(
        `SELECT * FROM pending_operations WHERE due_at IS NOT NULL AND due_at <= @now ORDER BY due_at LIMIT @limit`,
      ),
      pendingWork: db.prepare<[], { next_due_at: number | null; counting: number }>(`
        SELECT (SELECT MIN(due_at) FROM pending_operations WHERE due_at IS NOT NULL) AS next_due_at,
               EXISTS (SELECT 1 FROM pending_operations WHERE reads_left IS NOT NULL AND reads_left > 0) AS counting`),
    }
  }

  transaction<T>(fn: () => T): T {
    if (this.batch) return this.batch.run(fn)
    // Nested calls (a read inside a write) join the outer transaction via savepoints.
    let result: T
    try {
      result = this.db.transaction(fn)()
    } catch (err) {
      this.#undo()
      throw err
    }
    if (!this.db.inTransaction) this.#committed()
    return result
  }

  /** Reads may always be cached: whatever a rollback takes back is forgotten then (see #undo). */
  get #cacheable(): boolean {
    return true
  }

  history(key: ReleaseKey): Revision[] {
    const id = releaseKeyString(key)
    const cached = this.#history.hit(id)
    if (cached) return cached
    const revisions = this.stmts.history.all(keyParams(key)).map((row) => rowToRevision(row, this.#defaultsOf))
    // An empty history is kept too: a create reads it, and its write extends it.
    if (this.#cacheable) this.#history.put(id, revisions)
    return revisions
  }

  /** A cached answer's revision, handed its bytes on its first show (not on every one). */
  #shown(kept: CachedAnswer): Revision {
    if (!kept.adopted) {
      this.answers!.adopt(kept.revision, kept.bytes())
      kept.adopted = true
    }
    return kept.revision
  }

  latest(key: ReleaseKey): Revision | null {
    // A stored answer in memory (see AnswerCache), handed to its revision on the first show.
    // First: it is current as #latest is (a write drops both), and cheaper to find.
    const kept = this.#answerCache.get(key)
    if (kept) return this.#shown(kept)
    const id = releaseKeyString(key)
    const cached = this.#latest.hit(id)
    if (cached !== undefined) return cached
    // As a list item when its answer is kept: a show of a release not in memory reads one row of
    // release_answers, kept for the next show; else (no answer kept, or no such release) the whole latest revision.
    const answer = this.answers ? this.stmts.latestAnswer.get(...keyArgs(key), this.answers.format) : undefined
    let revision: Revision | null = null
    if (answer) {
      const [number, status, description, bytes] = answer
      revision = new ListedRevision(keyParams(key), number, status, description, this.#loadRevision)
      // Its copy is what the revision answers with: the row's Buffer is freed.
      if (this.#cacheable) return this.#shown(this.#answerCache.copy(revision.key, revision, bytes))
      this.answers!.adopt(revision, bytes)
    } else {
      const row = this.stmts.latest.get(keyParams(key))
      revision = row ? this.#fromLatest(row) : null
    }
    if (this.#cacheable) this.#latest.put(id, revision)
    return revision
  }

  /** The row has an answer of the latest revision, in today's format. */
  #current(row: ListedRow): row is ListedRow & { answer: Buffer; revision: number; status: ReleaseStatus; description: string } {
    return row.answer !== null && row.revision === row.latest_revision && row.answer_format === this.answers?.format
  }

  /** A ListedRevision over the row's answer, or null unless one is kept, of the latest revision, in today's format. */
  #listedRevision(key: ReleaseKey, row: ListedRow, answers?: Array<Buffer | null>): Revision | null {
    if (!this.#current(row)) return null
    const listed = new ListedRevision(key, row.revision, row.status, row.description, this.#loadRevision)
    // Collected for the list's answer, or handed over as the item's own.
    if (answers) answers.push(row.answer)
    else this.answers!.adopt(listed, row.answer)
    return listed
  }

  /** The latest revision from its row, with the answer kept for it if it shows this very revision and state. */
  #fromLatest(row: LatestRow): Revision {
    const revision = rowToRevision(row, this.#defaultsOf)
    const current = row.a_revision === row.revision && row.a_status === row.status && row.a_description === row.description
    if (row.answer !== null && current && this.answers && row.answer_format === this.answers.format) this.answers.adopt(revision, row.answer)
    return revision
  }

  list(scope: Scope, filter: ReleaseFilter): Revision[] {
    const out: Revision[] = []
    let after: ListCursor | null = null
    for (;;) {
      const page = this.#page(scope, filter, after, 1000, false)
      out.push(...page)
      if (page.length < 1000) return out
      const last = page.at(-1)!.key
      after = { namespace: last.namespace, name: last.name }
    }
  }

  listUpTo(scope: Scope, filter: ReleaseFilter, max: number): Revision[] | null {
    const group = listGroup(scope, filter.namespace)
    const chart = filter.chartId ?? ''
    const cached = this.#lists.get(group, chart)
    if (cached && cached.limit === max) return cached.list === TOO_LONG ? null : cached.list
    const shape = shapeOf(filter)
    const params = { ...scopeParams(scope, filter), limit: max + 1 }
    // Counted first where the key alone tells: reading 1,001 answers to learn that a list of
    // 100,000 is streamed cost ~10 ms of a turn.
    const counted = shape === 'all' || shape === 'namespace' ? this.stmts.listCount[shape].get(params)! : undefined
    const tooLong = counted !== undefined && counted > max
    // Stored answers joined where they are read: one Buffer and one string for the list.
    const joined = !tooLong && counted !== undefined && counted > 0 ? this.#joinedPage(scope, shape, params, null, max + 1, counted) : undefined
    if (joined) {
      this.answers!.adoptJoinedList(joined.list, joined.answer)
      if (this.#cacheable) this.#lists.put(group, chart, { limit: max, list: joined.list, weight: joinedWeight(joined.list, joined.answer) })
      return joined.list
    }
    const rows = tooLong ? [] : (this.#answeredPage(shape, params, null, max + 1, counted) ?? this.stmts.listHead[shape].all(params))
    if (tooLong || rows.length > max) {
      if (this.#cacheable) this.#lists.put(group, chart, { limit: max, list: TOO_LONG, weight: 64 })
      return null
    }
    const items: Array<Buffer | null> = []
    const list = this.#listed(scope, rows, items)
    // A list of stored answers keeps its own answer, not 100 item answers beside it (memory per cached list).
    if (this.answers && items.every((b) => b !== null)) this.answers.adoptList(list, items as Buffer[])
    else list.forEach((r, i) => items[i] && this.answers!.adopt(r, items[i]!))
    if (this.#cacheable) this.#lists.put(group, chart, { limit: max, list, weight: listWeight(list, items) })
    return list
  }

  listPage(scope: Scope, filter: ReleaseFilter, after: ListCursor | null, limit: number): Revision[] {
    return this.#page(scope, filter, after, limit, true)
  }

  /** `joined`: the page is answered as a whole (a stream); else each item keeps its own answer. */
  #page(scope: Scope, filter: ReleaseFilter, after: ListCursor | null, limit: number, joined: boolean): Revision[] {
    const params = { ...scopeParams(scope, filter), limit }
    const shape = shapeOf(filter)
    // A page of a stream: its stored answers joined by SQLite (a stream of 100,000 read as many
    // small Buffers, which fragmented the native heap: RSS stayed up after they were freed).
    const joinedPage = joined ? this.#joinedPage(scope, shape, params, after, limit) : undefined
    if (joinedPage) {
      this.answers!.adoptJoinedList(joinedPage.list, joinedPage.answer)
      return joinedPage.list
    }
    const rows =
      this.#answeredPage(shape, params, after, limit) ??
      (after ? this.stmts.listPage[shape].all({ ...params, afterNamespace: after.namespace, afterName: after.name }) : this.stmts.listHead[shape].all(params))
    const items: Array<Buffer | null> = []
    const page = this.#listed(scope, rows, items)
    // A page of stored answers goes out as one answer (a stream of 100,000 made as many byte
    // entries on its items, each an ephemeron for the collector); else each item keeps its own.
    if (joined && this.answers && page.length > 0 && items.every((b) => b !== null)) this.answers.adoptList(page, items as Buffer[])
    else page.forEach((r, i) => items[i] && this.answers!.adopt(r, items[i]!))
    return page
  }

  /**
   * A page of an unfiltered or namespace list from release_answers alone (no join per row), or
   * undefined when some release of its range has no answer (then the caller joins). Answers
   * exist only for existing releases (foreign key), so as many releases as answers in the range
   * means the same releases; a short page's range runs to the end of the list.
   */
  #answeredPage(shape: FilterShape, params: Record<string, string | number>, after: ListCursor | null, limit: number, releases?: number): ListedRow[] | undefined {
    if (!this.answers || (shape !== 'all' && shape !== 'namespace')) return undefined
    // Names and namespaces are never empty: ('', '') is before every key, U+FFFF after every one.
    // A namespace list's cursor is in its namespace: its bounds are on the name alone (an index range).
    const from = { afterNamespace: after?.namespace ?? '', afterName: after?.name ?? '' }
    const rows = this.stmts.answersPage[shape].all({ ...params, ...from, limit })
    // The whole list, already counted (listUpTo).
    if (releases !== undefined) return releases === rows.length ? rows : undefined
    const last = rows.length === limit ? rows.at(-1)! : { namespace: '\uffff', name: '\uffff' }
    const inRange = this.stmts.countRange[shape].get({ ...params, ...from, lastNamespace: last.namespace, lastName: last.name, limit: limit + 1 })
    return inRange === rows.length ? rows : undefined
  }

  /**
   * A page of an unfiltered or namespace list of stored answers read as one row: its items (the
   * cached latest revision where there is one, else a ListedRevision) and its answer, joined by
   * SQLite with the codec's joints. Undefined when it cannot be answered so: no stored answer
   * for some release of its range (in today's format), memory holding another state of one, an
   * empty page, or items not in key order. `releases`: the list's length, already counted
   * (listUpTo); else the page's range is counted on the key, as #answeredPage does.
   */
  #joinedPage(scope: Scope, shape: FilterShape, params: Record<string, string | number>, after: ListCursor | null, limit: number, releases?: number): { list: Revision[]; answer: Buffer } | undefined {
    const codec = this.answers
    if (!codec || (shape !== 'all' && shape !== 'namespace')) return undefined
    const from = { afterNamespace: after?.namespace ?? '', afterName: after?.name ?? '' }
    const row = this.stmts.joinedPage[shape].get({ ...params, ...from, limit, format: codec.format, ...codec.joints })
    if (!row || row.n === 0 || row.answer === null) return undefined
    const n = row.n
    const fields = (joined: string | null): string[] | undefined => {
      const parts = joined?.split('\0')
      return parts?.length === n ? parts : undefined
    }
    const namespaces = fields(row.namespaces)
    const names = fields(row.names)
    const revisions = fields(row.revisions)
    const statuses = fields(row.statuses) as ReleaseStatus[] | undefined
    const descriptions = fields(row.descriptions)
    const lengths = fields(row.lengths)
    if (!namespaces || !names || !revisions || !statuses || !descriptions || !lengths) return undefined
    for (let i = 1; i < n; i++) {
      const ns = namespaces[i]!
      const prevNs = namespaces[i - 1]!
      if (!(prevNs < ns || (prevNs === ns && names[i - 1]! < names[i]!))) return undefined
    }
    if (releases !== undefined) {
      if (releases !== n) return undefined
    } else {
      const last = n === limit ? { namespace: namespaces[n - 1]!, name: names[n - 1]! } : { namespace: '\uffff', name: '\uffff' }
      const inRange = this.stmts.countRange[shape].get({ ...params, ...from, lastNamespace: last.namespace, lastName: last.name, limit: limit + 1 })
      if (inRange !== n) return undefined
    }
    const list: Revision[] = []
    // Items kept (cached lists, shows) share one string per run of equal namespaces, statuses
    // and descriptions, not one per item as split made them: ~60 bytes an item.
    let namespace = ''
    let status = '' as ReleaseStatus
    let description = ''
    for (let i = 0; i < n; i++) {
      const revision = Number(revisions[i])
      if (statuses[i] !== status) status = statuses[i]!
      if (descriptions[i] !== description) description = descriptions[i]!
      if (namespaces[i] !== namespace) namespace = namespaces[i]!
      const key = { projectId: scope.projectId, flavor: scope.flavor, clusterId: scope.clusterId, namespace, name: names[i]! }
      const cached = this.#latest.get(releaseKeyString(key))
      if (cached) {
        if (cached.revision !== revision || cached.status !== status || cached.description !== description) return undefined
        list.push(cached)
      } else list.push(new ListedRevision(key, revision, status, description, this.#loadRevision))
    }
    // A whole list (not a stream's page, which passes through) lends its items' answers to shows:
    // ranges of its one Buffer, which the list cache keeps anyway.
    if (releases !== undefined && this.#cacheable) {
      const { open, separator, close } = codec.joints
      const gap = Buffer.byteLength(separator)
      let at = Buffer.byteLength(open)
      const shares: Array<[number, number]> = []
      for (let i = 0; i < n; i++) {
        const end = at + Number(lengths[i])
        shares.push([at, end])
        at = end + gap
      }
      // The lengths must add up to the answer, else it is not laid out as assumed: nothing is lent.
      if (at - gap + Buffer.byteLength(close) === row.answer.length) {
        shares.forEach(([start, end], i) => this.#answerCache.share(list[i]!.key, list[i]!, row.answer!, start, end))
      }
    }
    return { list, answer: row.answer }
  }

  /**
   * Items of a list: the cached latest revision where there is one (its answer bytes are reused),
   * else a ListedRevision over the stored answer, else (no answer kept) the whole row. Listed
   * items do not fill the show cache: a list of 100,000 passes through.
   */
  #listed(scope: Scope, rows: Array<ListedRow | LatestRow>, answers?: Array<Buffer | null>): Revision[] {
    return rows.map((row, i) => {
      const key = { projectId: scope.projectId, flavor: scope.flavor, clusterId: scope.clusterId, namespace: row.namespace, name: row.name }
      const revision = this.#listItem(key, row, answers)
      // Other items answer with their own bytes, made by the wire (by bytes per turn: they may be big).
      if (answers && answers.length === i) answers.push(null)
      return revision
    })
  }

  #listItem(key: ReleaseKey, row: ListedRow | LatestRow, answers?: Array<Buffer | null>): Revision {
    const cached = this.#latest.get(releaseKeyString(key))
    if (cached) {
      // Its stored answer (the same revision, in the same state) still goes into the list's
      // answer: a list is then kept as one answer, weighed by its bytes, whatever memory holds.
      if (answers && !('config_json' in row) && this.#current(row) && cached.revision === row.revision && cached.status === row.status && cached.description === row.description) answers.push(row.answer)
      return cached
    }
    // Chart lists read whole rows.
    if ('config_json' in row) return this.#fromLatest(row)
    const listed = this.#listedRevision(key, row, answers)
    if (listed) return listed
    const full = this.stmts.latest.get(keyParams(key))
    if (!full) throw new Error(`release ${key.name} went away while it was listed`)
    return this.#fromLatest(full)
  }

  readonly #loadRevision = (key: ReleaseKey, revision: number): Revision => {
    const row = this.stmts.revision.get({ ...keyParams(key), revision })
    if (!row) throw new Error(`revision ${revision} of release ${key.name} is no longer stored`)
    return rowToRevision(row, this.#defaultsOf)
  }

  #chartDefaults(hash: string): Values {
    let values = this.#defaults.hit(hash)
    if (values) return values
    const row = this.stmts.defaults.get(hash)
    if (!row) throw new Error(`chart defaults ${hash} are missing`)
    values = JSON.parse(row.values_json) as Values
    // Stored defaults never change (the key is their hash), so even a transaction may cache them.
    this.#defaults.put(hash, values)
    return values
  }

  /** The size of stored chart defaults as JSON; they never change (the key is their hash). */
  #defaultsBytes(hash: string): number {
    let size = this.#defaultsSize.hit(hash)
    if (size === undefined) this.#defaultsSize.put(hash, (size = this.stmts.defaultsSize.get(hash) ?? 0))
    return size
  }

  pending(key: ReleaseKey): PendingOperation | null {
    const row = this.stmts.pending.get(keyParams(key))
    return row ? rowToPending(row) : null
  }

  due(now: Date, limit: number): PendingOperation[] {
    if (!this.#maybeDue(now.getTime())) return []
    const rows = this.stmts.due.all({ now: now.getTime(), limit })
    // The bound said "maybe" and nothing is due: learn the real next due time once.
    if (rows.length === 0) this.#work = null
    return rows.map(rowToPending)
  }

  hasDue(now: Date): boolean {
    return this.due(now, 1).length > 0
  }

  pendingWork(now: Date): { due: boolean; counting: boolean } {
    const work = this.#knownWork()
    return { due: work.nextDueAt !== null && work.nextDueAt <= now.getTime() && this.hasDue(now), counting: work.counting }
  }

  mayBeDue(now: Date): boolean {
    return this.#maybeDue(now.getTime())
  }

  noneDueBy(now: Date): void {
    // What remains is due after `now`: now + 1 ms is a lower bound until a write lowers it.
    const work = this.#work
    if (work && work.nextDueAt !== null && work.nextDueAt <= now.getTime()) work.nextDueAt = now.getTime() + 1
  }

  /** False only when nothing can be due at `nowMs`; after a query that finds nothing, the bound is refreshed. */
  #maybeDue(nowMs: number): boolean {
    const work = this.#knownWork()
    return work.nextDueAt !== null && work.nextDueAt <= nowMs
  }

  #knownWork(): { nextDueAt: number | null; counting: boolean } {
    if (this.#work) return this.#work
    const row = this.stmts.pendingWork.get()!
    const work = { nextDueAt: row.next_due_at, counting: row.counting === 1 }
    if (this.#cacheable) this.#work = work
    return work
  }

  /** Counts one read of a release for read-driven progression; a no-op for anything else. */
  countRead(key: ReleaseKey, now: Date): void {
    this.#work = null
    this.stmts.countRead.run({ ...keyParams(key), now: now.getTime() })
  }

  /** Removes every release (with revisions and pending work) in a scope; returns how many. */
  deleteWhere(filter: ReleaseScopeFilter): number {
    this.#forgetAll()
    this.#touchedAll = true
    const removed = this.stmts.deleteWhere.run(resetScopeParams(filter)).changes
    if (removed > 0) this.#chartValues.sweep()
    return removed
  }

  /**
   * The releases of a scope that exist now, removed a slice at a time: each call of the answered
   * step removes up to `limit` of them (with revisions and pending work), in its own write, and
   * answers how many; 0 once none is left. Releases made in between are not the step's to remove.
   * Why: one DELETE of 20,000 releases held the event loop ~400 ms, every other client with it.
   */
  deleteGradually(filter: ReleaseScopeFilter, limit: number): () => number {
    const scope = resetScopeParams(filter)
    const upTo = this.stmts.lastRowid.get() ?? 0
    let after = 0
    let removed = 0
    return () => {
      if (after >= upTo) return 0
      const rowids = this.transaction(() => {
        this.#forgetAll()
        this.#touchedAll = true
        return this.stmts.deleteSlice.all({ ...scope, after, upTo, limit }) as number[]
      })
      if (rowids.length === 0) {
        after = upTo
        if (removed > 0) this.#chartValues.sweep()
        return 0
      }
      after = Math.max(...rowids)
      removed += rowids.length
      return rowids.length
    }
  }

  apply(key: ReleaseKey, fx: Effects): void {
    const id = releaseKeyString(key)
    const before = this.#history.get(id)
    const known = this.#knownLatest(key)
    this.#touched.set(id, key)
    this.#forget(key)
    this.transaction(() => {
      const k = keyParams(key)
      if (fx.purge) {
        this.stmts.deleteRelease.run(k)
        this.#chartValues.sweep()
        return
      }
      const at = keyArgs(key)
      // A state change of a latest revision not in memory restates its kept answer: read before
      // the update, whose trigger (migration 011) removes the answer it makes stale.
      const kept = !fx.insert && !known && fx.updates.length > 0 && this.answers ? this.stmts.keptAnswer.get(k) : undefined
      if (fx.insert) {
        const r = fx.insert
        this.stmts.upsertRelease.run(...at, r.revision)
        this.stmts.insertRevision.run(
          ...at,
          r.revision,
          r.status,
          r.description,
          r.chart.id,
          r.chart.name,
          r.chart.version,
          r.chart.public ? 1 : 0,
          JSON.stringify(r.config),
          // Chart defaults are stored once (chart_values); the values are computed again on read.
          r.defaultsRef === undefined ? JSON.stringify(r.values) : null,
          r.defaultsRef ?? null,
          r.firstDeployedAt.getTime(),
          r.updatedAt.getTime(),
        )
      }
      for (const u of fx.updates) this.stmts.updateRevision.run(u.status, u.description, ...at, u.revision)
      for (const revision of fx.prune) this.stmts.deleteRevision.run({ ...k, revision })
      if (fx.prune.length > 0) this.#chartValues.sweep()
      // A release's first revision makes it new: it has no pending operation to clear.
      if (fx.pending === null && fx.insert?.revision !== 1) this.stmts.clearPending.run(...at)
      else if (fx.pending) {
        const p = fx.pending
        const dueAt = p.dueAt ? p.dueAt.getTime() : null
        this.stmts.putPending.run(...at, p.operation, p.revision, p.baseRevision, dueAt, p.outcome, p.failureReason, p.readsLeft ?? null)
        // Only ever lowered: a bound that is too early costs one query, one too late would skip work.
        const work = this.#work
        if (work) {
          if (dueAt !== null && (work.nextDueAt === null || dueAt < work.nextDueAt)) work.nextDueAt = dueAt
          if ((p.readsLeft ?? 0) > 0) work.counting = true
        }
      }
      this.#keepAnswer(key, fx, known, kept)
    })
    if (before === undefined) return
    const after = afterEffects(before, fx)
    this.#history.put(id, after)
    this.#latest.put(id, after.at(-1) ?? null)
  }

  /** Some write since the last commit was undone: forget every release written since. */
  #undo(): void {
    if (this.#touchedAll) {
      this.#forgetAll()
    } else {
      for (const key of this.#touched.values()) this.#forget(key)
      this.#work = null
    }
  }

  #committed(): void {
    this.#touched.clear()
    this.#touchedAll = false
  }

  /** The latest revision in memory, if any: what a write's answer is made from without reading it back. */
  #knownLatest(key: ReleaseKey): Revision | undefined {
    const id = releaseKeyString(key)
    return this.#latest.get(id) ?? this.#history.get(id)?.at(-1)
  }

  /**
   * Keeps the release's answer (release_answers) in the write's transaction, made from the
   * revision in memory: the inserted one, or the latest known before the write with the write's
   * status change. A write that changes neither the latest revision nor its state leaves it; a
   * latest revision not in memory is read. Reads check the kept revision against the release's.
   */
  #keepAnswer(key: ReleaseKey, fx: Effects, known: Revision | undefined, kept: KeptAnswer | undefined): void {
    if (fx.purge || !this.answers) return
    let latest = fx.insert ?? known
    if (!latest) {
      const k = keyParams(key)
      const number = fx.updates.length === 0 ? undefined : this.stmts.latestRevisionNumber.get(k)
      const update = fx.updates.find((u) => u.revision === number)
      if (!update) return
      // A state change of the latest revision (settling): its kept answer restated, no values merged.
      if (kept && kept.revision === update.revision && kept.answer_format === this.answers.format) {
        const answer = this.answers.restate(kept.answer, update.status, update.description)
        this.stmts.keepAnswer.run(...keyArgs(key), update.revision, update.status, update.description, answer, kept.answer_format)
        return
      }
      const row = this.stmts.latest.get(k)
      if (row) this.#storeAnswer(key, rowToRevision(row, this.#defaultsOf))
      return
    }
    const update = fx.updates.find((u) => u.revision === latest!.revision)
    if (update) latest = withStatus(latest, update.status, update.description)
    else if (!fx.insert) return
    this.#storeAnswer(key, latest, fx.insert ? fx.startedAs : undefined)
  }

  /**
   * `startedAs`: `r` as the write answers it (an operation stored already ended): rendered once,
   * for that answer, and restated to `r`'s state for the stored one.
   */
  #storeAnswer(key: ReleaseKey, r: Revision, startedAs?: Revision): void {
    // Chart defaults over the limit make an answer over it: not serialized just to be dropped
    // (a settle of 30 such releases would merge and serialize megabytes in one turn).
    const tooBig = r.defaultsRef !== undefined && this.#defaultsBytes(r.defaultsRef) > KEPT_ANSWER_MAX
    const rendered = tooBig ? null : startedAs ? this.#restated(startedAs, r) : this.answers!.render(r)
    if (rendered !== null && rendered.length <= KEPT_ANSWER_MAX) {
      this.stmts.keepAnswer.run(...keyArgs(key), r.revision, r.status, r.description, rendered, this.answers!.format)
    } else {
      this.stmts.dropAnswer.run(keyParams(key))
    }
  }

  #restated(startedAs: Revision, r: Revision): Buffer | null {
    const answered = this.answers!.render(startedAs)
    if (answered === null) return null
    const bytes = this.answers!.restate(answered, r.status, r.description)
    this.answers!.adopt(r, bytes)
    return bytes
  }

  /** Drops every cached answer (a lost write batch; a write whose reach is a whole scope). */
  forgetCached(): void {
    this.#forgetAll()
  }

  /** What a write to one release may change: its own entries, and its scope's lists that could hold it. */
  #forget(key: ReleaseKey): void {
    const id = releaseKeyString(key)
    this.#latest.delete(id)
    this.#answerCache.delete(key)
    this.#history.delete(id)
    this.#lists.forget(listGroup(key, undefined))
    this.#lists.forget(listGroup(key, key.namespace))
  }

  #forgetAll(): void {
    this.#latest.clear()
    this.#answerCache.clear()
    this.#history.clear()
    this.#lists.clear()
    this.#work = null
  }
}

/** A copy of a revision with another status; its values (computed on first use) are shared, not computed. */
function withStatus(r: Revision, status: ReleaseStatus, description: string): Revision {
  if (r instanceof ListedRevision) return r.withStatus(status, description)
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(r)) as Revision
  copy.status = status
  copy.description = description
  return copy
}

type FilterShape = 'all' | 'namespace' | 'chart' | 'both'

const shapeOf = (f: ReleaseFilter): FilterShape =>
  f.namespace !== undefined ? (f.chartId !== undefined ? 'both' : 'namespace') : f.chartId !== undefined ? 'chart' : 'all'

const scopeParams = (s: Scope, f: ReleaseFilter): Record<string, string> => ({
  projectId: s.projectId,
  flavor: s.flavor,
  clusterId: s.clusterId,
  ...(f.namespace !== undefined ? { namespace: f.namespace } : {}),
  ...(f.chartId !== undefined ? { chartId: f.chartId } : {}),
})

