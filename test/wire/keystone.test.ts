/**
 * Keystone v3 for climc on the real app (app.inject): every login variant climc sends (spec
 * cloudpods-climc-wire.md §1), the token body and catalog it reads, the refusals, the journal's
 * redaction, and the /api token check the Cloudpods dialect registers.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { ManualClock } from '../../src/clock.js'
import { defaultConfig, type EmulatorConfig } from '../../src/config.js'
import { seededRandom } from '../../src/releases/progression.js'
import { openDatabase } from '../../src/storage/db.js'
import { registerCloudpodsAuth } from '../../src/wire/keystone/api-auth.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'

const HOST = '127.0.0.1:8080'
const NOW = '2026-03-01T08:00:00Z'
const KEYSTONE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/
const VERIFY: Partial<EmulatorConfig> = {
  auth: 'verify',
  users: [{ name: 'alice', password: 'pw-alice' }, { name: 'bob', password: 'pw-bob', project: 'team' }],
  tokens: [{ token: 'static-token' }],
}

type Body = Record<string, unknown>
const passwordBody = (user: Body, password: string, project?: Body): Body => ({
  auth: {
    context: { source: 'cli' },
    identity: { methods: ['password'], password: { user: { ...user, password } } },
    ...(project ? { scope: { project } } : {}),
  },
})
const tokenBody = (id: string, project?: Body): Body => ({
  auth: { context: { source: 'cli' }, identity: { methods: ['token'], token: { id } }, ...(project ? { scope: { project } } : {}) },
})

let h: TestApp | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

async function app(overrides: Partial<EmulatorConfig> = {}): Promise<TestApp> {
  h = await buildTestApp(overrides, { seedCharts: [] })
  return h
}

const login = (t: TestApp, payload: Body | string, headers: Record<string, string> = { host: HOST }) =>
  t.app.inject({ method: 'POST', url: '/v3/auth/tokens', headers: { 'content-type': 'application/json', ...headers }, payload })

const unauthorized = { code: 401, class: 'UnauthorizedError', details: 'Unauthorized', time: NOW }

describe('POST /v3/auth/tokens: what climc reads', () => {
  it('answers 201 with X-Subject-Token and a k8s catalog at the address the request came in on + /api', async () => {
    const t = await app()
    const res = await login(t, passwordBody({ name: 'sysadmin' }, 'anything', { name: 'system' }))
    expect(res.statusCode).toBe(201)
    const token = res.headers['x-subject-token']
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/)
    const body = res.json()
    expect(JSON.stringify(body)).not.toContain(token as string)
    const k8s = body.token.catalog.find((s: Body) => s.type === 'k8s')
    expect(k8s.endpoints.map((e: Body) => e.interface).sort()).toEqual(['admin', 'internal', 'public'])
    for (const e of k8s.endpoints) expect(e).toMatchObject({ url: `http://${HOST}/api`, region_id: 'region0', region: 'region0' })
    // climc's admin columns need project "system" and role "admin"; --use-cached-token needs expires_at.
    expect(body.token).toMatchObject({
      methods: ['password'],
      user: { name: 'sysadmin', domain: { id: 'default', name: 'Default' } },
      project: { name: 'system', domain: { id: 'default', name: 'Default' } },
      roles: [{ name: 'admin' }],
      issued_at: '2026-03-01T08:00:00.000000Z',
      expires_at: '2026-03-02T08:00:00.000000Z',
    })
    expect(body.token.expires_at).toMatch(KEYSTONE_TIME)
  })

  it('follows the Host header (another port, a name) and falls back to the socket without one', async () => {
    const t = await app()
    const other = await login(t, passwordBody({ name: 'u' }, 'p'), { host: 'localhost:31999' })
    expect(other.json().token.catalog[0].endpoints[0].url).toBe('http://localhost:31999/api')
    const odd = await login(t, passwordBody({ name: 'u' }, 'p'), { host: 'evil/path?x' })
    expect(odd.statusCode).toBe(201)
    expect(odd.json().token.catalog[0].endpoints[0].url).toMatch(/^http:\/\/[0-9a-f.:[\]]+(:\d+)?\/api$/)
  })

  it('puts the configured region on every endpoint (--region)', async () => {
    const t = await app({ region: 'eu-west-1' })
    const res = await login(t, passwordBody({ name: 'u' }, 'p'))
    for (const service of res.json().token.catalog) {
      for (const e of service.endpoints) expect(e).toMatchObject({ region_id: 'eu-west-1', region: 'eu-west-1' })
    }
  })

  it('accepts user and project domains, and echoes them', async () => {
    const t = await app()
    const res = await login(t, passwordBody({ name: 'sysadmin', domain: { name: 'Default' } }, 'p', { name: 'system', domain: { name: 'Default' } }))
    expect(res.statusCode).toBe(201)
    expect(res.json().token.project).toMatchObject({ name: 'system', domain: { id: 'default', name: 'Default' } })
    const other = await login(t, passwordBody({ name: 'u', domain: { name: 'corp' } }, 'p', { name: 'p1', domain: { name: 'corp' } }))
    expect(other.json().token.user.domain.name).toBe('corp')
    expect(other.json().token.project.domain.name).toBe('corp')
  })

  it('gives the same ids for the same names on every run', async () => {
    const t = await app()
    const a = (await login(t, passwordBody({ name: 'u' }, 'p', { name: 'system' }))).json().token
    const b = (await login(t, passwordBody({ name: 'u' }, 'q', { name: 'system' }))).json().token
    expect(a.user.id).toBe(b.user.id)
    expect(a.project.id).toBe(b.project.id)
  })

  it('issues an unscoped token (no project, no roles) with the catalog when no project is asked for', async () => {
    const t = await app()
    const res = await login(t, passwordBody({ name: 'u' }, 'p'))
    expect(res.statusCode).toBe(201)
    const token = res.json().token
    expect(token.project).toBeUndefined()
    expect(token.roles).toBeUndefined()
    expect(token.catalog.map((s: Body) => s.type)).toContain('k8s')
  })

  it('re-scopes an issued token (token method): same user, a new token, the parent expiry', async () => {
    const t = await app()
    const first = await login(t, passwordBody({ name: 'carol' }, 'p'))
    t.clock.advance(60_000)
    const second = await login(t, tokenBody(first.headers['x-subject-token'] as string, { name: 'system' }))
    expect(second.statusCode).toBe(201)
    expect(second.headers['x-subject-token']).not.toBe(first.headers['x-subject-token'])
    expect(second.json().token).toMatchObject({ methods: ['token'], user: { name: 'carol' }, project: { name: 'system' }, expires_at: first.json().token.expires_at })
  })
})

describe('POST /v3/auth/tokens in --auth verify', () => {
  it('logs in a --users user and refuses a wrong password or an unknown user with the flat 401', async () => {
    const t = await app(VERIFY)
    expect((await login(t, passwordBody({ name: 'alice' }, 'pw-alice', { name: 'system' }))).statusCode).toBe(201)
    for (const [user, password] of [['alice', 'wrong'], ['mallory', 'pw-alice'], ['alice', '']]) {
      const res = await login(t, passwordBody({ name: user! }, password!, { name: 'system' }))
      expect(res.statusCode, `${user}:${password}`).toBe(401)
      expect(res.headers['x-subject-token']).toBeUndefined()
      expect(res.json()).toEqual(unauthorized)
    }
  })

  it('scopes a bound user to its project by default and refuses another project', async () => {
    const t = await app(VERIFY)
    const res = await login(t, passwordBody({ name: 'bob' }, 'pw-bob'))
    expect(res.json().token.project.name).toBe('team')
    expect((await login(t, passwordBody({ name: 'bob' }, 'pw-bob', { name: 'team' }))).statusCode).toBe(201)
    const other = await login(t, passwordBody({ name: 'bob' }, 'pw-bob', { name: 'system' }))
    expect(other.statusCode).toBe(401)
    expect(other.json()).toEqual(unauthorized)
  })

  it('accepts an issued token or a --tokens token (token method), not an unknown or expired one', async () => {
    const t = await app(VERIFY)
    const issued = (await login(t, passwordBody({ name: 'alice' }, 'pw-alice'))).headers['x-subject-token'] as string
    expect((await login(t, tokenBody(issued, { name: 'system' }))).statusCode).toBe(201)
    const fixed = await login(t, tokenBody('static-token', { name: 'system' }))
    expect(fixed.statusCode).toBe(201)
    expect(fixed.json().token.user.name).toBe('token-user')
    const unknown = await login(t, tokenBody('never-issued', { name: 'system' }))
    expect(unknown.statusCode).toBe(401)
    expect(unknown.json()).toEqual(unauthorized)
    t.clock.advance(24 * 3600_000)
    const expired = await login(t, tokenBody(issued))
    expect(expired.statusCode).toBe(401)
  })
})

describe('--auth verify with Keystone users only', () => {
  it('starts, logs climc users in, and refuses every CCE request (no AK/SK or token to match)', async () => {
    const t = await app({ auth: 'verify', users: [{ name: 'alice', password: 'pw' }], tokens: [], credentials: [] })
    expect((await login(t, passwordBody({ name: 'alice' }, 'pw'))).statusCode).toBe(201)
    const cce = await t.app.inject({ method: 'GET', url: '/cce/cam/v3/clusters/c1/releases', headers: { 'x-auth-token': 'anything' } })
    expect(cce.statusCode).toBe(401)
  })
})

describe('POST /v3/auth/tokens: malformed requests', () => {
  const cases: Array<[string, Body | string]> = [
    ['not JSON', '{"auth":'],
    ['no auth', { identity: {} }],
    ['no methods', { auth: { identity: {} } }],
    ['an unsupported method', { auth: { identity: { methods: ['totp'], totp: {} } } }],
    ['password method without a password', { auth: { identity: { methods: ['password'], password: { user: { name: 'u' } } } } }],
    ['password method without a user name', { auth: { identity: { methods: ['password'], password: { user: { password: 'p' } } } } }],
    ['token method without an id', { auth: { identity: { methods: ['token'], token: {} } } }],
    ['a password that is not a string', { auth: { identity: { methods: ['password'], password: { user: { name: 'u', password: 5 } } } } }],
  ]
  // A field the schema requires is the framework's MissingParameterError; any other fault InputParameterError.
  it.each(cases)('%s: 400 InputParameterError or MissingParameterError, no token', async (_name, payload) => {
    const t = await app()
    const res = await login(t, payload)
    expect(res.statusCode).toBe(400)
    expect(res.headers['x-subject-token']).toBeUndefined()
    expect(res.json()).toMatchObject({ code: 400, class: expect.stringMatching(/^(InputParameterError|MissingParameterError)$/), details: expect.any(String), time: NOW })
  })

  it('answers an empty body and another media type with the Cloudpods body too', async () => {
    const t = await app()
    const empty = await t.app.inject({ method: 'POST', url: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, payload: '' })
    expect(empty.statusCode).toBe(400)
    expect(empty.json()).toMatchObject({ code: 400, class: 'InputParameterError' })
    const text = await t.app.inject({ method: 'POST', url: '/v3/auth/tokens', headers: { 'content-type': 'text/plain' }, payload: 'x' })
    expect(text.statusCode).toBe(415)
    expect(text.json()).toMatchObject({ code: 415, class: expect.any(String), time: NOW })
  })

  it('answers unknown Keystone paths 404 in the Cloudpods body', async () => {
    const t = await app()
    const res = await t.app.inject({ method: 'GET', url: '/v3/projects' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ code: 404, class: 'NotFoundError', time: NOW })
  })
})

describe('journal redaction of Keystone secrets', () => {
  const journal = async (t: TestApp) => (await t.app.inject({ method: 'GET', url: '/_emulator/requests' })).json().requests as Body[]

  it('stores a login without its password or the token it issued, and a token login without its token', async () => {
    const t = await app()
    const first = await login(t, passwordBody({ name: 'sysadmin', domain: { name: 'Default' } }, 'S3cret-pw', { name: 'system' }))
    const issued = first.headers['x-subject-token'] as string
    await login(t, tokenBody(issued, { name: 'system' }))
    const entries = await journal(t)
    expect(entries).toHaveLength(2)
    const text = JSON.stringify(entries)
    expect(text).not.toContain('S3cret-pw')
    expect(text).not.toContain(issued)
    const [tokenLogin, passwordLogin] = entries as Array<{ request_body: string; status: number }>
    expect(passwordLogin!.status).toBe(201)
    expect(JSON.parse(passwordLogin!.request_body)).toEqual(passwordBody({ name: 'sysadmin', domain: { name: 'Default' } }, 'REDACTED', { name: 'system' }))
    expect(JSON.parse(tokenLogin!.request_body)).toEqual(tokenBody('REDACTED', { name: 'system' }))
  })

  it('redacts a malformed login body by pattern', async () => {
    const t = await app()
    await login(t, '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"u","password":"Leaky-pw"')
    await login(t, '{"auth":{"identity":{"methods":["token"],"token":{"id":"Leaky-token"}}},')
    const text = JSON.stringify(await journal(t))
    expect(text).not.toContain('Leaky-pw')
    expect(text).not.toContain('Leaky-token')
    expect(text).toContain('REDACTED')
  })
})

describe('issued tokens across a restart', () => {
  it('keep working on a file-backed emulator, and the file holds only their digests', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keystone-'))
    try {
      const file = join(dir, 'emulator.db')
      const clock = new ManualClock(NOW)
      const start = async () => {
        const db = openDatabase(file)
        const built = await buildApp({ config: defaultConfig({ db: file, ...VERIFY }), db, clock, logger: false, random: seededRandom(1) })
        return { built, db }
      }
      const first = await start()
      const res = await first.built.app.inject({ method: 'POST', url: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, payload: passwordBody({ name: 'alice' }, 'pw-alice') })
      const token = res.headers['x-subject-token'] as string
      expect(first.built.keystone.authenticate(token)?.user.name).toBe('alice')
      await first.built.app.close()
      first.db.close()
      for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f)).includes(token), f).toBe(false)

      const second = await start()
      expect(second.built.keystone.authenticate(token)?.user.name).toBe('alice')
      clock.advance(24 * 3600_000)
      expect(() => second.built.keystone.authenticate(token)).toThrow(/InvalidToken/)
      await second.built.app.close()
      second.db.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('cloudpodsAuthHook on /api', () => {
  async function api(overrides: Partial<EmulatorConfig>) {
    const t = await app(overrides)
    const scope = Fastify({ logger: false })
    await scope.register(async (s) => {
      registerCloudpodsAuth(s, { keystone: t.keystone, clock: t.clock })
      s.get('/api/releases', async (req) => ({ releases: [], user: req.keystoneGrant?.user.name ?? null }))
    })
    const get = (token?: string) => scope.inject({ method: 'GET', url: '/api/releases', headers: token === undefined ? {} : { 'x-auth-token': token } })
    const issue = async (user: string, password: string) => (await login(t, passwordBody({ name: user }, password))).headers['x-subject-token'] as string
    return { t, get, issue, close: () => scope.close() }
  }

  it('verify: only tokens issued here (or --tokens) pass; others get 401 InvalidToken, none 401 Unauthorized', async () => {
    const a = await api(VERIFY)
    const issued = await a.issue('alice', 'pw-alice')
    const ok = await a.get(issued)
    expect(ok.statusCode).toBe(200)
    expect(ok.json().user).toBe('alice')
    expect((await a.get('static-token')).statusCode).toBe(200)
    const bad = await a.get('made-up')
    expect(bad.statusCode).toBe(401)
    expect(bad.json()).toEqual({ code: 401, class: 'UnauthorizedError', details: 'InvalidToken', time: NOW })
    const none = await a.get()
    expect(none.statusCode).toBe(401)
    expect(none.json()).toEqual(unauthorized)
    a.t.clock.advance(24 * 3600_000)
    expect((await a.get(issued)).json()).toMatchObject({ details: 'InvalidToken' })
    await a.close()
  })

  it('presence: any X-Auth-Token passes, none is 401 Unauthorized', async () => {
    const a = await api({ auth: 'presence' })
    expect((await a.get('made-up')).statusCode).toBe(200)
    expect((await a.get(await a.issue('dave', 'x'))).json().user).toBe('dave')
    expect((await a.get()).json()).toEqual(unauthorized)
    await a.close()
  })

  it('off: nothing is checked', async () => {
    const a = await api({ auth: 'off' })
    expect((await a.get()).statusCode).toBe(200)
    await a.close()
  })
})
