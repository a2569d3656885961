/**
 * Which events a user may see. Spec: client-server-api "Room History Visibility", server behaviour
 * (v1.19), decided on the room's state at each event; Synapse's filter_events_for_client for the
 * details the spec leaves open:
 * - an unknown or missing m.room.history_visibility counts as `shared`;
 * - the state at an event is the state before it, except for an m.room.history_visibility event (the
 *   more permissive of the value before and after it) and the viewer's own m.room.member event (the
 *   "most joined" of the membership before and after it; their own leave after a join or an invite is
 *   always visible);
 * - `shared` rule 3 ("the user joined at any point after the event"): true for a member who is joined
 *   now, and for one who left (or was banned) after being joined, up to their leave.
 */
import type { EventId, RoomId, UserId } from '../core/ids.js';
import { EventType, membershipOf, stateKey, type Membership, type Pdu } from '../rooms/pdu.js';
import type { RoomsStore, StoredEvent } from '../storage/types.js';

export type HistoryVisibility = 'world_readable' | 'shared' | 'invited' | 'joined';

/** Most permissive first (Synapse's VISIBILITY_PRIORITY). */
const VISIBILITY_PRIORITY: readonly HistoryVisibility[] = ['world_readable', 'shared', 'invited', 'joined'];
/** "Most joined" first (Synapse's MEMBERSHIP_PRIORITY). */
const MEMBERSHIP_PRIORITY: readonly Membership[] = ['join', 'invite', 'knock', 'leave', 'ban'];

/** The visibility an m.room.history_visibility content sets (`shared` when missing or not understood). */
export function visibilityOf(content: Record<string, unknown> | undefined): HistoryVisibility {
  const value = content?.history_visibility;
  return VISIBILITY_PRIORITY.includes(value as HistoryVisibility) ? (value as HistoryVisibility) : 'shared';
}

/** A position in a room's (depth, stream_ordering) order. */
export interface TimelinePoint {
  readonly depth: number;
  readonly stream: number;
}

/**
 * Where the viewer stands in a room now, for `shared` rule 3: `now` if joined, the position of their
 * leave if they left after being joined, null if they were never joined (or not since their last
 * invite/knock/rejection).
 */
export interface ViewerStanding {
  readonly userId: UserId;
  readonly joinedUntil: 'now' | TimelinePoint | null;
}

/** What decides whether one event is visible to the viewer. */
export interface EventVisibilityFacts {
  readonly visibility: HistoryVisibility;
  /** The viewer's membership at the event (null: none). */
  readonly membership: Membership | null;
  /** The viewer joined the room at some point after the event was sent. */
  readonly joinedAfter: boolean;
}

/** Spec "Room History Visibility", server behaviour rules 1–5. */
export function mayView(facts: EventVisibilityFacts): boolean {
  if (facts.visibility === 'world_readable') return true;
  if (facts.membership === 'join') return true;
  if (facts.visibility === 'shared' && facts.joinedAfter) return true;
  if (facts.visibility === 'invited' && facts.membership === 'invite') return true;
  return false;
}

const isBefore = (event: StoredEvent, point: TimelinePoint): boolean =>
  event.pdu.depth < point.depth || (event.pdu.depth === point.depth && event.streamOrdering <= point.stream);

const positionOf = (event: StoredEvent): TimelinePoint => ({ depth: event.pdu.depth, stream: event.streamOrdering });

interface StateFacts {
  readonly membership: Membership | null;
  readonly visibility: HistoryVisibility;
}

export interface HistoryVisibilityDeps {
  readonly rooms: Pick<RoomsStore, 'getEvents' | 'getStateGroup' | 'membershipsOf'>;
}

