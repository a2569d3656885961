/**
 * GET /notifications: the events the user was notified about (their stored push actions), newest first,
 * each with the actions, whether it has been read (at or before the user's receipt), its room and time.
 * Tokens are stream orderings: the next page starts below the last one returned.
 * Spec: client-server-api "Listing Notifications" (notifications.yaml), v1.19.
 */
import { invalidParam } from '../core/errors.js';
import type { EventId } from '../core/ids.js';
import type { PushActionsStore, RoomsStore } from '../storage/types.js';
import type { ClientEvent, ClientEventsFormatter } from './client-events.js';
import type { Requester } from './requester.js';

export interface NotificationsDeps {
  readonly pushActions: Pick<PushActionsStore, 'notifications'>;
  readonly rooms: Pick<RoomsStore, 'getEvents'>;
  readonly clientEvents: ClientEventsFormatter;
}

export interface NotificationsQuery {
  readonly from?: string | undefined;
  readonly limit?: number | undefined;
  readonly only?: string | undefined;
}

/** Synapse's default page size, and an upper bound on it. */
export const DEFAULT_NOTIFICATIONS_LIMIT = 50;
export const MAX_NOTIFICATIONS_LIMIT = 1_000;

export interface NotificationView {
  actions: readonly unknown[];
  event: ClientEvent;
  read: boolean;
  room_id: string;
  ts: number;
}

export function createNotificationsService(deps: NotificationsDeps) {
  return {
    /** GET /notifications */
    async list(requester: Requester, query: NotificationsQuery): Promise<{ notifications: NotificationView[]; next_token?: string }> {
      let before: number | null = null;
      if (query.from !== undefined && query.from !== '') {
        if (!/^\d{1,15}$/.test(query.from)) throw invalidParam('Invalid from token');
        before = Number(query.from);
      }
      if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 0)) throw invalidParam('limit must be a non-negative integer');
      const limit = Math.min(query.limit ?? DEFAULT_NOTIFICATIONS_LIMIT, MAX_NOTIFICATIONS_LIMIT);
      // Only `highlight` is defined; other values filter nothing (as Synapse, which checks for "highlight" in it).
      const onlyHighlight = query.only !== undefined && query.only.includes('highlight');
      if (limit === 0) return { notifications: [] };
      const rows = await deps.pushActions.notifications(requester.userId, { before, limit, onlyHighlight });
      const events = await deps.rooms.getEvents(rows.map((row) => row.eventId as EventId));
      const notifications: NotificationView[] = [];
      for (const row of rows) {
        const event = events.get(row.eventId);
        if (!event) continue;
        const formatted = await deps.clientEvents.formatOne(event, { userId: requester.userId, deviceId: requester.deviceId });
        notifications.push({ actions: row.actions, event: formatted, read: row.read, room_id: row.roomId, ts: row.ts });
      }
      const last = rows.at(-1);
      return rows.length === limit && last ? { notifications, next_token: String(last.streamOrdering) } : { notifications };
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
