import type { DeviceId, UserId } from '../../core/ids.js';
import type { AccessTokenInfo, SessionsStore } from '../types.js';
import type { DeviceOps } from './device-ops.js';
import type { SqliteDatabase } from './open.js';
import type { WriteQueue } from './write-queue.js';

interface TokenRow {
  id: number;
  user_id: string;
  device_id: string;
  expires_ts: number | null;
  used: number;
  refresh_token_id: number | null;
  is_guest: number;
  is_admin: number;
  deactivated: number;
}

interface RefreshRow {
  id: number;
  user_id: string;
  device_id: string;
  expires_ts: number | null;
  next_token_id: number | null;
}

export function createSqliteSessionsStore(db: SqliteDatabase, writes: WriteQueue, ops: DeviceOps): SessionsStore {
  const lookup = db.prepare(`SELECT t.id, t.user_id, t.device_id, t.expires_ts, t.used, t.refresh_token_id,
      u.is_guest, u.is_admin, u.deactivated
    FROM access_tokens t JOIN users u ON u.user_id = t.user_id WHERE t.token_hash = ?`);
  const markUsed = db.prepare('UPDATE access_tokens SET used = 1 WHERE id = ?');
  const deletePredecessors = db.prepare('DELETE FROM refresh_tokens WHERE next_token_id = ?');
  const selectRefresh = db.prepare('SELECT id, user_id, device_id, expires_ts, next_token_id FROM refresh_tokens WHERE token_hash = ?');
  // Has the successor pair been used: its refresh token exchanged, or its access token presented?
  const successorUsed = db.prepare(`SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE id = @id AND next_token_id IS NOT NULL)
    OR EXISTS (SELECT 1 FROM access_tokens WHERE refresh_token_id = @id AND used = 1)`).pluck();
  const deleteRefreshById = db.prepare('DELETE FROM refresh_tokens WHERE id = ?');
  const deleteAccessByRefresh = db.prepare('DELETE FROM access_tokens WHERE refresh_token_id = ?');
  const setNext = db.prepare('UPDATE refresh_tokens SET next_token_id = ? WHERE id = ?');
  const deviceExists = db.prepare('SELECT 1 FROM devices WHERE user_id = ? AND device_id = ?').pluck();

  return {
    createSession: (session) =>
      writes.run(() =>
        ops.openSession(session.userId, session.deviceId, session.deviceDisplayName, session.tokens, session.now),
      ),

    lookupAccessToken: async (tokenHash) => {
      const row = lookup.get(tokenHash) as TokenRow | undefined;
      if (!row) return null;
      const info: AccessTokenInfo = {
        tokenId: row.id,
        userId: row.user_id as UserId,
        deviceId: row.device_id as DeviceId,
        expiresTs: row.expires_ts,
        used: row.used === 1,
        refreshTokenId: row.refresh_token_id,
        isGuest: row.is_guest === 1,
        isAdmin: row.is_admin === 1,
        deactivated: row.deactivated === 1,
      };
      return info;
    },

    markAccessTokenUsed: (tokenId, refreshTokenId) =>
      writes.run(() => {
        markUsed.run(tokenId);
        if (refreshTokenId !== null) deletePredecessors.run(refreshTokenId);
      }),

    refresh: (oldRefreshHash, tokens, now) =>
      writes.run(() => {
        const old = selectRefresh.get(oldRefreshHash) as RefreshRow | undefined;
        if (!old || !deviceExists.get(old.user_id, old.device_id)) return { ok: false, reason: 'unknown' } as const;
        if (old.expires_ts !== null && old.expires_ts <= now) return { ok: false, reason: 'expired' } as const;
        // Spec: the old token stays valid until the new access or refresh token is used.
        if (old.next_token_id !== null) {
          if (successorUsed.get({ id: old.next_token_id }) === 1) return { ok: false, reason: 'superseded' } as const;
          // A retry (the client never got the last reply): the pair it never saw is replaced, as Synapse does.
          deleteAccessByRefresh.run(old.next_token_id);
          deleteRefreshById.run(old.next_token_id);
        }
        const userId = old.user_id as UserId;
        const deviceId = old.device_id as DeviceId;
        const newId = ops.issueTokens(userId, deviceId, tokens, now);
        setNext.run(newId, old.id);
        return { ok: true, userId, deviceId } as const;
      }),
  };
}
