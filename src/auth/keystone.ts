/**
 * Keystone v3, just enough for climc (spec cloudpods-climc-wire.md §1): password and token logins
 * that issue tokens, and the check `/api` makes on X-Auth-Token.
 *
 *   off, presence  any user name and password get a token; any token can be re-scoped
 *   verify         only --users log in (a user bound to a project may only scope to it); only
 *                  tokens issued here (and not expired on the emulator's clock) or --tokens work
 *
 * Issued tokens are kept by the repository as SHA-256 digests, never in clear, so they outlive a
 * restart of a file-backed emulator as a real Keystone's do, and a copy of the database file does
 * not hand out working tokens. Domains are echoed, not checked: the emulator has one user namespace.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Clock } from '../clock.js'
import type { KeystoneUser, TokenCredential } from './credentials.js'

export type KeystoneAuthMode = 'off' | 'presence' | 'verify'

export interface NamedRef {
  id: string
  name: string
}

/** What a token stands for: stored with its digest, echoed in the token body. */
export interface TokenGrant {
  user: NamedRef & { domain: NamedRef }
  /** null for an unscoped token. */
  project: (NamedRef & { domain: NamedRef }) | null
  roles: NamedRef[]
  methods: string[]
  issuedAt: Date
  expiresAt: Date
  auditId: string
}

export interface StoredToken {
  /** Hex SHA-256 of the token. */
  digest: string
  grant: TokenGrant
}

/** Storage of issued tokens; the SQLite implementation is src/storage/keystone-token-repository.ts. */
export interface KeystoneTokenRepository {
  save(token: StoredToken): void
  find(digest: string): TokenGrant | undefined
  /** Drops tokens expired at `now`, then the oldest beyond `keep`; returns how many went. */
  prune(now: Date, keep: number): number
}

export interface DomainInput {
  id?: string | undefined
  name?: string | undefined
}

export type IdentityInput =
  | { method: 'password'; user: { name: string; domain?: DomainInput | undefined }; password: string }
  | { method: 'token'; token: string }

export interface AuthInput {
  identity: IdentityInput
  /** A project scope by name (or id), or none. */
  project?: { name?: string | undefined; id?: string | undefined; domain?: DomainInput | undefined } | undefined
}

export type KeystoneErrorReason = 'Unauthorized' | 'InvalidToken' | 'InputParameter'

/** A refusal with a stable reason; each dialect maps it to its body (src/wire/cloudpods/error-map.ts). */
export class KeystoneError extends Error {
  constructor(
    readonly reason: KeystoneErrorReason,
    message: string = reason,
  ) {
    super(message)
    this.name = 'KeystoneError'
  }
}

export interface KeystoneOptions {
  mode: KeystoneAuthMode
  users: readonly KeystoneUser[]
  /** --tokens: accepted on /api and as the token method in verify mode. */
  staticTokens: readonly TokenCredential[]
  clock: Clock
  tokens: KeystoneTokenRepository
  /** Lifetime of an issued token; Keystone's default, 24 hours, unless given. */
  ttlMs?: number
  /** Issued tokens kept at most (expired ones go first, then the oldest). */
  maxTokens?: number
  /** Token generator (tests); default 32 random bytes, base64url. */
  newToken?: () => string
}

export const DEFAULT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000
export const DEFAULT_MAX_TOKENS = 100_000
const PRUNE_EVERY = 256
const DEFAULT_DOMAIN: NamedRef = { id: 'default', name: 'Default' }
const ADMIN_ROLE = 'admin'
const STATIC_TOKEN_USER = 'token-user'

export const tokenDigest = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex')

/** A stable UUID-shaped id from a kind and a name, so the same name has the same id on every run. */
export function stableKeystoneId(kind: string, name: string): string {
  const h = createHash('sha256').update(`${kind}\0${name}`, 'utf8').digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

const sameSecret = (a: string, b: string): boolean => timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest())

