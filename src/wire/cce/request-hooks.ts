/**
 * The CCE dialect's first hook on every request it owns (and the control plane's, which shares
 * CCE's conventions): the project from X-Project-Id, and the query as an API gateway reads it
 * (first value wins, src/wire/querystring.ts). One callback-style hook for both: it runs on every
 * request, and each hook call or promise is a cost on the hot path.
 */
import type { onRequestHookHandler } from 'fastify'
import { WireError } from '../errors.js'
import { keepFirstValues, type RawQuery } from '../querystring.js'

const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/

export function cceRequestHook(): onRequestHookHandler {
  return (req, _reply, done) => {
    keepFirstValues(req.query as RawQuery)
    const header = req.headers['x-project-id']
    const value = Array.isArray(header) ? header[0] : header
    // Absent or empty: the project stays the default (src/wire/request-context.ts).
    if (value !== undefined && value !== '') {
      if (!PROJECT_ID.test(value)) return done(new WireError(400, 'CCE.01400001', 'Invalid request: X-Project-Id must be 1-64 letters, digits, "_" or "-"'))
      req.projectId = value
    }
    done()
  }
}
