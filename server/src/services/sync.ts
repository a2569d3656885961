/**
 * GET /sync: initial and incremental sync of the rooms a user is in, invited to, knocking on or left,
 * long-polling woken by the notifier the moment a relevant event is persisted.
 * Spec: client-server-api "Syncing" (sync.yaml), v1.19. Tokens are `s<stream position>`: the position
 * after the newest event delivered, so they survive restarts (stream orderings are stored).
 */
import type { Logger } from 'pino';
import { MatrixError } from '../core/errors.js';
import type { EventId, RoomId, UserId } from '../core/ids.js';
import { EventType, stateKey, type StateKey } from '../rooms/pdu.js';
import type { RoomsStore, StoredEvent, UserMembership } from '../storage/types.js';
import type { ClientEvent, ClientEventsFormatter, Viewer } from './client-events.js';
import type { EventFilter, FiltersService, SyncFilter } from './filters.js';
import type { Notifier } from './notifier.js';
import type { Requester } from './requester.js';

export interface SyncRequest {
  readonly since?: string | undefined;
  readonly timeoutMs: number;
  readonly fullState: boolean;
  readonly filter?: string | undefined;
}

export interface SyncDeps {
  readonly rooms: RoomsStore;
  readonly notifier: Notifier;
  readonly filters: FiltersService;
  readonly clientEvents: ClientEventsFormatter;
  /** Drops the events a user may not see (history visibility); identity when not given. */
  readonly visibleEvents?: (userId: UserId, events: StoredEvent[]) => Promise<StoredEvent[]>;
  readonly log: Logger;
}

/** Timeline length when the filter doesn't say (Synapse's default). */
const DEFAULT_TIMELINE_LIMIT = 10;
const MAX_TIMELINE_LIMIT = 1000;
/** Synapse's cap on how long a /sync may wait. */
const MAX_TIMEOUT_MS = 5 * 60_000;

/** Stripped state in invite_state / knock_state (spec "Stripped state"; Synapse's default set). */
const STRIPPED_STATE_TYPES = [
  EventType.Create,
  EventType.JoinRules,
  EventType.Name,
  EventType.Avatar,
  EventType.CanonicalAlias,
  EventType.Encryption,
  EventType.Topic,
];

export function parseSyncToken(token: string): number {
  const match = /^s(\d{1,15})(?:_|$)/.exec(token);
  if (!match) throw new MatrixError('M_INVALID_PARAM', 'Invalid since token');
  return Number(match[1]);
}

export const formatSyncToken = (position: number): string => `s${position}`;

const matchesList = (value: string, include: readonly string[] | undefined, exclude: readonly string[] | undefined): boolean => {
  if (exclude?.some((pattern) => globMatch(pattern, value))) return false;
  return !include || include.some((pattern) => globMatch(pattern, value));
};

/** Filter type lists allow a trailing `*` wildcard (spec "Filtering"). */
function globMatch(pattern: string, value: string): boolean {
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : pattern === value;
}

const passes = (event: StoredEvent, filter: EventFilter | undefined): boolean =>
  !filter ||
  (matchesList(event.pdu.type, filter.types, filter.not_types) && matchesList(event.pdu.sender, filter.senders, filter.not_senders));

interface RoomWindow {
  readonly timeline: StoredEvent[];
  readonly limited: boolean;
}

