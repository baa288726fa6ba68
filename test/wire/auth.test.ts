/**
 * Gateway authentication on the real app (app.inject): presence mode, and verify mode with
 * requests signed here exactly as the SDKs sign them (spec huawei-sdk-wire.md §1). Every refused
 * request must answer 401 (or 403 for a project mismatch) with the APIGW body and leave the data
 * as it was.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type InjectOptions } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { formatSdkDate, sha256Hex } from '../../src/auth/signature.js'
import { ManualClock } from '../../src/clock.js'
import { ConfigError, defaultConfig, loadConfig, type EmulatorConfig } from '../../src/config.js'
import { registerAuth } from '../../src/wire/auth.js'
import { registerJsonParser } from '../../src/wire/json-body.js'
import { registerRequestContext } from '../../src/wire/request-context.js'
import { buildTestApp, TEST_CHART_ID, type TestApp } from '../helpers/app.js'
import { GO_SIGNED, signRequest, type SignedRequest, type SignOptions } from '../helpers/signing.js'

const AK = 'AKTESTBOUND00000000'
const SK = 'SKtestBound0000000000000000000000000000a'
const AK_FREE = 'AKTESTFREE000000000'
const SK_FREE = 'SKtestFree00000000000000000000000000000b'
const PROJECT = '0123456789abcdef0123456789abcdef'
const OTHER_PROJECT = 'fedcba9876543210fedcba9876543210'
const TOKEN = 'MIItoken-bound'
const TOKEN_FREE = 'MIItoken-free'
const BASE = '/cce/cam/v3/clusters/c1'
const item = (name: string) => `${BASE}/namespace/default/releases/${name}`

let h: TestApp | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

/** Built the way src/server.ts builds it, on a frozen clock far from the host's real time. */
async function build(overrides: Partial<EmulatorConfig>): Promise<TestApp> {
  // Releases install a real chart: the test chart, in every project these tests use.
  h = await buildTestApp(overrides, { seedCharts: ['default', PROJECT, OTHER_PROJECT] })
  return h
}

const verifyApp = () =>
  build({
    auth: 'verify',
    credentials: [
      { accessKey: AK, secretKey: SK, projectId: PROJECT },
      { accessKey: AK_FREE, secretKey: SK_FREE },
    ],
    tokens: [{ token: TOKEN, projectId: PROJECT }, { token: TOKEN_FREE }],
  })

/** Signs like the Python SDK by default: every listed header, body hashed as sent. */
function signed(o: Omit<SignOptions, 'ak' | 'sk' | 'projectId' | 'date'> & { ak?: string; sk?: string; date?: Date }): SignedRequest {
  return signRequest({ ...o, ak: o.ak ?? AK, sk: o.sk ?? SK, projectId: PROJECT, date: o.date ?? h!.clock.now() })
}

const createJson = (name: string, tag = 'v1') =>
  JSON.stringify({ chart_id: TEST_CHART_ID, name, namespace: 'default', version: '1.0.0', values: { imageTag: tag } })
const upgradeJson = (tag: string) => JSON.stringify({ chart_id: TEST_CHART_ID, action: 'upgrade', parameters: {}, values: { imageTag: tag } })

async function inject(req: ReturnType<typeof signed>) {
  return h!.app.inject(req as InjectOptions)
}

/**
 * "The data": every row of every table (releases, revisions, pending work, ...), read straight from
 * SQLite so that taking the snapshot cannot itself change anything.
 */
function snapshot(): string {
  const tables = h!.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>
  // A WITHOUT ROWID table (release_answers) has no rowid; it reads in primary-key order.
  const order = (name: string) => (h!.db.prepare('SELECT wr FROM pragma_table_list WHERE name = ?').pluck().get(name) ? '' : ' ORDER BY rowid')
  return JSON.stringify(tables.map(({ name }) => [name, h!.db.prepare(`SELECT * FROM "${name}"${order(name)}`).all()]))
}

