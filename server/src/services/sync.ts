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
import {
  formatSyncToken,
  minPosition,
  parseSyncToken,
  STREAMS,
  type GlobalSections,
  type RoomSections,
  type StreamName,
  type SyncContext,
  type SyncPosition,
  type SyncSource,
  type UnreadCountsFn,
} from './sync-sources.js';

export type PresenceState = 'online' | 'offline' | 'unavailable';

export interface SyncRequest {
  readonly since?: string | undefined;
  readonly timeoutMs: number;
  readonly fullState: boolean;
  readonly filter?: string | undefined;
  /** `set_presence`: the presence this sync reports for the user (default online). */
  readonly setPresence?: PresenceState | undefined;
}

export interface SyncDeps {
  readonly rooms: RoomsStore;
  readonly notifier: Notifier;
  readonly filters: FiltersService;
  readonly clientEvents: ClientEventsFormatter;
  /** Drops the events a user may not see (history visibility); identity when not given. */
  readonly visibleEvents?: (userId: UserId, events: StoredEvent[]) => Promise<StoredEvent[]>;
  /** The streams besides room events (account data, receipts, to-device, presence, typing). */
  readonly sources?: readonly SyncSource[];
  readonly unreadCounts?: UnreadCountsFn;
  /** `m.ignored_user_list` of the user. */
  readonly ignoredUsers?: (userId: UserId) => Promise<ReadonlySet<UserId>>;
  /** Called on every /sync with its set_presence (spec: syncing marks the user online by default). */
  readonly syncPresence?: (userId: UserId, state: PresenceState) => Promise<void>;
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
  const sources = deps.sources ?? [];
  const waiting = new Set<() => void>();
  const visible = deps.visibleEvents ?? (async (_user: UserId, events: StoredEvent[]) => events);
  const noneIgnored: ReadonlySet<UserId> = new Set();
  let closed = false;

  /** Where every stream is now. */
  function currentPosition(): SyncPosition {
    const position: Record<StreamName, number> = Object.fromEntries(STREAMS.map((name) => [name, 0])) as Record<StreamName, number>;
    position.room = deps.notifier.position;
    for (const source of sources) position[source.stream] = source.current();
    return position;
  }

  /** Ignored users' events are dropped, except state events (spec "Ignoring Users"). */
  const withoutIgnored = (events: StoredEvent[], ignored: ReadonlySet<UserId>): StoredEvent[] =>
    ignored.size === 0 ? events : events.filter((event) => event.pdu.state_key !== undefined || !ignored.has(event.pdu.sender as UserId));