export function createSyncService(deps: SyncDeps) {
  const { rooms } = deps;
  const waiting = new Set<() => void>();
  const visible = deps.visibleEvents ?? (async (_user: UserId, events: StoredEvent[]) => events);

  /** The newest `limit` events of a room in (after, upTo] that pass the filter, oldest first. */
  async function timelineWindow(roomId: RoomId, after: number, upTo: number, filter: EventFilter | undefined, userId: UserId): Promise<RoomWindow> {
    const limit = Math.min(filter?.limit ?? DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT);
    const fetched = await rooms.recentEvents(roomId, after, upTo, limit + 1);
    const limited = fetched.length > limit;
    const window = limited ? fetched.slice(fetched.length - limit) : fetched;
    const shown = await visible(userId, window.filter((event) => passes(event, filter)));
    return { timeline: shown, limited };
  }

  /** State events of a state group (optionally only those differing from `since`), passing the filter. */
  async function stateSection(
    group: ReadonlyMap<StateKey, EventId>,
    since: ReadonlyMap<StateKey, EventId> | null,
    exclude: ReadonlySet<EventId>,
    filter: EventFilter | undefined,
  ): Promise<StoredEvent[]> {
    const ids: EventId[] = [];
    for (const [key, id] of group) if (!exclude.has(id) && since?.get(key) !== id) ids.push(id);
    const events = await rooms.getEvents(ids);
    const out: StoredEvent[] = [];
    for (const id of ids) {
      const event = events.get(id);
      if (event && passes(event, filter)) out.push(event);
    }
    return out;
  }

  async function stateBeforeTimeline(roomId: RoomId, window: RoomWindow, upTo: number): Promise<ReadonlyMap<StateKey, EventId>> {
    const first = window.timeline[0];
    if (first) return first.stateBefore === null ? new Map() : rooms.getStateGroup(first.stateBefore);
    const last = await rooms.lastEventAtOrBefore(roomId, upTo);
    return last ? rooms.getStateGroup(last.stateAfter) : new Map();
  }

  /**
   * A room's timeline and state for a sync: the newest events in (after, upTo] and the state before them
   * (all of it when `after` is null, else only what changed since `after` and isn't in the timeline).
   * Null when an incremental sync has nothing for the room.
   */
  async function roomSections(
    roomId: RoomId,
    after: number | null,
    upTo: number,
    filter: SyncFilter,
    viewer: Viewer,
  ): Promise<{ timeline: Record<string, unknown>; state: Record<string, unknown> } | null> {
    const window = await timelineWindow(roomId, after ?? 0, upTo, filter.room?.timeline, viewer.userId);
    if (after !== null && window.timeline.length === 0 && !window.limited) return null;
    const startState = await stateBeforeTimeline(roomId, window, upTo);
    let sinceState: ReadonlyMap<StateKey, EventId> | null = null;
    if (after !== null) {
      if (!window.limited) sinceState = startState; // every change is in the timeline
      else {
        const atSince = await rooms.lastEventAtOrBefore(roomId, after);
        sinceState = atSince ? await rooms.getStateGroup(atSince.stateAfter) : new Map();
      }
    }
    const inTimeline = new Set(window.timeline.map((event) => event.eventId));
    const state = await stateSection(startState, sinceState, inTimeline, filter.room?.state);
    const first = window.timeline[0];
    return {
      timeline: {
        events: await deps.clientEvents.format(window.timeline, viewer, { omitRoomId: true }),
        limited: window.limited,
        prev_batch: formatSyncToken(first ? first.streamOrdering - 1 : upTo),
      },
      state: { events: await deps.clientEvents.format(state, viewer, { omitRoomId: true, prevContent: false }) },
    };
  }

  async function joinedRoom(
    membership: UserMembership,
    since: number | null,
    upTo: number,
    filter: SyncFilter,
    viewer: Viewer,
    fullState: boolean,
  ): Promise<Record<string, unknown> | null> {
    // Joined since the token (the room is new to this client) or full_state: everything from the start.
    const fresh = since === null || membership.streamOrdering > since || fullState;
    if (!fresh && !deps.notifier.roomChangedSince(membership.roomId, since)) return null;
    const sections = await roomSections(membership.roomId, fresh ? null : since, upTo, filter, viewer);
    if (!sections) return null;
    return { ...sections, ephemeral: { events: [] }, account_data: { events: [] } };
  }

  /** invite_state / knock_state: stripped state plus the membership event itself. */
  async function strippedState(membership: UserMembership): Promise<ClientEvent[]> {
    const event = (await rooms.getEvents([membership.eventId])).get(membership.eventId);
    if (!event) return [];
    const group = await rooms.getStateGroup(event.stateAfter);
    const ids = STRIPPED_STATE_TYPES.flatMap((type) => group.get(stateKey(type, '')) ?? []);
    const found = await rooms.getEvents(ids);
    const stripped = [...found.values(), event].map((state) => ({
      type: state.pdu.type,
      state_key: state.pdu.state_key,
      content: state.pdu.content,
      sender: state.pdu.sender,
    }));
    return stripped;
  }

  /** A room the user left or was removed from: events up to and including the leave. */
  async function leftRoom(membership: UserMembership, since: number | null, filter: SyncFilter, viewer: Viewer): Promise<Record<string, unknown>> {
    const sections = await roomSections(membership.roomId, since, membership.streamOrdering, filter, viewer);
    return { ...(sections ?? { timeline: { events: [], limited: false }, state: { events: [] } }), account_data: { events: [] } };
  }

  const roomAllowed = (roomId: RoomId, filter: SyncFilter): boolean =>
    matchesList(roomId, filter.room?.rooms, filter.room?.not_rooms);

  async function compute(requester: Requester, since: number | null, upTo: number, filter: SyncFilter, fullState: boolean) {
    const viewer: Viewer = { userId: requester.userId, deviceId: requester.deviceId };
    const join: Record<string, unknown> = {};
    const invite: Record<string, unknown> = {};
    const leave: Record<string, unknown> = {};
    const knock: Record<string, unknown> = {};
    const memberships = (await rooms.membershipsOf(requester.userId)).filter(
      (m) => !m.forgotten && m.streamOrdering <= upTo && roomAllowed(m.roomId, filter),
    );
    for (const membership of memberships) {
      const changed = since === null || membership.streamOrdering > since;
      switch (membership.membership) {
        case 'join': {
          const room = await joinedRoom(membership, since, upTo, filter, viewer, fullState);
          if (room) join[membership.roomId] = room;
          break;
        }
        case 'invite':
          if (changed || fullState) invite[membership.roomId] = { invite_state: { events: await strippedState(membership) } };
          break;
        case 'knock':
          if (changed || fullState) knock[membership.roomId] = { knock_state: { events: await strippedState(membership) } };
          break;
        default:
          // Left or banned: reported once, after it happens (initial syncs only with include_leave).
          if ((since !== null && changed) || (filter.room?.include_leave === true && (since === null || fullState))) {
            leave[membership.roomId] = await leftRoom(membership, since, filter, viewer);
          }
      }
    }
    const empty = Object.keys(join).length + Object.keys(invite).length + Object.keys(leave).length + Object.keys(knock).length === 0;
    return { empty, body: { next_batch: formatSyncToken(upTo), rooms: { join, invite, leave, knock } } };
  }

  /** Waits until the notifier announces something for the user, or the timeout passes. */
  async function wait(requester: Requester, since: number, timeoutMs: number): Promise<void> {
    const memberships = await rooms.membershipsOf(requester.userId);
    const watched = new Set(memberships.filter((m) => m.membership === 'join' || m.membership === 'invite' || m.membership === 'knock').map((m) => m.roomId));
    await new Promise<void>((resolve) => {
      let stop: () => void = () => undefined;
      const done = () => {
        clearTimeout(timer);
        stop();
        waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      waiting.add(done);
      stop = deps.notifier.listen({ userId: requester.userId, rooms: watched, wake: done });
      // Something may have been announced between computing and listening.
      if (deps.notifier.latestFor(watched, requester.userId) > since) done();
    });
  }

  return {
    /** GET /sync */
    async sync(requester: Requester, request: SyncRequest): Promise<Record<string, unknown>> {
      const filter = await deps.filters.resolve(requester.userId, request.filter);
      const since = request.since === undefined ? null : parseSyncToken(request.since);
      const timeoutMs = Math.min(Math.max(0, request.timeoutMs), MAX_TIMEOUT_MS);
      let upTo = deps.notifier.position;
      // A token from the future (e.g. another server's, or after a restore) is treated as now.
      const from = since === null ? null : Math.min(since, upTo);
      let result = await compute(requester, from, upTo, filter, request.fullState);
      if (from !== null && result.empty && timeoutMs > 0 && !request.fullState) {
        await wait(requester, upTo, timeoutMs);
        if (deps.notifier.position > upTo) {
          upTo = deps.notifier.position;
          result = await compute(requester, from, upTo, filter, false);
        }
      }
      return result.body;
    },

    /** Ends every waiting /sync now (server shutdown). */
    wakeAll(): void {
      for (const done of [...waiting]) done();
    },
  };
}

export type SyncService = ReturnType<typeof createSyncService>;