function expectGatewayRefusal(res: Awaited<ReturnType<typeof inject>>, message: RegExp): void {
  expect(res.statusCode, res.body).toBe(401)
  expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/)
  const body = res.json()
  expect(body).toEqual({ error_code: 'APIGW.0301', error_msg: expect.any(String), errorCode: 'APIGW.0301', errorMessage: body.error_msg })
  expect(body.error_msg).toMatch(/^Incorrect IAM authentication information: /)
  expect(body.error_msg).toMatch(message)
}

describe('presence mode (the default)', () => {
  it('refuses a request without credentials with the gateway body and X-Request-Id', async () => {
    await build({})
    const res = await h!.app.inject({ method: 'GET', url: `${BASE}/releases` })
    expectGatewayRefusal(res, /neither X-Auth-Token nor an SDK-HMAC-SHA256/)
  })

  it('accepts any token, and any SDK-HMAC-SHA256 header without checking it', async () => {
    await build({})
    expect((await h!.app.inject({ method: 'GET', url: `${BASE}/releases`, headers: { 'x-auth-token': 'anything' } })).statusCode).toBe(200)
    const bogus = { authorization: 'SDK-HMAC-SHA256 Access=x, SignedHeaders=x-sdk-date, Signature=00' }
    expect((await h!.app.inject({ method: 'GET', url: `${BASE}/releases`, headers: bogus })).statusCode).toBe(200)
  })

  it('refuses before parsing: a bad body without credentials is a 401, not a 400', async () => {
    await build({})
    const res = await h!.app.inject({ method: 'POST', url: `${BASE}/releases`, headers: { 'content-type': 'application/json' }, payload: '{nope' })
    expect(res.statusCode).toBe(401)
  })

  it('off checks nothing', async () => {
    await build({ auth: 'off' })
    expect((await h!.app.inject({ method: 'GET', url: `${BASE}/releases` })).statusCode).toBe(200)
  })
})

