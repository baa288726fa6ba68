import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { openApiDocument } from '../../src/scripts/openapi-document.js'

const committed = readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')

describe('openapi/openapi.json', () => {
  it('matches what the route schemas generate (run `npm run openapi` after changing a route)', async () => {
    expect(await openApiDocument()).toBe(committed)
  })

  it('documents every CCE and Autopilot release operation with its success and error responses', () => {
    const doc = JSON.parse(committed) as { paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> }
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p))
    const ids = ops.map((o) => o.operationId)
    for (const id of ['CreateRelease', 'ListReleases', 'ShowRelease', 'UpdateRelease', 'DeleteRelease', 'ShowReleaseHistory']) {
      expect(ids).toContain(id)
      expect(ids).toContain(id.replace('Release', 'AutopilotRelease'))
    }
    const create = doc.paths['/cce/cam/v3/clusters/{cluster_id}/releases']!.post!
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '404', '409', '500']))
  })
})

describe('GET /openapi.json', () => {
  it('serves the committed document', async () => {
    const { buildTestApp } = await import('../helpers/app.js')
    const t = await buildTestApp()
    try {
      const res = await t.app.inject({ method: 'GET', url: '/openapi.json' })
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toMatch(/^application\/json/)
      expect(res.body).toBe(committed)
    } finally {
      await t.close()
    }
  })
})
