/**
 * Reads chart packages in one worker thread, started on the first read (uploads, or --charts at
 * start), so emulators that never see a chart never pay for a thread. Parsing YAML is
 * synchronous and can take a second for a big values.yaml; on the main thread it stalled every
 * request. The worker is unref'd while idle (it never keeps a process alive), stopped after
 * IDLE_MS without work (its heap is tens of MiB; the next read starts another), and terminated
 * by close(), which the app calls when it closes.
 */
import { existsSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { ValidationError } from '../errors.js'
import { inlineChartReader, type ChartPackage, type ChartPackageLimits, type ChartPackageReader } from './chart-package.js'
import type { WorkerReply, WorkerRequest } from './worker-protocol.js'

/** Set by scripts/bundle.mjs: the worker's bundle, beside the CLI bundle. */
declare const __CHART_WORKER_FILE__: string | undefined

/**
 * The compiled worker entry: beside this file in the library (tsc output), the bundle's own
 * file in the CLI. Run from sources (vitest), there is none: reads then stay on the calling thread.
 */
export function chartWorkerScript(): URL | undefined {
  const file = typeof __CHART_WORKER_FILE__ === 'string' ? __CHART_WORKER_FILE__ : './package-worker.js'
  const url = new URL(file, import.meta.url)
  return url.protocol === 'file:' && existsSync(url) ? url : undefined
}

/** A worker reader when the worker entry is built, else an inline one. */
export function defaultChartReader(): ChartPackageReader {
  const script = chartWorkerScript()
  return script ? new WorkerChartReader(script) : inlineChartReader()
}

interface Waiting {
  resolve: (pkg: ChartPackage) => void
  reject: (err: Error) => void
}

/** The worker's heap cap: a package that needs more is refused rather than swelling the process. */
const WORKER_HEAP_MB = 256
/** Idle time after which the thread is stopped. */
const IDLE_MS = 30_000

export class WorkerChartReader implements ChartPackageReader {
  #worker: Worker | undefined
  #nextId = 1
  #closed = false
  #idle: NodeJS.Timeout | undefined
  readonly #waiting = new Map<number, Waiting>()

  constructor(private readonly script: URL) {}

  /** Whether a worker thread is running now (for tests). */
  get running(): boolean {
    return this.#worker !== undefined
  }

  read(bytes: Buffer, limits: ChartPackageLimits): Promise<ChartPackage> {
    if (this.#closed) return Promise.reject(new Error('the chart reader is closed'))
    const worker = this.#start()
    clearTimeout(this.#idle)
    const id = this.#nextId++
    return new Promise<ChartPackage>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject })
      if (this.#waiting.size === 1) worker.ref()
      // A copy: the caller keeps `bytes` to store the package as uploaded.
      worker.postMessage({ id, bytes: new Uint8Array(bytes), limits: { ...limits } } satisfies WorkerRequest)
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#idle)
    const worker = this.#worker
    this.#worker = undefined
    this.#failAll(new Error('the chart reader was closed'))
    if (worker) await worker.terminate()
  }

  #start(): Worker {
    if (this.#worker) return this.#worker
    const worker = new Worker(this.script, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } })
    worker.unref()
    worker.on('message', (reply: WorkerReply) => this.#settle(worker, reply))
    worker.on('error', (err: Error) => this.#lost(worker, err))
    worker.on('exit', (code) => this.#lost(worker, new Error(`the chart reader thread exited with code ${code}`)))
    this.#worker = worker
    return worker
  }

  #settle(worker: Worker, reply: WorkerReply): void {
    const waiting = this.#waiting.get(reply.id)
    if (!waiting) return
    this.#waiting.delete(reply.id)
    if (this.#waiting.size === 0) {
      worker.unref()
      this.#idle = setTimeout(() => this.#stopIdle(worker), IDLE_MS).unref()
    }
    if (reply.ok) waiting.resolve(withValuesFromJson(reply.pkg))
    else if (reply.error.validation) waiting.reject(new ValidationError(reply.error.message, reply.error.field))
    else waiting.reject(new Error(reply.error.message))
  }

  #stopIdle(worker: Worker): void {
    if (this.#worker !== worker || this.#waiting.size > 0) return
    this.#worker = undefined
    void worker.terminate()
  }

  /** The thread died (out of memory, a crash): fail what it held; the next read starts another. */
  #lost(worker: Worker, err: Error): void {
    if (this.#worker !== worker) return
    this.#worker = undefined
    const oom = (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
    this.#failAll(oom ? new ValidationError(`chart package needs more than ${WORKER_HEAP_MB} MiB of memory to read`, 'content') : err)
    void worker.terminate()
  }

  #failAll(err: Error): void {
    const waiting = [...this.#waiting.values()]
    this.#waiting.clear()
    for (const w of waiting) w.reject(err)
  }
}

/** A package whose `values` are parsed from its JSON text on first use. */
function withValuesFromJson(pkg: Omit<ChartPackage, 'values'>): ChartPackage {
  let values: ChartPackage['values'] | undefined
  return {
    ...pkg,
    get values() {
      return (values ??= JSON.parse(pkg.valuesJson) as ChartPackage['values'])
    },
  }
}
