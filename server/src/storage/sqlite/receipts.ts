/** Read receipts (spec "Receipts"): one row per (room, type, user, thread), replaced as the receipt moves forward. */
import type { EventId, RoomId, UserId } from '../../core/ids.js';
import type { NewReceipt, ReceiptRecord, ReceiptsStore, ReceiptType } from '../types.js';
import type { SqliteDatabase } from './open.js';
import type { WriteQueue } from './write-queue.js';

interface ReceiptRow {
  room_id: string;
  receipt_type: string;
  user_id: string;
  thread_id: string;
  event_id: string;
  event_stream_ordering: number;
  ts: number;
  data: string;
  stream_id: number;
}

const toRecord = (row: ReceiptRow): ReceiptRecord => ({
  roomId: row.room_id as RoomId,
  receiptType: row.receipt_type as ReceiptType,
  userId: row.user_id as UserId,
  threadId: row.thread_id,
  eventId: row.event_id as EventId,
  eventStreamOrdering: row.event_stream_ordering,
  ts: row.ts,
  data: JSON.parse(row.data) as Record<string, unknown>,
  streamId: row.stream_id,
});

/** SQLite's default limit on bound parameters is far above this; chunks keep each IN list modest. */
const CHUNK = 500;

export function createSqliteReceiptsStore(db: SqliteDatabase, writes: WriteQueue): ReceiptsStore {
  const existing = db
    .prepare('SELECT event_stream_ordering FROM receipts WHERE room_id = ? AND receipt_type = ? AND user_id = ? AND thread_id = ?')
    .pluck();
  const maxStream = db.prepare('SELECT COALESCE(MAX(stream_id), 0) FROM receipts').pluck();
  const upsert = db.prepare(`
    INSERT INTO receipts (room_id, receipt_type, user_id, thread_id, event_id, event_stream_ordering, ts, data, stream_id)
    VALUES (@roomId, @receiptType, @userId, @threadId, @eventId, @eventStreamOrdering, @ts, @data, @streamId)
    ON CONFLICT (room_id, receipt_type, user_id, thread_id) DO UPDATE SET
      event_id = excluded.event_id, event_stream_ordering = excluded.event_stream_ordering,
      ts = excluded.ts, data = excluded.data, stream_id = excluded.stream_id`);
  const latestByRoom = db.prepare('SELECT room_id, MAX(stream_id) AS stream_id FROM receipts GROUP BY room_id');
  const inRooms = (count: number) =>
    db.prepare(`SELECT * FROM receipts WHERE room_id IN (${new Array<string>(count).fill('?').join(', ')})
      AND stream_id > ? AND stream_id <= ? ORDER BY stream_id`);
  const statements = new Map<number, ReturnType<typeof inRooms>>();

  const setTx = db.transaction((receipt: NewReceipt): number | null => {
    const stored = existing.get(receipt.roomId, receipt.receiptType, receipt.userId, receipt.threadId) as number | undefined;
    if (stored !== undefined && stored >= receipt.eventStreamOrdering) return null;
    const streamId = (maxStream.get() as number) + 1;
    upsert.run({ ...receipt, data: JSON.stringify(receipt.data), streamId });
    return streamId;
  });

  return {
    setReceipt: (receipt) => writes.run(() => setTx(receipt)),

    async receiptsInRooms(roomIds, after, upTo) {
      const found: ReceiptRecord[] = [];
      for (let i = 0; i < roomIds.length; i += CHUNK) {
        const chunk = roomIds.slice(i, i + CHUNK);
        let statement = statements.get(chunk.length);
        if (!statement) statements.set(chunk.length, (statement = inRooms(chunk.length)));
        for (const row of statement.all(...chunk, after, upTo) as ReceiptRow[]) found.push(toRecord(row));
      }
      return found;
    },

    async streamPositions() {
      const rooms = new Map<RoomId, number>();
      for (const row of latestByRoom.all() as Array<{ room_id: string; stream_id: number }>) rooms.set(row.room_id as RoomId, row.stream_id);
      return { position: maxStream.get() as number, rooms };
    },
  };
}