export function createHistoryVisibility(deps: HistoryVisibilityDeps) {
  const { rooms } = deps;

  /** The viewer's standing from their current m.room.member event in the room (null: none). */
  async function standing(userId: UserId, memberEvent: StoredEvent | null): Promise<ViewerStanding> {
    const membership = memberEvent ? membershipOf(memberEvent.pdu) : null;
    if (membership === 'join') return { userId, joinedUntil: 'now' };
    if (!memberEvent || (membership !== 'leave' && membership !== 'ban') || memberEvent.stateBefore === null) {
      return { userId, joinedUntil: null };
    }
    const before = await rooms.getStateGroup(memberEvent.stateBefore);
    const previousId = before.get(stateKey(EventType.Member, userId));
    const previous = previousId ? (await rooms.getEvents([previousId])).get(previousId) : undefined;
    return { userId, joinedUntil: previous && membershipOf(previous.pdu) === 'join' ? positionOf(memberEvent) : null };
  }

  /**
   * The events of one room the viewer may see, in the order given. State groups and their events are
   * looked up once per call (a page of messages shares a handful of groups).
   */
  async function filter(viewer: ViewerStanding, events: readonly StoredEvent[]): Promise<StoredEvent[]> {
    const memberKey = stateKey(EventType.Member, viewer.userId);
    const visibilityKey = stateKey(EventType.HistoryVisibility, '');
    const byGroup = new Map<number, Promise<StateFacts>>();
    const factsAt = (group: number | null): Promise<StateFacts> => {
      if (group === null) return Promise.resolve({ membership: null, visibility: 'shared' });
      let facts = byGroup.get(group);
      if (!facts) {
        facts = (async () => {
          const state = await rooms.getStateGroup(group);
          const ids = [state.get(memberKey), state.get(visibilityKey)].filter((id): id is EventId => id !== undefined);
          const found = await rooms.getEvents(ids);
          const member = found.get(state.get(memberKey) as EventId);
          const visibility = found.get(state.get(visibilityKey) as EventId);
          return { membership: member ? membershipOf(member.pdu) : null, visibility: visibilityOf(visibility?.pdu.content) };
        })();
        byGroup.set(group, facts);
      }
      return facts;
    };

    const visible: StoredEvent[] = [];
    for (const event of events) {
      const before = await factsAt(event.stateBefore);
      const pdu: Pdu = event.pdu;
      let { membership, visibility } = before;
      if (pdu.type === EventType.Member && pdu.state_key === viewer.userId) {
        const next = membershipOf(pdu) ?? 'leave';
        const previous = membership ?? 'leave';
        // Always allow the user to see their own leave, so a rejected invite or a kick reaches them.
        if (next === 'leave' && (previous === 'join' || previous === 'invite')) {
          visible.push(event);
          continue;
        }
        membership = MEMBERSHIP_PRIORITY.indexOf(previous) < MEMBERSHIP_PRIORITY.indexOf(next) ? previous : next;
      }
      if (pdu.type === EventType.HistoryVisibility && pdu.state_key === '') {
        const next = visibilityOf(pdu.content);
        if (VISIBILITY_PRIORITY.indexOf(next) < VISIBILITY_PRIORITY.indexOf(visibility)) visibility = next;
      }
      const joinedAfter = viewer.joinedUntil === 'now' || (viewer.joinedUntil !== null && isBefore(event, viewer.joinedUntil));
      if (mayView({ visibility, membership, joinedAfter })) visible.push(event);
    }
    return visible;
  }

  return {
    standing,
    filter,

    /** Whether the viewer may see one event. */
    async canSee(viewer: ViewerStanding, event: StoredEvent): Promise<boolean> {
      return (await filter(viewer, [event])).length === 1;
    },

    /**
     * Events from any rooms a user may see, in the order given, with the user's standing in each room
     * taken from their current membership (for /sync).
     */
    async visibleEvents(userId: UserId, events: readonly StoredEvent[]): Promise<StoredEvent[]> {
      if (events.length === 0) return [];
      const memberships = new Map((await rooms.membershipsOf(userId)).map((m) => [m.roomId, m.eventId]));
      const byRoom = new Map<RoomId, StoredEvent[]>();
      for (const event of events) {
        const list = byRoom.get(event.roomId);
        if (list) list.push(event);
        else byRoom.set(event.roomId, [event]);
      }
      const allowed = new Set<StoredEvent>();
      for (const [roomId, roomEvents] of byRoom) {
        const memberId = memberships.get(roomId);
        const memberEvent = memberId ? ((await rooms.getEvents([memberId])).get(memberId) ?? null) : null;
        for (const event of await filter(await standing(userId, memberEvent), roomEvents)) allowed.add(event);
      }
      return events.filter((event) => allowed.has(event));
    },
  };
}

export type HistoryVisibilityService = ReturnType<typeof createHistoryVisibility>;
