/**
 * The real climc (test/climc/climc.ts) logs in to the real CLI's Keystone and reaches its /api,
 * in presence and verify modes. Until the Cloudpods release routes exist, /api/releases answers
 * 404; what is asserted is that climc got there, through the catalog, with the token issued to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCli, type RunningCli } from '../helpers/cli.js'
import { CLIMC_VERSION, ensureClimc, runClimc } from './climc.js'

const status = await ensureClimc()
if (!status.ok) process.stderr.write(`climc client tier skipped: ${status.reason}\n`)

interface JournalEntry {
  method: string
  path: string
  query: string
  status: number
  request_headers: Record<string, string>
  request_body: string | null
}

async function journal(cli: RunningCli): Promise<JournalEntry[]> {
  const res = await fetch(`${cli.url}/_emulator/requests`)
  return ((await res.json()) as { requests: JournalEntry[] }).requests.reverse()
}

/** The token climc sent on its k8s call, as its --debug output prints it. */
const sentToken = (output: string): string | undefined => /X-Auth-Token: ([A-Za-z0-9_-]+)/.exec(output)?.[1]
const issuedToken = (output: string): string | undefined => /X-Subject-Token: ([A-Za-z0-9_-]+)/.exec(output)?.[1]

describe.skipIf(!status.ok)(`real climc (${CLIMC_VERSION}) against Keystone v3`, () => {
  let presence: RunningCli
  let verify: RunningCli

  beforeAll(async () => {
    ;[presence, verify] = await Promise.all([
      startCli(['--port', '0', '--db', ':memory:', '--region', 'region-e2e']),
      startCli(['--port', '0', '--db', ':memory:', '--auth', 'verify', '--users', 'sysadmin:S3cret-e2e:system,dev:dev-pw']),
    ])
  })
  afterAll(async () => {
    await Promise.all([presence?.stop(), verify?.stop()])
  })

  it('presence: logs in with any password and sends k8s-release-list to /api/releases with the issued token', async () => {
    const r = await runClimc(['--debug', 'k8s-release-list'], {
      authUrl: `${presence.url}/v3`,
      env: { OS_USERNAME: 'anyone', OS_PASSWORD: 'whatever', OS_PROJECT_NAME: 'system', OS_REGION_NAME: 'region-e2e' },
    })
    const output = `${r.stdout}\n${r.stderr}`
    const issued = issuedToken(output)
    expect(issued, output).toBeDefined()
    expect(sentToken(output)).toBe(issued)
    // The exit code is the release routes' business (1 while /api/releases is a 404): not asserted here.
    const entries = await journal(presence)
    const login = entries.find((e) => e.path === '/v3/auth/tokens')!
    expect(login).toMatchObject({ method: 'POST', status: 201 })
    expect(login.request_body).not.toContain('whatever')
    const list = entries.find((e) => e.path === '/api/releases')!
    expect(list.method).toBe('GET')
    expect(list.query).toBe('all=true&details=false&limit=20&offset=0')
    expect(list.request_headers['x-auth-token']).toBe('REDACTED')
    expect(list.request_headers['user-agent']).toMatch(/^yunioncloud-go/)
    // The token climc sent is one this emulator issued: the token method accepts it.
    const rescope = await fetch(`${presence.url}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['token'], token: { id: issued } } } }),
    })
    expect(((await rescope.json()) as { token: { user: { name: string } } }).token.user.name).toBe('anyone')
  })

  it('verify: a --users user logs in with user and project domains and reaches /api', async () => {
    const r = await runClimc(['--debug', 'k8s-release-list'], {
      authUrl: `${verify.url}/v3`,
      env: { OS_USERNAME: 'sysadmin', OS_PASSWORD: 'S3cret-e2e', OS_DOMAIN_NAME: 'Default', OS_PROJECT_NAME: 'system', OS_PROJECT_DOMAIN: 'Default' },
    })
    const output = `${r.stdout}\n${r.stderr}`
    expect(issuedToken(output), output).toBeDefined()
    expect(sentToken(output)).toBe(issuedToken(output))
    const entries = await journal(verify)
    expect(entries.filter((e) => e.path === '/v3/auth/tokens').map((e) => e.status)).toContain(201)
    expect(entries.some((e) => e.path === '/api/releases' && e.request_headers['x-auth-token'] === 'REDACTED')).toBe(true)
    expect(JSON.stringify(entries)).not.toContain('S3cret-e2e')
  })

  it('verify: a wrong password exits 1 with the 401 printed, and nothing reaches /api', async () => {
    const before = (await journal(verify)).length
    const r = await runClimc(['k8s-release-list'], {
      authUrl: `${verify.url}/v3`,
      env: { OS_USERNAME: 'sysadmin', OS_PASSWORD: 'wrong', OS_PROJECT_NAME: 'system' },
    })
    expect(r.code).toBe(1)
    const output = `${r.stdout}\n${r.stderr}`
    expect(output).toContain('UnauthorizedError')
    expect(output).toContain('401')
    const after = (await journal(verify)).slice(before)
    expect(after.map((e) => [e.path, e.status])).toEqual([['/v3/auth/tokens', 401]])
  })

  it('--use-cached-token reuses the cached token (expires_at in the future): one login for two runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'climc-cache-'))
    try {
      const before = (await journal(verify)).length
      const opts = { authUrl: `${verify.url}/v3`, tmpdir: dir, env: { OS_USERNAME: 'dev', OS_PASSWORD: 'dev-pw', OS_PROJECT_NAME: 'system' } }
      await runClimc(['k8s-release-list'], opts)
      await runClimc(['--use-cached-token', 'k8s-release-list'], opts)
      const after = (await journal(verify)).slice(before)
      expect(after.map((e) => e.path)).toEqual(['/v3/auth/tokens', '/api/releases', '/api/releases'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
