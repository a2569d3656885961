import type { ProfilesStore } from '../types.js';
import type { SqliteDatabase } from './open.js';
import type { WriteQueue } from './write-queue.js';

export function createSqliteProfilesStore(db: SqliteDatabase, writes: WriteQueue): ProfilesStore {
  const select = db.prepare('SELECT field, value FROM profile_fields WHERE user_id = ? ORDER BY field');
  const upsert = db.prepare(
    'INSERT INTO profile_fields (user_id, field, value) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value',
  );
  const remove = db.prepare('DELETE FROM profile_fields WHERE user_id = ? AND field = ?');

  return {
    getProfile: async (userId) => {
      const profile: Record<string, unknown> = {};
      for (const row of select.all(userId) as Array<{ field: string; value: string }>) {
        profile[row.field] = JSON.parse(row.value);
      }
      return profile;
    },
    setField: (userId, field, value) =>
      writes.run(() => {
        if (value === null) remove.run(userId, field);
        else upsert.run(userId, field, JSON.stringify(value));
      }),
  };
}
