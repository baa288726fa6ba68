/** Release ⇄ CCE wire shapes. The domain never sees snake_case or JSON-in-a-string fields. */
import { createHash } from 'node:crypto'
import type { KubeResource } from '../../releases/ports.js'
import type { ReleaseStatus, Revision, Values } from '../../releases/release.js'
import { rfc3339 } from '../common/schemas.js'
import { ReleaseRespSchema, type ReleaseParams, type ReleaseResp } from './release-schemas.js'

/**
 * Answer bytes, per revision object. The repository hands out the same immutable Revision for
 * every read until the release changes (a write drops it and a new object is read), so polling
 * clients (Terraform reads every few seconds, SDK tests in tight loops) and lists made of cached
 * revisions get bytes serialized once. Keyed weakly: the bytes go when the revision does.
 *
 * JSON.stringify of the mapped object is byte for byte what the route's response schema
 * (fast-json-stringify) writes: the object has exactly the schema's properties, in its order,
 * all strings, booleans and an integer (test/wire/answer-bytes.test.ts checks it).
 */
const itemBytes = new WeakMap<Revision, Buffer>()
const listBytes = new WeakMap<readonly Revision[], Buffer>()
const withResources = new WeakMap<Revision, { resources: KubeResource[]; bytes: Buffer }>()

/**
 * The bytes kept with each release's latest revision in the database (release_answers,
 * src/storage/release-repository.ts AnswerCodec): lists and shows of releases not in memory
 * send them as read. `format` changes with the response schema; bump ANSWER_VERSION whenever
 * mapRevision changes what it writes, so bytes an older emulator stored are never sent.
 */
const ANSWER_VERSION = 1
let answerFormat: string | undefined
export const releaseAnswers = {
  // Worked out on first use: the process's first hash sets up OpenSSL's digests (~0.5 ms), which
  // nothing before the first answer needs.
  get format(): string {
    return (answerFormat ??= `cce-release/${ANSWER_VERSION}/${createHash('sha256').update(JSON.stringify(ReleaseRespSchema)).digest('hex').slice(0, 16)}`)
  },
  /** Cloudpods answers are another shape, made by its own dialect: none kept. */
  render: (r: Revision): Buffer | null => (r.key.flavor === 'cloudpods' ? null : releaseBytes(r)),
  adopt: (r: Revision, bytes: Buffer): void => {
    itemBytes.set(r, bytes)
  },
  adoptList: (list: readonly Revision[], items: readonly Buffer[]): void => {
    listBytes.set(list, joinAnswers(items))
  },
  /** What joinAnswers puts around and between items (the repository joins stored answers the same way). */
  joints: { open: '[', separator: ',', close: ']' },
  adoptJoinedList: (list: readonly Revision[], bytes: Buffer): void => {
    listBytes.set(list, bytes)
  },
  restate: (bytes: Buffer, status: ReleaseStatus, description: string): Buffer => spliced(bytes, status, description) ?? reparsed(bytes, status, description),
}

const DESCRIPTION = Buffer.from(',"description":')
const STATUS = Buffer.from(',"status":')
const STATUS_DESCRIPTION = Buffer.from(',"status_description":')

/**
 * The three state fields replaced in place: a create's answer and its stored answer differ only
 * there, and parsing the rest (values above all) again cost as much as serializing it. The keys
 * are mapRevision's, in its order, and a quote inside a JSON string is always escaped, so the
 * first `,"description":` is the key; null if the bytes are not laid out so.
 */
function spliced(bytes: Buffer, status: ReleaseStatus, description: string): Buffer | null {
  const d = bytes.indexOf(DESCRIPTION)
  if (d < 0) return null
  const dEnd = stringEnd(bytes, d + DESCRIPTION.length)
  const s = dEnd < 0 ? -1 : bytes.indexOf(STATUS, dEnd)
  if (s < 0) return null
  const sEnd = stringEnd(bytes, s + STATUS.length)
  if (sEnd < 0 || bytes.compare(STATUS_DESCRIPTION, 0, STATUS_DESCRIPTION.length, sEnd, sEnd + STATUS_DESCRIPTION.length) !== 0) return null
  const sdEnd = stringEnd(bytes, sEnd + STATUS_DESCRIPTION.length)
  if (sdEnd < 0) return null
  const text = Buffer.from(JSON.stringify(description))
  return Buffer.concat([
    bytes.subarray(0, d + DESCRIPTION.length),
    text,
    bytes.subarray(dEnd, s + STATUS.length),
    Buffer.from(JSON.stringify(status)),
    STATUS_DESCRIPTION,
    text,
    bytes.subarray(sdEnd),
  ])
}

