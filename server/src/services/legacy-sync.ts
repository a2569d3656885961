/**
 * The pre-/sync endpoints the spec still documents and Synapse still serves, for older clients and test
 * suites: the event stream `GET /events` (and its room-scoped peeking form), `GET /initialSync`,
 * `GET /rooms/{roomId}/initialSync` and `GET /events/{eventId}`.
 * Spec: client-server-api old_sync.yaml, peeking_events.yaml, room_initial_sync.yaml (v1.19).
 * They are built on /sync (same tokens, so a client can move between them) and on the room read services
 * (same access rules). Their tokens never advance the to-device stream: these endpoints don't deliver
 * to-device messages, so they must not acknowledge them either.
 */
import { MatrixError, notFound } from '../core/errors.js';
import type { EventId, RoomId } from '../core/ids.js';
import type { RoomsStore, StoredEvent } from '../storage/types.js';
import type { ClientEvent, ClientEventsFormatter } from './client-events.js';
import type { HistoryVisibilityService } from './history-visibility.js';
import type { Notifier } from './notifier.js';
import type { RoomAccessService } from './room-access.js';
import type { RoomMessagesService } from './room-messages.js';
import type { RoomReadService } from './room-read.js';
import type { Requester } from './requester.js';
import { formatSyncToken, parseSyncToken, type StreamName, type SyncPosition } from './sync-sources.js';
import type { SyncService } from './sync.js';

export interface LegacySyncDeps {
  readonly sync: Pick<SyncService, 'sync' | 'currentPosition'>;
  readonly rooms: Pick<RoomsStore, 'getEvents' | 'membershipsOf' | 'getRoom' | 'recentEvents' | 'usersInRoom'>;
  readonly clientEvents: ClientEventsFormatter;
  readonly roomRead: Pick<RoomReadService, 'getEvent' | 'getState'>;
  readonly roomMessages: Pick<RoomMessagesService, 'messages'>;
  readonly access: Pick<RoomAccessService, 'check' | 'standingIn'>;
  readonly visibility: Pick<HistoryVisibilityService, 'canSee'>;
  readonly notifier: Notifier;
}

const NO_TO_DEVICE: ReadonlySet<StreamName> = new Set(['toDevice']);
/** Synapse's defaults for the legacy endpoints. */
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;
const MAX_TIMEOUT_MS = 5 * 60_000;
/** Events a room-scoped /events returns at most (the rest follow on the next call). */
const MAX_STREAM_CHUNK = 100;

type SyncBody = {
  next_batch: string;
  rooms: { join: Record<string, JoinedRoom>; invite: Record<string, unknown>; leave: Record<string, JoinedRoom> };
  presence: { events: ClientEvent[] };
  account_data: { events: ClientEvent[] };
};
interface JoinedRoom {
  timeline: { events: ClientEvent[]; prev_batch: string };
  state_after?: { events: ClientEvent[] };
  ephemeral?: { events: ClientEvent[] };
  account_data: { events: ClientEvent[] };
}

const withRoomId = (roomId: string, events: readonly ClientEvent[]): ClientEvent[] => events.map((event) => ({ ...event, room_id: roomId }));
const clampLimit = (limit: number | undefined): number => Math.min(Math.max(1, limit ?? DEFAULT_LIMIT), MAX_LIMIT);

