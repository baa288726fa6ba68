/**
 * TypeBox schemas of the /_emulator control plane (tag "Emulator control"). Query numbers are
 * digit strings: the app's Ajv does not coerce types (CCE fidelity), so routes parse them.
 */
import { Type, type Static } from '@sinclair/typebox'
import { DIALECT_NAMES, FaultRuleInputSchema, FaultRuleSchema, Nullable } from '../../control/fault-schema.js'
import { JOURNAL_BODY_LIMIT } from '../../control/journal.js'
import { CceErrorSchema } from '../common/schemas.js'
import { ReleaseRespSchema } from '../cce/release-schemas.js'

export const tags = ['Emulator control']
export const errorRef = Type.Ref(CceErrorSchema)
export const controlErrors = { '4xx': errorRef, '5xx': errorRef } as const

const Flavor = Type.Union([Type.Literal('cce'), Type.Literal('autopilot')])
const Dialect = Type.Union(DIALECT_NAMES.map((d) => Type.Literal(d)))

// Response schemas avoid anyOf (unions): each one costs the serializer a validator to compile
// at start, and start-up time is what an in-process emulator is judged on.
export const HealthSchema = Type.Object({
  status: Type.String({ enum: ['ready', 'starting'] }),
  version: Type.String(),
  uptime_seconds: Type.Number(),
  database: Type.String({ enum: ['memory', 'file'] }),
  lifecycle: Type.String({ description: 'Active lifecycle profile, or "custom"' }),
  seed: Type.Integer({ description: 'Seed of the lifecycle jitter and fault randomness' }),
  checks: Type.Record(Type.String(), Type.Boolean(), { description: 'Readiness checks (database migrated, charts loaded…)' }),
})

export const ResetScopeSchema = Type.Object(
  {
    project_id: Type.Optional(Type.String({ minLength: 1 })),
    flavor: Type.Optional(Flavor),
    dialect: Type.Optional(Type.Union(DIALECT_NAMES.map((d) => Type.Literal(d)), { description: 'cce (both flavours) or cloudpods; with cloudpods, cluster_id may be a cluster name' })),
    cluster_id: Type.Optional(Type.String({ minLength: 1 })),
    namespace: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false, description: 'All absent: reset everything. Query and body fields are merged (body wins).' },
)
export type ResetScopeWire = Static<typeof ResetScopeSchema>
/** The body states what the query cannot: dialect cloudpods takes no CCE flavour. */
export const ResetBodySchema = Type.Object(ResetScopeSchema.properties, {
  additionalProperties: false,
  description: 'All absent: reset everything. Query and body fields are merged (body wins). dialect cloudpods takes no flavor (flavors are CCE\'s).',
  not: { required: ['dialect', 'flavor'], properties: { dialect: { enum: ['cloudpods'] } } },
})

export const ResetResultSchema = Type.Object({
  scoped: Type.Boolean(),
  deleted: Type.Record(Type.String(), Type.Integer(), { description: 'Items removed per store, e.g. {"releases": 3}' }),
  journal_cleared: Type.Integer(),
  faults_restored: Type.Boolean({ description: 'Fault rules back to the start-up list (--faults), full reset only' }),
  lifecycle_restored: Type.Boolean({ description: 'Lifecycle back to --lifecycle with re-seeded randomness, full reset only' }),
})

export const ClockSchema = Type.Object({
  now: Type.String({ description: 'Emulator time, RFC 3339 with milliseconds' }),
  offset_ms: Type.Number({ description: 'How far the clock has been advanced' }),
  advanceable: Type.Boolean(),
})

export const AdvanceBodySchema = Type.Object(
  { seconds: Type.Number({ minimum: 0, maximum: 315_360_000, description: 'Seconds to move the clock forward (fractions allowed)' }) },
  { additionalProperties: false },
)

export const AdvanceResultSchema = Type.Object({
  ...ClockSchema.properties,
  settled: Type.Integer({ description: 'Pending operations that fell due and were completed' }),
})

const TimeSettingInput = Type.Object(
  {
    mode: Type.Literal('time'),
    delay_ms: Type.Integer({ minimum: 0, maximum: 86_400_000 }),
    jitter_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000, description: 'Uniform ± jitter, default 0' })),
  },
  { additionalProperties: false },
)
const ManualSettingInput = Type.Object(
  {
    mode: Type.Literal('manual'),
    after_reads: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()], {
        description: 'Complete on the Nth read (show or history) of the release; null/absent: only on a trigger',
      }),
    ),
  },
  { additionalProperties: false },
)
const SettingInput = Type.Union([TimeSettingInput, ManualSettingInput])
const Setting = Type.Object({
  mode: Type.String({ enum: ['time', 'manual'] }),
  delay_ms: Type.Optional(Type.Integer({ description: 'mode time' })),
  jitter_ms: Type.Optional(Type.Integer({ description: 'mode time' })),
  after_reads: Type.Optional(Nullable(Type.Integer({ description: 'mode manual; null: only on a trigger' }))),
})

export const LifecycleSchema = Type.Object({
  profile: Type.String({ enum: ['fast', 'realistic', 'manual', 'custom'] }),
  operations: Type.Object({ install: Setting, upgrade: Setting, rollback: Setting, uninstall: Setting }),
})

