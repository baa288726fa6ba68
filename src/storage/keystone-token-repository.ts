/** SQLite store of issued Keystone tokens (table `keystone_tokens`, migration 007), by digest only. */
import type { KeystoneTokenRepository, StoredToken, TokenGrant } from '../auth/keystone.js'
import type { DatabaseHandle } from './db.js'

type StoredGrant = Omit<TokenGrant, 'issuedAt' | 'expiresAt'>

export class SqliteKeystoneTokenRepository implements KeystoneTokenRepository {
  readonly #insert
  readonly #find
  readonly #deleteExpired
  readonly #deleteOldest
  readonly #count

  constructor(db: DatabaseHandle) {
    this.#insert = db.prepare('INSERT OR REPLACE INTO keystone_tokens (token_sha256, grant_json, issued_at, expires_at) VALUES (?, ?, ?, ?)')
    this.#find = db.prepare<[string], { grant_json: string; issued_at: number; expires_at: number }>(
      'SELECT grant_json, issued_at, expires_at FROM keystone_tokens WHERE token_sha256 = ?',
    )
    this.#deleteExpired = db.prepare('DELETE FROM keystone_tokens WHERE expires_at <= ?')
    this.#deleteOldest = db.prepare(
      'DELETE FROM keystone_tokens WHERE token_sha256 IN (SELECT token_sha256 FROM keystone_tokens ORDER BY issued_at, token_sha256 LIMIT ?)',
    )
    this.#count = db.prepare<[], number>('SELECT count(*) FROM keystone_tokens').pluck()
  }

  save({ digest, grant }: StoredToken): void {
    const { issuedAt, expiresAt, ...rest } = grant
    this.#insert.run(digest, JSON.stringify(rest satisfies StoredGrant), issuedAt.getTime(), expiresAt.getTime())
  }

  find(digest: string): TokenGrant | undefined {
    const row = this.#find.get(digest)
    if (!row) return undefined
    return { ...(JSON.parse(row.grant_json) as StoredGrant), issuedAt: new Date(row.issued_at), expiresAt: new Date(row.expires_at) }
  }

  prune(now: Date, keep: number): number {
    let removed = this.#deleteExpired.run(now.getTime()).changes
    const excess = (this.#count.get() ?? 0) - keep
    if (excess > 0) removed += this.#deleteOldest.run(excess).changes
    return removed
  }
}
