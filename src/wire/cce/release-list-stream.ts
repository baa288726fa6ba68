/**
 * A long release list as a stream: one page read and serialized per turn of the event loop,
 * and only as fast as the client takes it (backpressure). An unfiltered list of 100,000 releases
 * (75 MB) used to be read, kept and serialized at once: every other client waited seconds and the
 * heap grew by gigabytes. Now other requests run between pages and memory holds a page or two.
 */
import { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { clipBody } from '../../control/journal.js'
import type { Revision } from '../../releases/release.js'
import { JSON_TYPE, joinItems } from './release-mapper.js'

const CLOSE = Buffer.from(']')

export function streamList(req: FastifyRequest, reply: FastifyReply, pages: Iterator<Revision[], void, void>): FastifyReply {
  let first = true
  const stream = new Readable({
    read() {
      // The next page is read on the next turn, so requests that arrived meanwhile go first.
      setImmediate(() => {
        let next: IteratorResult<Revision[], void>
        try {
          next = pages.next()
        } catch (err) {
          this.destroy(err as Error)
          return
        }
        if (next.done) {
          this.push(first ? Buffer.from('[]') : CLOSE)
          this.push(null)
          return
        }
        const bytes = joinItems(next.value, first, false)
        // The journal keeps the head of the answer (onSend sees a stream, not bytes).
        if (first) req.journalResponse = { text: clipBody(bytes).text, truncated: true }
        first = false
        this.push(bytes)
      })
    },
  })
  return reply.type(JSON_TYPE).send(stream)
}
