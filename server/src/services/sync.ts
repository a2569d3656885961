/**
 * GET /sync: initial and incremental sync of the rooms a user is in, invited to, knocking on or left,
 * long-polling woken by the notifier the moment a relevant event is persisted.
 * Spec: client-server-api "Syncing" (sync.yaml), v1.19. Tokens hold a position in each stream
 * (sync-sources.ts); room positions are stored stream orderings, so tokens survive restarts. Each
 * room's timeline and state come from sync-room.ts; the other streams from the SyncSources.
 */
import type { Logger } from 'pino';
import type { RoomId, UserId } from '../core/ids.js';
import { EventType, stateKey } from '../rooms/pdu.js';
import type { RoomsStore, StoredEvent, UserMembership } from '../storage/types.js';
import type { ClientEvent, ClientEventsFormatter } from './client-events.js';
import type { EventFilter, FiltersService, SyncFilter } from './filters.js';
import { clientEventMatches, roomExcluded } from './room-event-filter.js';
import { createRoomSync } from './sync-room.js';
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
  /** `use_state_after` (spec 1.16): room state up to the end of the timeline, in `state_after`. */
  readonly useStateAfter?: boolean | undefined;
  /** Streams this caller doesn't deliver (the legacy /events stream has no to-device): they stay where `since` had them. */
  readonly skipStreams?: ReadonlySet<StreamName> | undefined;
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
  /** Called once the response of a /sync whose syncPresence succeeded is computed (or it failed): the sync is over. */
  readonly syncEnded?: (userId: UserId, state: PresenceState) => void;
  readonly log: Logger;
}

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

/** Applies a section's filter (types, senders, rooms, limit) to the events a source gave. */
function filterSection(events: readonly ClientEvent[], filter: EventFilter | undefined, roomId?: RoomId): ClientEvent[] {
  if (!filter) return [...events];
  if (roomId !== undefined && roomExcluded(filter, roomId)) return [];
  const kept = events.filter((event) => clientEventMatches(filter, event));
  return filter.limit !== undefined ? kept.slice(0, filter.limit) : kept;
}

interface SourceExtras {
  readonly ephemeral: ClientEvent[];
  readonly account_data: ClientEvent[];
}

