import { describe, expect, it } from 'vitest'
import { CLOUDPODS_ID_NAMESPACE, clusterId, namespaceId, repoId, uuidV5 } from '../../src/cloudpods/ids.js'

describe('Cloudpods stable ids (UUID v5)', () => {
  it('computes RFC 4122 version-5 UUIDs (vector from Python uuid.uuid5)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d')
  })

  it('derives cluster, namespace and repo ids from names under the documented namespace', () => {
    // Python: uuid.uuid5(uuid.UUID(CLOUDPODS_ID_NAMESPACE), 'cluster/default') and so on.
    expect(CLOUDPODS_ID_NAMESPACE).toBe('6f1c1a52-3c0e-4d8e-9b7a-5e2b0c4d9a10')
    expect(clusterId('default')).toBe('162641d4-1f45-5b95-8664-f583bbe29fc2')
    expect(namespaceId(clusterId('default'), 'default')).toBe('e32fb5db-4d10-5310-8185-f4f087434aee')
    expect(repoId('bitnami-new')).toBe('f63265d7-319d-5ccd-ade9-b0e9889b1747')
    expect(clusterId('集群')).toBe('38c0390f-fd4e-5b4d-9a08-ae25ebfc329d')
  })

  it('gives namespaces of the same name in different clusters different ids', () => {
    expect(namespaceId(clusterId('a'), 'default')).not.toBe(namespaceId(clusterId('b'), 'default'))
  })
})
