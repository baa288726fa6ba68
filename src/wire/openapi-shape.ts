/**
 * Corrections @fastify/swagger cannot be told through a route schema, applied to the finished
 * document (its `transformObject` option).
 */
interface Schema {
  nullable?: boolean
  type?: string
  anyOf?: Schema[]
}
interface Operation {
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema; encoding?: Record<string, { contentType: string }> }> }
}
type Doc = { paths?: Record<string, Record<string, Operation | undefined> | undefined> }

/**
 * @fastify/swagger marks every request body required. A body whose schema accepts null is one
 * the route also takes absent (the JSON parser reads an empty body as none, e.g. POST
 * /_emulator/reset), so the document says it is optional.
 */
export function optionalNullableBodies<T>(doc: T): T {
  for (const item of Object.values((doc as Doc).paths ?? {})) {
    for (const op of Object.values(item ?? {})) {
      const body = op?.requestBody
      const schema = body?.content?.['application/json']?.schema
      if (body && schema && (schema.nullable === true || schema.anyOf?.some((s) => s.type === 'null'))) body.required = false
    }
  }
  return doc
}

/** What the file part of a chart upload must hold: a gzip (the server checks its magic bytes). */
export const CHART_PART_TYPES = 'application/gzip, application/x-gzip, application/octet-stream'

/** Multipart bodies (chart uploads) say the media type of their file part `content`. */
export function chartPartEncoding<T>(doc: T): T {
  for (const item of Object.values((doc as Doc).paths ?? {})) {
    for (const op of Object.values(item ?? {})) {
      const multipart = op?.requestBody?.content?.['multipart/form-data']
      if (multipart) multipart.encoding = { content: { contentType: CHART_PART_TYPES } }
    }
  }
  return doc
}
