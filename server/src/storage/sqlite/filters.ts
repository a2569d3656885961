/** Sync filters uploaded with POST /user/{userId}/filter, numbered per user. */
import type { FiltersStore } from '../types.js';
import type { SqliteDatabase } from './open.js';
import type { WriteQueue } from './write-queue.js';

export function createSqliteFiltersStore(db: SqliteDatabase, writes: WriteQueue): FiltersStore {
  const next = db.prepare('SELECT COALESCE(MAX(filter_id) + 1, 0) AS id FROM user_filters WHERE user_id = ?');
  const insert = db.prepare('INSERT INTO user_filters (user_id, filter_id, json) VALUES (?, ?, ?)');
  const select = db.prepare('SELECT json FROM user_filters WHERE user_id = ? AND filter_id = ?');
  return {
    createFilter: (userId, json) =>
      writes.run(() => {
        const { id } = next.get(userId) as { id: number };
        insert.run(userId, id, json);
        return id;
      }),
    async getFilter(userId, filterId) {
      return (select.get(userId, filterId) as { json: string } | undefined)?.json ?? null;
    },
  };
}
