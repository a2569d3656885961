/**
 * Reading a room: one event, its state, its members, and the event nearest a timestamp.
 * Spec: client-server-api rooms.yaml (GET event, state, members, joined_members) and
 * room_event_by_timestamp.yaml (v1.19); access as Synapse decides it (see room-access.ts).
 */
import { forbidden, MatrixError, notFound } from '../core/errors.js';
import type { EventId, RoomId, UserId } from '../core/ids.js';
import { EventType, isStateEvent, membershipOf, splitStateKey, stateKey, type Membership, type StateKey } from '../rooms/pdu.js';
import type { RoomsStore, StoredEvent } from '../storage/types.js';
import type { ClientEvent, ClientEventsFormatter, Viewer } from './client-events.js';
import type { HistoryVisibilityService } from './history-visibility.js';
import { requirePaginationToken } from './pagination-token.js';
import type { RoomAccessService } from './room-access.js';
import type { RoomEventsService } from './room-events.js';
import type { Requester } from './requester.js';

export interface RoomReadDeps {
  readonly events: Pick<RoomEventsService, 'loadRoom' | 'stateEvents'>;
  readonly rooms: Pick<RoomsStore, 'getEvents' | 'getStateGroup' | 'currentMembers' | 'lastEventAtOrBefore' | 'paginate' | 'eventAtTimestamp'>;
  readonly clientEvents: ClientEventsFormatter;
  readonly visibility: HistoryVisibilityService;
  readonly access: RoomAccessService;
  /** The users a user ignores (`m.ignored_user_list`): their non-state events are not shown. */
  readonly ignoredUsers?: ((userId: UserId) => Promise<ReadonlySet<UserId>>) | undefined;
}

export interface MembersQuery {
  readonly at?: string | undefined;
  readonly membership?: Membership | undefined;
  readonly notMembership?: Membership | undefined;
}

const viewerOf = (requester: Requester): Viewer => ({ userId: requester.userId, deviceId: requester.deviceId });

