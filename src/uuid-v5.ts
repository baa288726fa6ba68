/**
 * RFC 4122 name-based UUIDs (version 5, SHA-1): the same namespace and name give the same id on
 * every run, machine and language, e.g. Python's uuid.uuid5(uuid.UUID(namespace), name).
 */
import { createHash } from 'node:crypto'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const isUuid = (s: string): boolean => UUID.test(s)

/** RFC 4122 §4.3 name-based UUID, SHA-1 (version 5). */
export function uuidV5(namespace: string, name: string): string {
  if (!isUuid(namespace)) throw new TypeError(`not a UUID: ${namespace}`)
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16)
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