export function createLegacySyncService(deps: LegacySyncDeps) {
  /** A token with the to-device stream held where it was (0 for a fresh one: nothing acknowledged). */
  const tokenWithoutToDevice = (position: SyncPosition, toDevice: number): string => formatSyncToken({ ...position, toDevice });

  /** GET /events?room_id=: new events of one room, for members and for peekers of world-readable rooms. */
  async function roomStream(requester: Requester, roomId: RoomId, from: SyncPosition, timeoutMs: number) {
    const { standing } = await deps.access.check(roomId, requester.userId, { allowDeparted: true });
    const deadline = Date.now() + timeoutMs;
    let upTo = deps.sync.currentPosition();
    const collect = async (): Promise<StoredEvent[]> => {
      const events = await deps.rooms.recentEvents(roomId, from.room, upTo.room, MAX_STREAM_CHUNK);
      const visible: StoredEvent[] = [];
      for (const event of events) if (await deps.visibility.canSee(standing, event)) visible.push(event);
      return visible;
    };
    let events = await collect();
    while (events.length === 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, deadline - Date.now());
        const stop = deps.notifier.listen({ userId: requester.userId, rooms: new Set([roomId]), wake: done });
        function done() {
          clearTimeout(timer);
          stop();
          resolve();
        }
        if (deps.notifier.position > upTo.room) done();
      });
      upTo = deps.sync.currentPosition();
      events = await collect();
    }
    // A chunk cut at MAX_STREAM_CHUNK ends at its last event, so the next call continues from there.
    const last = events.at(-1);
    const end = events.length === MAX_STREAM_CHUNK && last ? { ...upTo, room: last.streamOrdering } : upTo;
    return {
      start: tokenWithoutToDevice(from, from.toDevice),
      end: tokenWithoutToDevice(end, from.toDevice),
      chunk: await deps.clientEvents.format(events, { userId: requester.userId, deviceId: requester.deviceId }),
    };
  }

  return {
    /** GET /events: the deprecated event stream (timeline, ephemeral and presence events as they happen). */
    async events(requester: Requester, query: { from?: string | undefined; timeoutMs: number; roomId?: string | undefined }) {
      const from = query.from === undefined ? { ...deps.sync.currentPosition(), toDevice: 0 } : parseSyncToken(query.from);
      const timeoutMs = Math.min(Math.max(0, query.timeoutMs), MAX_TIMEOUT_MS);
      if (query.roomId !== undefined) {
        if (!query.roomId.startsWith('!')) throw new MatrixError('M_INVALID_PARAM', 'room_id must be a room ID');
        return roomStream(requester, query.roomId as RoomId, from, timeoutMs);
      }
      const since = formatSyncToken(from);
      const body = (await deps.sync.sync(requester, { since, timeoutMs, fullState: false, skipStreams: NO_TO_DEVICE })) as unknown as SyncBody;
      const chunk: ClientEvent[] = [];
      for (const [roomId, room] of Object.entries(body.rooms.join)) {
        chunk.push(...withRoomId(roomId, room.timeline.events), ...withRoomId(roomId, room.ephemeral?.events ?? []));
      }
      for (const [roomId, room] of Object.entries(body.rooms.leave)) chunk.push(...withRoomId(roomId, room.timeline.events));
      chunk.push(...body.presence.events);
      return { start: since, end: body.next_batch, chunk };
    },

    /** GET /initialSync: every room with its recent messages and current state, presence and account data. */
    async initialSync(requester: Requester, query: { limit?: number | undefined; archived: boolean }) {
      const limit = clampLimit(query.limit);
      const filter = JSON.stringify({ room: { include_leave: query.archived, timeline: { limit } } });
      const body = (await deps.sync.sync(requester, { timeoutMs: 0, fullState: false, filter, useStateAfter: true, skipStreams: NO_TO_DEVICE })) as unknown as SyncBody;
      const memberships = new Map((await deps.rooms.membershipsOf(requester.userId)).map((m) => [m.roomId as string, m]));
      const rooms: Record<string, unknown>[] = [];
      const roomInfo = async (roomId: string, room: JoinedRoom) => ({
        room_id: roomId,
        membership: memberships.get(roomId)?.membership ?? 'leave',
        messages: { start: room.timeline.prev_batch, end: body.next_batch, chunk: withRoomId(roomId, room.timeline.events) },
        state: withRoomId(roomId, room.state_after?.events ?? []),
        visibility: (await deps.rooms.getRoom(roomId as RoomId))?.isPublic ? 'public' : 'private',
        account_data: room.account_data.events,
      });
      for (const [roomId, room] of Object.entries(body.rooms.join)) rooms.push(await roomInfo(roomId, room));
      for (const [roomId, room] of Object.entries(body.rooms.leave)) rooms.push(await roomInfo(roomId, room));
      for (const roomId of Object.keys(body.rooms.invite)) {
        const membership = memberships.get(roomId);
        const invite = membership ? await deps.clientEvents.formatIds([membership.eventId as EventId], { userId: requester.userId, deviceId: requester.deviceId }) : [];
        rooms.push({ room_id: roomId, membership: 'invite', invite: invite[0], visibility: (await deps.rooms.getRoom(roomId as RoomId))?.isPublic ? 'public' : 'private' });
      }
      return {
        end: tokenWithoutToDevice(parseSyncToken(body.next_batch), 0),
        rooms,
        presence: body.presence.events,
        account_data: body.account_data.events,
      };
    },

    /**
     * GET /rooms/{roomId}/initialSync: one room's recent messages, state, members' presence and the user's
     * room account data, for members and departed members (through /sync), and for peekers of
     * world-readable rooms (messages and state only: they have no membership to sync).
     */
    async roomInitialSync(requester: Requester, roomId: RoomId, query: { limit?: number | undefined }) {
      const access = await deps.access.check(roomId, requester.userId, { allowDeparted: true });
      const limit = clampLimit(query.limit);
      const visibility = (await deps.rooms.getRoom(roomId))?.isPublic ? 'public' : 'private';
      if (access.membership === 'join' || access.membership === 'leave') {
        const members = new Set<string>(await deps.rooms.usersInRoom(roomId, 'join'));
        const filter = JSON.stringify({ room: { rooms: [roomId], include_leave: true, timeline: { limit } }, account_data: { not_types: ['*'] } });
        const body = (await deps.sync.sync(requester, { timeoutMs: 0, fullState: false, filter, useStateAfter: true, skipStreams: NO_TO_DEVICE })) as unknown as SyncBody;
        const room = body.rooms.join[roomId] ?? body.rooms.leave[roomId];
        if (room) {
          return {
            room_id: roomId,
            membership: access.membership,
            messages: { start: room.timeline.prev_batch, end: tokenWithoutToDevice(parseSyncToken(body.next_batch), 0), chunk: withRoomId(roomId, room.timeline.events) },
            state: withRoomId(roomId, room.state_after?.events ?? []),
            visibility,
            presence: body.presence.events.filter((event) => members.has(event.sender as string)),
            account_data: room.account_data.events,
          };
        }
      }
      const position = deps.sync.currentPosition();
      const page = await deps.roomMessages.messages(requester, roomId, { dir: 'b', limit });
      return {
        room_id: roomId,
        ...(access.membership ? { membership: access.membership } : {}),
        messages: { start: page.end ?? page.start, end: tokenWithoutToDevice(position, 0), chunk: [...page.chunk].reverse() },
        state: await deps.roomRead.getState(requester, roomId),
        visibility,
        presence: [],
        account_data: [],
      };
    },

    /** GET /events/{eventId}: an event by ID from any room the user may see it in; 404 otherwise. */
    async event(requester: Requester, eventId: EventId): Promise<ClientEvent> {
      const event = (await deps.rooms.getEvents([eventId])).get(eventId);
      if (!event) throw notFound('Event not found.');
      return deps.roomRead.getEvent(requester, event.roomId, eventId);
    },
  };
}

export type LegacySyncService = ReturnType<typeof createLegacySyncService>;
