/** Atoms shared by every dialect's schemas. */
import { Type, type Static } from '@sinclair/typebox'

/** The CCE error body: both the snake_case keys the SDK handlers read and the documented camelCase ones. */
export const CceErrorSchema = Type.Object(
  {
    error_code: Type.String({ examples: ['CCE.01404001'] }),
    error_msg: Type.String({ examples: ['Resource not found.'] }),
    errorCode: Type.String(),
    errorMessage: Type.String(),
  },
  { $id: 'CceError', description: 'CCE / API gateway error body' },
)
export type CceError = Static<typeof CceErrorSchema>

const errorRef = Type.Ref(CceErrorSchema)

export const cceErrorResponses = {
  400: errorRef,
  401: errorRef,
  404: errorRef,
  409: errorRef,
  413: errorRef,
  415: errorRef,
  429: errorRef,
  500: errorRef,
} as const

/**
 * The router's limit on one path parameter. Above every path schema's maxLength (253), so a
 * long but bounded name reaches validation and gets a 400 naming its field; longer is refused by
 * the router, also with a 400 (Fastify's default was a 414 with its own error body).
 */
export const MAX_PATH_PARAM_LENGTH = 1024

/** RFC 3339, second precision, UTC. */
export const rfc3339 = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`
