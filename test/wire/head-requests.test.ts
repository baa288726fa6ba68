/**
 * HEAD takes the GET route and answers its status and headers without the body, through
 * app.inject and through a real socket, and is seen as HEAD by the journal and the 405 check.
 */
import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { AUTH, buildTestApp, createBody } from '../helpers/app.js'

let t: Awaited<ReturnType<typeof buildTestApp>> | undefined
afterEach(async () => {
  await t?.close()
  t = undefined
})

const releases = '/cce/cam/v3/clusters/c1/releases'
const show = '/cce/cam/v3/clusters/c1/namespace/project01/releases/web'

/** A HEAD over a real socket: what Node sends, byte for byte, after the headers. */
function headOverHttp(url: string): Promise<{ status: number; headers: Record<string, unknown>; bodyBytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'HEAD', headers: AUTH }, (res) => {
      let bodyBytes = 0
      res.on('data', (b: Buffer) => (bodyBytes += b.length))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bodyBytes }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('HEAD requests', () => {
  it('answer the GET status and headers, Content-Length included, with no body', async () => {
    t = await buildTestApp()
    expect((await t.app.inject({ method: 'POST', url: releases, headers: AUTH, payload: createBody('web') })).statusCode).toBe(201)
    for (const url of [show, releases, `${show}/history`]) {
      const get = await t.app.inject({ method: 'GET', url, headers: AUTH })
      const head = await t.app.inject({ method: 'HEAD', url, headers: AUTH })
      expect(head.statusCode, url).toBe(200)
      expect(head.body, url).toBe('')
      expect(head.headers['content-length'], url).toBe(String(Buffer.byteLength(get.body)))
      expect(head.headers['content-type'], url).toBe(get.headers['content-type'])
    }
    const missing = await t.app.inject({ method: 'HEAD', url: show.replace('web', 'nosuch'), headers: AUTH })
    expect([missing.statusCode, missing.body]).toEqual([404, ''])
  })

  it('are refused 405 on a path that serves no GET, and journaled as HEAD', async () => {
    t = await buildTestApp()
    const refused = await t.app.inject({ method: 'HEAD', url: '/_emulator/reset', headers: AUTH })
    expect(refused.statusCode).toBe(405)
    expect(refused.headers.allow).toBe('POST')
    await t.app.inject({ method: 'HEAD', url: releases, headers: AUTH })
    const journal = (await t.app.inject({ method: 'GET', url: '/_emulator/requests', headers: AUTH })).json()
    expect(journal.requests[0]).toMatchObject({ method: 'HEAD', status: 200 })
  })

  it('send no body bytes over a real connection', async () => {
    t = await buildTestApp()
    await t.app.inject({ method: 'POST', url: releases, headers: AUTH, payload: createBody('web') })
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = t.app.server.address() as { port: number }
    const get = await t.app.inject({ method: 'GET', url: show, headers: AUTH })
    const head = await headOverHttp(`http://127.0.0.1:${port}${show}`)
    expect(head).toMatchObject({ status: 200, bodyBytes: 0 })
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(get.body)))
  })
})
