/** What Fastify sends as the type of a serialized JSON answer. */
export const JSON_TYPE = 'application/json; charset=utf-8'
