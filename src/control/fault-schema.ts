/**
 * The TypeBox shapes of fault rules, shared by the HTTP control plane (request validation,
 * OpenAPI) and the --faults file loader, so both accept exactly the same documents.
 */
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox'

export const MAX_LATENCY_MS = 30_000

/** The HTTP dialects (src/wire/<name>/); a new dialect adds its name here. */
export const DIALECT_NAMES = ['cce', 'cloudpods'] as const
export const FLAVOR_NAMES = ['cce', 'autopilot'] as const

const Dialect = Type.Union(DIALECT_NAMES.map((d) => Type.Literal(d)), { description: 'The API a request speaks: cce (CCE and Autopilot) or cloudpods' })
const Flavor = Type.Union(FLAVOR_NAMES.map((f) => Type.Literal(f)), { description: 'CCE or Autopilot (from the path prefix)' })

/** Operation names a fault rule matches on, besides a route's operationId. */
export const FAULT_OPERATION_NAMES = ['create', 'install', 'list', 'show', 'update', 'upgrade', 'rollback', 'delete', 'uninstall', 'history', 'perform'] as const

/**
 * Every emulated route's operationId (match is case-insensitive). test/unit/fault-operations.test.ts
 * keeps this equal to openapi/openapi.json: a new route adds its id here.
 */
export const FAULT_OPERATION_IDS = [
  'CreateRelease', 'ListReleases', 'ShowRelease', 'UpdateRelease', 'DeleteRelease', 'ShowReleaseHistory',
  'CreateAutopilotRelease', 'ListAutopilotReleases', 'ShowAutopilotRelease', 'UpdateAutopilotRelease', 'DeleteAutopilotRelease', 'ShowAutopilotReleaseHistory',
  'UploadChart', 'ListCharts', 'ShowChart', 'UpdateChart', 'DeleteChart', 'DownloadChart', 'ShowChartValues', 'ShowUserChartsQuotas',
  'UploadAutopilotChart', 'ListAutopilotCharts', 'ShowAutopilotChart', 'UpdateAutopilotChart', 'DeleteAutopilotChart', 'DownloadAutopilotChart',
  'ShowAutopilotChartValues', 'ShowAutopilotUserChartsQuotas',
  'cloudpodsListRepos', 'cloudpodsCreateRepo', 'cloudpodsGetRepo', 'cloudpodsDeleteRepo', 'cloudpodsSyncRepo', 'cloudpodsListCharts', 'cloudpodsGetChart',
  'cloudpodsListReleases', 'cloudpodsCreateRelease', 'cloudpodsShowRelease', 'cloudpodsLegacyUpgradeRelease', 'cloudpodsUpdateRelease', 'cloudpodsDeleteRelease',
  'cloudpodsUpgradeRelease', 'cloudpodsReleaseHistory', 'cloudpodsRollbackRelease', 'cloudpodsReleaseSpec', 'cloudpodsReleaseAction',
  'KeystoneIssueToken',
] as const

const KNOWN_OPERATIONS = new Set<string>([...FAULT_OPERATION_NAMES, ...FAULT_OPERATION_IDS.map((id) => id.toLowerCase())])

/** Null when every name is one a request can carry; else the message naming the first unknown one. */
export function unknownOperation(names: readonly string[]): string | null {
  const bad = names.find((n) => !KNOWN_OPERATIONS.has(n.toLowerCase()))
  if (bad === undefined) return null
  return `"${bad}" is not an operation a request can have, so the rule could never fire; allowed: ${FAULT_OPERATION_NAMES.join(', ')}, or a route operationId: ${FAULT_OPERATION_IDS.join(', ')}`
}

/**
 * A fault rule's `match.operation` as stated in the schema: one of the names, any case. The checks
 * (operationProblem) run before the schema, so a refusal names what is allowed.
 */