/** The index after the JSON string opening at `start`, or -1. UTF-8 never has a quote or backslash inside a character. */
function stringEnd(bytes: Buffer, start: number): number {
  if (bytes[start] !== 0x22) return -1
  for (let i = start + 1; i < bytes.length; i++) {
    const b = bytes[i]
    if (b === 0x5c) i++
    else if (b === 0x22) return i + 1
  }
  return -1
}

/** Parsing keeps the keys' order and every value, so the bytes are mapRevision's for that state. */
function reparsed(bytes: Buffer, status: ReleaseStatus, description: string): Buffer {
  const resp = JSON.parse(bytes.toString('utf8')) as ReleaseResp
  resp.description = description
  resp.status = status
  resp.status_description = description
  return Buffer.from(JSON.stringify(resp))
}


export function toReleaseResp(r: Revision, resources?: KubeResource[]): ReleaseResp {
  const resp = mapRevision(r)
  if (resources) resp.resources = JSON.stringify(resources)
  return resp
}

/** The answer to a show (or a write) of this revision; `resources` as show_resources fills them. */
export function releaseBytes(r: Revision, resources?: KubeResource[]): Buffer {
  if (resources) {
    // The catalog answers the same array until the chart changes: the bytes hold as long.
    const cached = withResources.get(r)
    if (cached?.resources === resources) return cached.bytes
    const bytes = Buffer.from(JSON.stringify(toReleaseResp(r, resources)))
    withResources.set(r, { resources, bytes })
    return bytes
  }
  let bytes = itemBytes.get(r)
  if (!bytes) itemBytes.set(r, (bytes = Buffer.from(JSON.stringify(mapRevision(r)))))
  return bytes
}

/** A list (or history) answer, assembled from its items' bytes; kept while the array is. */
export function releaseListBytes(revisions: readonly Revision[]): Buffer {
  let bytes = listBytes.get(revisions)
  if (!bytes) listBytes.set(revisions, (bytes = joinItems(revisions)))
  return bytes
}

/** The answer kept for this array, if one was (release-list-stream.ts keeps only those it sends whole). */
export const cachedListBytes = (revisions: readonly Revision[]): Buffer | undefined => listBytes.get(revisions)

export const keepListBytes = (revisions: readonly Revision[], bytes: Buffer): void => {
  listBytes.set(revisions, bytes)
}

const joinItems = (revisions: readonly Revision[]): Buffer => joinAnswers(revisions.map((r) => releaseBytes(r)))

function joinAnswers(items: readonly Buffer[]): Buffer {
  if (items.length === 0) return Buffer.from('[]')
  const parts: Buffer[] = []
  items.forEach((bytes, i) => parts.push(i === 0 ? OPEN : COMMA, bytes))
  parts.push(CLOSE)
  return Buffer.concat(parts)
}

const OPEN = Buffer.from('[')
const COMMA = Buffer.from(',')
const CLOSE = Buffer.from(']')

function mapRevision(r: Revision): ReleaseResp {
  return {
    chart_name: r.chart.name,
    chart_public: r.chart.public,
    chart_version: r.chart.version,
    cluster_id: r.key.clusterId,
    cluster_name: r.key.clusterId,
    create_at: rfc3339(r.firstDeployedAt),
    description: r.description,
    name: r.key.name,
    namespace: r.key.namespace,
    parameters: '',
    resources: '',
    status: r.status,
    status_description: r.description,
    update_at: rfc3339(r.updatedAt),
    values: JSON.stringify(r.values),
    version: r.revision,
  }
}

export const valuesOf = (v: Record<string, unknown> | null | undefined): Values => v ?? {}

export const flag = (v: boolean | null | undefined): boolean => v === true

export const params = (p: ReleaseParams | null | undefined): ReleaseParams => p ?? {}

/** show_resources is a string on the wire; only "true" (any case) asks for resources. */
export const wantsResources = (q: { show_resources?: string | undefined }): boolean => q.show_resources?.toLowerCase() === 'true'
