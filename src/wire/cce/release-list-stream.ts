/**
 * Release lists (and histories) as answers whose serializing never holds the event loop for
 * long. Items are serialized until TURN_BYTES are ready; what fits in one turn is sent whole
 * (and kept with the array), the rest is a stream that serializes the next TURN_BYTES on each
 * later turn, only as fast as the client takes it (backpressure). Cut by bytes, not by count: 30
 * releases carrying 250 KiB of merged values each made a 7.7 MiB answer serialized in one turn
 * (a concurrent health check waited 176 ms), and an unfiltered list of 100,000 releases (75 MB)
 * used to stall every other client for seconds and grow the heap by gigabytes.
 */
import { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { clipBody, JOURNAL_BODY_LIMIT } from '../../control/journal.js'
import { RETURN_MEMORY_AFTER_BYTES, returnMemoryAfterStream } from '../../control/release-memory.js'
import type { Revision } from '../../releases/release.js'
import { JSON_TYPE } from '../common/json-type.js'
import { cachedListBytes, keepListBytes, releaseBytes } from './release-mapper.js'

/**
 * Bytes serialized per turn of the event loop: a few milliseconds of work whatever the items hold
 * (merging and escaping big values runs at about 100 MB/s here), and lists of a few hundred
 * ordinary releases still go whole, with a Content-Length.
 */
export const TURN_BYTES = 512 * 1024
/** Bytes per later turn of a stream: smaller, as other clients' requests wait between them. */
const STREAM_TURN_BYTES = 128 * 1024

/**
 * Parts at least this big (a page of stored answers, ~77 KB for 100 releases) are pushed as they
 * are; smaller ones (items serialized one by one) are joined into one chunk. Copying every page
 * into a chunk of its turn doubled the memory a long stream churns outside the heap.
 */
const PUSH_AS_IS = 16 * 1024

const OPEN = Buffer.from('[')
const COMMA = Buffer.from(',')
const CLOSE = Buffer.from(']')
const EMPTY = Buffer.from('[]')

/** A whole list already read (at most WHOLE_LIST_MAX releases, or a history). */
export function sendList(req: FastifyRequest, reply: FastifyReply, revisions: readonly Revision[]): FastifyReply {
  const cached = cachedListBytes(revisions)
  if (cached) return reply.type(JSON_TYPE).send(cached)
  const items = revisions[Symbol.iterator]()
  const head = serializeTurn(items, true, TURN_BYTES)
  if (head.done) {
    const bytes = Buffer.concat(head.parts)
    keepListBytes(revisions, bytes)
    return reply.type(JSON_TYPE).send(bytes)
  }
  return stream(req, reply, items, head.parts)
}

/** A long list read page by page: each page is read when the stream needs more bytes. */
export function streamList(req: FastifyRequest, reply: FastifyReply, pages: Iterator<Revision[], void, void>): FastifyReply {
  return stream(req, reply, flatten(pages), null)
}

/** Items of a list already joined (a page of stored answers), without the brackets. */
class Joined {
  constructor(readonly bytes: Buffer) {}
}

/** The pages' items; a page kept as one answer goes as its bytes, not item by item. */
function* flatten(pages: Iterator<Revision[], void, void>): Generator<Revision | Joined, void, void> {
  for (let page = pages.next(); !page.done; page = pages.next()) {
    const bytes = cachedListBytes(page.value)
    if (bytes) yield new Joined(bytes.subarray(1, bytes.length - 1))
    else yield* page.value
  }
}

/**
 * Serializes items until TURN_BYTES are ready or the items end (then the closing bracket is
 * included). `first`: nothing was sent yet, so the array opens here.
 */
function serializeTurn(items: Iterator<Revision | Joined>, first: boolean, budget: number): { parts: Buffer[]; done: boolean } {
  const parts: Buffer[] = []
  let size = 0
  for (;;) {
    const next = items.next()
    if (next.done) {
      parts.push(first && parts.length === 0 ? EMPTY : CLOSE)
      return { parts, done: true }
    }
    const bytes = next.value instanceof Joined ? next.value.bytes : releaseBytes(next.value)
    parts.push(first && parts.length === 0 ? OPEN : COMMA, bytes)
    size += bytes.length
    if (size >= budget) return { parts, done: false }
  }
}

function stream(req: FastifyRequest, reply: FastifyReply, items: Iterator<Revision | Joined>, head: Buffer[] | null): FastifyReply {
  let first = head === null
  let pending = head
  let sent = 0
  // The journal keeps the head of the answer (onSend sees a stream, not bytes).
  const journal = (parts: Buffer[]) => {
    if (!req.journalResponse) req.journalResponse = { text: clipBody(headOf(parts)).text, truncated: true }
  }
  const push = (readable: Readable, parts: Buffer[]) => {
    journal(parts)
    for (const chunk of chunksOf(parts)) {
      sent += chunk.length
      readable.push(chunk)
    }
  }
  const readable = new Readable({
    read() {
      if (pending) {
        push(this, pending)
        pending = null
        return
      }
      // The next bytes are serialized on the next turn, so requests that arrived meanwhile go first.
      setImmediate(() => {
        let turn: { parts: Buffer[]; done: boolean }
        try {
          turn = serializeTurn(items, first, STREAM_TURN_BYTES)
        } catch (err) {
          this.destroy(err as Error)
          return
        }
        first = false
        push(this, turn.parts)
        if (turn.done) {
          this.push(null)
          // What a long stream read (pages from SQLite) is garbage now: see release-memory.ts.
          if (sent >= RETURN_MEMORY_AFTER_BYTES) returnMemoryAfterStream()
        }
      })
    },
  })
  return reply.type(JSON_TYPE).send(readable)
}

/** A turn's parts as chunks to push: big ones as they are, runs of small ones joined. */
function chunksOf(parts: Buffer[]): Buffer[] {
  const chunks: Buffer[] = []
  let run: Buffer[] = []
  const flush = () => {
    if (run.length > 0) chunks.push(run.length === 1 ? run[0]! : Buffer.concat(run))
    run = []
  }
  for (const part of parts) {
    if (part.length < PUSH_AS_IS) run.push(part)
    else {
      flush()
      chunks.push(part)
    }
  }
  flush()
  return chunks
}

/** The first bytes of the parts, enough for the journal to keep (and know that more followed). */
function headOf(parts: Buffer[]): Buffer {
  const kept: Buffer[] = []
  let size = 0
  for (const part of parts) {
    if (size > JOURNAL_BODY_LIMIT) break
    kept.push(part.subarray(0, JOURNAL_BODY_LIMIT + 1 - size))
    size += kept.at(-1)!.length
  }
  return Buffer.concat(kept)
}
