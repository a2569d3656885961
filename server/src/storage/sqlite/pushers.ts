/**
 * Pushers on SQLite. A pusher is unique per (app_id, pushkey, user_id); a trigger in the migration
 * deletes a device's pushers with the device.
 * Spec: client-server-api "Push Notifications" (pusher.yaml, v1.19).
 */
import type { DeviceId, UserId } from '../../core/ids.js';
import type { PusherRecord, PushersStore } from '../types.js';
import type { SqliteDatabase } from './open.js';
import type { WriteQueue } from './write-queue.js';

interface PusherRow {
  id: number;
  user_id: string;
  device_id: string;
  kind: string;
  app_id: string;
  pushkey: string;
  app_display_name: string;
  device_display_name: string;
  profile_tag: string | null;
  lang: string;
  data: string;
  pushkey_ts: number;
}

const COLUMNS = 'id, user_id, device_id, kind, app_id, pushkey, app_display_name, device_display_name, profile_tag, lang, data, pushkey_ts';

const toRecord = (row: PusherRow): PusherRecord => ({
  id: row.id,
  userId: row.user_id as UserId,
  deviceId: row.device_id as DeviceId,
  kind: row.kind,
  appId: row.app_id,
  pushkey: row.pushkey,
  appDisplayName: row.app_display_name,
  deviceDisplayName: row.device_display_name,
  profileTag: row.profile_tag,
  lang: row.lang,
  data: JSON.parse(row.data) as Record<string, unknown>,
  pushkeyTs: row.pushkey_ts,
});

export function createSqlitePushersStore(db: SqliteDatabase, writes: WriteQueue): PushersStore {
  const q = {
    upsert: db.prepare(
      `INSERT INTO pushers (user_id, device_id, kind, app_id, pushkey, app_display_name, device_display_name, profile_tag, lang, data, pushkey_ts)
       VALUES (@userId, @deviceId, @kind, @appId, @pushkey, @appDisplayName, @deviceDisplayName, @profileTag, @lang, @data, @pushkeyTs)
       ON CONFLICT (app_id, pushkey, user_id) DO UPDATE SET device_id = excluded.device_id, kind = excluded.kind,
         app_display_name = excluded.app_display_name, device_display_name = excluded.device_display_name,
         profile_tag = excluded.profile_tag, lang = excluded.lang, data = excluded.data, pushkey_ts = excluded.pushkey_ts`,
    ),
    deleteOthers: db.prepare('DELETE FROM pushers WHERE app_id = ? AND pushkey = ? AND user_id != ?'),
    delete: db.prepare('DELETE FROM pushers WHERE user_id = ? AND app_id = ? AND pushkey = ?'),
    ofUser: db.prepare(`SELECT ${COLUMNS} FROM pushers WHERE user_id = ? ORDER BY id`),
    ofUsers: db.prepare(`SELECT ${COLUMNS} FROM pushers WHERE user_id IN (SELECT value FROM json_each(?)) ORDER BY id`),
    byId: db.prepare(`SELECT ${COLUMNS} FROM pushers WHERE id = ?`),
    allUsers: db.prepare('SELECT DISTINCT user_id FROM pushers'),
  };
  // Users who may have pushers: a superset (deletions, including the device trigger's, aren't tracked), so
  // the send path skips the query for the common case of notified users without any pusher.
  const mayHavePushers = new Set<string>(q.allUsers.pluck().all() as string[]);

  return {
    setPusher: (pusher, append) =>
      writes.run(() => {
        if (!append) q.deleteOthers.run(pusher.appId, pusher.pushkey, pusher.userId);
        q.upsert.run({ ...pusher, data: JSON.stringify(pusher.data) });
        mayHavePushers.add(pusher.userId);
      }),
    deletePusher: (userId, appId, pushkey) => writes.run(() => q.delete.run(userId, appId, pushkey).changes > 0),
    async pushersOf(userId) {
      if (!mayHavePushers.has(userId)) return [];
      return (q.ofUser.all(userId) as PusherRow[]).map(toRecord);
    },
    async pushersOfUsers(userIds) {
      const candidates = userIds.filter((userId) => mayHavePushers.has(userId));
      if (candidates.length === 0) return [];
      return (q.ofUsers.all(JSON.stringify(candidates)) as PusherRow[]).map(toRecord);
    },
    async getPusher(id) {
      const row = q.byId.get(id) as PusherRow | undefined;
      return row ? toRecord(row) : null;
    },
  };
}
