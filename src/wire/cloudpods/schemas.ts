/** Shared schemas of the Cloudpods dialect. */
import { Type, type Static } from '@sinclair/typebox'

/**
 * The flat error body of the Cloudpods framework (httperrors.HTTPError), never wrapped in
 * {"error": ...}; climc reads code / class / details.
 */
export const CloudpodsErrorSchema = Type.Object(
  {
    code: Type.Integer({ examples: [404] }),
    class: Type.String({ examples: ['ResourceNotFoundError'] }),
    details: Type.String({ examples: ['release web not found'] }),
    time: Type.String({ description: 'RFC 3339, emulator time', examples: ['2024-05-01T08:30:00Z'] }),
  },
  { $id: 'CloudpodsError', description: 'Cloudpods (kubeserver) error body' },
)
export type CloudpodsError = Static<typeof CloudpodsErrorSchema>

const errorRef = Type.Ref(CloudpodsErrorSchema)

/** Response schemas for a route's error statuses: spread into `response`. */
export const cloudpodsErrorResponses = {
  400: errorRef,
  401: errorRef,
  403: errorRef,
  404: errorRef,
  406: errorRef,
  409: errorRef,
  413: errorRef,
  415: errorRef,
  500: errorRef,
} as const
