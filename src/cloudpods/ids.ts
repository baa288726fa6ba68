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
import { isUuid, uuidV5 } from '../uuid-v5.js'

export { isUuid, uuidV5 }

/** The namespace UUID every Cloudpods id is derived under. Never change it: ids would change. */
export const CLOUDPODS_ID_NAMESPACE = '6f1c1a52-3c0e-4d8e-9b7a-5e2b0c4d9a10'

export const clusterId = (name: string): string => uuidV5(CLOUDPODS_ID_NAMESPACE, `cluster/${name}`)
export const namespaceId = (clusterIdValue: string, name: string): string => uuidV5(CLOUDPODS_ID_NAMESPACE, `namespace/${clusterIdValue}/${name}`)
export const repoId = (name: string): string => uuidV5(CLOUDPODS_ID_NAMESPACE, `repo/${name}`)
