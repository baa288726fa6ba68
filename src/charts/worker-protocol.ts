/** Messages between worker-reader.ts and its worker thread (package-worker.ts). */
import type { ChartPackage, ChartPackageLimits } from './chart-package.js'

export interface WorkerRequest {
  id: number
  bytes: Uint8Array
  limits: ChartPackageLimits
}

export type WorkerReply =
  // Without `values`: the reader parses valuesJson when they are first needed. Cloning a 20k-key
  // object into the event loop's thread cost more than the rest of an upload's turn.
  | { id: number; ok: true; pkg: Omit<ChartPackage, 'values'> }
  | { id: number; ok: false; error: { validation: boolean; message: string; field?: string | undefined } }
