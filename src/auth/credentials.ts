/**
 * The emulator's credential store for `--auth verify`: AK/SK pairs (for SDK-HMAC-SHA256) and
 * X-Auth-Token values, each optionally bound to one project. Parsing is here so the config module
 * only wires flags; every error says how to fix it.
 */
import { readFileSync } from 'node:fs'
import { createHash, timingSafeEqual } from 'node:crypto'

export interface AkSkCredential {
  accessKey: string
  secretKey: string
  /** When set, the key may only be used for this project (X-Project-Id). */
  projectId?: string
}

export interface TokenCredential {
  token: string
  projectId?: string
}

/** A Keystone user for climc (`--users`), optionally bound to one project (by name). */
export interface KeystoneUser {
  name: string
  password: string
  /** When set, the user's tokens are scoped to this project only; it is also the default scope. */
  project?: string
}

/** Thrown for malformed credential input; the config layer turns it into a ConfigError. */
export class CredentialSyntaxError extends Error {}

const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/
// Huawei AKs are 20 upper-case letters/digits and SKs 40 letters/digits; the emulator is more
// lenient (test suites use short keys) but refuses what cannot survive the AK:SK:PROJECT syntax
// or an Authorization header: whitespace, ',', ':', '=' in the AK.
const ACCESS_KEY = /^[A-Za-z0-9_.~+/-]{1,128}$/
const SECRET_KEY = /^[^\s:,]{1,256}$/
const TOKEN = /^[^\s:,]{1,16384}$/

function checkProject(project: string | undefined, what: string, source: string): string | undefined {
  if (project === undefined) return undefined
  if (PROJECT_ID.test(project)) return project
  throw new CredentialSyntaxError(`${source}: project id of ${what} must be 1-64 letters, digits, '_' or '-' (got "${project}")`)
}

/** Entries from a comma list, or from `@FILE` (one entry per line, `#` starts a comment). */
function entries(raw: string, source: string): Array<{ text: string; where: string }> {
  const trimmed = raw.trim()
  if (trimmed === '') return []
  if (trimmed.startsWith('@')) {
    const file = trimmed.slice(1)
    let content: string
    try {
      content = readFileSync(file, 'utf8')
    } catch (err) {
      throw new CredentialSyntaxError(`${source}: cannot read credentials file "${file}": ${(err as Error).message}`)
    }
    return content.split(/\r?\n/).flatMap((line, i) => {
      const text = line.replace(/#.*$/, '').trim()
      return text === '' ? [] : [{ text, where: `${source} (${file} line ${i + 1})` }]
    })
  }
  return trimmed.split(',').map((text, i) => ({ text: text.trim(), where: `${source} (entry ${i + 1})` }))
}

/** `AK:SK[:PROJECT_ID][,AK:SK...]` or `@FILE`. An empty string means no credentials. */
export function parseCredentials(raw: string, source: string): AkSkCredential[] {
  const out: AkSkCredential[] = []
  const seen = new Map<string, string>()
  for (const { text, where } of entries(raw, source)) {
    const parts = text.split(':')
    const [accessKey = '', secretKey = '', projectId] = parts
    if (parts.length < 2 || parts.length > 3 || !ACCESS_KEY.test(accessKey) || !SECRET_KEY.test(secretKey)) {
      // Never echo the entry: it holds a secret key.
      throw new CredentialSyntaxError(`${where}: expected AK:SK or AK:SK:PROJECT_ID (AK without spaces, ',', ':' or '='; SK without spaces, ',' or ':')`)
    }
    const project = checkProject(projectId, `access key ${accessKey}`, where)
    const previous = seen.get(accessKey)
    if (previous !== undefined) {
      if (previous !== secretKey) throw new CredentialSyntaxError(`${where}: access key ${accessKey} is listed twice with different secret keys`)
      throw new CredentialSyntaxError(`${where}: access key ${accessKey} is listed twice; an AK can be bound to at most one project`)
    }
    seen.set(accessKey, secretKey)
    out.push(project === undefined ? { accessKey, secretKey } : { accessKey, secretKey, projectId: project })
  }
  return out
}

/** `TOKEN[:PROJECT_ID][,...]` or `@FILE`. */
export function parseTokens(raw: string, source: string): TokenCredential[] {
  const out: TokenCredential[] = []
  for (const { text, where } of entries(raw, source)) {
    const parts = text.split(':')
    const [token = '', projectId] = parts
    if (parts.length > 2 || !TOKEN.test(token)) {
      throw new CredentialSyntaxError(`${where}: expected TOKEN or TOKEN:PROJECT_ID (token without spaces, ',' or ':')`)
    }
    const project = checkProject(projectId, 'a token', where)
    out.push(project === undefined ? { token } : { token, projectId: project })
  }
  return out
}

// Keystone names: what climc can pass in OS_USERNAME / OS_PROJECT_NAME and `NAME:PASSWORD:PROJECT` can carry.
const KEYSTONE_NAME = /^[^\s:,]{1,128}$/
const KEYSTONE_PASSWORD = /^[^\s:,]{1,256}$/

/** `NAME:PASSWORD[:PROJECT][,...]` or `@FILE`. */
export function parseUsers(raw: string, source: string): KeystoneUser[] {
  const out: KeystoneUser[] = []
  const seen = new Set<string>()
  for (const { text, where } of entries(raw, source)) {
    const parts = text.split(':')
    const [name = '', password = '', project] = parts
    if (parts.length < 2 || parts.length > 3 || !KEYSTONE_NAME.test(name) || !KEYSTONE_PASSWORD.test(password)) {
      // Never echo the entry: it holds a password.
      throw new CredentialSyntaxError(`${where}: expected NAME:PASSWORD or NAME:PASSWORD:PROJECT (no spaces, ',' or ':' in any part)`)
    }
    if (project !== undefined && !KEYSTONE_NAME.test(project)) {
      throw new CredentialSyntaxError(`${where}: project of user ${name} must be 1-128 characters without spaces, ',' or ':'`)
    }
    if (seen.has(name)) throw new CredentialSyntaxError(`${where}: user ${name} is listed twice`)
    seen.add(name)
    out.push(project === undefined ? { name, password } : { name, password, project })
  }
  return out
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest()

/** Lookups used by the auth hook. Token comparison is constant-time over a digest. */
export class CredentialStore {
  readonly #byAk: Map<string, AkSkCredential>
  readonly #tokens: Array<{ digest: Buffer; grant: TokenCredential }>

  constructor(credentials: readonly AkSkCredential[], tokens: readonly TokenCredential[]) {
    this.#byAk = new Map(credentials.map((c) => [c.accessKey, c]))
    this.#tokens = tokens.map((grant) => ({ digest: digest(grant.token), grant }))
  }

  get isEmpty(): boolean {
    return this.#byAk.size === 0 && this.#tokens.length === 0
  }

  accessKey(ak: string): AkSkCredential | undefined {
    return this.#byAk.get(ak)
  }

  token(token: string): TokenCredential | undefined {
    const d = digest(token)
    let found: TokenCredential | undefined
    // Scan every grant so the time taken does not tell which one matched.
    for (const t of this.#tokens) if (timingSafeEqual(t.digest, d) && found === undefined) found = t.grant
    return found
  }
}
