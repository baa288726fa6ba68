/**
 * The Cloudpods dialect's edge before any resource exists: its flat error body, its 404, its
 * query strings, and the control plane's faults and journal on a Cloudpods route. Probe routes are
 * mounted inside the real Cloudpods plugin, as the release routes will be.
 */
import { connect } from 'node:net'
import { Type } from '@sinclair/typebox'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp, DIALECTS } from '../../src/app.js'
import { ManualClock } from '../../src/clock.js'
import { defaultConfig } from '../../src/config.js'
import { AlreadyExistsError, NotFoundError, OperationPendingError, ValidationError } from '../../src/errors.js'
import { openDatabase } from '../../src/storage/db.js'
import { cloudpodsError } from '../../src/wire/cloudpods/error-map.js'
import { cloudpodsErrorResponses } from '../../src/wire/cloudpods/schemas.js'
import type { Dialect } from '../../src/wire/dialect.js'

const NOW = '2026-03-01T08:00:00Z'

const probeDialects = (): Dialect[] =>
  DIALECTS.map((d) =>
    d.name !== 'cloudpods'
      ? d
      : {
          ...d,
          plugin: async (app, ctx) => {
            await d.plugin(app, ctx)
            await app.register(
              async (api) => {
                api.get('/probes/:id', { config: { operation: 'show' }, schema: { operationId: 'ProbeShow' } }, async (req) => ({ query: req.query, id: (req.params as { id: string }).id }))
                api.post(
                  '/probes',
                  {
                    config: { operation: 'create' },
                    schema: {
                      body: Type.Object({ release: Type.Object({ release_name: Type.String({ minLength: 1 }), replicas: Type.Optional(Type.Integer()) }) }),
                      response: { 200: Type.Object({ ok: Type.Boolean() }), ...cloudpodsErrorResponses },
                    },
                  },
                  async () => ({ ok: true }),
                )
                api.get('/throws/:what', async (req) => {
                  const what = (req.params as { what: string }).what
                  if (what === 'not-found') throw new NotFoundError('release web not found')
                  if (what === 'exists') throw new AlreadyExistsError('Duplicate name release web')
                  if (what === 'pending') throw new OperationPendingError('another operation (install/upgrade/rollback) is in progress')
                  if (what === 'invalid') throw new ValidationError('invalid name: no release provided')
                  if (what === 'not-empty') throw cloudpodsError(406, 'NotEmptyError', 'repo must provided')
                  throw new Error('secret stack detail')
                })
              },
              { prefix: '/api' },
            )
          },
        },
  )

let close: (() => Promise<void>) | undefined
afterEach(async () => {
  await close?.()
  close = undefined
})

async function start(dialects: readonly Dialect[] = probeDialects()) {
  const db = openDatabase(':memory:')
  const built = await buildApp({ config: defaultConfig({ db: ':memory:' }), db, clock: new ManualClock(NOW), logger: false, dialects })
  await built.app.ready()
  close = async () => {
    await built.app.close()
    db.close()
  }
  return built.app
}

const cloudpodsBody = (code: number, cls: string, details: string | RegExp) => ({ code, class: cls, details: typeof details === 'string' ? details : expect.stringMatching(details), time: NOW })