  /** The newest `limit` events of a room in (after, upTo] that pass the filter, oldest first. */
  async function timelineWindow(roomId: RoomId, after: number, upTo: number, filter: EventFilter | undefined, ctx: SyncContext): Promise<RoomWindow> {
    const limit = Math.min(filter?.limit ?? DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT);
    const fetched = await rooms.recentEvents(roomId, after, upTo, limit + 1);
    const limited = fetched.length > limit;
    const window = limited ? fetched.slice(fetched.length - limit) : fetched;
    const shown = await visible(ctx.userId, withoutIgnored(window.filter((event) => passes(event, filter)), ctx.ignored));
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
   */
  async function roomSections(
    roomId: RoomId,
    after: number | null,
    upTo: number,
    ctx: SyncContext,
  ): Promise<{ timeline: Record<string, unknown>; state: Record<string, unknown>; changed: boolean }> {
    const { filter } = ctx;
    const viewer: Viewer = { userId: ctx.userId, deviceId: ctx.deviceId };
    const window = await timelineWindow(roomId, after ?? 0, upTo, filter.room?.timeline, ctx);
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
        prev_batch: formatSyncToken({ ...ctx.upTo, room: first ? first.streamOrdering - 1 : upTo }),
      },
      state: { events: await deps.clientEvents.format(state, viewer, { omitRoomId: true, prevContent: false }) },
      changed: window.timeline.length > 0 || window.limited || state.length > 0,
    };
  }

  /** invite_state / knock_state: stripped state plus the membership event itself; null if sent by an ignored user. */
  async function strippedState(membership: UserMembership, ignored: ReadonlySet<UserId>): Promise<ClientEvent[] | null> {
    const event = (await rooms.getEvents([membership.eventId])).get(membership.eventId);
    if (!event) return [];
    if (ignored.has(event.pdu.sender as UserId)) return null;
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

  /** Asks every source for its sections of these rooms and merges them per room. */
  async function sourceRoomSections(ctx: SyncContext, roomIds: readonly RoomId[]): Promise<Map<RoomId, { ephemeral: ClientEvent[]; account_data: ClientEvent[] }>> {
    const merged = new Map<RoomId, { ephemeral: ClientEvent[]; account_data: ClientEvent[] }>();
    if (roomIds.length === 0) return merged;
    const results = await Promise.all(sources.map((source) => source.rooms?.(ctx, roomIds) ?? Promise.resolve(new Map<RoomId, RoomSections>())));
    for (const result of results) {
      for (const [roomId, sections] of result) {
        let entry = merged.get(roomId);
        if (!entry) merged.set(roomId, (entry = { ephemeral: [], account_data: [] }));
        if (sections.ephemeral) entry.ephemeral.push(...sections.ephemeral);
        if (sections.account_data) entry.account_data.push(...sections.account_data);
      }
    }
    return merged;
  }

  const roomAllowed = (roomId: RoomId, filter: SyncFilter): boolean =>
    matchesList(roomId, filter.room?.rooms, filter.room?.not_rooms);

  async function compute(requester: Requester, since: SyncPosition | null, upTo: SyncPosition, filter: SyncFilter, fullState: boolean) {
    const ignored = deps.ignoredUsers ? await deps.ignoredUsers(requester.userId) : noneIgnored;
    const ctx: SyncContext = { userId: requester.userId, deviceId: requester.deviceId, since, upTo, filter, fullState, ignored };
    // Rooms new to this client (joined since the token, or full_state) get everything from the start.
    const freshCtx: SyncContext = { ...ctx, since: null };
    const join: Record<string, Record<string, unknown>> = {};
    const invite: Record<string, unknown> = {};
    const leave: Record<string, Record<string, unknown>> = {};
    const knock: Record<string, unknown> = {};
    const memberships = (await rooms.membershipsOf(requester.userId)).filter(
      (m) => !m.forgotten && m.streamOrdering <= upTo.room && roomAllowed(m.roomId, filter),
    );
    const joinedFresh: RoomId[] = [];
    const joinedKnown: RoomId[] = [];
    const left: UserMembership[] = [];
    for (const membership of memberships) {
      const changed = since === null || membership.streamOrdering > since.room;
      switch (membership.membership) {
        case 'join':
          (since === null || changed || fullState ? joinedFresh : joinedKnown).push(membership.roomId);
          break;
        case 'invite':
        case 'knock': {
          if (!changed && !fullState) break;
          const stripped = await strippedState(membership, ignored);
          if (stripped === null) break;
          if (membership.membership === 'invite') invite[membership.roomId] = { invite_state: { events: stripped } };
          else knock[membership.roomId] = { knock_state: { events: stripped } };
          break;
        }
        default:
          // Left or banned: reported once, after it happens (initial syncs only with include_leave).
          if ((since !== null && changed) || (filter.room?.include_leave === true && (since === null || fullState))) left.push(membership);
      }
    }

    const [freshExtras, knownExtras] = await Promise.all([
      sourceRoomSections(freshCtx, joinedFresh),
      sourceRoomSections(ctx, joinedKnown),
    ]);
    for (const roomId of joinedFresh) {
      const sections = await roomSections(roomId, null, upTo.room, ctx);
      const extras = freshExtras.get(roomId);
      join[roomId] = {
        timeline: sections.timeline,
        state: sections.state,
        ephemeral: { events: extras?.ephemeral ?? [] },
        account_data: { events: extras?.account_data ?? [] },
      };
    }
    for (const roomId of joinedKnown) {
      const extras = knownExtras.get(roomId);
      const hasExtras = (extras?.ephemeral.length ?? 0) + (extras?.account_data.length ?? 0) > 0;
      const roomMoved = since !== null && deps.notifier.roomChangedSince(roomId, since.room);
      if (!roomMoved && !hasExtras) continue;
      const sections = roomMoved ? await roomSections(roomId, since?.room ?? null, upTo.room, ctx) : null;
      if (!sections?.changed && !hasExtras) continue;
      join[roomId] = {
        timeline: sections?.timeline ?? { events: [], limited: false, prev_batch: formatSyncToken(upTo) },
        state: sections?.state ?? { events: [] },
        ephemeral: { events: extras?.ephemeral ?? [] },
        account_data: { events: extras?.account_data ?? [] },
      };
    }
    const leftExtras = await sourceRoomSections(since === null || fullState ? freshCtx : ctx, left.map((m) => m.roomId));
    for (const membership of left) {
      const sections = await roomSections(membership.roomId, fullState ? null : (since?.room ?? null), membership.streamOrdering, ctx);
      leave[membership.roomId] = {
        timeline: sections.timeline,
        state: sections.state,
        account_data: { events: leftExtras.get(membership.roomId)?.account_data ?? [] },
      };
    }
    if (deps.unreadCounts) {
      const joinedIds = Object.keys(join) as RoomId[];
      const counts = await deps.unreadCounts(requester.userId, joinedIds, filter.room?.timeline?.unread_thread_notifications === true);
      for (const roomId of joinedIds) {
        const room = join[roomId];
        const count = counts.get(roomId);
        if (room && count) Object.assign(room, count);
      }
    }

    // Top-level sections from the sources; a source may hold its stream back (to-device batches).
    const next: Record<StreamName, number> = { ...upTo };
    const global: Record<keyof GlobalSections, ClientEvent[]> = { account_data: [], presence: [], to_device: [] };
    const results = await Promise.all(sources.map((source) => source.global?.(ctx) ?? Promise.resolve(null)));
    results.forEach((result, i) => {
      const source = sources[i];
      if (!result || !source) return;
      if (result.position !== undefined) next[source.stream] = result.position;
      for (const key of Object.keys(global) as Array<keyof GlobalSections>) global[key].push(...(result.sections[key] ?? []));
    });

    const roomCount = Object.keys(join).length + Object.keys(invite).length + Object.keys(leave).length + Object.keys(knock).length;
    const empty = roomCount === 0 && global.account_data.length + global.presence.length + global.to_device.length === 0;
    return {
      empty,
      body: {
        next_batch: formatSyncToken(next),
        rooms: { join, invite, leave, knock },
        account_data: { events: global.account_data },
        presence: { events: global.presence },
        to_device: { events: global.to_device },
      },
    };
  }

  /** Waits until the notifier announces something for the user, a stream moves past `upTo`, or the timeout passes. */
  async function wait(requester: Requester, upTo: SyncPosition, timeoutMs: number): Promise<void> {
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
      if (deps.notifier.latestFor(watched, requester.userId) > upTo.room || sources.some((source) => source.current() > upTo[source.stream])) done();
    });
  }

  return {
    /** GET /sync */
    async sync(requester: Requester, request: SyncRequest): Promise<Record<string, unknown>> {
      const filter = await deps.filters.resolve(requester.userId, request.filter);
      const parsed = request.since === undefined ? null : parseSyncToken(request.since);
      if (deps.syncPresence) await deps.syncPresence(requester.userId, request.setPresence ?? 'online');
      const deadline = Date.now() + Math.min(Math.max(0, request.timeoutMs), MAX_TIMEOUT_MS);
      let upTo = currentPosition();
      // A token from the future (e.g. another server's, or after a restart for typing) is treated as now.
      const from = parsed === null ? null : minPosition(parsed, upTo);
      let result = await compute(requester, from, upTo, filter, request.fullState);
      // Long-poll: wait for news, recompute, and keep waiting while nothing for this user turned up.
      while (from !== null && result.empty && !request.fullState && !closed) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        await wait(requester, upTo, left);
        const now = currentPosition();
        if (STREAMS.every((name) => now[name] === upTo[name])) continue;
        upTo = now;
        result = await compute(requester, from, upTo, filter, false);
      }
      return result.body;
    },

    /** The position every stream is at (the legacy /events stream and /initialSync tokens). */
    currentPosition,

    /** Ends every waiting /sync now (server shutdown). */
    wakeAll(): void {
      closed = true;
      for (const done of [...waiting]) done();
    },
  };
}

export type SyncService = ReturnType<typeof createSyncService>;
