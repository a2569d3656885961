/**
 * Unread notification counts for /sync: per joined room, the push actions after the user's read receipts
 * (one query for every room of the response). With `unread_thread_notifications` the main timeline's
 * counts are `unread_notifications` and each thread's are in `unread_thread_notifications` by root;
 * without it, everything unread in the room is in `unread_notifications`.
 * Spec: client-server-api "Receiving notifications", "Marking notifications as read" (push.md), sync.yaml
 * `unread_notifications` / `unread_thread_notifications`, "Threaded read receipts" (v1.19).
 */
import type { RoomId } from '../core/ids.js';
import type { PushActionsStore } from '../storage/types.js';
import type { UnreadCounts, UnreadCountsFn } from './sync-sources.js';

interface Count {
  notification_count: number;
  highlight_count: number;
}

export function createUnreadCounts(deps: { readonly pushActions: Pick<PushActionsStore, 'unreadCounts'> }): UnreadCountsFn {
  return async (userId, roomIds, perThread) => {
    const rows = await deps.pushActions.unreadCounts(userId, roomIds);
    const main = new Map<RoomId, Count>();
    const threads = new Map<RoomId, Record<string, Count>>();
    for (const row of rows) {
      if (perThread && row.threadId !== 'main') {
        let byRoot = threads.get(row.roomId);
        if (!byRoot) threads.set(row.roomId, (byRoot = {}));
        byRoot[row.threadId] = { notification_count: row.notifications, highlight_count: row.highlights };
        continue;
      }
      const count = main.get(row.roomId) ?? { notification_count: 0, highlight_count: 0 };
      count.notification_count += row.notifications;
      count.highlight_count += row.highlights;
      main.set(row.roomId, count);
    }
    const result = new Map<RoomId, UnreadCounts>();
    for (const roomId of roomIds) {
      const counts: { unread_notifications: Count; unread_thread_notifications?: Record<string, Count> } = {
        unread_notifications: main.get(roomId) ?? { notification_count: 0, highlight_count: 0 },
      };
      // Synapse sends the field (possibly empty) whenever the client asked for thread counts.
      if (perThread) counts.unread_thread_notifications = threads.get(roomId) ?? {};
      result.set(roomId, counts);
    }
    return result;
  };
}