describe('the Cloudpods dialect at /api', () => {
  it('answers an unknown /api path with its flat 404', async () => {
    const app = await start(DIALECTS)
    for (const url of ['/api/nosuch', '/api/nosuch/web?cluster=c1', '/api']) {
      const res = await app.inject({ method: 'GET', url })
      expect(res.statusCode).toBe(404)
      expect(res.headers['content-type']).toMatch(/^application\/json/)
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/)
      expect(res.json()).toStrictEqual(cloudpodsBody(404, 'NotFoundError', `Handler not found: GET ${url.split('?')[0]}`))
    }
  })

  it('leaves paths it does not own to CCE: /apis and unknown roots keep the gateway 404', async () => {
    const app = await start(DIALECTS)
    for (const url of ['/apis/x', '/nope', '/cce/nope']) {
      const res = await app.inject({ method: 'GET', url })
      expect(res.statusCode).toBe(404)
      expect(res.json()).toMatchObject({ error_code: 'APIGW.0101', errorCode: 'APIGW.0101' })
    }
  })

  it('answers router refusals under /api in its body, and CCE ones in the CCE body', async () => {
    const app = await start(DIALECTS)
    const bad = await app.inject({ method: 'GET', url: '/api/releases/%E0%A4%A' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toStrictEqual(cloudpodsBody(400, 'InputParameterError', /not a valid URL/))
    const long = await app.inject({ method: 'GET', url: `/api/releases/${'a'.repeat(2000)}` })
    expect(long.statusCode).toBe(400)
    expect(long.json()).toStrictEqual(cloudpodsBody(400, 'InputParameterError', /longer than/))
    const cce = await app.inject({ method: 'GET', url: '/cce/cam/v3/clusters/c1/namespace/n/releases/%E0%A4%A' })
    expect(cce.json()).toMatchObject({ error_code: 'CCE.01400001' })
  })

  it('folds repeated keys and key.N indexes into lists, as climc sends them', async () => {
    const app = await start()
    const res = await app.inject({ method: 'GET', url: '/api/probes/web?filter.1=name.contains%28e%29&filter.0=status.equals%28deployed%29&order_by.0=name&name=a&name=b&limit=20&a.b=c' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      id: 'web',
      query: { filter: ['status.equals(deployed)', 'name.contains(e)'], order_by: ['name'], name: ['a', 'b'], limit: '20', 'a.b': 'c' },
    })
  })

  it('maps validation and parser errors to InputParameterError / MissingParameterError', async () => {
    const app = await start()
    const post = (payload: string) => app.inject({ method: 'POST', url: '/api/probes', headers: { 'content-type': 'application/json' }, payload })
    expect((await post('{"name":"web"}')).json()).toStrictEqual(cloudpodsBody(400, 'InputParameterError', 'No request key: release'))
    expect((await post('{"release":{}}')).json()).toStrictEqual(cloudpodsBody(400, 'MissingParameterError', 'Missing parameter release.release_name'))
    expect((await post('{"release":{"release_name":"w","replicas":"x"}}')).json()).toStrictEqual(cloudpodsBody(400, 'InputParameterError', 'release.replicas: must be integer'))
    const broken = await post('{"release":')
    expect(broken.statusCode).toBe(400)
    expect(broken.json()).toStrictEqual(cloudpodsBody(400, 'InputParameterError', /not valid JSON/))
    const media = await app.inject({ method: 'POST', url: '/api/probes', headers: { 'content-type': 'text/plain' }, payload: 'x' })
    expect(media.statusCode).toBe(415)
    expect(media.json()).toMatchObject({ code: 415, class: 'UnsupportedMediaTypeError' })
  })

  it('maps domain errors by code, keeps route-raised classes, and never leaks a 500', async () => {
    const app = await start()
    const get = async (what: string) => (await app.inject({ method: 'GET', url: `/api/throws/${what}` })).json()
    expect(await get('not-found')).toStrictEqual(cloudpodsBody(404, 'ResourceNotFoundError', 'release web not found'))
    expect(await get('exists')).toStrictEqual(cloudpodsBody(409, 'DuplicateNameError', 'Duplicate name release web'))
    expect(await get('pending')).toStrictEqual(cloudpodsBody(400, 'InvalidStatusError', /in progress/))
    expect(await get('invalid')).toStrictEqual(cloudpodsBody(400, 'InputParameterError', 'invalid name: no release provided'))
    expect(await get('not-empty')).toStrictEqual(cloudpodsBody(406, 'NotEmptyError', 'repo must provided'))
    const boom = await app.inject({ method: 'GET', url: '/api/throws/bug' })
    expect(boom.statusCode).toBe(500)
    expect(boom.json()).toStrictEqual(cloudpodsBody(500, 'UnclassifiedError', 'Internal error.'))
    expect(boom.body).not.toContain('secret')
  })
})

describe('faults and the journal on a Cloudpods route', () => {
  it('matches dialect and operation, answers in the Cloudpods body, and journals dialect / flavor / facts', async () => {
    const app = await start()
    const rules = [
      { id: 'cce-only', match: { dialect: 'cce' }, error: { status: 503 } },
      { id: 'dup', match: { dialect: 'cloudpods', operation: 'show', name: 'dup' }, count: 1, error: { status: 409, error_code: 'DuplicateNameError', error_msg: 'Duplicate name release dup' } },
      { id: 'show', match: { dialect: 'cloudpods', operation: 'show', cluster_id: 'c1' }, count: 1, error: { status: 404 } },
    ]
    expect((await app.inject({ method: 'PUT', url: '/_emulator/faults', payload: { rules } })).statusCode).toBe(200)
    const dup = await app.inject({ method: 'GET', url: '/api/probes/dup' })
    expect(dup.statusCode).toBe(409)
    expect(dup.headers['x-emulator-fault']).toBe('dup')
    expect(dup.json()).toStrictEqual(cloudpodsBody(409, 'DuplicateNameError', 'Duplicate name release dup'))
    // A rule's default error code is CCE's: the Cloudpods body takes the class of the status instead.
    const shown = await app.inject({ method: 'GET', url: '/api/probes/web?cluster=c1&namespace=n1' })
    expect(shown.statusCode).toBe(404)
    expect(shown.json()).toStrictEqual(cloudpodsBody(404, 'NotFoundError', 'Resource not found.'))
    expect((await app.inject({ method: 'GET', url: '/api/probes/web?cluster=c1' })).statusCode).toBe(200)

    const journal = (await app.inject({ method: 'GET', url: '/_emulator/requests?dialect=cloudpods' })).json()
    expect(journal.requests.map((e: { status: number }) => e.status)).toEqual([200, 404, 409])
    expect(journal.requests[1]).toMatchObject({ dialect: 'cloudpods', flavor: null, operation: 'show', cluster_id: 'c1', namespace: 'n1', name: 'web', fault: 'show' })
    expect((await app.inject({ method: 'GET', url: '/_emulator/requests?dialect=cce' })).json().requests).toEqual([])
    expect((await app.inject({ method: 'GET', url: '/_emulator/requests?flavor=autopilot' })).json().requests).toEqual([])
  })

  it('journals an unknown /api path as Cloudpods, and refuses the old dialect values', async () => {
    const app = await start(DIALECTS)
    await app.inject({ method: 'GET', url: '/api/nosuch' })
    await app.inject({ method: 'GET', url: '/autopilot/nope' })
    const [autopilot, api] = (await app.inject({ method: 'GET', url: '/_emulator/requests' })).json().requests
    expect(api).toMatchObject({ dialect: 'cloudpods', flavor: null, route: null, operation: null, status: 404 })
    expect(autopilot).toMatchObject({ dialect: 'cce', flavor: 'autopilot', route: null, status: 404 })
    expect((await app.inject({ method: 'GET', url: '/_emulator/requests?dialect=autopilot' })).statusCode).toBe(400)
    expect((await app.inject({ method: 'POST', url: '/_emulator/faults', payload: { match: { dialect: 'autopilot' }, error: { status: 500 } } })).statusCode).toBe(400)
  })
})

describe("requests Node's HTTP parser refuses", () => {
  const exchange = (port: number, request: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(request))
      let answer = ''
      socket.setEncoding('utf8')
      socket.on('data', (d: string) => (answer += d))
      socket.on('close', () => resolve(answer))
      socket.on('error', reject)
      socket.setTimeout(5000, () => socket.destroy(new Error('no answer')))
    })

  it('answer in the Cloudpods body when the request line names an /api path', async () => {
    const app = await start(DIALECTS)
    await app.listen({ host: '127.0.0.1', port: 0 })
    const port = (app.server.address() as { port: number }).port
    const answer = await exchange(port, 'POST /api/releases HTTP/1.1\r\nHost: x\r\nX-Auth-Token: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n')
    const [head = '', body = ''] = answer.split('\r\n\r\n', 2)
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request')
    expect(head).toMatch(/\r\nX-Request-Id: [0-9a-f]{32}\r\n/i)
    expect(JSON.parse(body)).toStrictEqual(cloudpodsBody(400, 'InputParameterError', 'malformed HTTP request.'))
  })
})
