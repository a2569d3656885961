/**
 * Push actions on SQLite: written by an EventIndexer in the transaction that persists each new event (so
 * an event and the unread count it adds reach /sync together, spec "Receiving notifications"), read for
 * unread counts, the push badge and /notifications. Read positions come from the receipts table.
 * One row per event lists the users it notifies and highlights by number (migration 0007): a send into
 * a big room appends one row instead of one scattered index entry per member.
 * Spec: client-server-api "Receiving notifications", "Marking notifications as read" (push.md, v1.19).
 */
import type { EventId, RoomId, UserId } from '../../core/ids.js';
import type { NotificationRecord, PushActionRow, PushActionsStore, UnreadCountRow } from '../types.js';
import type { SqliteDatabase } from './open.js';
import type { EventIndexer } from './rooms.js';

/**
 * SQL for how far a user has read in a room (`room`) and thread (`thread`): the furthest of their m.read
 * and m.read.private receipts there (spec: "the receipt which is more recent/ahead must be used"); 0 when
 * none. Point lookups on the receipts primary key (room_id, receipt_type, user_id, thread_id).
 */
const readUpTo = (room: string, thread: string): string =>
  `(SELECT COALESCE(MAX(event_stream_ordering), 0) FROM receipts
    WHERE room_id = ${room} AND receipt_type IN ('m.read', 'm.read.private') AND user_id = @user AND thread_id = ${thread})`;

/** An unthreaded receipt reads everything up to it; a threaded one only its thread ('main' included). */
const unread = (room: string): string =>
  `a.stream_ordering > ${readUpTo(room, "''")} AND ${MENTIONED} AND a.stream_ordering > ${readUpTo('a.room_id', 'a.thread_id')}`;

/** The row lists the user (`@needle` is ',<id>,'). */
const MENTIONED = '(instr(a.notify_users, @needle) > 0 OR instr(a.highlight_users, @needle) > 0)';

const list = (ids: readonly number[]): string => `,${ids.join(',')},`;

