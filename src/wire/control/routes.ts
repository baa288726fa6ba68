/**
 * The emulator's own control plane, under /_emulator; never part of the CCE surface and never
 * journaled. Handlers map, call the ControlPlane, map back. Errors use the CCE error body, so
 * one client-side decoder serves both APIs.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifySchema } from 'fastify'
import { Type } from '@sinclair/typebox'
import { checkResetDialect, type ControlPlane, type ResetScope } from '../../control/control-plane.js'
import { cloudpodsStatus } from '../../cloudpods/release.js'
import { FaultRuleDocSchema, operationProblem } from '../../control/fault-schema.js'
import { FaultRuleError, outcomeProblem } from '../../control/faults.js'
import { toReleaseResp } from '../cce/release-mapper.js'
import { useDescriptiveValidation } from './validation-messages.js'
import { cceRequestHook } from '../cce/request-hooks.js'
import {
  CloudpodsTriggerParamsSchema,
  CloudpodsTriggerQuerySchema,
  CloudpodsTriggerResultSchema,
  AdvanceBodySchema,
  AdvanceResultSchema,
  ClockSchema,
  controlErrors,
  DeletedSchema,
  errorRef,
  FailBodySchema,
  FaultAddQuerySchema,
  FaultIdParamsSchema,
  FaultListSchema,
  FaultReplaceSchema,
  FaultRuleInputSchema,
  FaultRuleSchema,
  HealthSchema,
  JournalListSchema,
  JournalQuerySchema,
  LifecycleSchema,
  LifecycleUpdateSchema,
  ResetResultSchema,
  ResetBodySchema,
  ResetScopeSchema,
  tags,
  TriggerParamsSchema,
  TriggerQuerySchema,
  TriggerResultSchema,
  type ResetScopeWire,
} from './schemas.js'

export interface ControlRoutesOptions {
  version: string
  database: 'memory' | 'file'
  control: ControlPlane
  lifecycle: () => string
}

const DEFAULT_JOURNAL_LIMIT = 100

/** The fault routes' bodies in the OpenAPI document carry the either/or outcome rule. */
const documentFaultRules = (shape: 'rule' | 'rules') => ({ schema, url }: { schema: FastifySchema; url: string }) => ({
  schema: { ...schema, body: shape === 'rule' ? FaultRuleDocSchema : { ...FaultReplaceSchema, properties: { rules: { ...FaultReplaceSchema.properties.rules, items: FaultRuleDocSchema } } } },
  url,
})

const RULE_KEYS = new Set(Object.keys(FaultRuleInputSchema.properties))
const knownKeysOnly = (rule: unknown): boolean => typeof rule === 'object' && rule !== null && Object.keys(rule).every((k) => RULE_KEYS.has(k))

const toScope = (w: ResetScopeWire): ResetScope => ({ projectId: w.project_id, flavor: w.flavor, dialect: w.dialect, clusterId: w.cluster_id, namespace: w.namespace })
const num = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s))

