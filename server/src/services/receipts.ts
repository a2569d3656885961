/**
 * Read receipts and the 'receipts' stream /sync reads them from.
 * Spec: client-server-api "Receipts" (receipts.yaml, m.receipt; threaded receipts since v1.4), v1.19.
 * As Synapse: receipts only move forward per (room, type, user, thread); `m.fully_read` through this
 * endpoint sets the `m.fully_read` room account data (forward only too); `m.read.private` receipts are
 * shown to their own user only. Each room's last receipt position is kept in memory, so a /sync whose
 * rooms saw no receipt since its token costs no query.
 */
import { forbidden, invalidParam, notFound } from '../core/errors.js';
import type { EventId, RoomId, UserId } from '../core/ids.js';
import type { ReceiptRecord, ReceiptsStore, ReceiptType, RoomsStore, StoredEvent } from '../storage/types.js';
import type { Clock } from '../core/clock.js';
import type { Notifier } from './notifier.js';
import type { Requester } from './requester.js';
import type { RoomEventsService } from './room-events.js';
import type { RoomSections, SyncContext, SyncSource } from './sync-sources.js';

export const RECEIPT_TYPES = ['m.read', 'm.read.private', 'm.fully_read'] as const;
export type ClientReceiptType = (typeof RECEIPT_TYPES)[number];

/** Room account data the `m.fully_read` marker lives in (the account data service). */
export interface RoomAccountDataAccess {
  get(userId: UserId, roomId: RoomId, type: string): Promise<Record<string, unknown> | null>;
  set(userId: UserId, roomId: RoomId, type: string, content: Record<string, unknown>): Promise<void>;
}

export interface ReceiptsDeps {
  readonly receipts: ReceiptsStore;
  readonly rooms: Pick<RoomsStore, 'getEvents'>;
  readonly events: Pick<RoomEventsService, 'loadRoom' | 'membershipIn'>;
  readonly notifier: Pick<Notifier, 'rooms' | 'users'>;
  readonly clock: Clock;
  readonly roomAccountData: RoomAccountDataAccess;
  /** Positions loaded at startup (ReceiptsStore.streamPositions). */
  readonly initial: { readonly position: number; readonly rooms: ReadonlyMap<RoomId, number> };
  /** A receipt counts as activity for presence (Synapse bumps last_active on it). */
  readonly onActive?: ((userId: UserId) => void) | undefined;
  /** A receipt moved and is stored (not m.fully_read): the user's unread counts may have changed (push badge). */
  readonly onReceiptStored?: ((userId: UserId, roomId: RoomId) => void) | undefined;
}

/** Spec "Threaded read receipts": follow relations at most 3 hops. */
const MAX_RELATION_HOPS = 3;

interface Relation {
  readonly relType: string;
  readonly eventId: EventId;
}

function relationOf(event: StoredEvent): Relation | null {
  const relatesTo = (event.pdu.content as Record<string, unknown>)['m.relates_to'];
  if (typeof relatesTo !== 'object' || relatesTo === null) return null;
  const { rel_type: relType, event_id: eventId } = relatesTo as Record<string, unknown>;
  return typeof relType === 'string' && typeof eventId === 'string' ? { relType, eventId: eventId as EventId } : null;
}