function domainOf(input: DomainInput | undefined): NamedRef {
  if (input?.name !== undefined && input.name !== '') {
    return input.name === DEFAULT_DOMAIN.name ? DEFAULT_DOMAIN : { id: input.id || stableKeystoneId('domain', input.name), name: input.name }
  }
  if (input?.id !== undefined && input.id !== '' && input.id !== DEFAULT_DOMAIN.id) return { id: input.id, name: input.id }
  return DEFAULT_DOMAIN
}

export class KeystoneService {
  readonly mode: KeystoneAuthMode
  readonly #users: Map<string, KeystoneUser>
  readonly #static: Array<{ digest: Buffer; grant: TokenCredential }>
  readonly #clock: Clock
  readonly #repo: KeystoneTokenRepository
  readonly #ttlMs: number
  readonly #maxTokens: number
  readonly #newToken: () => string
  #issuedSincePrune = 0

  constructor(options: KeystoneOptions) {
    this.mode = options.mode
    this.#users = new Map(options.users.map((u) => [u.name, u]))
    this.#static = options.staticTokens.map((grant) => ({ digest: createHash('sha256').update(grant.token).digest(), grant }))
    this.#clock = options.clock
    this.#repo = options.tokens
    this.#ttlMs = options.ttlMs ?? DEFAULT_TOKEN_TTL_MS
    this.#maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS
    this.#newToken = options.newToken ?? (() => randomBytes(32).toString('base64url'))
  }

  /** POST /v3/auth/tokens. Throws KeystoneError('Unauthorized') for any refused login. */
  issue(input: AuthInput): { token: string; grant: TokenGrant } {
    const now = this.#clock.now()
    const who = input.identity.method === 'password' ? this.#passwordLogin(input.identity) : this.#tokenLogin(input.identity.token, now)
    const project = this.#scope(who.boundProject, input.project)
    const token = this.#newToken()
    const grant: TokenGrant = {
      user: who.user,
      project,
      roles: project === null ? [] : [{ id: stableKeystoneId('role', ADMIN_ROLE), name: ADMIN_ROLE }],
      methods: [input.identity.method],
      issuedAt: now,
      // A re-scoped token keeps its parent's expiry, as Keystone's does.
      expiresAt: who.expiresAt ?? new Date(now.getTime() + this.#ttlMs),
      auditId: randomBytes(16).toString('base64url'),
    }
    this.#repo.save({ digest: tokenDigest(token), grant })
    if (++this.#issuedSincePrune >= PRUNE_EVERY) {
      this.#issuedSincePrune = 0
      this.#repo.prune(now, this.#maxTokens)
    }
    return { token, grant }
  }

  /**
   * The check in front of `/api`: the grant of an issued token, `null` where any token (or none)
   * is accepted without one. Throws KeystoneError: 'Unauthorized' without a token (presence and
   * verify), 'InvalidToken' for a token verify mode does not know or that has expired.
   */
  authenticate(token: string | undefined): TokenGrant | null {
    if (this.mode === 'off') return token ? this.#issued(token, this.#clock.now()) ?? null : null
    if (token === undefined || token === '') throw new KeystoneError('Unauthorized')
    const now = this.#clock.now()
    const issued = this.#issued(token, now)
    if (issued) return issued
    if (this.mode === 'presence') return null
    const fixed = this.#staticToken(token)
    if (fixed) return this.#staticGrant(fixed, now)
    throw new KeystoneError('InvalidToken')
  }

  #issued(token: string, now: Date): TokenGrant | undefined {
    const grant = this.#repo.find(tokenDigest(token))
    return grant && grant.expiresAt.getTime() > now.getTime() ? grant : undefined
  }

  #staticToken(token: string): TokenCredential | undefined {
    const d = createHash('sha256').update(token).digest()
    let found: TokenCredential | undefined
    for (const t of this.#static) if (timingSafeEqual(t.digest, d) && found === undefined) found = t.grant
    return found
  }

