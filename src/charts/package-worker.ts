/**
 * Worker-thread entry (see worker-reader.ts): reads chart packages off the main thread, so a
 * package that takes the YAML parser a second (a 20k-key values.yaml) never stalls requests.
 * Built twice: by tsc beside worker-reader.js (the library) and by scripts/bundle.mjs into
 * dist/chart-worker.bundle.cjs (the CLI).
 */
import { parentPort } from 'node:worker_threads'
import { ValidationError } from '../errors.js'
import type { ChartPackageLimits } from './chart-package.js'
import { readChartPackage } from './package-reader.js'
import type { WorkerReply, WorkerRequest } from './worker-protocol.js'

const port = parentPort
if (port === null) throw new Error('package-worker.js runs as a worker thread (see worker-reader.ts)')

port.on('message', (req: WorkerRequest) => {
  const bytes = Buffer.from(req.bytes.buffer, req.bytes.byteOffset, req.bytes.byteLength)
  readChartPackage(bytes, req.limits as ChartPackageLimits).then(
    ({ values: _parsed, ...pkg }) => port.postMessage({ id: req.id, ok: true, pkg } satisfies WorkerReply),
    (err: unknown) => {
      const error =
        err instanceof ValidationError
          ? { validation: true, message: err.message, field: err.field }
          : { validation: false, message: err instanceof Error ? err.message : String(err) }
      port.postMessage({ id: req.id, ok: false, error } satisfies WorkerReply)
    },
  )
})