export function createSyncService(deps: SyncDeps) {
  const { rooms } = deps;
  const sources = deps.sources ?? [];
  const waiting = new Set<() => void>();
  const visible = deps.visibleEvents ?? (async (_user: UserId, events: StoredEvent[]) => events);
  const noneIgnored: ReadonlySet<UserId> = new Set();
  let closed = false;
  const roomSync = createRoomSync({ rooms, clientEvents: deps.clientEvents, visible });

  /** Where every stream is now. */
  function currentPosition(): SyncPosition {
    const position: Record<StreamName, number> = Object.fromEntries(STREAMS.map((name) => [name, 0])) as Record<StreamName, number>;
    position.room = deps.notifier.position;
    for (const source of sources) position[source.stream] = source.current();
    return position;
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
  async function sourceRoomSections(ctx: SyncContext, roomIds: readonly RoomId[]): Promise<Map<RoomId, SourceExtras>> {
    const merged = new Map<RoomId, SourceExtras>();
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

  /** A room in rooms.join: its timeline and state, plus the sources' ephemeral and account data through the filter. */
  function joinedEntry(roomId: RoomId, sections: Record<string, unknown>, extras: SourceExtras | undefined, filter: SyncFilter): Record<string, unknown> {
    return {
      ...sections,
      ephemeral: { events: filterSection(extras?.ephemeral ?? [], filter.room?.ephemeral, roomId) },
      account_data: { events: filterSection(extras?.account_data ?? [], filter.room?.account_data, roomId) },
    };
  }

  async function compute(requester: Requester, since: SyncPosition | null, upTo: SyncPosition, filter: SyncFilter, fullState: boolean, useStateAfter: boolean, skip: ReadonlySet<StreamName>) {
    const ignored = deps.ignoredUsers ? await deps.ignoredUsers(requester.userId) : noneIgnored;
    const ctx: SyncContext = { userId: requester.userId, deviceId: requester.deviceId, since, upTo, filter, fullState, ignored };
    if (since === null) roomSync.resetDevice(ctx);
    const roomFilter = filter.room;
    // Rooms new to this client (joined since the token, or full_state) get everything from the start.
    const freshCtx: SyncContext = { ...ctx, since: null };
    const join: Record<string, Record<string, unknown>> = {};
    const invite: Record<string, unknown> = {};
    const leave: Record<string, Record<string, unknown>> = {};
    const knock: Record<string, unknown> = {};
    const memberships = (await rooms.membershipsOf(requester.userId)).filter(
      (m) => !m.forgotten && m.streamOrdering <= upTo.room && !(roomFilter && roomExcluded(roomFilter, m.roomId)),
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
      const room = await roomSync.sections({ roomId, after: null, upTo: upTo.room, ctx, useStateAfter });
      join[roomId] = joinedEntry(roomId, room.sections, freshExtras.get(roomId), filter);
    }
    for (const roomId of joinedKnown) {
      const extras = knownExtras.get(roomId);
      const roomMoved = since !== null && deps.notifier.roomChangedSince(roomId, since.room);
      const entry = joinedEntry(roomId, {}, extras, filter);
      const hasExtras = (entry.ephemeral as { events: unknown[] }).events.length + (entry.account_data as { events: unknown[] }).events.length > 0;
      if (!roomMoved && !hasExtras) continue;
      const room = roomMoved ? await roomSync.sections({ roomId, after: since?.room ?? null, upTo: upTo.room, ctx, useStateAfter }) : null;
      if (!room?.changed && !hasExtras) continue;
      join[roomId] = {
        ...entry,
        ...(room?.sections ?? {
          timeline: { events: [], limited: false, prev_batch: formatSyncToken(upTo) },
          [useStateAfter ? 'state_after' : 'state']: { events: [] },
        }),
      };
    }
    const leftExtras = await sourceRoomSections(since === null || fullState ? freshCtx : ctx, left.map((m) => m.roomId));
    for (const membership of left) {
      const { roomId } = membership;
      const after = fullState ? null : (since?.room ?? null);
      const room = await roomSync.sections({ roomId, after, upTo: membership.streamOrdering, ctx, useStateAfter });
      leave[roomId] = {
        ...room.sections,
        account_data: { events: filterSection(leftExtras.get(roomId)?.account_data ?? [], roomFilter?.account_data, roomId) },
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
    const results = await Promise.all(sources.map((source) => (skip.has(source.stream) ? null : source.global?.(ctx)) ?? Promise.resolve(null)));
    for (const name of skip) next[name] = since?.[name] ?? 0;
    results.forEach((result, i) => {
      const source = sources[i];
      if (!result || !source) return;
      if (result.position !== undefined) next[source.stream] = result.position;
      for (const key of Object.keys(global) as Array<keyof GlobalSections>) global[key].push(...(result.sections[key] ?? []));
    });
    global.account_data = filterSection(global.account_data, filter.account_data);
    global.presence = filterSection(global.presence, filter.presence);

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
      const presenceState = request.setPresence ?? 'online';
      if (deps.syncPresence) await deps.syncPresence(requester.userId, presenceState);
      try {
        const deadline = Date.now() + Math.min(Math.max(0, request.timeoutMs), MAX_TIMEOUT_MS);
        let upTo = currentPosition();
        // A token from the future (e.g. another server's, or after a restart for typing) is treated as now.
        const from = parsed === null ? null : minPosition(parsed, upTo);
        const useStateAfter = request.useStateAfter === true;
        const skip = request.skipStreams ?? new Set<StreamName>();
        let result = await compute(requester, from, upTo, filter, request.fullState, useStateAfter, skip);
        // Long-poll: wait for news, recompute, and keep waiting while nothing for this user turned up.
        while (from !== null && result.empty && !request.fullState && !closed) {
          const left = deadline - Date.now();
          if (left <= 0) break;
          await wait(requester, upTo, left);
          const now = currentPosition();
          if (STREAMS.every((name) => now[name] === upTo[name])) continue;
          upTo = now;
          result = await compute(requester, from, upTo, filter, false, useStateAfter, skip);
        }
        return result.body;
      } finally {
        deps.syncEnded?.(requester.userId, presenceState);
      }
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
