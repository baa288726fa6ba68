/** The Keystone token service (src/auth/keystone.ts) on a frozen clock, and its configuration. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KeystoneError, KeystoneService, MemoryKeystoneTokens, stableKeystoneId, tokenDigest, type KeystoneOptions } from '../../src/auth/keystone.js'
import { ManualClock } from '../../src/clock.js'
import { loadConfig } from '../../src/config.js'

const HOUR = 3600_000

function service(overrides: Partial<KeystoneOptions> = {}) {
  const clock = new ManualClock('2026-03-01T08:00:00Z')
  const tokens = new MemoryKeystoneTokens()
  let n = 0
  const keystone = new KeystoneService({
    mode: 'verify',
    users: [{ name: 'alice', password: 'pw' }, { name: 'bob', password: 'pw-bob', project: 'team' }],
    staticTokens: [{ token: 'fixed' }, { token: 'fixed-bound', projectId: 'p1' }],
    clock,
    tokens,
    newToken: () => `tok-${++n}`,
    ...overrides,
  })
  return { keystone, clock, tokens }
}

const password = (name: string, pw: string, project?: string) => ({
  identity: { method: 'password' as const, user: { name }, password: pw },
  ...(project === undefined ? {} : { project: { name: project } }),
})
const reason = (fn: () => unknown): string => {
  try {
    fn()
  } catch (err) {
    if (err instanceof KeystoneError) return err.reason
    throw err
  }
  return 'no error'
}

describe('KeystoneService.issue', () => {
  it('issues a 24-hour token on the emulator clock and stores only its digest', () => {
    const { keystone, tokens } = service()
    const { token, grant } = keystone.issue(password('alice', 'pw', 'system'))
    expect(token).toBe('tok-1')
    expect(grant).toMatchObject({ user: { name: 'alice', id: stableKeystoneId('user', 'alice') }, project: { name: 'system' }, roles: [{ name: 'admin' }], methods: ['password'] })
    expect(grant.expiresAt.getTime() - grant.issuedAt.getTime()).toBe(24 * HOUR)
    expect(tokens.find(tokenDigest(token))).toEqual(grant)
    expect(tokens.find(token)).toBeUndefined()
  })

  it('in verify mode refuses a wrong password, an unknown user and a bound user leaving its project', () => {
    const { keystone } = service()
    expect(reason(() => keystone.issue(password('alice', 'nope')))).toBe('Unauthorized')
    expect(reason(() => keystone.issue(password('zed', 'pw')))).toBe('Unauthorized')
    expect(reason(() => keystone.issue(password('bob', 'pw-bob', 'other')))).toBe('Unauthorized')
    expect(keystone.issue(password('bob', 'pw-bob')).grant.project?.name).toBe('team')
    expect(keystone.issue({ ...password('bob', 'pw-bob'), project: { id: stableKeystoneId('project', 'team') } }).grant.project?.name).toBe('team')
  })

  it('in presence and off modes logs in anyone with any password', () => {
    for (const mode of ['presence', 'off'] as const) {
      const { keystone } = service({ mode, users: [] })
      expect(keystone.issue(password('anyone', 'whatever', 'system')).grant.user.name).toBe('anyone')
    }
  })

  it('re-scopes an issued token until it expires; unknown tokens only outside verify mode', () => {
    const { keystone, clock } = service()
    const { token, grant } = keystone.issue(password('alice', 'pw'))
    clock.advance(HOUR)
    const again = keystone.issue({ identity: { method: 'token', token }, project: { name: 'system' } }).grant
    expect(again).toMatchObject({ user: { name: 'alice' }, project: { name: 'system' }, methods: ['token'] })
    expect(again.expiresAt).toEqual(grant.expiresAt)
    expect(keystone.issue({ identity: { method: 'token', token: 'fixed' } }).grant.user.name).toBe('token-user')
    expect(reason(() => keystone.issue({ identity: { method: 'token', token: 'unknown' } }))).toBe('Unauthorized')
    clock.advance(23 * HOUR)
    expect(reason(() => keystone.issue({ identity: { method: 'token', token } }))).toBe('Unauthorized')
    const presence = service({ mode: 'presence' }).keystone
    expect(presence.issue({ identity: { method: 'token', token: 'unknown' } }).grant.user.name).toBe('token-user')
  })
})

describe('KeystoneService.authenticate (the /api check)', () => {
  it('verify: issued and --tokens tokens pass, others are InvalidToken, none is Unauthorized', () => {
    const { keystone, clock } = service()
    const { token } = keystone.issue(password('alice', 'pw'))
    expect(keystone.authenticate(token)?.user.name).toBe('alice')
    expect(keystone.authenticate('fixed-bound')?.project?.name).toBe('p1')
    expect(reason(() => keystone.authenticate('forged'))).toBe('InvalidToken')
    expect(reason(() => keystone.authenticate(undefined))).toBe('Unauthorized')
    expect(reason(() => keystone.authenticate(''))).toBe('Unauthorized')
    clock.advance(24 * HOUR)
    expect(reason(() => keystone.authenticate(token))).toBe('InvalidToken')
  })

  it('presence: any token passes (with its grant when issued here); off: anything passes', () => {
    const presence = service({ mode: 'presence' }).keystone
    expect(presence.authenticate('forged')).toBeNull()
    expect(presence.authenticate(presence.issue(password('u', 'p')).token)?.user.name).toBe('u')
    expect(reason(() => presence.authenticate(undefined))).toBe('Unauthorized')
    expect(service({ mode: 'off' }).keystone.authenticate(undefined)).toBeNull()
  })
})

describe('issued-token housekeeping', () => {
  it('drops expired tokens, then the oldest beyond the cap, as logins go on', () => {
    const { keystone, tokens, clock } = service({ mode: 'presence', maxTokens: 300 })
    const issue = (n: number) => {
      for (let i = 0; i < n; i++) keystone.issue(password('u', 'p'))
    }
    issue(200)
    clock.advance(25 * HOUR)
    issue(55)
    expect(tokens.size).toBe(255)
    issue(1) // the 256th login prunes: the 200 expired go
    expect(tokens.size).toBe(56)
    issue(256) // the 512th: 312 live, the 12 oldest go
    expect(tokens.size).toBe(300)
  })
})

describe('--users and --region', () => {
  const config = (argv: string[], env: Record<string, string> = {}) => {
    const parsed = loadConfig(argv, env)
    if (parsed.help) throw new Error('unexpected help')
    return parsed.config
  }

  it('default to region0 and no users; CCE_EMULATOR_REGION / CCE_EMULATOR_USERS follow the option pattern', () => {
    expect(config([])).toMatchObject({ region: 'region0', users: [] })
    expect(config([], { CCE_EMULATOR_REGION: 'r-env', CCE_EMULATOR_USERS: 'a:b' })).toMatchObject({ region: 'r-env', users: [{ name: 'a', password: 'b' }] })
    expect(config(['--region', 'r-flag'], { CCE_EMULATOR_REGION: 'r-env' }).region).toBe('r-flag')
    expect(() => config(['--region', 'bad region'])).toThrow(/--region must be/)
  })

  it('parse NAME:PASSWORD[:PROJECT] lists and @FILE, never echoing a password', () => {
    expect(config(['--users', 'sysadmin:pw:system,u2:p2']).users).toEqual([{ name: 'sysadmin', password: 'pw', project: 'system' }, { name: 'u2', password: 'p2' }])
    const dir = mkdtempSync(join(tmpdir(), 'users-'))
    try {
      const file = join(dir, 'users')
      writeFileSync(file, '# climc users\nsysadmin:pw:system\n\nu2:p2 # no project\n')
      expect(config(['--users', `@${file}`]).users).toHaveLength(2)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    expect(() => config(['--users', 'only-a-name'])).toThrow(/expected NAME:PASSWORD/)
    expect(() => config(['--users', 'a:Secret1,a:Secret2'])).toThrow(/listed twice/)
    try {
      config(['--users', 'a:Secret1:proj:extra'])
    } catch (err) {
      expect((err as Error).message).not.toContain('Secret1')
    }
  })

  it('let --auth verify start with Keystone users only', () => {
    expect(config(['--auth', 'verify', '--users', 'a:b']).auth).toBe('verify')
    expect(() => config(['--auth', 'verify'])).toThrow(/--users NAME:PASSWORD/)
  })
})
