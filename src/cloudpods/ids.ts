/**
 * Stable ids for the Cloudpods dialect. Kubeserver gives clusters, namespaces and repos random
 * UUIDs; the emulator derives them from names instead (RFC 4122 version 5, SHA-1), so the same
 * name gives the same id on every run, on every machine and in any language:
 *
 *   cluster id   = uuidv5(CLOUDPODS_ID_NAMESPACE, "cluster/" + clusterName)
 *   namespace id = uuidv5(CLOUDPODS_ID_NAMESPACE, "namespace/" + clusterId + "/" + namespaceName)
 *   repo id      = uuidv5(CLOUDPODS_ID_NAMESPACE, "repo/" + repoName)   (repos loaded by --charts)
 *
 * e.g. in Python: uuid.uuid5(uuid.UUID(CLOUDPODS_ID_NAMESPACE), "cluster/default").
 */
import { createHash } from 'node:crypto'

/** The namespace UUID every Cloudpods id is derived under. Never change it: ids would change. */
export const CLOUDPODS_ID_NAMESPACE = '6f1c1a52-3c0e-4d8e-9b7a-5e2b0c4d9a10'

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

export const clusterId = (name: string): string => uuidV5(CLOUDPODS_ID_NAMESPACE, `cluster/${name}`)
export const namespaceId = (clusterIdValue: string, name: string): string => uuidV5(CLOUDPODS_ID_NAMESPACE, `namespace/${clusterIdValue}/${name}`)
export const repoId = (name: string): string => uuidV5(CLOUDPODS_ID_NAMESPACE, `repo/${name}`)
