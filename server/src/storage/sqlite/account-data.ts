/** Account data (global and per room) and its stream positions (migration 0003). */
import type { RoomId, UserId } from '../../core/ids.js';
import type { AccountDataEntry, AccountDataStore } from '../types.js';
import type { SqliteDatabase } from './open.js';
import type { WriteQueue } from './write-queue.js';

interface Row {
  room_id: string;
  type: string;
  content: string;
  stream_id: number;
}

/** Global account data is stored under the empty room ID. */
const GLOBAL = '';
/** Up to this many rooms are read with one point query each; more with one scan of the user's entries. */
const POINT_QUERY_ROOMS = 16;

const entryOf = (row: Row): AccountDataEntry => ({
  roomId: row.room_id === GLOBAL ? null : (row.room_id as RoomId),
  type: row.type,
  content: JSON.parse(row.content) as Record<string, unknown>,
  streamId: row.stream_id,
});

export function createSqliteAccountDataStore(db: SqliteDatabase, writes: WriteQueue): AccountDataStore {
  const nextPosition = db.prepare('UPDATE account_data_stream SET position = position + 1 WHERE id = 1 RETURNING position').pluck();
  const position = db.prepare('SELECT position FROM account_data_stream WHERE id = 1').pluck();
  const upsert = db.prepare(
    `INSERT INTO account_data (user_id, room_id, type, content, stream_id) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (user_id, room_id, type) DO UPDATE SET content = excluded.content, stream_id = excluded.stream_id`,
  );
  const selectOne = db.prepare('SELECT content FROM account_data WHERE user_id = ? AND room_id = ? AND type = ?').pluck();
  const selectGlobal = db.prepare(
    'SELECT room_id, type, content, stream_id FROM account_data WHERE user_id = ? AND room_id = \'\' AND stream_id <= ?',
  );
  const selectRoom = db.prepare('SELECT room_id, type, content, stream_id FROM account_data WHERE user_id = ? AND room_id = ? AND stream_id <= ?');
  const selectAllRooms = db.prepare(
    'SELECT room_id, type, content, stream_id FROM account_data WHERE user_id = ? AND room_id != \'\' AND stream_id <= ?',
  );
  const selectChanged = db.prepare(
    'SELECT room_id, type, content, stream_id FROM account_data WHERE user_id = ? AND stream_id > ? AND stream_id <= ? ORDER BY stream_id',
  );
  const selectLast = db.prepare('SELECT MAX(stream_id) FROM account_data WHERE user_id = ?').pluck();

  /** Writes one entry at the next position (inside a write job). */
  const write = (userId: UserId, roomId: RoomId | null, type: string, content: Record<string, unknown>): number => {
    const streamId = nextPosition.get() as number;
    upsert.run(userId, roomId ?? GLOBAL, type, JSON.stringify(content), streamId);
    return streamId;
  };
  const read = (userId: UserId, roomId: RoomId | null, type: string): Record<string, unknown> | null => {
    const json = selectOne.get(userId, roomId ?? GLOBAL, type) as string | undefined;
    return json === undefined ? null : (JSON.parse(json) as Record<string, unknown>);
  };

  return {
    put: (userId, roomId, type, content) => writes.run(() => write(userId, roomId, type, content)),

    update: (userId, roomId, type, change) =>
      writes.run(() => {
        const content = change(read(userId, roomId, type));
        if (content === null) return null;
        return { streamId: write(userId, roomId, type, content), content };
      }),

    get: async (userId, roomId, type) => read(userId, roomId, type),

    globalEntries: async (userId, upTo) => (selectGlobal.all(userId, upTo) as Row[]).map(entryOf),

    async roomEntries(userId, roomIds, upTo) {
      if (roomIds.length === 0) return [];
      if (roomIds.length <= POINT_QUERY_ROOMS) {
        return roomIds.flatMap((roomId) => (selectRoom.all(userId, roomId, upTo) as Row[]).map(entryOf));
      }
      const wanted = new Set<string>(roomIds);
      return (selectAllRooms.all(userId, upTo) as Row[]).filter((row) => wanted.has(row.room_id)).map(entryOf);
    },

    changedSince: async (userId, after, upTo) => (selectChanged.all(userId, after, upTo) as Row[]).map(entryOf),

    lastStreamIdOf: async (userId) => (selectLast.get(userId) as number | null) ?? 0,

    maxStreamId: async () => position.get() as number,
  };
}