describe('verify mode: genuine requests', () => {
  it('accepts the full lifecycle signed like the Python SDK (host and content-type signed)', async () => {
    await verifyApp()
    const created = await inject(signed({ method: 'POST', url: `${BASE}/releases`, body: createJson('r1') }))
    expect(created.statusCode, created.body).toBe(201)
    expect(created.json()).toMatchObject({ name: 'r1', status: 'PENDING_INSTALL' })

    const list = await inject(signed({ method: 'GET', url: `${BASE}/releases?namespace=default&chart_id=${TEST_CHART_ID}` }))
    expect(list.statusCode).toBe(200)
    expect(list.json()).toHaveLength(1)
    const shown = await inject(signed({ method: 'GET', url: `${item('r1')}?show_resources=true` }))
    expect(shown.statusCode).toBe(200)
    h!.clock.advance(60_000)
    const upgraded = await inject(signed({ method: 'PUT', url: item('r1'), body: upgradeJson('v2') }))
    expect(upgraded.statusCode, upgraded.body).toBe(200)
    const history = await inject(signed({ method: 'GET', url: `${item('r1')}/history` }))
    expect(history.json()).toHaveLength(2)
    h!.clock.advance(60_000)
    // The SDKs send DELETE with Content-Type: application/json and an empty body.
    const deleted = await inject(signed({ method: 'DELETE', url: item('r1'), headers: { 'content-length': '0' } }))
    expect(deleted.statusCode, deleted.body).toBe(200)
  })

  it('accepts the Go SDK shape: neither host nor content-type signed, JSON with explicit nulls and a trailing newline', async () => {
    await verifyApp()
    const body = `${JSON.stringify({ chart_id: TEST_CHART_ID, name: 'go1', namespace: 'default', version: '1.0.0', parameters: null, values: null })}\n`
    const res = await inject(signed({ method: 'POST', url: `${BASE}/releases`, body, signedHeaders: GO_SIGNED, headers: { 'user-agent': 'huaweicloud-usdk-go/3.0' } }))
    expect(res.statusCode, res.body).toBe(201)
  })

  it('checks X-Sdk-Date against the emulator clock, not the host clock', async () => {
    await verifyApp()
    // The injected clock says 2026-03-01; the host clock is elsewhere. A request signed "now" by
    // the emulator's clock passes, one signed by the host's clock is stale unless they agree.
    expect((await inject(signed({ method: 'GET', url: `${BASE}/releases`, date: h!.clock.now() }))).statusCode).toBe(200)
    const edge = new Date(h!.clock.now().getTime() - 15 * 60_000)
    expect((await inject(signed({ method: 'GET', url: `${BASE}/releases`, date: edge }))).statusCode).toBe(200)
  })

  it('accepts X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD in place of the body hash (what the SDKs send for uploads)', async () => {
    await verifyApp()
    const res = await inject(
      signed({ method: 'POST', url: `${BASE}/releases`, body: createJson('unsigned'), headers: { 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' } }),
    )
    expect(res.statusCode, res.body).toBe(201)
  })

  it('accepts a credential without a project for any project, and a bound one with no X-Project-Id (scoped to its project)', async () => {
    await verifyApp()
    const other = await inject(signed({ method: 'GET', url: `${BASE}/releases`, ak: AK_FREE, sk: SK_FREE, headers: { 'x-project-id': OTHER_PROJECT } }))
    expect(other.statusCode).toBe(200)

    const noProject = signed({ method: 'POST', url: `${BASE}/releases`, body: createJson('implicit'), signedHeaders: ['content-type', 'host', 'user-agent', 'x-sdk-date'] })
    delete noProject.headers['x-project-id']
    expect((await inject(noProject)).statusCode).toBe(201)
    expect(snapshot()).toContain('"implicit"')
  })

  it('accepts configured tokens, bound or not', async () => {
    await verifyApp()
    const bound = await h!.app.inject({ method: 'GET', url: `${BASE}/releases`, headers: { 'x-auth-token': TOKEN, 'x-project-id': PROJECT } })
    expect(bound.statusCode).toBe(200)
    const free = await h!.app.inject({ method: 'GET', url: `${BASE}/releases`, headers: { 'x-auth-token': TOKEN_FREE, 'x-project-id': OTHER_PROJECT } })
    expect(free.statusCode).toBe(200)
  })
})

describe('verify mode: tampered and wrong requests are refused and change nothing', () => {
  /** Creates r1 (DEPLOYED after the clock moves) so mutations have something to hit. */
  async function seeded(): Promise<string> {
    await verifyApp()
    expect((await inject(signed({ method: 'POST', url: `${BASE}/releases`, body: createJson('r1') }))).statusCode).toBe(201)
    h!.clock.advance(60_000)
    expect((await inject(signed({ method: 'GET', url: item('r1') }))).json().status).toBe('DEPLOYED')
    return snapshot()
  }

  it('body: the same length, one value changed', async () => {
    const before = await seeded()
    const req = signed({ method: 'PUT', url: item('r1'), body: upgradeJson('v2') })
    req.payload = upgradeJson('v9')
    expectGatewayRefusal(await inject(req), /verify aksk signature fail$/)
    expect(snapshot()).toBe(before)
  })

  it('body: a new release smuggled into a signed create, and a body that is not even JSON (401, not 400)', async () => {
    const before = await seeded()
    const create = signed({ method: 'POST', url: `${BASE}/releases`, body: createJson('r2') })
    create.payload = createJson('r3')
    expectGatewayRefusal(await inject(create), /verify aksk signature fail/)
    const garbage = signed({ method: 'POST', url: `${BASE}/releases`, body: createJson('r2') })
    garbage.payload = '{"chart_id": '
    expectGatewayRefusal(await inject(garbage), /verify aksk signature fail/)
    expect(snapshot()).toBe(before)
  })

  it('path: a delete signed for another release', async () => {
    const before = await seeded()
    const req = signed({ method: 'DELETE', url: item('other'), headers: { 'content-length': '0' } })
    req.url = item('r1')
    expectGatewayRefusal(await inject(req), /verify aksk signature fail/)
    expect(snapshot()).toBe(before)
  })

  it('query: an upgrade whose query string was changed after signing', async () => {
    const before = await seeded()
    const req = signed({ method: 'PUT', url: `${item('r1')}?show_resources=false`, body: upgradeJson('v2') })
    req.url = `${item('r1')}?show_resources=true`
    expectGatewayRefusal(await inject(req), /verify aksk signature fail/)
    const added = signed({ method: 'PUT', url: item('r1'), body: upgradeJson('v2') })
    added.url = `${item('r1')}?extra=1`
    expectGatewayRefusal(await inject(added), /verify aksk signature fail/)
    expect(snapshot()).toBe(before)
  })

  it('signed headers: X-Project-Id, User-Agent, Host or Content-Type changed after signing', async () => {
    const before = await seeded()
    for (const [name, value] of [
      ['x-project-id', OTHER_PROJECT],
      ['user-agent', 'curl/8'],
      ['host', 'example.com'],
      ['content-type', 'application/json; charset=utf-8'],
    ] as const) {
      const req = signed({ method: 'PUT', url: item('r1'), body: upgradeJson('v2') })
      req.headers[name] = value
      expectGatewayRefusal(await inject(req), /verify aksk signature fail/)
    }
    // An unsigned header may change: that is what SignedHeaders means.
    const ok = signed({ method: 'GET', url: item('r1'), signedHeaders: GO_SIGNED })
    ok.headers.host = 'example.com'
    expect((await inject(ok)).statusCode).toBe(200)
    expect(snapshot()).toBe(before)
  })

  it('a Content-Type swapped to one CCE would answer 415 is still a 401 first', async () => {
    const before = await seeded()
    const req = signed({ method: 'POST', url: `${BASE}/releases`, body: createJson('r2') })
    req.headers['content-type'] = 'text/plain'
    expectGatewayRefusal(await inject(req), /verify aksk signature fail/)
    expect(snapshot()).toBe(before)
  })

  it('stale or future X-Sdk-Date (more than 15 minutes from the emulator clock), and the clock moving past a signature', async () => {
    const before = await seeded()
    const now = h!.clock.now().getTime()
    const stale = signed({ method: 'PUT', url: item('r1'), body: upgradeJson('v2'), date: new Date(now - 16 * 60_000) })
    expectGatewayRefusal(await inject(stale), /signature expired, signature time:\d{8}T\d{6}Z,server time:20260301T0801\d\dZ/)
    const future = signed({ method: 'PUT', url: item('r1'), body: upgradeJson('v2'), date: new Date(now + 16 * 60_000) })
    expectGatewayRefusal(await inject(future), /signature expired/)
    // Signed now, replayed after the emulator clock moved 20 minutes on.
    const replayed = signed({ method: 'PUT', url: item('r1'), body: upgradeJson('v2') })
    h!.clock.advance(20 * 60_000)
    expectGatewayRefusal(await inject(replayed), /signature expired/)
    expect(snapshot()).toBe(before)
  })

  it('wrong secret key, unknown access key, unsupported algorithm, malformed header, no credentials', async () => {
    const before = await seeded()
    const url = item('r1')
    expectGatewayRefusal(await inject(signed({ method: 'PUT', url, body: upgradeJson('v2'), sk: `${SK}-wrong` })), /verify aksk signature fail$/)
    expectGatewayRefusal(await inject(signed({ method: 'PUT', url, body: upgradeJson('v2'), ak: 'AKUNKNOWN' })), /Get secretKey failed,ak:AKUNKNOWN,err:ak not exist/)
    const sm3 = signed({ method: 'PUT', url, body: upgradeJson('v2') })
    sm3.headers.authorization = sm3.headers.authorization!.replace('SDK-HMAC-SHA256', 'SDK-HMAC-SM3')
    expectGatewayRefusal(await inject(sm3), /unsupported signing algorithm SDK-HMAC-SM3/)
    const noDate = signed({ method: 'PUT', url, body: upgradeJson('v2'), signedHeaders: ['content-type', 'host'] })
    expectGatewayRefusal(await inject(noDate), /x-sdk-date is not a signed header/)
    const bare = await h!.app.inject({ method: 'PUT', url, headers: { 'content-type': 'application/json' }, payload: upgradeJson('v2') })
    expectGatewayRefusal(bare, /x-auth-token not found/)
    expect(snapshot()).toBe(before)
  })

  it('tokens: an unknown token is 401; a presence-style garbage signature is 401 in verify mode', async () => {
    const before = await seeded()
    const unknown = await h!.app.inject({ method: 'PUT', url: item('r1'), headers: { 'x-auth-token': 'MIIguess', 'content-type': 'application/json' }, payload: upgradeJson('v2') })
    expectGatewayRefusal(unknown, /decrypt token fail/)
    const bogus = await h!.app.inject({
      method: 'DELETE',
      url: item('r1'),
      headers: { authorization: `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=x-sdk-date, Signature=${'0'.repeat(64)}`, 'x-sdk-date': formatSdkDate(h!.clock.now()) },
    })
    expectGatewayRefusal(bogus, /verify aksk signature fail/)
    expect(snapshot()).toBe(before)
  })

  it('a genuine credential bound to another project is 403 (authenticated, not allowed), for AK/SK and tokens', async () => {
    const before = await seeded()
    const ak = await inject(signed({ method: 'DELETE', url: item('r1'), headers: { 'x-project-id': OTHER_PROJECT } }))
    expect(ak.statusCode).toBe(403)
    expect(ak.json()).toMatchObject({ error_code: 'CCE.01403001', error_msg: expect.stringContaining(`bound to project ${PROJECT}`) })
    expect(ak.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/)
    const token = await h!.app.inject({ method: 'DELETE', url: item('r1'), headers: { 'x-auth-token': TOKEN, 'x-project-id': OTHER_PROJECT } })
    expect(token.statusCode).toBe(403)
    expect(snapshot()).toBe(before)
  })
})

describe('the exported hook on another scope (how chart routes use it)', () => {
  async function uploadApp(maxBodyBytes: number) {
    const clock = new ManualClock('2026-03-01T08:00:00Z')
    const app = Fastify({ logger: false })
    registerJsonParser(app)
    registerRequestContext(app, 'default')
    const seen: number[] = []
    await app.register(async (scoped) => {
      scoped.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: 8 * 1024 * 1024 }, (_req, body, done) => done(null, body))
      registerAuth(scoped, { mode: 'verify', credentials: [{ accessKey: AK, secretKey: SK }], clock, maxBodyBytes })
      scoped.post('/v2/charts', async (req) => {
        seen.push((req.body as Buffer).length)
        return { received: (req.body as Buffer).length }
      })
    })
    await app.ready()
    return { app, clock, seen }
  }

  it('passes an UNSIGNED-PAYLOAD upload through unbuffered, and a signed one byte-for-byte after hashing it', async () => {
    const { app, clock, seen } = await uploadApp(4 * 1024 * 1024)
    h = { app, clock, close: () => app.close() } as unknown as TestApp
    const payload = Buffer.alloc(3 * 1024 * 1024, 7)
    const headers = { 'content-type': 'multipart/form-data; boundary=x' }
    const unsigned = signed({ method: 'POST', url: '/v2/charts', body: payload, headers: { ...headers, 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' } })
    expect((await app.inject(unsigned)).json()).toEqual({ received: payload.length })
    const hashed = signed({ method: 'POST', url: '/v2/charts', body: payload, headers })
    expect((await app.inject(hashed)).json()).toEqual({ received: payload.length })
    const tampered = signed({ method: 'POST', url: '/v2/charts', body: payload, headers })
    tampered.payload = Buffer.alloc(payload.length, 8)
    expect((await app.inject(tampered)).statusCode).toBe(401)
    expect(seen).toEqual([payload.length, payload.length])
  })

  it('refuses a signed body larger than it may buffer with 413 instead of letting it through unverified', async () => {
    const { app, clock, seen } = await uploadApp(1024)
    h = { app, clock, close: () => app.close() } as unknown as TestApp
    const req = signed({ method: 'POST', url: '/v2/charts', body: Buffer.alloc(4096, 1), headers: { 'content-type': 'multipart/form-data; boundary=x' } })
    expect((await app.inject(req)).statusCode).toBe(413)
    expect(seen).toEqual([])
  })
})

describe('configuration', () => {
  const load = (argv: string[], env: Record<string, string> = {}) => {
    const parsed = loadConfig(argv, env)
    if (parsed.help) throw new Error('unexpected help')
    return parsed.config
  }

  it('parses --credentials AK:SK[:PROJECT] lists and --tokens TOKEN[:PROJECT]', () => {
    const c = load(['--auth', 'verify', '--credentials', `AK1:SK1:${PROJECT},AK2:SK2`, '--tokens', `t1:${PROJECT},t2`])
    expect(c.auth).toBe('verify')
    expect(c.credentials).toEqual([{ accessKey: 'AK1', secretKey: 'SK1', projectId: PROJECT }, { accessKey: 'AK2', secretKey: 'SK2' }])
    expect(c.tokens).toEqual([{ token: 't1', projectId: PROJECT }, { token: 't2' }])
  })

  it('reads CCE_EMULATOR_CREDENTIALS / CCE_EMULATOR_TOKENS, and @FILE with comments', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cce-creds-'))
    const file = join(dir, 'credentials')
    writeFileSync(file, `# team keys\nAK1:SK1:${PROJECT}   # bound\n\n  AK2:SK2\n`)
    const c = load([], { CCE_EMULATOR_AUTH: 'verify', CCE_EMULATOR_CREDENTIALS: `@${file}`, CCE_EMULATOR_TOKENS: 'tok' })
    expect(c.credentials.map((x) => x.accessKey)).toEqual(['AK1', 'AK2'])
    expect(c.credentials[0]?.projectId).toBe(PROJECT)
    expect(c.tokens).toEqual([{ token: 'tok' }])
    expect(() => load(['--credentials', '@/nonexistent/creds'])).toThrow(/cannot read credentials file/)
  })

  it('fails fast when verify mode has nothing to verify against, saying how to fix it', () => {
    expect(() => load(['--auth', 'verify'])).toThrow(ConfigError)
    expect(() => load(['--auth', 'verify'])).toThrow(/--credentials AK:SK\[:PROJECT_ID\]/)
    expect(load(['--auth', 'verify', '--tokens', 'x']).auth).toBe('verify')
    expect(() => defaultConfig()).not.toThrow()
  })

  it('refuses malformed entries without echoing the secret', () => {
    for (const bad of ['AKONLY', 'AK:SK:proj:extra', 'A K:SK', `AK:SK:${'p'.repeat(65)}`, 'AK:SK,AK:OTHER']) {
      let message = ''
      try {
        load(['--credentials', bad])
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError)
        message = (err as Error).message
      }
      expect(message, bad).toMatch(/--credentials/)
      expect(message).not.toContain('OTHER')
    }
    expect(() => load(['--tokens', 'a:b:c'])).toThrow(/TOKEN or TOKEN:PROJECT_ID/)
  })
})