export function createSqlitePushActions(db: SqliteDatabase): { store: PushActionsStore; indexer: EventIndexer } {
  const q = {
    userId: db.prepare('SELECT id FROM push_user_ids WHERE user_id = ?').pluck(),
    addUser: db.prepare('INSERT INTO push_user_ids (user_id) VALUES (?)'),
    insert: db.prepare(
      `INSERT OR REPLACE INTO event_push_actions (stream_ordering, room_id, thread_id, notify_users, highlight_users, event_id, ts, actions)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    eventStream: db.prepare('SELECT stream_ordering FROM events WHERE event_id = ?').pluck(),
    deleteAt: db.prepare('DELETE FROM event_push_actions WHERE stream_ordering = ?'),
    // Rooms (one /sync's, or the user's joined ones) drive the join, each read from its receipt on through
    // the (room_id, stream_ordering) index.
    unread: db.prepare(
      `SELECT a.room_id, a.thread_id, SUM(instr(a.notify_users, @needle) > 0) AS notifs, SUM(instr(a.highlight_users, @needle) > 0) AS highlights
       FROM json_each(@rooms) AS r
       CROSS JOIN event_push_actions a INDEXED BY event_push_actions_room
       WHERE a.room_id = r.value AND ${unread('r.value')}
       GROUP BY a.room_id, a.thread_id`,
    ),
    badge: db.prepare(
      `SELECT COALESCE(SUM(instr(a.notify_users, @needle) > 0), 0) AS n
       FROM room_memberships m
       CROSS JOIN event_push_actions a INDEXED BY event_push_actions_room
       WHERE m.user_id = @user AND m.membership = 'join' AND a.room_id = m.room_id AND ${unread('m.room_id')}`,
    ),
    notifications: db.prepare(
      `SELECT a.stream_ordering, a.event_id, a.room_id, a.actions, instr(a.highlight_users, @needle) > 0 AS highlight, a.ts,
         NOT (${unread('a.room_id')}) AS read
       FROM event_push_actions a
       WHERE a.stream_ordering < @before AND a.room_id IN (SELECT room_id FROM room_memberships WHERE user_id = @user)
         AND ${MENTIONED} AND (@onlyHighlight = 0 OR instr(a.highlight_users, @needle) > 0)
       ORDER BY a.stream_ordering DESC LIMIT @limit`,
    ),
  };

  // User numbers never change once assigned: cached once read from the table. A number assigned by the
  // indexer is not cached there (its transaction could still roll back); the next read caches it.
  const ids = new Map<string, number>();
  const idOf = (userId: string): number | null => {
    const cached = ids.get(userId);
    if (cached !== undefined) return cached;
    const stored = q.userId.get(userId) as number | undefined;
    if (stored !== undefined) ids.set(userId, stored);
    return stored ?? null;
  };
  const assign = (userId: string): number => idOf(userId) ?? Number(q.addUser.run(userId).lastInsertRowid);

  const indexer: EventIndexer = (item, streamOrdering, roomId) => {
    // A redaction takes the redacted event's notifications with it (its content is gone).
    if (item.applyRedaction) {
      const redacted = q.eventStream.get(item.applyRedaction) as number | undefined;
      if (redacted !== undefined) q.deleteAt.run(redacted);
    }
    const rows = item.pushActions;
    if (!rows || rows.length === 0) return;
    const notify: number[] = [];
    const highlight: number[] = [];
    const groups = new Map<string, number[]>();
    for (const row of rows) {
      const id = assign(row.userId);
      if (row.notify) notify.push(id);
      if (row.highlight) highlight.push(id);
      const key = JSON.stringify(row.actions);
      const group = groups.get(key);
      if (group) group.push(id);
      else groups.set(key, [id]);
    }
    const threadId = (rows[0] as PushActionRow).threadId;
    const actions = JSON.stringify([...groups].map(([key, users]) => [JSON.parse(key) as unknown, users]));
    q.insert.run(streamOrdering, roomId, threadId, list(notify), list(highlight), item.event.eventId, item.event.pdu.origin_server_ts, actions);
  };

  const needleOf = (userId: UserId): string | null => {
    const id = idOf(userId);
    return id === null ? null : `,${id},`;
  };

  const store: PushActionsStore = {
    async unreadCounts(userId, roomIds) {
      const needle = needleOf(userId);
      if (roomIds.length === 0 || needle === null) return [];
      const rows = q.unread.all({ rooms: JSON.stringify(roomIds), user: userId, needle }) as Array<{
        room_id: string;
        thread_id: string;
        notifs: number;
        highlights: number;
      }>;
      return rows.map(
        (row): UnreadCountRow => ({ roomId: row.room_id as RoomId, threadId: row.thread_id, notifications: row.notifs, highlights: row.highlights }),
      );
    },

    async badgeCount(userId) {
      const needle = needleOf(userId);
      return needle === null ? 0 : (q.badge.get({ user: userId, needle }) as { n: number }).n;
    },

    async notifications(userId, query) {
      const id = idOf(userId);
      if (id === null) return [];
      const rows = q.notifications.all({
        user: userId,
        needle: `,${id},`,
        before: query.before ?? Number.MAX_SAFE_INTEGER,
        onlyHighlight: query.onlyHighlight ? 1 : 0,
        limit: query.limit,
      }) as Array<{ stream_ordering: number; event_id: string; room_id: string; actions: string; highlight: number; ts: number; read: number }>;
      return rows.map((row): NotificationRecord => {
        const groups = JSON.parse(row.actions) as Array<[unknown[], number[]]>;
        return {
          eventId: row.event_id as EventId,
          roomId: row.room_id as RoomId,
          streamOrdering: row.stream_ordering,
          actions: groups.find(([, users]) => users.includes(id))?.[0] ?? [],
          highlight: row.highlight === 1,
          ts: row.ts,
          read: row.read === 1,
        };
      });
    },
  };

  return { store, indexer };
}
