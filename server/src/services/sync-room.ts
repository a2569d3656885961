/**
 * One room's part of a /sync: its timeline window, the state to go with it (`state`, or `state_after`
 * with use_state_after), lazy-loaded members and the room summary.
 * Spec: client-server-api "Syncing" (sync.yaml), "Filtering" and "Lazy-loading room members"; v1.19.
 */
import type { EventId, RoomId, UserId } from '../core/ids.js';
import { keepOnlyFields, splitDottedPath } from '../rooms/dotted-path.js';
import { EventType, splitStateKey, stateKey, type StateKey } from '../rooms/pdu.js';
import { createLru } from '../core/lru.js';
import type { RoomsStore, StoredEvent } from '../storage/types.js';
import type { ClientEvent, ClientEventsFormatter, Viewer } from './client-events.js';
import type { EventFilter, SyncFilter } from './filters.js';
import { eventMatches, roomExcluded } from './room-event-filter.js';
import { formatSyncToken, type SyncContext } from './sync-sources.js';

/** Timeline length when the filter doesn't say (Synapse's default). */
const DEFAULT_TIMELINE_LIMIT = 10;
const MAX_TIMELINE_LIMIT = 1000;
/** How many events a filtered timeline looks through before giving up and reporting a gap. */
const MAX_SCANNED = 5_000;
/** Heroes shown in a room summary (spec: "the first 5 members"). */
const HEROES = 5;

export interface RoomSyncDeps {
  readonly rooms: RoomsStore;
  readonly clientEvents: ClientEventsFormatter;
  readonly visible: (userId: UserId, events: StoredEvent[]) => Promise<StoredEvent[]>;
}

export interface RoomSyncRequest {
  readonly roomId: RoomId;
  /** Events after this room stream position; null: from the room's start (state in full). */
  readonly after: number | null;
  /** Up to this room stream position (the sync's, or a left room's leave). */
  readonly upTo: number;
  readonly ctx: SyncContext;
  readonly useStateAfter: boolean;
}

export interface RoomSyncSections {
  readonly sections: Record<string, unknown>;
  /** Whether the timeline or state has anything (an incremental sync leaves the room out otherwise). */
  readonly changed: boolean;
}

interface Window {
  readonly events: StoredEvent[];
  readonly limited: boolean;
}

const isMember = (key: StateKey): boolean => splitStateKey(key)[0] === EventType.Member;

