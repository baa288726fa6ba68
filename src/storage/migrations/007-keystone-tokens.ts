import type { Migration } from './index.js'

/**
 * Keystone tokens issued by POST /v3/auth/tokens, so a climc that logged in before a restart of a
 * file-backed emulator keeps working until its token expires. Only the SHA-256 of a token is
 * stored: the file never holds a usable token. `grant_json` is what the token stands for (user,
 * project, roles, methods, audit id). Times are integer milliseconds since the epoch, on the
 * emulator's clock.
 */
export const migration007: Migration = {
  version: 7,
  name: 'keystone-tokens',
  up: `
    CREATE TABLE keystone_tokens (
      token_sha256 TEXT PRIMARY KEY,
      grant_json TEXT NOT NULL,
      issued_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX keystone_tokens_expires_at ON keystone_tokens (expires_at);
  `,
}
