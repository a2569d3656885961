import type { DeviceId, UserId } from '../../core/ids.js';
import type { NewAccount, RegisterResult, UserRecord, UsersStore } from '../types.js';
import type { DeviceOps } from './device-ops.js';
import type { SqliteDatabase } from './open.js';
import type { WriteQueue } from './write-queue.js';

interface UserRow {
  user_id: string;
  password_hash: string | null;
  is_admin: number;
  is_guest: number;
  deactivated: number;
  created_ts: number;
}

const toUser = (row: UserRow): UserRecord => ({
  userId: row.user_id as UserId,
  passwordHash: row.password_hash,
  isAdmin: row.is_admin === 1,
  isGuest: row.is_guest === 1,
  deactivated: row.deactivated === 1,
  createdTs: row.created_ts,
});

export function createSqliteUsersStore(db: SqliteDatabase, writes: WriteQueue, devices: DeviceOps): UsersStore {
  const selectUser = db.prepare('SELECT * FROM users WHERE user_id = ?');
  const userExists = db.prepare('SELECT 1 FROM users WHERE user_id = ?').pluck();
  const insertUser = db.prepare(`INSERT INTO users (user_id, password_hash, is_admin, is_guest, created_ts)
    VALUES (@userId, @passwordHash, @isAdmin, @isGuest, @now)`);
  const nextGuest = db.prepare(
    'UPDATE guest_localpart_seq SET next_value = next_value + 1 WHERE id = 1 RETURNING next_value - 1 AS value',
  ).pluck();
  const setProfileField = db.prepare(
    'INSERT INTO profile_fields (user_id, field, value) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value',
  );
  const completeToken = db.prepare(
    'UPDATE registration_tokens SET pending = max(pending - 1, 0), completed = completed + 1 WHERE token = ?',
  );
  const deleteUia = db.prepare('DELETE FROM uia_sessions WHERE session_id = ?');
  const uiaToken = db.prepare('SELECT registration_token AS token FROM uia_sessions WHERE session_id = ?');
  const countUsers = db.prepare('SELECT count(*) FROM users').pluck();
  const hasAdmin = db.prepare('SELECT EXISTS (SELECT 1 FROM users WHERE is_admin = 1 AND deactivated = 0)').pluck();
  const setAdmin = db.prepare('UPDATE users SET is_admin = ? WHERE user_id = ?');
  const setPassword = db.prepare('UPDATE users SET password_hash = ? WHERE user_id = ?');
  const deactivate = db.prepare('UPDATE users SET deactivated = 1, password_hash = NULL WHERE user_id = ?');
  const clearProfile = db.prepare('DELETE FROM profile_fields WHERE user_id = ?');

  const registerTx = (account: NewAccount): RegisterResult => {
    let localpart = account.localpart;
    if (localpart === null) {
      // Skip numbers a (former) non-guest account already holds.
      do localpart = String(nextGuest.get());
      while (userExists.get(`@${localpart}:${account.serverName}`));
    }
    const userId = `@${localpart}:${account.serverName}` as UserId;
    if (userExists.get(userId)) return { ok: false, reason: 'user_in_use' };
    if (account.uiaSessionId !== null) {
      const session = uiaToken.get(account.uiaSessionId) as { token: string | null } | undefined;
      if (!session || session.token !== account.registrationToken) return { ok: false, reason: 'uia_session_gone' };
    }
    insertUser.run({
      userId,
      passwordHash: account.passwordHash,
      isAdmin: account.isAdmin ? 1 : 0,
      isGuest: account.isGuest ? 1 : 0,
      now: account.now,
    });
    if (account.displayName !== null) setProfileField.run(userId, 'displayname', JSON.stringify(account.displayName));
    if (account.registrationToken !== null) completeToken.run(account.registrationToken);
    if (account.uiaSessionId !== null) deleteUia.run(account.uiaSessionId);
    if (account.session) {
      const { deviceId, deviceDisplayName, tokens } = account.session;
      devices.openSession(userId, deviceId, deviceDisplayName, tokens, account.now);
    }
    return { ok: true, userId };
  };

  return {
    register: (account) => writes.run(() => registerTx(account)),

    getUser: async (userId) => {
      const row = selectUser.get(userId) as UserRow | undefined;
      return row ? toUser(row) : null;
    },

    countUsers: async () => countUsers.get() as number,

    hasAdmin: async () => hasAdmin.get() === 1,

    setAdmin: (userId, isAdmin) => writes.run(() => setAdmin.run(isAdmin ? 1 : 0, userId).changes > 0),

    setPasswordHash: (userId, hash, logout) =>
      writes.run(() => {
        setPassword.run(hash, userId);
        if (!logout) return [];
        const others = devices.allDeviceIds(userId).filter((id) => id !== logout.except);
        return devices.deleteDevices(userId, others);
      }),

    deactivate: (userId) =>
      writes.run(() => {
        deactivate.run(userId);
        devices.deleteDevices(userId, devices.allDeviceIds(userId) as DeviceId[]);
        clearProfile.run(userId);
      }),
  };
}