export function createRoomSync(deps: RoomSyncDeps) {
  const { rooms } = deps;
  /**
   * Member events already sent to a device, per room, so lazy loading can skip redundant ones
   * (spec "Lazy-loading room members": the server MAY assume clients remember them).
   */
  const sentMembers = createLru<string, Map<RoomId, Map<string, EventId>>>(2_000);

  /** The newest `limit` events in (after, upTo] that pass the filter and aren't from ignored users, oldest first. */
  async function timelineWindow(roomId: RoomId, after: number, upTo: number, ctx: SyncContext): Promise<Window> {
    const filter = ctx.filter.room?.timeline;
    if (filter && roomExcluded(filter, roomId)) return { events: [], limited: false };
    const limit = Math.min(filter?.limit ?? DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT);
    const selective = filter !== undefined && (filter.types !== undefined || filter.not_types !== undefined || filter.senders !== undefined
      || filter.not_senders !== undefined || filter.contains_url !== undefined);
    const pageSize = selective || ctx.ignored.size > 0 ? Math.max(limit * 2, 50) : limit + 1;
    const picked: StoredEvent[] = [];
    let bound = upTo;
    let scanned = 0;
    let limited = false;
    for (;;) {
      const page = await rooms.recentEvents(roomId, after, bound, pageSize);
      for (let i = page.length - 1; i >= 0 && !limited; i--) {
        const event = page[i] as StoredEvent;
        if (filter && !eventMatches(filter, event)) continue;
        // Ignored users' events are dropped, except state events (spec "Ignoring Users").
        if (event.pdu.state_key === undefined && ctx.ignored.has(event.pdu.sender as UserId)) continue;
        if (picked.length === limit) limited = true;
        else picked.push(event);
      }
      scanned += page.length;
      const oldest = page[0];
      if (limited || page.length < pageSize || !oldest) break;
      if (scanned >= MAX_SCANNED) {
        limited = true;
        break;
      }
      bound = oldest.streamOrdering - 1;
    }
    picked.reverse();
    return { events: await deps.visible(ctx.userId, picked), limited };
  }

  async function stateAt(roomId: RoomId, position: number): Promise<ReadonlyMap<StateKey, EventId>> {
    const last = await rooms.lastEventAtOrBefore(roomId, position);
    return last ? rooms.getStateGroup(last.stateAfter) : new Map();
  }

  /** State before the window's first event (or at `upTo` when the window is empty). */
  async function stateBefore(roomId: RoomId, window: Window, upTo: number): Promise<ReadonlyMap<StateKey, EventId>> {
    const first = window.events[0];
    if (first) return first.stateBefore === null ? new Map() : rooms.getStateGroup(first.stateBefore);
    return stateAt(roomId, upTo);
  }

  /** The room summary (spec sync.yaml `summary`; heroes only when the room has no name or alias, as Synapse does). */
  async function summary(state: ReadonlyMap<StateKey, EventId>, roomId: RoomId, userId: UserId): Promise<{ summary: Record<string, unknown>; heroes: UserId[] }> {
    const members = await rooms.currentMembers(roomId);
    const joined = members.filter((m) => m.membership === 'join').length;
    const invited = members.filter((m) => m.membership === 'invite').length;
    const out: Record<string, unknown> = { 'm.joined_member_count': joined, 'm.invited_member_count': invited };
    const named = await rooms.getEvents([state.get(stateKey(EventType.Name, '')), state.get(stateKey(EventType.CanonicalAlias, ''))].filter((id): id is EventId => id !== undefined));
    const hasName = [...named.values()].some((event) => (typeof event.pdu.content.name === 'string' && event.pdu.content.name !== '') || (typeof event.pdu.content.alias === 'string' && event.pdu.content.alias !== ''));
    if (hasName) return { summary: out, heroes: [] };
    const others = members.filter((m) => m.userId !== userId);
    const active = others.filter((m) => m.membership === 'join' || m.membership === 'invite');
    const candidates = active.length > 0 ? active : others.filter((m) => m.membership === 'leave' || m.membership === 'ban');
    const events = await rooms.getEvents(candidates.map((m) => m.eventId));
    const ordered = candidates
      .map((m) => ({ userId: m.userId, order: events.get(m.eventId)?.streamOrdering ?? Number.MAX_SAFE_INTEGER }))
      .sort((a, b) => a.order - b.order)
      .slice(0, HEROES)
      .map((m) => m.userId);
    out['m.heroes'] = ordered;
    return { summary: out, heroes: ordered };
  }

  /**
   * The state entries to send: those of `state` differing from `since` (all when null), passing the state
   * filter; with lazy loading, member events only for `members` (skipping ones this device already has,
   * unless include_redundant_members).
   */
  function pickState(
    state: ReadonlyMap<StateKey, EventId>,
    since: ReadonlyMap<StateKey, EventId> | null,
    exclude: ReadonlySet<EventId>,
    lazy: { readonly members: ReadonlySet<string>; readonly sent: Map<string, EventId> | null } | null,
  ): EventId[] {
    const ids: EventId[] = [];
    for (const [key, id] of state) {
      if (exclude.has(id)) continue;
      if (lazy && isMember(key)) {
        // Lazy loading: member events only for the members named, unless this device already has that one.
        const userId = splitStateKey(key)[1];
        if (lazy.members.has(userId) && lazy.sent?.get(userId) !== id) ids.push(id);
        continue;
      }
      if (since?.get(key) !== id) ids.push(id);
    }
    return ids;
  }

  async function loadFiltered(ids: readonly EventId[], filter: EventFilter | undefined): Promise<StoredEvent[]> {
    const found = await rooms.getEvents(ids);
    const out: StoredEvent[] = [];
    for (const id of ids) {
      const event = found.get(id);
      if (event && (!filter || eventMatches(filter, event))) out.push(event);
    }
    return out;
  }

  /** Applies the filter's event_format and event_fields to formatted events. */
  function shape(events: ClientEvent[], stored: readonly StoredEvent[], filter: SyncFilter): ClientEvent[] {
    let out = events;
    if (filter.event_format === 'federation') {
      out = out.map((event, i) => {
        const pdu = stored[i]?.pdu ?? {};
        return { ...pdu, content: event.content, unsigned: event.unsigned };
      });
    }
    const fields = filter.event_fields;
    if (fields && fields.length > 0) {
      const paths = fields.map(splitDottedPath);
      out = out.map((event) => keepOnlyFields(event, paths));
    }
    return out;
  }

  /** Remembers which member events a device now has (lazy loading without redundant members). */
  function recordSent(ctx: SyncContext, roomId: RoomId, events: readonly StoredEvent[]): void {
    const device = `${ctx.userId}\u0000${ctx.deviceId}`;
    let perRoom = sentMembers.get(device);
    if (!perRoom) sentMembers.set(device, (perRoom = new Map()));
    let sent = perRoom.get(roomId);
    if (!sent) perRoom.set(roomId, (sent = new Map()));
    for (const event of events) if (event.pdu.type === EventType.Member && event.pdu.state_key !== undefined) sent.set(event.pdu.state_key, event.eventId);
  }

  return {
    /** A sync starting from scratch for this device: lazy loading forgets what it sent before. */
    resetDevice(ctx: SyncContext): void {
      sentMembers.delete(`${ctx.userId}\u0000${ctx.deviceId}`);
    },

    async sections(request: RoomSyncRequest): Promise<RoomSyncSections> {
      const { roomId, after, upTo, ctx } = request;
      const filter = ctx.filter;
      const stateFilter = filter.room?.state;
      const viewer: Viewer = { userId: ctx.userId, deviceId: ctx.deviceId };
      const window = await timelineWindow(roomId, after ?? 0, upTo, ctx);
      const startState = await stateBefore(roomId, window, upTo);
      let sinceState: ReadonlyMap<StateKey, EventId> | null = null;
      if (after !== null) sinceState = window.limited ? await stateAt(roomId, after) : startState;

      const last = window.events.at(-1);
      const endState = last ? await rooms.getStateGroup(last.stateAfter) : startState;
      const lazyLoading = stateFilter?.lazy_load_members === true;
      const memberInTimeline = window.events.some((event) => event.pdu.type === EventType.Member);
      // Synapse's rule: a summary when lazy loading, on a room's first sync or when members changed.
      const roomSummary = lazyLoading && (after === null || memberInTimeline) ? await summary(endState, roomId, ctx.userId) : null;
      let lazy: { members: ReadonlySet<string>; sent: Map<string, EventId> | null } | null = null;
      if (lazyLoading) {
        const members = new Set<string>(window.events.map((event) => event.pdu.sender));
        // The user's own membership always goes along (Synapse does: clients need it to know they are in the room).
        members.add(ctx.userId);
        for (const hero of roomSummary?.heroes ?? []) members.add(hero);
        const sent = stateFilter.include_redundant_members === true ? null : (sentMembers.get(`${ctx.userId}\u0000${ctx.deviceId}`)?.get(roomId) ?? null);
        lazy = { members, sent };
      }

      const inTimeline = new Set(window.events.map((event) => event.eventId));
      const sections: Record<string, unknown> = {};
      let stateEvents: StoredEvent[];
      if (request.useStateAfter) {
        // state_after: the change from `since` to the END of the timeline, timeline events included (MSC4222).
        const since = after === null ? null : await stateAt(roomId, after);
        stateEvents = await loadFiltered(pickState(endState, since, new Set(), lazy), stateFilter);
        sections.state_after = { events: shape(await deps.clientEvents.format(stateEvents, viewer, { omitRoomId: true, prevContent: false }), stateEvents, filter) };
      } else {
        stateEvents = await loadFiltered(pickState(startState, sinceState, inTimeline, lazy), stateFilter);
        sections.state = { events: shape(await deps.clientEvents.format(stateEvents, viewer, { omitRoomId: true, prevContent: false }), stateEvents, filter) };
      }
      if (lazyLoading) recordSent(ctx, roomId, [...stateEvents, ...window.events]);

      const first = window.events[0];
      sections.timeline = {
        events: shape(await deps.clientEvents.format(window.events, viewer, { omitRoomId: true }), window.events, filter),
        limited: window.limited,
        prev_batch: formatSyncToken({ ...ctx.upTo, room: first ? first.streamOrdering - 1 : upTo }),
      };
      if (roomSummary) sections.summary = roomSummary.summary;
      return { sections, changed: window.events.length > 0 || window.limited || stateEvents.length > 0 };
    },
  };
}

export type RoomSync = ReturnType<typeof createRoomSync>;
