/**
 * OpenID tokens on SQLite (migration 0008): the SHA-256 of each token, its user and expiry.
 * Spec: client-server-api "OpenID" (openid.yaml) and server-server-api openid/userinfo.
 */
import type { UserId } from '../../core/ids.js';
import type { OpenIdTokensStore } from '../types.js';
import type { SqliteDatabase } from './open.js';
import type { WriteQueue } from './write-queue.js';

export function createSqliteOpenIdTokensStore(db: SqliteDatabase, writes: WriteQueue): OpenIdTokensStore {
  const insert = db.prepare('INSERT INTO openid_tokens (token_hash, user_id, expires_ts) VALUES (?, ?, ?)');
  const expire = db.prepare('DELETE FROM openid_tokens WHERE expires_ts <= ?');
  const lookup = db.prepare('SELECT user_id FROM openid_tokens WHERE token_hash = ? AND expires_ts > ?').pluck();

  return {
    // Each write-queue job is its own transaction (a savepoint in the group commit).
    add: (tokenHash, userId, expiresTs, now) =>
      writes.run(() => {
        expire.run(now);
        insert.run(tokenHash, userId, expiresTs);
      }),
    async lookup(tokenHash, now) {
      return (lookup.get(tokenHash, now) as UserId | undefined) ?? null;
    },
  };
}
