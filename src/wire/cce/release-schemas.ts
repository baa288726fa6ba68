/** TypeBox schemas of the CCE / Autopilot release API, field types as the official SDKs decode them. */
import { Type, type Static } from '@sinclair/typebox'
import { DNS_LABEL, DNS_LABEL_MAX, RELEASE_NAME, RELEASE_NAME_MAX } from '../../releases/names.js'

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])

export const ReleaseRespSchema = Type.Object(
  {
    chart_name: Type.String(),
    chart_public: Type.Boolean(),
    chart_version: Type.String(),
    cluster_id: Type.String(),
    cluster_name: Type.String(),
    create_at: Type.String({ description: 'RFC 3339' }),
    description: Type.String({ description: 'The Helm status description, as CCE answers it' }),
    name: Type.String(),
    namespace: Type.String(),
    parameters: Type.String({ description: 'Always "" (CCE does not echo parameters)' }),
    resources: Type.String({ description: 'JSON array of {kind,name,namespace} when show_resources=true, else ""' }),
    status: Type.String({
      examples: ['DEPLOYED', 'FAILED', 'DELETING', 'PENDING_INSTALL', 'PENDING_UPGRADE', 'PENDING_ROLLBACK', 'SUPERSEDED', 'UNKNOWN'],
    }),
    status_description: Type.String(),
    update_at: Type.String({ description: 'RFC 3339' }),
    values: Type.String({ description: 'The release values as a JSON string' }),
    version: Type.Integer({ description: 'Release revision (1, 2, …)' }),
  },
  { $id: 'ReleaseResp' },
)
export type ReleaseResp = Static<typeof ReleaseRespSchema>

export const ReleaseListSchema = Type.Array(Type.Ref(ReleaseRespSchema))

const ValuesSchema = Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], {
  description: 'Arbitrary Helm values; null (Go SDK) means none',
})

const NullableBool = Type.Optional(Type.Union([Type.Boolean(), Type.Null()]))

export const ReleaseParamsSchema = Type.Object(
  {
    dry_run: NullableBool,
    name_template: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
    no_hooks: NullableBool,
    replace: NullableBool,
    recreate: NullableBool,
    reset_values: NullableBool,
    release_version: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 2147483647 }), Type.Null()])),
    include_hooks: NullableBool,
  },
  { $id: 'ReleaseReqBodyParams', additionalProperties: true },
)
export type ReleaseParams = Static<typeof ReleaseParamsSchema>

export const CreateReleaseBodySchema = Type.Object(
  {
    chart_id: Type.String({ minLength: 1, maxLength: 128 }),
    // The domain's rules (src/releases/names.ts), checked before the schema (see release-routes.ts).
    name: Type.String({ minLength: 1, maxLength: RELEASE_NAME_MAX, pattern: RELEASE_NAME.source, description: "Helm's release name rule" }),
    namespace: Type.String({ minLength: 1, maxLength: DNS_LABEL_MAX, pattern: DNS_LABEL.source, description: 'A Kubernetes namespace (DNS-1123 label)' }),
    version: Type.String({ minLength: 1, maxLength: 64, description: 'Chart version to install' }),
    values: Type.Optional(ValuesSchema),
    description: Type.Optional(Nullable(Type.String({ maxLength: 4096 }))),
    parameters: Type.Optional(Type.Union([Type.Ref(ReleaseParamsSchema), Type.Null()])),
  },
  { $id: 'CreateReleaseReqBody', additionalProperties: true },
)
export type CreateReleaseBody = Static<typeof CreateReleaseBodySchema>

export const UpdateReleaseBodySchema = Type.Object(
  {
    chart_id: Type.String({ minLength: 1, maxLength: 128 }),
    // Checked by the route first (updateActionOf), whose 400 names the allowed values; Ajv's
    // for an enum would only say "must be equal to one of the allowed values".
    action: Type.Optional(
      Nullable(
        Type.String({
          enum: ['upgrade', 'rollback', ''],
          description: '"upgrade" or "rollback"; empty or absent means "upgrade" (the Terraform provider sends "" when its `action` is unset)',
          examples: ['upgrade', 'rollback', ''],
        }),
      ),
    ),
    parameters: Type.Optional(Type.Union([Type.Ref(ReleaseParamsSchema), Type.Null()])),
    values: Type.Optional(ValuesSchema),
  },
  { $id: 'UpdateReleaseReqBody', additionalProperties: true },
)
export type UpdateReleaseBody = Static<typeof UpdateReleaseBodySchema>

export const UPDATE_ACTIONS = ['upgrade', 'rollback'] as const
export type UpdateAction = (typeof UPDATE_ACTIONS)[number]

/** An update's action; "" / absent / null is an upgrade, the only reading under which a Terraform config without `action` works. */
export function updateActionOf(action: unknown): UpdateAction | undefined {
  if (action === undefined || action === null || action === '') return 'upgrade'
  return (UPDATE_ACTIONS as readonly unknown[]).includes(action) ? (action as UpdateAction) : undefined
}

export const ClusterParamsSchema = Type.Object({
  cluster_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' }),
})

export const ReleaseParamsPathSchema = Type.Object({
  cluster_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' }),
  namespace: Type.String({ minLength: 1, maxLength: 253 }),
  name: Type.String({ minLength: 1, maxLength: 253 }),
})

export const ListQuerySchema = Type.Object(
  {
    chart_id: Type.Optional(Type.String({ maxLength: 128 })),
    namespace: Type.Optional(Type.String({ maxLength: 253 })),
  },
  { additionalProperties: true },
)

export const ShowResourcesQuerySchema = Type.Object(
  { show_resources: Type.Optional(Type.String({ description: '"true" fills `resources`' })) },
  { additionalProperties: true },
)