export function createReceiptsService(deps: ReceiptsDeps) {
  const { receipts, rooms } = deps;
  let position = deps.initial.position;
  const lastInRoom = new Map<RoomId, number>(deps.initial.rooms);

  /**
   * Whether `event` belongs to `threadId` (Synapse's _is_event_in_thread): for `main`, it is not in a
   * thread; for a thread root, it is in that thread, is the root, or relates to the root by other relations.
   */
  async function inThread(event: StoredEvent, threadId: string): Promise<boolean> {
    const chain = new Set<EventId>([event.eventId]);
    let current: StoredEvent | undefined = event;
    for (let hop = 0; current && hop < MAX_RELATION_HOPS; hop++) {
      const relation = relationOf(current);
      if (!relation) break;
      if (relation.relType === 'm.thread') return relation.eventId === threadId;
      chain.add(relation.eventId);
      current = (await rooms.getEvents([relation.eventId])).get(relation.eventId);
    }
    return threadId === 'main' || chain.has(threadId as EventId);
  }

  async function setFullyRead(userId: UserId, roomId: RoomId, event: StoredEvent): Promise<void> {
    const existing = await deps.roomAccountData.get(userId, roomId, 'm.fully_read');
    const previousId = typeof existing?.event_id === 'string' ? (existing.event_id as EventId) : null;
    if (previousId === event.eventId) return;
    if (previousId !== null) {
      const previous = (await rooms.getEvents([previousId])).get(previousId);
      // Only ahead in the stream (Synapse's read marker handler); an unknown old event counts as behind.
      if (previous && previous.roomId === roomId && previous.streamOrdering >= event.streamOrdering) return;
    }
    await deps.roomAccountData.set(userId, roomId, 'm.fully_read', { event_id: event.eventId });
  }

  /** Each changed receipt of these rooms as m.receipt content, private ones only for their own user. */
  function aggregate(records: readonly ReceiptRecord[], viewer: UserId, ignored: ReadonlySet<UserId>): Map<RoomId, Record<string, Record<string, Record<string, unknown>>>> {
    const byRoom = new Map<RoomId, Record<string, Record<string, Record<string, unknown>>>>();
    for (const record of records) {
      if (record.receiptType === 'm.read.private' && record.userId !== viewer) continue;
      if (ignored.has(record.userId)) continue;
      let content = byRoom.get(record.roomId);
      if (!content) byRoom.set(record.roomId, (content = {}));
      const forEvent = (content[record.eventId] ??= {});
      const forType = (forEvent[record.receiptType] ??= {}) as Record<string, unknown>;
      forType[record.userId] = record.data;
    }
    return byRoom;
  }

  const source: SyncSource = {
    stream: 'receipts',
    current: () => position,
    async rooms(ctx: SyncContext, roomIds: readonly RoomId[]): Promise<ReadonlyMap<RoomId, RoomSections>> {
      const result = new Map<RoomId, RoomSections>();
      const since = ctx.since?.receipts ?? 0;
      if (ctx.since !== null && since >= position) return result;
      const wanted = roomIds.filter((roomId) => (lastInRoom.get(roomId) ?? 0) > since);
      if (wanted.length === 0) return result;
      const records = await receipts.receiptsInRooms(wanted, since, ctx.upTo.receipts);
      for (const [roomId, content] of aggregate(records, ctx.userId, ctx.ignored)) {
        result.set(roomId, { ephemeral: [{ type: 'm.receipt', content }] });
      }
      return result;
    },
  };

  return {
    /**
     * POST /rooms/{roomId}/receipt/{receiptType}/{eventId}, and the receipts of POST /read_markers.
     * @throws MatrixError 400 M_INVALID_PARAM (type, thread_id), 403 not joined, 404 unknown event
     */
    async setReceipt(requester: Requester, roomId: RoomId, receiptType: ClientReceiptType, eventId: string, threadId?: string): Promise<void> {
      if (!(RECEIPT_TYPES as readonly string[]).includes(receiptType)) {
        throw invalidParam(`Receipt type must be one of ${RECEIPT_TYPES.join(', ')}`);
      }
      if (threadId !== undefined) {
        if (typeof threadId !== 'string' || threadId.length === 0) throw invalidParam('thread_id field must be a non-empty string');
        if (receiptType === 'm.fully_read') throw invalidParam('thread_id is not compatible with m.fully_read receipts.');
      }
      const { userId } = requester;
      const room = await deps.events.loadRoom(roomId);
      if (!room || (await deps.events.membershipIn(room, userId)) !== 'join') throw forbidden(`User ${userId} not in room ${roomId}`);
      const event = (await rooms.getEvents([eventId as EventId])).get(eventId as EventId);
      if (!event || event.roomId !== roomId) throw notFound('Event not found');
      if (threadId !== undefined && !(await inThread(event, threadId))) {
        throw invalidParam(`event_id ${eventId} is not related to thread ${threadId}`);
      }
      deps.onActive?.(userId);
      if (receiptType === 'm.fully_read') {
        await setFullyRead(userId, roomId, event);
        return;
      }
      const ts = deps.clock.now();
      const streamId = await receipts.setReceipt({
        roomId,
        receiptType: receiptType as ReceiptType,
        userId,
        threadId: threadId ?? '',
        eventId: event.eventId,
        eventStreamOrdering: event.streamOrdering,
        ts,
        data: threadId === undefined ? { ts } : { ts, thread_id: threadId },
      });
      if (streamId === null) return;
      position = Math.max(position, streamId);
      lastInRoom.set(roomId, Math.max(lastInRoom.get(roomId) ?? 0, streamId));
      // A private receipt concerns only its user's own syncs.
      if (receiptType === 'm.read.private') deps.notifier.users([userId]);
      else deps.notifier.rooms([roomId]);
      deps.onReceiptStored?.(userId, roomId);
    },

    source,
  };
}

export type ReceiptsService = ReturnType<typeof createReceiptsService>;
