/** Messages between worker-reader.ts and its worker thread (package-worker.ts). */
import type { ChartPackage, ChartPackageLimits } from './chart-package.js'

export interface WorkerRequest {
  id: number
  bytes: Uint8Array
  limits: ChartPackageLimits
}

export type WorkerReply =
  | { id: number; ok: true; pkg: ChartPackage }
  | { id: number; ok: false; error: { validation: boolean; message: string; field?: string | undefined } }
