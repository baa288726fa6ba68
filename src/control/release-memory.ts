/**
 * Gives memory back after a reset that emptied many releases. Their cached revisions, answers
 * and lists become garbage at once, but V8 collects only when it allocates again, so an idle
 * emulator kept its peak (575 MB after resetting 100,000 releases, against 83 MB at start)
 * until the next burst of requests. One full collection, on the turn after the reset's answer,
 * frees it and lets V8 hand its empty pages back: with almost nothing left alive, it marks little.
 * What it freed outside V8's heap goes back to the system by trimNativeHeap.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { trimNativeHeap } from '../storage/native-heap.js'

/** After the collection, when its freed memory is trimmed. */
const TRIM_AFTER_MS = 50

/** Releases a reset must remove before a collection is worth its pause. */
export const RELEASE_MEMORY_AFTER = 1000

let collect: (() => void) | undefined

/** Schedules one full garbage collection for the next turn of the event loop. */
export function returnMemorySoon(): void {
  setImmediate(() => {
    if (!collect) {
      // gc is exposed only to contexts made after the flag is set: a new one hands it over.
      setFlagsFromString('--expose-gc')
      collect = runInNewContext('gc') as () => void
      // And back: V8 stamps its code caches with the flags, and the CLI writes its cache at exit
      // (src/bin.cts); one written under a changed flag would be refused at the next start.
      setFlagsFromString('--no-expose-gc')
    }
    collect()
    // The collection freed the answers' native memory (V8 may finish freeing backing stores on
    // its own threads just after): then the free pages go back to the system. A second
    // collection first lets V8 give back the pages the first one emptied (heap 72 → 40 MB
    // committed after resetting 100,000 releases); with nothing left to mark it is short.
    // Each in a turn of its own: 30-40 ms apiece after resetting 20,000 releases, other clients wait for each.
    setTimeout(() => {
      collect!()
      setTimeout(trimNativeHeap, TRIM_AFTER_MS).unref()
    }, TRIM_AFTER_MS).unref()
  })
}
