/**
 * Synchronous statements on devices and their tokens, shared by the stores that must change them inside
 * their own transaction (login takes over a device; a password change or deactivation logs devices out).
 */
import type { DeviceId, UserId } from '../../core/ids.js';
import type { NewTokens } from '../types.js';
import type { SqliteDatabase } from './open.js';

export type DeviceOps = ReturnType<typeof createDeviceOps>;

export function createDeviceOps(db: SqliteDatabase) {
  const listIds = db.prepare('SELECT device_id FROM devices WHERE user_id = ?').pluck();
  const deleteDevice = db.prepare('DELETE FROM devices WHERE user_id = ? AND device_id = ?');
  const deleteAccess = db.prepare('DELETE FROM access_tokens WHERE user_id = ? AND device_id = ?');
  const deleteRefresh = db.prepare('DELETE FROM refresh_tokens WHERE user_id = ? AND device_id = ?');
  // A deleted device's send-to-device inbox and transaction IDs go with it (0004-ephemeral).
  const deleteInbox = db.prepare('DELETE FROM device_inbox WHERE user_id = ? AND device_id = ?');
  const deleteInboxTxns = db.prepare('DELETE FROM device_inbox_txns WHERE user_id = ? AND device_id = ?');
  const upsertDevice = db.prepare(`
    INSERT INTO devices (user_id, device_id, display_name, created_ts) VALUES (@userId, @deviceId, @name, @now)
    ON CONFLICT (user_id, device_id) DO UPDATE SET display_name = coalesce(@name, display_name)`);
  const insertRefresh = db.prepare(
    'INSERT INTO refresh_tokens (token_hash, user_id, device_id, created_ts, expires_ts) VALUES (?, ?, ?, ?, ?)',
  );
  const insertAccess = db.prepare(`INSERT INTO access_tokens
    (token_hash, user_id, device_id, created_ts, expires_ts, refresh_token_id) VALUES (?, ?, ?, ?, ?, ?)`);

  const revokeTokens = (userId: UserId, deviceId: DeviceId): void => {
    deleteAccess.run(userId, deviceId);
    deleteRefresh.run(userId, deviceId);
  };

  return {
    revokeTokens,

    /** Deletes the devices and their tokens; returns those that existed. */
    deleteDevices(userId: UserId, deviceIds: readonly DeviceId[]): DeviceId[] {
      const deleted: DeviceId[] = [];
      for (const deviceId of deviceIds) {
        revokeTokens(userId, deviceId);
        deleteInbox.run(userId, deviceId);
        deleteInboxTxns.run(userId, deviceId);
        if (deleteDevice.run(userId, deviceId).changes > 0) deleted.push(deviceId);
      }
      return deleted;
    },

    allDeviceIds(userId: UserId): DeviceId[] {
      return listIds.all(userId) as DeviceId[];
    },

    /** Creates the device, or takes it over (revoking its old tokens), then issues the new tokens. */
    openSession(userId: UserId, deviceId: DeviceId, displayName: string | null, tokens: NewTokens, now: number): void {
      revokeTokens(userId, deviceId);
      upsertDevice.run({ userId, deviceId, name: displayName, now });
      issueTokens(userId, deviceId, tokens, now);
    },

    issueTokens,
  };

  function issueTokens(userId: UserId, deviceId: DeviceId, tokens: NewTokens, now: number): number | null {
    const refreshId = tokens.refresh
      ? Number(insertRefresh.run(tokens.refresh.tokenHash, userId, deviceId, now, tokens.refresh.expiresTs).lastInsertRowid)
      : null;
    insertAccess.run(tokens.accessTokenHash, userId, deviceId, now, tokens.accessExpiresTs, refreshId);
    return refreshId;
  }
}