export const controlRoutes: FastifyPluginAsyncTypebox<ControlRoutesOptions> = async (app, opts) => {
  const { control } = opts
  useDescriptiveValidation(app)
  // The control plane follows CCE's conventions: X-Project-Id is the default project of a trigger,
  // and a repeated query key keeps its first value.
  app.addHook('onRequest', cceRequestHook())
  const schema = <T extends object>(summary: string, operationId: string, rest: T) => ({ tags, summary, operationId, ...rest })

  app.get(
    '/health',
    {
      schema: schema('Ready only when the database is migrated and every readiness check passes', 'EmulatorHealth', {
        response: { 200: HealthSchema, 503: HealthSchema },
      }),
    },
    async (_req, reply) => {
      const { ready, checks } = control.readiness()
      // The first request a fresh process gets is usually this probe: answering it with plain
      // JSON.stringify spares it loading and running the schema compilers (~60 ms here), which
      // the emulated routes load on their first use instead. The body is the same either way.
      return reply.code(ready ? 200 : 503).type('application/json').serializer(JSON.stringify).send({
        status: ready ? ('ready' as const) : ('starting' as const),
        version: opts.version,
        uptime_seconds: control.uptimeSeconds(),
        database: opts.database,
        lifecycle: opts.lifecycle(),
        seed: control.seed,
        checks,
      })
    },
  )

  app.post(
    '/reset',
    {
      schema: schema('Delete releases (all, or one project / flavor / cluster / namespace); a full reset also restores faults, lifecycle and the journal', 'EmulatorReset', {
        querystring: ResetScopeSchema,
        body: Type.Union([ResetBodySchema, Type.Null()]),
        response: { 200: ResetResultSchema, ...controlErrors },
      }),
      // The body schema states the rule; this answers first, naming the flavour and the dialect.
      preValidation: async (req) => {
        const body = req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body) ? req.body : {}
        const merged = { ...(req.query as object), ...body } as { dialect?: unknown; flavor?: unknown }
        if (typeof merged.dialect === 'string' && typeof merged.flavor === 'string') checkResetDialect({ dialect: merged.dialect, flavor: merged.flavor })
      },
    },
    async (req) => control.resetGradually(toScope({ ...req.query, ...(req.body ?? {}) })),
  )

  app.get('/clock', { schema: schema('Emulator time and how far it has been advanced', 'EmulatorClock', { response: { 200: ClockSchema } }) }, async () =>
    control.clock(),
  )

  app.post(
    '/clock/advance',
    {
      schema: schema('Move emulator time forward; pending operations that fall due complete at once', 'EmulatorAdvanceClock', {
        body: AdvanceBodySchema,
        response: { 200: AdvanceResultSchema, ...controlErrors },
      }),
    },
    async (req) => control.advanceYielding(req.body.seconds),
  )

  app.get('/lifecycle', { schema: schema('Lifecycle profile and per-operation progression', 'EmulatorGetLifecycle', { response: { 200: LifecycleSchema } }) }, async () =>
    control.lifecycle(),
  )

  app.put(
    '/lifecycle',
    {
      schema: schema('Change the lifecycle at runtime; applies to operations started afterwards', 'EmulatorSetLifecycle', {
        body: LifecycleUpdateSchema,
        response: { 200: LifecycleSchema, ...controlErrors },
      }),
    },
    async (req) => control.setLifecycle(req.body),
  )

  const trigger = (outcome: 'succeed' | 'fail') =>
    app.post(
      `/releases/:flavor/:cluster_id/:namespace/:name/${outcome === 'succeed' ? 'complete' : 'fail'}`,
      {
        schema: schema(
          outcome === 'succeed'
            ? "End the release's pending operation now, successfully (trigger instead of wait)"
            : "End the release's pending operation now as FAILED (Helm's text) or UNKNOWN",
          outcome === 'succeed' ? 'EmulatorCompleteRelease' : 'EmulatorFailRelease',
          {
            params: TriggerParamsSchema,
            querystring: TriggerQuerySchema,
            ...(outcome === 'fail' ? { body: FailBodySchema } : {}),
            response: { 200: TriggerResultSchema, ...controlErrors },
          },
        ),
      },
      async (req) => {
        const p = req.params
        const key = { projectId: req.query.project_id ?? req.projectId, flavor: p.flavor, clusterId: p.cluster_id, namespace: p.namespace, name: p.name }
        const body = (req.body ?? {}) as { reason?: string; status?: 'FAILED' | 'UNKNOWN' }
        const effective: 'succeed' | 'fail' | 'unknown' = outcome === 'succeed' ? 'succeed' : body.status === 'UNKNOWN' ? 'unknown' : 'fail'
        const { operation, release } = control.trigger(key, effective, body.reason)
        return {
          operation: operation.operation,
          revision: operation.revision,
          outcome: effective,
          deleted: release === null,
          ...(release ? { release: toReleaseResp(release) } : {}),
        }
      },
    )
  trigger('succeed')
  trigger('fail')

  // Cloudpods releases are named as their users name them: by id, or by name (narrowed by cluster/namespace).
  const cloudpodsTrigger = (outcome: 'succeed' | 'fail') =>
    app.post(
      `/cloudpods/releases/:id/${outcome === 'succeed' ? 'complete' : 'fail'}`,
      {
        schema: schema(
          outcome === 'succeed'
            ? "End a Cloudpods release's pending operation now, successfully"
            : "End a Cloudpods release's pending operation now as failed (create_fail / failed / delete_fail) or unknown",
          outcome === 'succeed' ? 'EmulatorCompleteCloudpodsRelease' : 'EmulatorFailCloudpodsRelease',
          {
            params: CloudpodsTriggerParamsSchema,
            querystring: CloudpodsTriggerQuerySchema,
            ...(outcome === 'fail' ? { body: FailBodySchema } : {}),
            response: { 200: CloudpodsTriggerResultSchema, ...controlErrors },
          },
        ),
      },
      async (req) => {
        const body = (req.body ?? {}) as { reason?: string; status?: 'FAILED' | 'UNKNOWN' }
        const effective: 'succeed' | 'fail' | 'unknown' = outcome === 'succeed' ? 'succeed' : body.status === 'UNKNOWN' ? 'unknown' : 'fail'
        const { operation, release } = control.triggerCloudpods({ id: req.params.id, ...req.query }, effective, body.reason)
        return {
          operation: operation.operation,
          revision: operation.revision,
          outcome: effective,
          deleted: release === null,
          // The trigger ended the pending work, so the status derives from the revision alone.
          ...(release ? { status: cloudpodsStatus(release, null) } : {}),
        }
      },
    )
  cloudpodsTrigger('succeed')
  cloudpodsTrigger('fail')

  app.get('/faults', { schema: schema('Fault rules, in evaluation order', 'EmulatorListFaults', { response: { 200: FaultListSchema } }) }, async () => ({
    seed: control.seed,
    rules: control.faults.list(),
  }))

  app.post(
    '/faults',
    {
      schema: schema('Add a fault rule (appended, or inserted at ?position=)', 'EmulatorAddFault', {
        querystring: FaultAddQuerySchema,
        body: FaultRuleInputSchema,
        response: { 201: FaultRuleSchema, ...controlErrors },
      }),
      config: { swaggerTransform: documentFaultRules('rule') },
      // The document's either/or, checked once every key is known (a misspelt one is named by
      // the validation message instead); FaultStore checks it again whatever the body.
      preValidation: async (req) => {
        const problem = knownKeysOnly(req.body) ? outcomeProblem(req.body) : null
        if (problem) throw new FaultRuleError(problem)
        const badOperation = operationProblem(req.body)
        if (badOperation) throw new FaultRuleError(badOperation, 'match.operation')
      },
    },
    async (req, reply) => reply.code(201).send(control.faults.add(req.body, num(req.query.position))),
  )

  app.put(
    '/faults',
    {
      schema: schema('Replace every fault rule at once', 'EmulatorReplaceFaults', {
        body: FaultReplaceSchema,
        response: { 200: FaultListSchema, ...controlErrors },
      }),
      config: { swaggerTransform: documentFaultRules('rules') },
      preValidation: async (req) => {
        const rules = (req.body as { rules?: unknown } | undefined)?.rules
        const problem = Array.isArray(rules) && rules.every(knownKeysOnly) ? rules.map(outcomeProblem).find((p) => p !== null) : undefined
        if (problem) throw new FaultRuleError(problem)
        const badOperation = Array.isArray(rules) ? rules.map(operationProblem).find((p) => p !== null) : undefined
        if (badOperation) throw new FaultRuleError(badOperation, 'match.operation')
      },
    },
    async (req) => ({ seed: control.seed, rules: control.faults.replace(req.body.rules) }),
  )

  app.delete('/faults', { schema: schema('Remove every fault rule', 'EmulatorClearFaults', { response: { 200: DeletedSchema } }) }, async () => ({
    deleted: control.faults.clear(),
  }))

  app.delete(
    '/faults/:id',
    { schema: schema('Remove one fault rule', 'EmulatorDeleteFault', { params: FaultIdParamsSchema, response: { 200: DeletedSchema, 404: errorRef } }) },
    async (req, reply) => {
      if (control.faults.remove(req.params.id)) return { deleted: 1 }
      return reply.code(404).send(notFoundBody(`fault rule "${req.params.id}" not found`))
    },
  )

  app.get(
    '/requests',
    {
      schema: schema('Journal of requests to the emulated API, newest first', 'EmulatorListRequests', {
        querystring: JournalQuerySchema,
        response: { 200: JournalListSchema, ...controlErrors },
      }),
    },
    async (req) => {
      const q = req.query
      const { journal } = control
      return {
        capacity: journal.capacity,
        size: journal.size,
        total: journal.total,
        requests: journal.list({ ...q, limit: num(q.limit) ?? DEFAULT_JOURNAL_LIMIT, since_id: num(q.since_id), status: num(q.status) }),
      }
    },
  )

  app.delete('/requests', { schema: schema('Empty the request journal', 'EmulatorClearRequests', { response: { 200: DeletedSchema } }) }, async () => ({
    deleted: control.journal.clear(),
  }))
}

const notFoundBody = (msg: string) => ({ error_code: 'CCE.01404001', error_msg: msg, errorCode: 'CCE.01404001', errorMessage: msg })