const anyCase = (name: string) => name.replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`)
const OPERATION_PATTERN = `^(?:${[...FAULT_OPERATION_NAMES, ...FAULT_OPERATION_IDS].map(anyCase).join('|')})$`
const OperationName = Type.String({ minLength: 1, pattern: OPERATION_PATTERN })

/** The message of unknownOperation for a rule whose `match.operation` is a string or a list of strings. */
export function operationProblem(rule: unknown): string | null {
  const match = typeof rule === 'object' && rule !== null ? (rule as { match?: unknown }).match : undefined
  const op = typeof match === 'object' && match !== null ? (match as { operation?: unknown }).operation : undefined
  const names = typeof op === 'string' ? [op] : Array.isArray(op) && op.every((n) => typeof n === 'string') ? (op as string[]) : null
  return names ? unknownOperation(names) : null
}

export const FaultMatchSchema = Type.Object(
  {
    operation: Type.Optional(
      Type.Union([OperationName, Type.Array(OperationName, { maxItems: 32 })], {
        description:
          'create|install, list, show, update, upgrade, rollback, delete|uninstall, history, or a route operationId (e.g. UploadChart); one name or a list',
      }),
    ),
    dialect: Type.Optional(Dialect),
    flavor: Type.Optional(Flavor),
    path_prefix: Type.Optional(Type.String({ minLength: 1, description: 'Request path prefix, e.g. /v2/charts (HTTP rules only)' })),
    cluster_id: Type.Optional(Type.String()),
    namespace: Type.Optional(Type.String()),
    name: Type.Optional(Type.String({ description: 'Release name' })),
    chart: Type.Optional(Type.String({ description: 'Chart id or chart name' })),
  },
  { additionalProperties: false },
)

const HTTP_OUTCOME = { anyOf: [{ required: ['error'] }, { required: ['latency_ms'] }] }

export const FaultRuleInputSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' })),
    match: Type.Optional(FaultMatchSchema),
    probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Default 1' })),
    // At most 2^53-1: a larger count is a float in JSON, and `remaining` would answer one.
    count: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), Type.Null()], { description: 'How many times the rule fires; null or absent: unlimited' }),
    ),
    error: Type.Optional(
      Type.Object(
        {
          status: Type.Integer({ minimum: 400, maximum: 599 }),
          error_code: Type.Optional(Type.String({ minLength: 1 })),
          error_msg: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    latency_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_LATENCY_MS })),
    lifecycle: Type.Optional(
      Type.Object(
        {
          outcome: Type.Union([Type.Literal('fail'), Type.Literal('stick'), Type.Literal('unknown')]),
          reason: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Null()])),
        },
        { additionalProperties: false },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: 'Either an HTTP outcome (error and/or latency_ms) or a lifecycle outcome',
  },
)

/**
 * The either/or above as JSON Schema, for the OpenAPI document (FaultRuleDocSchema). Validation
 * keeps the plain shape, so a misspelt key is named before this rule fails; the rule itself is
 * FaultStore's (outcomeProblem in faults.ts), checked on every rule however it arrives.
 */
export const FAULT_OUTCOME_RULE = [
  { required: ['lifecycle'], not: HTTP_OUTCOME },
  { ...HTTP_OUTCOME, not: { required: ['lifecycle'] } },
]
export const FaultRuleDocSchema: TSchema = { ...FaultRuleInputSchema, anyOf: FAULT_OUTCOME_RULE }
export type FaultRuleInput = Static<typeof FaultRuleInputSchema>
export type FaultMatch = Static<typeof FaultMatchSchema>

/**
 * Nullable without anyOf: `type: [T, "null"]` keeps the response serializer cheap to compile,
 * which is most of what an emulator costs to start (fast-json-stringify builds a validator per anyOf).
 */
export const Nullable = <T extends TSchema & { type: string }>(t: T): TUnsafe<Static<T> | null> =>
  Type.Unsafe<Static<T> | null>({ ...t, type: [t.type, 'null'] })

const Outcome = Type.Union([Type.Literal('fail'), Type.Literal('stick'), Type.Literal('unknown')])

/** A rule as stored and answered: `match.operation` is always a list. */
export const FaultRuleSchema = Type.Object({
  id: Type.String(),
  match: Type.Object({
    operation: Type.Optional(Type.Array(Type.String())),
    dialect: Type.Optional(Type.String({ enum: [...DIALECT_NAMES] })),
    flavor: Type.Optional(Type.String({ enum: [...FLAVOR_NAMES] })),
    path_prefix: Type.Optional(Type.String()),
    cluster_id: Type.Optional(Type.String()),
    namespace: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    chart: Type.Optional(Type.String()),
  }),
  probability: Type.Number(),
  remaining: Nullable(Type.Integer({ description: 'Firings left; null: unlimited; 0: exhausted' })),
  fired: Type.Integer(),
  error: Nullable(Type.Object({ status: Type.Integer(), error_code: Type.String(), error_msg: Type.String() })),
  latency_ms: Nullable(Type.Integer()),
  lifecycle: Nullable(Type.Object({ outcome: Type.String({ enum: ['fail', 'stick', 'unknown'] }), reason: Nullable(Type.String()) })),
})
export type FaultRule = Omit<Static<typeof FaultRuleSchema>, 'lifecycle' | 'match'> & {
  match: Omit<FaultMatch, 'operation'> & { operation?: string[] | undefined }
  lifecycle: { outcome: Static<typeof Outcome>; reason: string | null } | null
}