export const LifecycleUpdateSchema = Type.Object(
  {
    profile: Type.Optional(Type.Union([Type.Literal('fast'), Type.Literal('realistic'), Type.Literal('manual')], { description: 'Start from this profile; absent: from the current settings' })),
    operations: Type.Optional(
      Type.Object(
        {
          install: Type.Optional(SettingInput),
          upgrade: Type.Optional(SettingInput),
          rollback: Type.Optional(SettingInput),
          uninstall: Type.Optional(SettingInput),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)

export const TriggerParamsSchema = Type.Object({
  flavor: Flavor,
  cluster_id: Type.String({ minLength: 1 }),
  namespace: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
})

export const TriggerQuerySchema = Type.Object(
  { project_id: Type.Optional(Type.String({ minLength: 1, description: 'Default: X-Project-Id, else --project-id' })) },
  { additionalProperties: false },
)

export const FailBodySchema = Type.Union(
  [
    Type.Object(
      {
        reason: Type.Optional(Type.String({ maxLength: 1024, description: 'Error text after "failed: " (default: the fault reason, else "simulated failure")' })),
        status: Type.Optional(Type.Union([Type.Literal('FAILED'), Type.Literal('UNKNOWN')], { description: 'Default FAILED' })),
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
)

export const TriggerResultSchema = Type.Object({
  operation: Type.String({ enum: ['install', 'upgrade', 'rollback', 'uninstall'] }),
  revision: Type.Integer(),
  outcome: Type.String({ enum: ['succeed', 'fail', 'unknown'] }),
  deleted: Type.Boolean({ description: 'True when a completed delete removed the release' }),
  release: Type.Optional(Type.Ref(ReleaseRespSchema, { description: 'The release now (absent when deleted)' })),
})

export const CloudpodsTriggerParamsSchema = Type.Object({ id: Type.String({ minLength: 1, description: 'Cloudpods release id (UUID) or name' }) })
export const CloudpodsTriggerQuerySchema = Type.Object(
  {
    cluster: Type.Optional(Type.String({ minLength: 1, description: 'Narrows a name: cluster id or name' })),
    namespace: Type.Optional(Type.String({ minLength: 1, description: 'Narrows a name: namespace name (needs cluster)' })),
  },
  { additionalProperties: false },
)
export const CloudpodsTriggerResultSchema = Type.Object({
  operation: Type.String({ enum: ['install', 'upgrade', 'rollback', 'uninstall'] }),
  revision: Type.Integer(),
  outcome: Type.String({ enum: ['succeed', 'fail', 'unknown'] }),
  deleted: Type.Boolean({ description: 'True when a completed delete removed the release' }),
  status: Type.Optional(Type.String({ description: "The release's Cloudpods status now (absent when deleted)" })),
})

export const FaultListSchema = Type.Object({ seed: Type.Integer(), rules: Type.Array(FaultRuleSchema) })
export const FaultReplaceSchema = Type.Object({ rules: Type.Array(FaultRuleInputSchema, { maxItems: 1000 }) }, { additionalProperties: false })
export const FaultAddQuerySchema = Type.Object(
  { position: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$', description: 'Insert at this index (0 = evaluated first); default: append' })) },
  { additionalProperties: false },
)
export const FaultIdParamsSchema = Type.Object({ id: Type.String({ minLength: 1 }) })
export const DeletedSchema = Type.Object({ deleted: Type.Integer() })
export { FaultRuleInputSchema, FaultRuleSchema }

export const JournalEntrySchema = Type.Object({
  id: Type.Integer(),
  time: Type.String(),
  method: Type.String(),
  path: Type.String(),
  query: Type.String(),
  route: Nullable(Type.String()),
  operation: Nullable(Type.String()),
  dialect: Nullable(Type.String({ description: 'cce or cloudpods; null for a path no dialect owns' })),
  flavor: Nullable(Type.String({ description: 'cce or autopilot; null outside the CCE dialect' })),
  project_id: Nullable(Type.String()),
  cluster_id: Nullable(Type.String()),
  namespace: Nullable(Type.String()),
  name: Nullable(Type.String()),
  status: Type.Integer(),
  duration_ms: Type.Number(),
  request_id: Type.String(),
  request_headers: Type.Record(Type.String(), Type.String(), { description: 'Token and signature values redacted' }),
  request_body: Nullable(Type.String({ description: `First ${JOURNAL_BODY_LIMIT} bytes` })),
  request_body_truncated: Type.Boolean(),
  response_body: Nullable(Type.String()),
  response_body_truncated: Type.Boolean(),
  fault: Nullable(Type.String({ description: 'Id of the fault rule that shaped the answer' })),
})

export const JournalQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,5}$', description: 'Default 100' })),
    since_id: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'Only entries with a larger id' })),
    method: Type.Optional(Type.String()),
    operation: Type.Optional(Type.String({ description: 'create, list, show, upgrade, rollback, update, delete, history…' })),
    status: Type.Optional(Type.String({ pattern: '^[1-5][0-9]{2}$' })),
    dialect: Type.Optional(Dialect),
    flavor: Type.Optional(Flavor),
    cluster_id: Type.Optional(Type.String()),
    namespace: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    path_prefix: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)

export const JournalListSchema = Type.Object({
  capacity: Type.Integer({ description: '--journal-size; 0 disables the journal' }),
  size: Type.Integer({ description: 'Entries held now' }),
  total: Type.Integer({ description: 'Entries recorded since start (ids run 1..total)' }),
  requests: Type.Array(JournalEntrySchema, { description: 'Newest first' }),
})
