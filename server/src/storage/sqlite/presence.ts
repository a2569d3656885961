/** Presence (spec "Presence"): each user's last announced state; the service holds them in memory. */
import type { UserId } from '../../core/ids.js';
import type { PresenceStateName, PresenceStore } from '../types.js';
import type { SqliteDatabase } from './open.js';
import type { WriteQueue } from './write-queue.js';

interface PresenceRow {
  user_id: string;
  state: string;
  status_msg: string | null;
  last_active_ts: number;
  last_user_sync_ts: number;
  currently_active: number;
  stream_id: number;
}

export function createSqlitePresenceStore(db: SqliteDatabase, writes: WriteQueue): PresenceStore {
  const upsert = db.prepare(`
    INSERT INTO presence (user_id, state, status_msg, last_active_ts, last_user_sync_ts, currently_active, stream_id)
    VALUES (@userId, @state, @statusMsg, @lastActiveTs, @lastUserSyncTs, @currentlyActive, @streamId)
    ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, status_msg = excluded.status_msg,
      last_active_ts = excluded.last_active_ts, last_user_sync_ts = excluded.last_user_sync_ts,
      currently_active = excluded.currently_active, stream_id = excluded.stream_id`);
  const all = db.prepare('SELECT * FROM presence ORDER BY stream_id');
  return {
    setPresence: (record) =>
      writes.run(() => {
        upsert.run({ ...record, currentlyActive: record.currentlyActive ? 1 : 0 });
      }),
    async allPresence() {
      return (all.all() as PresenceRow[]).map((row) => ({
        userId: row.user_id as UserId,
        state: row.state as PresenceStateName,
        statusMsg: row.status_msg,
        lastActiveTs: row.last_active_ts,
        lastUserSyncTs: row.last_user_sync_ts,
        currentlyActive: row.currently_active === 1,
        streamId: row.stream_id,
      }));
    },
  };
}
