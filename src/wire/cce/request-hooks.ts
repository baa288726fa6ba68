/**
 * The CCE dialect's first hook on every request it owns (and the control plane's, which shares
 * CCE's conventions): the project from X-Project-Id, and the query as an API gateway reads it
 * (first value wins, src/wire/querystring.ts). One callback-style hook for both: it runs on every
 * request, and each hook call or promise is a cost on the hot path.
 */
import { Type } from '@sinclair/typebox'
import type { onRequestHookHandler, RouteOptions } from 'fastify'
import { WireError } from '../errors.js'
import { keepFirstValues, type RawQuery } from '../querystring.js'
import { PROJECT_ID_PATTERN } from './chart-schemas.js'

const PROJECT_ID = new RegExp(PROJECT_ID_PATTERN)

/**
 * X-Project-Id as every CCE route declares it. The hook below refuses a bad one before schema
 * validation runs (with a message saying what a project id is), so this states the rule for the
 * OpenAPI document and its clients; empty means the default project, like absent.
 */
export const ProjectHeaderSchema = Type.Object({
  'x-project-id': Type.Optional(
    Type.String({ pattern: `^(${PROJECT_ID_PATTERN.slice(1, -1)})?$`, description: 'Project id (1-64 letters, digits, "_" or "-"); absent or empty: --project-id' }),
  ),
})

/** An onRoute hook: each CCE route declares X-Project-Id among its headers. */
export function declareProjectHeader(route: RouteOptions): void {
  if (route.schema && !route.schema.headers && !route.schema.hide) route.schema = { ...route.schema, headers: ProjectHeaderSchema }
}

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
