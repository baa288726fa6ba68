/**
 * Unknown paths below a dialect's route scopes: the root answers every 404 (one Fastify not-found
 * handler, not one per scope), yet such a path still meets its dialect's request hook first, as
 * the scope's routes do, and never its credential check.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers/app.js'

let t: Awaited<ReturnType<typeof buildTestApp>> | undefined
afterEach(async () => {
  await t?.close()
  t = undefined
})

describe('unknown paths below a route scope', () => {
  it('CCE: the X-Project-Id check runs first inside its scopes, not outside them; no credentials are asked', async () => {
    t = await buildTestApp()
    for (const url of ['/cce/cam/v3/nothing', '/autopilot/cam/v3/nothing', '/v2/charts/a/b/c', '/autopilot/v2/charts/a/b/c', '/cce/cam/v3']) {
      const bad = await t.app.inject({ method: 'GET', url, headers: { 'x-project-id': 'not a project!' } })
      expect(bad.statusCode, url).toBe(400)
      expect(bad.json().error_msg).toMatch(/X-Project-Id must be 1-64 letters/)
      // No X-Auth-Token: the gateway's 404, not its 401.
      const missing = await t.app.inject({ method: 'POST', url, headers: { 'x-project-id': 'p1' } })
      expect(missing.statusCode, url).toBe(404)
      expect(missing.json()).toMatchObject({ error_code: 'APIGW.0101' })
      expect(missing.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/)
    }
    // Owned by CCE but outside its route scopes: the 404 alone.
    for (const url of ['/cce/other', '/v2/other']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { 'x-project-id': 'not a project!' } })
      expect(res.statusCode, url).toBe(404)
      expect(res.json()).toMatchObject({ error_code: 'APIGW.0101' })
    }
  })

  it("Cloudpods: /api answers the framework's 404 and /v3 Keystone's, each in the flat body", async () => {
    t = await buildTestApp()
    const api = await t.app.inject({ method: 'GET', url: '/api/nosuch?x=1&x=2' })
    expect(api.statusCode).toBe(404)
    expect(api.json()).toMatchObject({ code: 404, class: 'NotFoundError', details: 'Handler not found: GET /api/nosuch' })
    const v3 = await t.app.inject({ method: 'GET', url: '/v3/projects' })
    expect(v3.statusCode).toBe(404)
    expect(v3.json()).toMatchObject({ code: 404, class: 'NotFoundError', details: 'GET /v3/projects is not emulated: this Keystone serves POST /v3/auth/tokens only' })
  })
})
