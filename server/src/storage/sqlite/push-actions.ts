/**
 * Push actions on SQLite: written by an EventIndexer in the transaction that persists each new event (so
 * an event and the unread count it adds reach /sync together, spec "Receiving notifications"), read for
 * unread counts, the push badge and /notifications. Read positions come from the receipts table.
 * Spec: client-server-api "Receiving notifications", "Marking notifications as read" (push.md, v1.19).
 */
import type { EventId, RoomId, UserId } from '../../core/ids.js';
import type { NotificationRecord, PushActionsStore, UnreadCountRow } from '../types.js';
import type { SqliteDatabase } from './open.js';
import type { EventIndexer } from './rooms.js';

/**
 * SQL for how far a user has read in a room (`room`) and thread (`thread`): the furthest of their m.read
 * and m.read.private receipts there (spec: "the receipt which is more recent/ahead must be used"); 0 when
 * none. Point lookups on the receipts primary key (room_id, receipt_type, user_id, thread_id).
 */
function readUpTo(hasReceipts: boolean, room: string, thread: string): string {
  if (!hasReceipts) return '0';
  return `(SELECT COALESCE(MAX(event_stream_ordering), 0) FROM receipts
    WHERE room_id = ${room} AND receipt_type IN ('m.read', 'm.read.private') AND user_id = @user AND thread_id = ${thread})`;
}

export function createSqlitePushActions(db: SqliteDatabase): { store: PushActionsStore; indexer: EventIndexer } {
  // The receipts table comes with the receipts migration; a schema without it reads as "nothing read".
  const hasReceipts = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'receipts'").get() !== undefined;
  // An unthreaded receipt reads everything up to it; a threaded one only its thread ('main' included).
  const unreadFilter = (room: string) =>
    `a.stream_ordering > ${readUpTo(hasReceipts, room, "''")} AND a.stream_ordering > ${readUpTo(hasReceipts, 'a.room_id', 'a.thread_id')}`;

  // Rooms (one /sync's, or the user's joined ones) drive the join, each read from its receipt on through the
  // (room_id, user_id, stream_ordering) index: old, read push actions are never scanned.
  const q = {
    insert: db.prepare(
      `INSERT OR REPLACE INTO event_push_actions (room_id, event_id, user_id, thread_id, stream_ordering, actions, notif, highlight, ts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    deleteEvent: db.prepare('DELETE FROM event_push_actions WHERE event_id = ?'),
    unread: db.prepare(
      `SELECT a.room_id, a.thread_id, SUM(a.notif) AS notifs, SUM(a.highlight) AS highlights
       FROM json_each(@rooms) AS r
       CROSS JOIN event_push_actions a INDEXED BY event_push_actions_room_user
       WHERE a.room_id = r.value AND a.user_id = @user AND ${unreadFilter('r.value')}
       GROUP BY a.room_id, a.thread_id`,
    ),
    badge: db.prepare(
      `SELECT COALESCE(SUM(a.notif), 0) AS n
       FROM room_memberships m
       CROSS JOIN event_push_actions a INDEXED BY event_push_actions_room_user
       WHERE m.user_id = @user AND m.membership = 'join' AND a.room_id = m.room_id AND a.user_id = @user
         AND ${unreadFilter('m.room_id')}`,
    ),
    notifications: db.prepare(
      `SELECT a.event_id, a.room_id, a.stream_ordering, a.actions, a.highlight, a.ts,
         NOT (${unreadFilter('a.room_id')}) AS read
       FROM event_push_actions a
       WHERE a.user_id = @user AND a.stream_ordering < @before AND (@onlyHighlight = 0 OR a.highlight = 1)
       ORDER BY a.stream_ordering DESC LIMIT @limit`,
    ),
  };

  const indexer: EventIndexer = (item, streamOrdering, roomId) => {
    // A redaction takes the redacted event's notifications with it (its content is gone).
    if (item.applyRedaction) q.deleteEvent.run(item.applyRedaction);
    if (!item.pushActions) return;
    const { eventId, pdu } = item.event;
    for (const row of item.pushActions) {
      q.insert.run(
        roomId,
        eventId,
        row.userId,
        row.threadId,
        streamOrdering,
        JSON.stringify(row.actions),
        row.notify ? 1 : 0,
        row.highlight ? 1 : 0,
        pdu.origin_server_ts,
      );
    }
  };

  const store: PushActionsStore = {
    async unreadCounts(userId, roomIds) {
      if (roomIds.length === 0) return [];
      const rows = q.unread.all({ rooms: JSON.stringify(roomIds), user: userId }) as Array<{
        room_id: string;
        thread_id: string;
        notifs: number;
        highlights: number;
      }>;
      return rows.map(
        (row): UnreadCountRow => ({ roomId: row.room_id as RoomId, threadId: row.thread_id, notifications: row.notifs, highlights: row.highlights }),
      );
    },

    async badgeCount(userId: UserId) {
      return (q.badge.get({ user: userId }) as { n: number }).n;
    },

    async notifications(userId, query) {
      const rows = q.notifications.all({
        user: userId,
        before: query.before ?? Number.MAX_SAFE_INTEGER,
        onlyHighlight: query.onlyHighlight ? 1 : 0,
        limit: query.limit,
      }) as Array<{ event_id: string; room_id: string; stream_ordering: number; actions: string; highlight: number; ts: number; read: number }>;
      return rows.map(
        (row): NotificationRecord => ({
          eventId: row.event_id as EventId,
          roomId: row.room_id as RoomId,
          streamOrdering: row.stream_ordering,
          actions: JSON.parse(row.actions) as unknown[],
          highlight: row.highlight === 1,
          ts: row.ts,
          read: row.read === 1,
        }),
      );
    },
  };

  return { store, indexer };
}
