/**
 * Checkpoints the WAL on a worker thread with a connection of its own, so that the event loop
 * never waits for a checkpoint's fsyncs. SQLite's automatic checkpoint ran inside the commit that
 * crossed its threshold: every ~16 MiB of WAL, the WAL's fsync, the copy into the database and the
 * database's fsync (50-130 ms on this machine's disk) held every client, and were most of the
 * write p99 and of issue 9's stalls under a write load.
 *
 * A pass (PRAGMA wal_checkpoint(PASSIVE) on the worker) copies every committed frame into the
 * database while the main connection keeps writing; it runs at most every `passEveryMs` while
 * commits happen. A WAL is only rewritten from its start (restarted) by a write that begins when
 * every frame is copied, which a steady write load never leaves time for: once a pass finds
 * `restartFrames` or more, writes are held (`holdWrites`) for one more, short pass (the frames
 * written during the last), so that the next write restarts it. Reads go on meanwhile. The hold
 * is bounded (`holdMs`): on a disk whose fsyncs are slow the writes go on and the restart is
 * tried again later with a longer bound.
 *
 * Durability is SQLite's own: a pass syncs the WAL before it copies and the database after, and
 * a WAL is restarted only once the database is synced. A kill -9 in the middle of a pass leaves
 * the WAL, which the next start replays.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import { WAL_CHECKPOINT_PAGES, type DatabaseHandle } from './db.js'

/** What a pass reports: the frames in the WAL, and how many of them are in the database now. */
export interface PassResult {
  busy: number
  log: number
  checkpointed: number
}

export interface WalCheckpointerOptions {
  /** Least time between two passes while commits happen. */
  passEveryMs?: number
  /** WAL frames (pages) from which writes are held once for the WAL to restart (default 2,000). */
  restartFrames?: number
  /**
   * Resolves once no write is in flight and none will start until the returned release is
   * called. Without it the WAL restarts only when the write load leaves a pause.
   */
  holdWrites?: () => Promise<() => void>
  /**
   * Longest hold of the writes for a restart; doubled after each restart that did not fit in
   * it (a busy disk), so that the WAL stays bounded however slow its fsyncs get.
   */
  holdMs?: number
}

// CommonJS, evaluated in the worker; the driver's path comes from this process's resolution.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file, { fileMustExist: true })
// The syncs of a checkpoint follow this connection's setting: NORMAL syncs the WAL before the
// copy and the database after it.
db.pragma('synchronous = NORMAL')
db.pragma('wal_autocheckpoint = 0')
parentPort.on('message', (msg) => {
  if (msg === 'close') {
    db.close()
    parentPort.close()
    return
  }
  try {
    parentPort.postMessage({ ok: db.pragma('wal_checkpoint(PASSIVE)')[0] })
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) })
  }
})
`

export class WalCheckpointer {
  #worker: Worker | null = null
  readonly #passEveryMs: number
  readonly #restartFrames: number
  readonly #holdWrites: (() => Promise<() => void>) | undefined
  #waiting: Array<(r: PassResult | Error) => void> = []
  #passing = false
  #restarting = false
  #lastPass = 0
  #closed = false
  readonly #holdMs: number
  #holdLimitMs: number
  /** Passes run so far and WAL restarts forced; for tests and diagnostics. */
  readonly stats = { passes: 0, restarts: 0, failures: 0 }

  constructor(
    private readonly db: DatabaseHandle,
    options: WalCheckpointerOptions = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#passEveryMs = options.passEveryMs ?? 200
    // Half SQLite's threshold: passes come every passEveryMs, so the WAL a kill -9 leaves (which
    // the next start replays) stays near the 16 MiB it was, not twice that.
    this.#restartFrames = options.restartFrames ?? WAL_CHECKPOINT_PAGES / 2
    this.#holdWrites = options.holdWrites
    this.#holdMs = options.holdMs ?? 20
    this.#holdLimitMs = this.#holdMs
  }

  /** The worker, started at the first pass: an emulator that never writes never pays for a thread. */
  #started(): Worker {
    if (this.#worker) return this.#worker
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file: this.db.name } })
    this.#worker = worker
    // Never what keeps a process alive.
    worker.unref()
    worker.on('message', (msg: { ok?: PassResult; error?: string }) => {
      const resolve = this.#waiting.shift()
      resolve?.(msg.ok ?? new Error(msg.error ?? 'checkpoint failed'))
    })
    worker.on('error', () => this.#fail())
    worker.on('exit', () => this.#fail())
    // From here on, commits never checkpoint on this thread.
    this.db.pragma('wal_autocheckpoint = 0')
    return worker
  }

  /** Call after each commit: starts a pass when one is due. */
  committed(): void {
    if (this.#closed || this.#passing || this.#restarting || this.now() - this.#lastPass < this.#passEveryMs) return
    this.#passing = true
    void this.pass().then((r) => {
      this.#passing = false
      if (r.log >= this.#restartFrames && this.#holdWrites) void this.#restart()
    }, () => {
      this.#passing = false
    })
  }

  /** One pass on the worker; resolves with what it reports. */
  pass(): Promise<PassResult> {
    if (this.#closed) return Promise.reject(new Error('the checkpointer is closed'))
    return new Promise<PassResult>((resolve, reject) => {
      this.#waiting.push((r) => {
        this.#lastPass = this.now()
        if (r instanceof Error) {
          this.stats.failures += 1
          reject(r)
        } else {
          this.stats.passes += 1
          resolve(r)
        }
      })
      this.#started().postMessage('pass')
    })
  }

  async #restart(): Promise<void> {
    this.#restarting = true
    let release: (() => void) | undefined
    let timer: NodeJS.Timeout | undefined
    try {
      release = await this.#holdWrites!()
      if (this.#closed) return
      const pass = this.pass()
      // Writes wait at most the hold limit; the pass goes on without them (and the restart
      // waits for another threshold, with a longer limit).
      const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), this.#holdLimitMs)))
      const r = await Promise.race([pass, late])
      release()
      if (r === null) {
        this.#holdLimitMs = Math.min(this.#holdLimitMs * 2, 2_000)
        await pass
        return
      }
      // A read that settled due work may have written meanwhile: then no restart this time.
      if (r.checkpointed === r.log) {
        this.stats.restarts += 1
        this.#holdLimitMs = this.#holdMs
      }
    } catch {
      // A failed pass leaves the WAL as it is; the next threshold tries again.
    } finally {
      clearTimeout(timer)
      release?.()
      this.#restarting = false
    }
  }

  /** The worker is gone (an error, or it was stopped): SQLite checkpoints on commit again. */
  #fail(): void {
    if (this.#closed) return
    this.#closed = true
    for (const w of this.#waiting.splice(0)) w(new Error('the checkpoint worker stopped'))
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`)
  }

  /** Stops the worker and closes its connection; the database itself stays open. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const worker = this.#worker
    if (worker) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
      // Referenced while it closes: a process whose last other handle just closed must wait for
      // this exit, not end with the close half done (the database and its lock still open).
      worker.ref()
      worker.postMessage('close')
      await exited
    }
    for (const w of this.#waiting.splice(0)) w(new Error('the checkpointer is closed'))
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`)
  }
}
