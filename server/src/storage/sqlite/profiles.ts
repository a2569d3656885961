import type { ProfilesStore, SetProfileFieldResult } from '../types.js';
import type { SqliteDatabase } from './open.js';
import type { WriteQueue } from './write-queue.js';

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

export function createSqliteProfilesStore(db: SqliteDatabase, writes: WriteQueue): ProfilesStore {
  const select = db.prepare('SELECT field, value FROM profile_fields WHERE user_id = ? ORDER BY field');
  const upsert = db.prepare(
    'INSERT INTO profile_fields (user_id, field, value) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value',
  );
  const remove = db.prepare('DELETE FROM profile_fields WHERE user_id = ? AND field = ?');

  const read = (userId: string): Record<string, unknown> => {
    const profile: Record<string, unknown> = {};
    for (const row of select.all(userId) as Array<{ field: string; value: string }>) {
      profile[row.field] = JSON.parse(row.value);
    }
    return profile;
  };

  return {
    getProfile: async (userId) => read(userId),

    setField: (userId, field, value, maxProfileBytes) =>
      writes.run((): SetProfileFieldResult => {
        const json = JSON.stringify(value === undefined ? null : value);
        if (maxProfileBytes !== undefined) {
          // Measured inside the write, so concurrent changes can't together pass the limit.
          const profile = read(userId);
          profile[field] = JSON.parse(json);
          if (utf8Bytes(JSON.stringify(profile)) >= maxProfileBytes) return { ok: false, reason: 'too_large' };
        }
        upsert.run(userId, field, json);
        return { ok: true };
      }),

    deleteField: (userId, field) => writes.run(() => void remove.run(userId, field)),
  };
}
