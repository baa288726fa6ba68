/**
 * Gives memory back after a reset that emptied many releases, and after a long streamed answer.
 * A reset's cached revisions, answers and lists become garbage at once, but V8 collects only
 * when it allocates again, so an idle emulator kept its peak (575 MB after resetting 100,000
 * releases, against 83 MB at start) until the next burst of requests. One full collection, on
 * the turn after the reset's answer, frees it and lets V8 hand its empty pages back: with almost
 * nothing left alive, it marks little. What it freed outside V8's heap goes back to the system
 * by trimNativeHeap. A streamed list of 100,000 releases leaves ~77 MB of pages read from SQLite
 * behind, outside the heap; under other load their small handles reach V8's old generation
 * before they die, and stayed there (RSS 334 MB after three such lists, 246 once collected).
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { trimNativeHeap } from '../storage/native-heap.js'

/** After the collection, when its freed memory is trimmed. */
const TRIM_AFTER_MS = 50

/** Releases a reset must remove before a collection is worth its pause. */
export const RELEASE_MEMORY_AFTER = 1000

/** Bytes a streamed answer must have sent before its pages are worth a collection. */
export const RETURN_MEMORY_AFTER_BYTES = 16 * 1024 * 1024
/**
 * Heap in use beyond which no collection is forced after a stream: a full collection marks all
 * that is alive in one pause (~35 ms with 100,000 releases and their lists in memory, ~60 MB),
 * which must stay well under the 50 ms any client may be held.
 */
const STREAM_COLLECT_MAX_HEAP = 96 * 1024 * 1024
/** After a stream ends, streams ending meanwhile are waited for: one collection for a burst. */
const STREAM_COLLECT_DELAY_MS = 200
/** And collections after streams are at least this far apart, whatever clients stream. */
const STREAM_COLLECT_INTERVAL_MS = 2000

let collect: (() => void) | undefined
let streamCollection: NodeJS.Timeout | undefined
let lastStreamCollection = -Infinity

function collector(): () => void {
  if (!collect) {
    // gc is exposed only to contexts made after the flag is set: a new one hands it over.
    setFlagsFromString('--expose-gc')
    collect = runInNewContext('gc') as () => void
    // And back: V8 stamps its code caches with the flags, and the CLI writes its cache at exit
    // (src/bin.cts); one written under a changed flag would be refused at the next start.
    setFlagsFromString('--no-expose-gc')
  }
  return collect
}

/**
 * After a long streamed answer: one full collection when no other long stream ended in the
 * last STREAM_COLLECT_DELAY_MS (and none ran in the last STREAM_COLLECT_INTERVAL_MS), then
 * the freed pages go back to the system. Skipped when the heap holds too much to mark quickly.
 */
export function returnMemoryAfterStream(): void {
  if (streamCollection) return
  const delay = Math.max(STREAM_COLLECT_DELAY_MS, lastStreamCollection + STREAM_COLLECT_INTERVAL_MS - performance.now())
  streamCollection = setTimeout(() => {
    streamCollection = undefined
    lastStreamCollection = performance.now()
    if (getHeapStatistics().used_heap_size <= STREAM_COLLECT_MAX_HEAP) collectThenTrim()
  }, delay)
  streamCollection.unref()
}

/** Schedules one full garbage collection for the next turn of the event loop. */
export function returnMemorySoon(): void {
  setImmediate(() => {
    collector()()
    // A second collection before the trim lets V8 give back the pages the first one emptied
    // (heap 72 → 40 MB committed after resetting 100,000 releases); with nothing left to mark it
    // is short. Each in a turn of its own: 30-40 ms apiece after resetting 20,000 releases, and
    // other clients wait for each.
    setTimeout(collectThenTrim, TRIM_AFTER_MS).unref()
  })
}

/**
 * One full collection, then what it freed outside V8's heap goes back to the system (V8 may
 * finish freeing backing stores on its own threads just after: the trim waits TRIM_AFTER_MS).
 */
function collectThenTrim(): void {
  collector()()
  setTimeout(trimNativeHeap, TRIM_AFTER_MS).unref()
}
