/** TypeBox schemas of the Keystone v3 surface climc uses (spec cloudpods-climc-wire.md §1). */
import { Type, type Static } from '@sinclair/typebox'


const Domain = Type.Object({ id: Type.Optional(Type.String()), name: Type.Optional(Type.String()) }, { additionalProperties: true })

/**
 * climc's bodies (keys sorted, empty parts omitted). Unknown members are allowed, as Keystone
 * allows them; the handler checks what the chosen method needs, so a missing part is a 400 with a
 * sentence rather than a schema path.
 */
export const AuthTokensBodySchema = Type.Object(
  {
    auth: Type.Object(
      {
        identity: Type.Object(
          {
            methods: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 8 }),
            password: Type.Optional(
              Type.Object(
                {
                  user: Type.Object(
                    {
                      name: Type.Optional(Type.String({ maxLength: 255 })),
                      id: Type.Optional(Type.String({ maxLength: 255 })),
                      password: Type.Optional(Type.String({ maxLength: 4096 })),
                      domain: Type.Optional(Domain),
                    },
                    { additionalProperties: true },
                  ),
                },
                { additionalProperties: true },
              ),
            ),
            token: Type.Optional(Type.Object({ id: Type.String({ maxLength: 16384 }) }, { additionalProperties: true })),
          },
          {
            additionalProperties: true,
            // What the route needs (toAuthInput in routes.ts): one method, and its part filled in.
            anyOf: [
              {
                required: ['password'],
                properties: {
                  methods: { type: 'array', items: { enum: ['password'] } },
                  password: {
                    type: 'object',
                    required: ['user'],
                    properties: {
                      user: {
                        type: 'object',
                        required: ['password'],
                        anyOf: [
                          { required: ['name'], properties: { name: { type: 'string', minLength: 1 } } },
                          { not: { required: ['name'] }, required: ['id'], properties: { id: { type: 'string', minLength: 1 } } },
                        ],
                      },
                    },
                  },
                },
              },
              {
                required: ['token'],
                properties: { methods: { type: 'array', items: { enum: ['token'] } }, token: { type: 'object', properties: { id: { type: 'string', minLength: 1 } } } },
              },
            ],
          },
        ),
        scope: Type.Optional(
          Type.Object(
            {
              project: Type.Optional(
                Type.Object(
                  { name: Type.Optional(Type.String({ maxLength: 255 })), id: Type.Optional(Type.String({ maxLength: 255 })), domain: Type.Optional(Domain) },
                  { additionalProperties: true },
                ),
              ),
            },
            { additionalProperties: true },
          ),
        ),
        context: Type.Optional(Type.Object({}, { additionalProperties: true })),
      },
      { additionalProperties: true },
    ),
  },
  {
    $id: 'KeystoneAuthTokensBody',
    additionalProperties: true,
    examples: [{ auth: { context: { source: 'cli' }, identity: { methods: ['password'], password: { user: { name: 'sysadmin', password: 'secret' } } }, scope: { project: { name: 'system' } } } }],
  },
)
export type AuthTokensBody = Static<typeof AuthTokensBodySchema>

const NamedRef = Type.Object({ id: Type.String(), name: Type.String() })
const WithDomain = Type.Object({ id: Type.String(), name: Type.String(), domain: NamedRef })

const Endpoint = Type.Object({
  id: Type.String(),
  interface: Type.String({ enum: ['internal', 'public', 'admin'] }),
  region: Type.String(),
  region_id: Type.String(),
  url: Type.String({ description: "The emulator's own address (the one the request came in on)" }),
})

/** A token body as a Keystone v3 server answers it; `catalog` is what climc reads. */
export const TokenResponseSchema = Type.Object(
  {
    token: Type.Object({
      methods: Type.Array(Type.String()),
      user: Type.Object({ id: Type.String(), name: Type.String(), domain: NamedRef, password_expires_at: Type.Null() }),
      project: Type.Optional(WithDomain),
      roles: Type.Optional(Type.Array(NamedRef)),
      is_domain: Type.Boolean(),
      catalog: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), type: Type.String(), endpoints: Type.Array(Endpoint) })),
      audit_ids: Type.Array(Type.String()),
      issued_at: Type.String({ examples: ['2026-12-01T05:12:48.724000Z'] }),
      expires_at: Type.String({ examples: ['2026-12-02T05:12:48.724000Z'] }),
    }),
  },
  { description: 'A Keystone v3 token (the token itself is in X-Subject-Token)' },
)
export type TokenResponse = Static<typeof TokenResponseSchema>
