/**
 * POST /rooms/{roomId}/read_markers: the fully read marker (room account data `m.fully_read`) and,
 * in the same call, the `m.read` / `m.read.private` receipts.
 * Spec: client-server-api "Read and unread markers" (read_markers.md, read_markers.yaml), v1.19.
 * As Synapse's handlers/read_marker.py: the marker only moves forward, and only to an event of the room.
 */
import { badJson, forbidden, notFound } from '../core/errors.js';
import type { EventId, RoomId, UserId } from '../core/ids.js';
import type { RoomsStore, StoredEvent } from '../storage/types.js';
import { checkRoomId, FULLY_READ, type AccountDataService } from './account-data.js';
import type { Requester } from './requester.js';

/** Sets a read receipt exactly as POST /rooms/{roomId}/receipt/{receiptType}/{eventId} does (the receipts service). */
export type SetReceipt = (requester: Requester, roomId: RoomId, receiptType: 'm.read' | 'm.read.private', eventId: string) => Promise<void>;

export interface ReadMarkersDeps {
  readonly accountData: Pick<AccountDataService, 'getInternal' | 'setRoomAccountDataInternal'>;
  readonly rooms: Pick<RoomsStore, 'membershipsOf' | 'getEvents'>;
  readonly setReceipt: SetReceipt;
}

const MARKER_KEYS = [FULLY_READ, 'm.read', 'm.read.private'] as const;
type MarkerKey = (typeof MARKER_KEYS)[number];

/** Timeline order: (depth, stream ordering), as Synapse's get_event_ordering compares. */
const isAfter = (a: StoredEvent, b: StoredEvent): boolean =>
  a.pdu.depth > b.pdu.depth || (a.pdu.depth === b.pdu.depth && a.streamOrdering > b.streamOrdering);

export function createReadMarkersService(deps: ReadMarkersDeps) {
  const { accountData, rooms } = deps;
  // Marker updates per (user, room) run one after another, so "only forward" compares with the latest.
  const queues = new Map<string, Promise<void>>();

  function serialized(key: string, job: () => Promise<void>): Promise<void> {
    const run = (queues.get(key) ?? Promise.resolve()).then(job);
    const tail = run.catch(() => undefined);
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return run;
  }

  async function moveFullyRead(userId: UserId, roomId: RoomId, target: StoredEvent): Promise<void> {
    await serialized(`${userId}\n${roomId}`, async () => {
      const current = (await accountData.getInternal(userId, roomId, FULLY_READ))?.event_id;
      if (typeof current === 'string' && current !== target.eventId) {
        const old = (await rooms.getEvents([current as EventId])).get(current as EventId);
        // An old marker on an event no longer known is simply replaced.
        if (old && old.roomId === roomId && !isAfter(target, old)) return;
      } else if (current === target.eventId) {
        return;
      }
      await accountData.setRoomAccountDataInternal(userId, roomId, FULLY_READ, { event_id: target.eventId });
    });
  }

  return {
    /**
     * Sets whichever of `m.fully_read`, `m.read` and `m.read.private` the body names (others are ignored,
     * as Synapse does, for forward compatibility).
     * @throws 400 M_BAD_JSON for a non-string event ID, 403 when not joined, 404 for an event not in the room
     */
    async setReadMarkers(requester: Requester, roomIdParam: string, body: Record<string, unknown>): Promise<void> {
      const roomId = checkRoomId(roomIdParam);
      const wanted = new Map<MarkerKey, EventId>();
      for (const key of MARKER_KEYS) {
        const value = body[key];
        if (value === undefined || value === null || value === '') continue;
        if (typeof value !== 'string') throw badJson(`${key} must be an event ID`);
        wanted.set(key, value as EventId);
      }
      const membership = (await rooms.membershipsOf(requester.userId)).find((m) => m.roomId === roomId);
      if (membership?.membership !== 'join') throw forbidden(`User ${requester.userId} not in room ${roomId}`);
      if (wanted.size === 0) return;

      const found = await rooms.getEvents([...new Set(wanted.values())]);
      for (const eventId of wanted.values()) {
        if (found.get(eventId)?.roomId !== roomId) throw notFound(`Could not find event ${eventId}`);
      }
      const fullyRead = wanted.get(FULLY_READ);
      if (fullyRead !== undefined) await moveFullyRead(requester.userId, roomId, found.get(fullyRead) as StoredEvent);
      for (const type of ['m.read', 'm.read.private'] as const) {
        const eventId = wanted.get(type);
        if (eventId !== undefined) await deps.setReceipt(requester, roomId, type, eventId);
      }
    },
  };
}

export type ReadMarkersService = ReturnType<typeof createReadMarkersService>;