export function createRoomReadService(deps: RoomReadDeps) {
  const { rooms, clientEvents, access } = deps;

  /** The state a member list reads: as of `at` (a pagination or sync token), or what the requester may see now. */
  async function memberState(requester: Requester, roomId: RoomId, at: string | undefined): Promise<ReadonlyMap<StateKey, EventId>> {
    if (at === undefined) return (await access.check(roomId, requester.userId, { allowDeparted: true })).state;
    const token = requirePaginationToken(at, 'at');
    const last =
      token.kind === 'stream'
        ? await rooms.lastEventAtOrBefore(roomId, token.stream)
        : (await rooms.paginate({ roomId, from: { depth: token.depth, stream: token.stream + 1 }, direction: 'b', limit: 1 }))[0] ?? null;
    if (!last) throw notFound(`Can't find event for token ${at}`);
    const standing = await access.standingIn(roomId, requester.userId);
    if (!standing || !(await deps.visibility.canSee(standing.standing, last))) {
      throw forbidden(`User ${requester.userId} not allowed to view events in room ${roomId} at token ${at}`);
    }
    return rooms.getStateGroup(last.stateAfter);
  }

  return {
    /** GET /rooms/{roomId}/event/{eventId}: 404 when unknown, in another room, or not visible. */
    async getEvent(requester: Requester, roomId: RoomId, eventId: EventId): Promise<ClientEvent> {
      const event = (await rooms.getEvents([eventId])).get(eventId);
      const found = event && event.roomId === roomId ? await access.standingIn(roomId, requester.userId) : null;
      if (!event || !found || !(await deps.visibility.canSee(found.standing, event))) throw notFound('Event not found.');
      // Spec "Ignoring Users": an ignored user's non-state event is not sent (Synapse filter_events_for_client).
      if (!isStateEvent(event.pdu) && (await deps.ignoredUsers?.(requester.userId))?.has(event.pdu.sender as UserId)) throw notFound('Event not found.');
      return clientEvents.formatOne(event, viewerOf(requester));
    },

    /** GET /rooms/{roomId}/state */
    async getState(requester: Requester, roomId: RoomId): Promise<ClientEvent[]> {
      const { state } = await access.check(roomId, requester.userId, { allowDeparted: true });
      const events = await deps.events.stateEvents(state);
      return clientEvents.format([...events.values()], viewerOf(requester));
    },

    /** GET /rooms/{roomId}/state/{eventType}/{stateKey}: the content, or with format=event the whole event. */
    async getStateEvent(requester: Requester, roomId: RoomId, type: string, key: string, format: 'content' | 'event'): Promise<ClientEvent> {
      const { state } = await access.check(roomId, requester.userId, { allowDeparted: true });
      const wanted = stateKey(type, key);
      const event = (await deps.events.stateEvents(state, [wanted])).get(wanted);
      if (!event) throw notFound('Event not found.');
      const formatted = await clientEvents.formatOne(event, viewerOf(requester));
      return format === 'event' ? formatted : (formatted.content as ClientEvent);
    },

    /**
     * GET /rooms/{roomId}/members. `membership` and `not_membership` both apply when both are given
     * (Synapse and conduwuit; the spec text calls it an 'or').
     */
    async members(requester: Requester, roomId: RoomId, query: MembersQuery): Promise<{ chunk: ClientEvent[] }> {
      const state = await memberState(requester, roomId, query.at);
      const keys = [...state.keys()].filter((key) => splitStateKey(key)[0] === EventType.Member);
      const events = [...(await deps.events.stateEvents(state, keys)).values()].filter((event) => {
        const membership = membershipOf(event.pdu);
        if (query.membership !== undefined && membership !== query.membership) return false;
        if (query.notMembership !== undefined && membership === query.notMembership) return false;
        return true;
      });
      return { chunk: await clientEvents.format(events, viewerOf(requester)) };
    },

    /** GET /rooms/{roomId}/joined_members: for joined members, and anyone when the room is world_readable. */
    async joinedMembers(requester: Requester, roomId: RoomId): Promise<{ joined: Record<string, { display_name?: string; avatar_url?: string }> }> {
      // Synapse: a departed member is refused even where the room is world_readable.
      const { until } = await access.check(roomId, requester.userId, { allowDeparted: true });
      if (until !== null) throw forbidden('Getting joined members while not being a current member of the room is forbidden.');
      const joinedIds = (await rooms.currentMembers(roomId)).filter((m) => m.membership === 'join').map((m) => m.eventId);
      const found = await rooms.getEvents(joinedIds);
      const joined: Record<string, { display_name?: string; avatar_url?: string }> = {};
      for (const event of found.values()) {
        const content = event.pdu.content;
        const entry: { display_name?: string; avatar_url?: string } = {};
        if (typeof content.displayname === 'string') entry.display_name = content.displayname;
        if (typeof content.avatar_url === 'string') entry.avatar_url = content.avatar_url;
        joined[event.pdu.state_key as UserId] = entry;
      }
      return { joined };
    },

    /** GET /_matrix/client/v1/rooms/{roomId}/timestamp_to_event */
    async timestampToEvent(requester: Requester, roomId: RoomId, ts: number, dir: 'f' | 'b'): Promise<{ event_id: EventId; origin_server_ts: number }> {
      await access.check(roomId, requester.userId, { allowDeparted: false });
      const event: StoredEvent | null = await rooms.eventAtTimestamp(roomId, ts, dir);
      if (!event) {
        throw new MatrixError('M_NOT_FOUND', `Unable to find event from ${ts} in direction ${dir === 'f' ? 'forward' : 'backward'}`);
      }
      return { event_id: event.eventId, origin_server_ts: event.pdu.origin_server_ts };
    },
  };
}

export type RoomReadService = ReturnType<typeof createRoomReadService>;