  #staticGrant(fixed: TokenCredential, now: Date): TokenGrant {
    const project = fixed.projectId === undefined ? null : { id: stableKeystoneId('project', fixed.projectId), name: fixed.projectId, domain: DEFAULT_DOMAIN }
    return {
      user: { id: stableKeystoneId('user', STATIC_TOKEN_USER), name: STATIC_TOKEN_USER, domain: DEFAULT_DOMAIN },
      project,
      roles: [{ id: stableKeystoneId('role', ADMIN_ROLE), name: ADMIN_ROLE }],
      methods: ['token'],
      issuedAt: now,
      expiresAt: new Date(now.getTime() + this.#ttlMs),
      auditId: '',
    }
  }

  #passwordLogin(identity: Extract<IdentityInput, { method: 'password' }>): Who {
    const domain = domainOf(identity.user.domain)
    const name = identity.user.name
    if (name === '') throw new KeystoneError('Unauthorized')
    let boundProject: string | undefined
    if (this.mode === 'verify') {
      const known = this.#users.get(name)
      // Compare even when the user is unknown, so the time taken does not tell which it was.
      const ok = sameSecret(known?.password ?? '\0no-such-user', identity.password) && known !== undefined
      if (!ok) throw new KeystoneError('Unauthorized')
      boundProject = known.project
    }
    return { user: { id: stableKeystoneId('user', name), name, domain }, boundProject, expiresAt: undefined }
  }

  #tokenLogin(token: string, now: Date): Who {
    const issued = this.#issued(token, now)
    if (issued) {
      const bound = this.mode === 'verify' ? this.#users.get(issued.user.name)?.project : undefined
      return { user: issued.user, boundProject: bound, expiresAt: issued.expiresAt }
    }
    const fixed = this.#staticToken(token)
    if (this.mode === 'verify' && !fixed) throw new KeystoneError('Unauthorized')
    if (token === '') throw new KeystoneError('Unauthorized')
    return { user: { id: stableKeystoneId('user', STATIC_TOKEN_USER), name: STATIC_TOKEN_USER, domain: DEFAULT_DOMAIN }, boundProject: fixed?.projectId, expiresAt: undefined }
  }

  /** The requested project, or the user's bound project when none is asked for; a bound user may not leave it. */
  #scope(bound: string | undefined, requested: AuthInput['project']): TokenGrant['project'] {
    const domain = domainOf(requested?.domain)
    const byName = requested?.name !== undefined && requested.name !== '' ? requested.name : undefined
    const byId = requested?.id !== undefined && requested.id !== '' ? requested.id : undefined
    if (byName === undefined && byId === undefined) {
      return bound === undefined ? null : { id: stableKeystoneId('project', bound), name: bound, domain: DEFAULT_DOMAIN }
    }
    // An id names the project whose stable id it is (the bound one), else is taken as the name.
    const name = byName ?? (bound !== undefined && byId === stableKeystoneId('project', bound) ? bound : byId!)
    if (bound !== undefined && name !== bound) throw new KeystoneError('Unauthorized')
    return { id: stableKeystoneId('project', name), name, domain }
  }
}

interface Who {
  user: TokenGrant['user']
  boundProject: string | undefined
  expiresAt: Date | undefined
}

/** A Map-backed repository: tests, and anyone embedding the service without a database. */
export class MemoryKeystoneTokens implements KeystoneTokenRepository {
  readonly #tokens = new Map<string, TokenGrant>()
  save(token: StoredToken): void {
    this.#tokens.set(token.digest, token.grant)
  }
  find(digest: string): TokenGrant | undefined {
    return this.#tokens.get(digest)
  }
  prune(now: Date, keep: number): number {
    let removed = 0
    for (const [d, g] of this.#tokens) if (g.expiresAt.getTime() <= now.getTime() && this.#tokens.delete(d)) removed++
    for (const d of this.#tokens.keys()) {
      if (this.#tokens.size <= keep) break
      this.#tokens.delete(d)
      removed++
    }
    return removed
  }
  get size(): number {
    return this.#tokens.size
  }
}
