/**
 * Who may read a room, and as of which state (Synapse's check_user_in_room_or_world_readable):
 * - joined: the current state;
 * - left (kicked included, not banned, not forgotten), where departed users are allowed: the state
 *   after their leave, and nothing after it;
 * - anyone else when the room is world_readable now: the current state, as a peeking reader;
 * - otherwise 403, also for rooms this server doesn't know (as Synapse: no existence leak).
 */
import { forbidden } from '../core/errors.js';
import type { EventId, RoomId, UserId } from '../core/ids.js';
import { EventType, membershipOf, stateKey, type Membership, type StateKey } from '../rooms/pdu.js';
import type { RoomsStore, StoredEvent } from '../storage/types.js';
import { visibilityOf, type HistoryVisibilityService, type TimelinePoint, type ViewerStanding } from './history-visibility.js';
import type { LiveRoom, RoomEventsService } from './room-events.js';

export interface RoomAccess {
  readonly room: LiveRoom;
  /** The requester's current membership (null: none). */
  readonly membership: Membership | null;
  readonly memberEvent: StoredEvent | null;
  /** The state the requester reads: current, or as of their leave. */
  readonly state: ReadonlyMap<StateKey, EventId>;
  /** For a departed member: their leave, the last event they may read. */
  readonly until: TimelinePoint | null;
  readonly standing: ViewerStanding;
}

export interface RoomAccessDeps {
  readonly events: Pick<RoomEventsService, 'loadRoom' | 'stateEvents'>;
  readonly rooms: Pick<RoomsStore, 'getEvents' | 'getStateGroup' | 'membershipsOf'>;
  readonly visibility: HistoryVisibilityService;
}

export function createRoomAccess(deps: RoomAccessDeps) {
  const { rooms } = deps;

  /** The user's current member event in a room (null: none). */
  async function memberEventOf(room: LiveRoom, userId: UserId): Promise<StoredEvent | null> {
    const id = room.state.get(stateKey(EventType.Member, userId));
    return id ? ((await rooms.getEvents([id])).get(id) ?? null) : null;
  }

  async function isWorldReadable(room: LiveRoom): Promise<boolean> {
    const key = stateKey(EventType.HistoryVisibility, '');
    const event = (await deps.events.stateEvents(room.state, [key])).get(key);
    return event !== undefined && visibilityOf(event.pdu.content) === 'world_readable';
  }

  return {
    memberEventOf,

    /** The room and the requester's standing in it, or null for an unknown room (no access check). */
    async standingIn(roomId: RoomId, userId: UserId): Promise<{ room: LiveRoom; standing: ViewerStanding } | null> {
      const room = await deps.events.loadRoom(roomId);
      if (!room) return null;
      return { room, standing: await deps.visibility.standing(userId, await memberEventOf(room, userId)) };
    },

    /** @throws MatrixError 403 when the user may not read the room */
    async check(roomId: RoomId, userId: UserId, options: { allowDeparted: boolean }): Promise<RoomAccess> {
      const room = await deps.events.loadRoom(roomId);
      if (!room) throw forbidden(`User ${userId} not in room ${roomId}`);
      const memberEvent = await memberEventOf(room, userId);
      const membership = memberEvent ? membershipOf(memberEvent.pdu) : null;
      if (membership === 'join') {
        return { room, membership, memberEvent, state: room.state, until: null, standing: { userId, joinedUntil: 'now' } };
      }
      if (options.allowDeparted && membership === 'leave' && memberEvent) {
        const forgotten = (await rooms.membershipsOf(userId)).some((m) => m.roomId === roomId && m.forgotten);
        if (!forgotten) {
          return {
            room,
            membership,
            memberEvent,
            state: await rooms.getStateGroup(memberEvent.stateAfter),
            until: { depth: memberEvent.pdu.depth, stream: memberEvent.streamOrdering },
            standing: await deps.visibility.standing(userId, memberEvent),
          };
        }
      }
      if (await isWorldReadable(room)) {
        return { room, membership, memberEvent, state: room.state, until: null, standing: await deps.visibility.standing(userId, memberEvent) };
      }
      throw forbidden(`User ${userId} not in room ${roomId}, and room previews are disabled`);
    },
  };
}

export type RoomAccessService = ReturnType<typeof createRoomAccess>;
