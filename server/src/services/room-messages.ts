/**
 * Paging through a room's timeline (GET /messages) and the events around one event (GET /context).
 * Spec: client-server-api message_pagination.yaml and event_context.yaml (v1.19); tokens in
 * pagination-token.ts. Events the requester may not see (history visibility) are left out; a member who
 * left pages no further than their leave (Synapse).
 */
import { forbidden, notFound } from '../core/errors.js';
import type { EventId, RoomId, UserId } from '../core/ids.js';
import { EventType, isStateEvent, stateKey, type StateKey } from '../rooms/pdu.js';
import type { RoomsStore, StoredEvent, TimelinePosition } from '../storage/types.js';
import type { ClientEvent, ClientEventsFormatter, Viewer } from './client-events.js';
import type { HistoryVisibilityService, ViewerStanding } from './history-visibility.js';
import { requirePaginationToken, START_TOKEN, tokenBefore, topologicalToken } from './pagination-token.js';
import type { RoomAccessService } from './room-access.js';
import type { RoomEventsService } from './room-events.js';
import { eventMatches, parseRoomEventFilter, roomExcluded, storageFilter, type RoomEventFilter } from './room-event-filter.js';
import type { Requester } from './requester.js';

/** Synapse's cap on /messages and /context limits. */
export const MAX_PAGE_LIMIT = 1000;
export const DEFAULT_PAGE_LIMIT = 10;
/** Storage pages scanned per /messages request when filtering leaves a page short. */
const MAX_SCANS = 5;

export interface MessagesQuery {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly dir: 'b' | 'f';
  readonly limit?: number | undefined;
  readonly filter?: string | undefined;
}

export interface MessagesResponse {
  chunk: ClientEvent[];
  start: string;
  end?: string;
  state?: ClientEvent[];
}

export interface ContextResponse {
  start: string;
  end: string;
  events_before: ClientEvent[];
  event: ClientEvent;
  events_after: ClientEvent[];
  state: ClientEvent[];
}

export interface RoomMessagesDeps {
  readonly events: Pick<RoomEventsService, 'stateEvents'>;
  readonly rooms: Pick<RoomsStore, 'getEvents' | 'getStateGroup' | 'paginate' | 'lastEventAtOrBefore'>;
  readonly clientEvents: ClientEventsFormatter;
  readonly visibility: HistoryVisibilityService;
  readonly access: RoomAccessService;
  /** The users a user ignores (`m.ignored_user_list`): their non-state events are left out. */
  readonly ignoredUsers?: ((userId: UserId) => Promise<ReadonlySet<UserId>>) | undefined;
}

const NO_ONE: ReadonlySet<string> = new Set();
/** Spec "Ignoring Users": events of ignored users are not sent, except state events (Synapse filter_events_for_client). */
const fromIgnored = (ignored: ReadonlySet<string>, event: StoredEvent): boolean => ignored.has(event.pdu.sender) && !isStateEvent(event.pdu);

/** A position in a room's timeline: just after (depth, stream) (pagination-token.ts). */
type Point = TimelinePosition;

const compare = (a: Point, b: Point): number => a.depth - b.depth || a.stream - b.stream;
const pointOf = (event: StoredEvent): Point => ({ depth: event.pdu.depth, stream: event.streamOrdering });
const viewerOf = (requester: Requester): Viewer => ({ userId: requester.userId, deviceId: requester.deviceId });
const clampLimit = (limit: number | undefined, filter: RoomEventFilter): number =>
  Math.min(limit ?? DEFAULT_PAGE_LIMIT, filter.limit ?? MAX_PAGE_LIMIT, MAX_PAGE_LIMIT);

export function createRoomMessagesService(deps: RoomMessagesDeps) {
  const { rooms, clientEvents, visibility } = deps;

  /** Where a token lies in this room's timeline. */
  async function pointOfToken(roomId: RoomId, token: string, param: string): Promise<Point> {
    const parsed = requirePaginationToken(token, param);
    if (parsed.kind === 'topological') return { depth: parsed.depth, stream: parsed.stream };
    const last = await rooms.lastEventAtOrBefore(roomId, parsed.stream);
    return last ? pointOf(last) : { depth: 0, stream: 0 };
  }

  /**
   * Events strictly between `from` and `to` (positions), `dir`-ordered, up to `limit` of those that pass
   * the filter and visibility. `exhausted`: storage has nothing more in that range.
   */
  async function page(roomId: RoomId, range: { from: Point | null; to: Point | null; dir: 'b' | 'f' }, limit: number, filter: RoomEventFilter, standing: ViewerStanding, maxScans: number, ignored: ReadonlySet<string> = NO_ONE) {
    const backwards = range.dir === 'b';
    const pushed = storageFilter(filter);
    const found: StoredEvent[] = [];
    let cursor = range.from;
    let lastScanned: StoredEvent | null = null;
    let exhausted = false;
    for (let scan = 0; scan < maxScans && found.length < limit; scan++) {
      const want = Math.min(MAX_PAGE_LIMIT, Math.max(limit - found.length, scan === 0 ? 0 : 50));
      // Storage bounds are exclusive (depth, stream) pairs: "before (D, S+1)" = at or before (D, S).
      const raw = await rooms.paginate({
        roomId,
        direction: range.dir,
        limit: want,
        from: cursor === null ? null : backwards ? { depth: cursor.depth, stream: cursor.stream + 1 } : cursor,
        to: range.to === null ? null : backwards ? range.to : { depth: range.to.depth, stream: range.to.stream + 1 },
        ...pushed,
      });
      const matching = raw.filter((event) => eventMatches(filter, event) && !fromIgnored(ignored, event));
      for (const event of await visibility.filter(standing, matching)) {
        if (found.length < limit) found.push(event);
      }
      if (raw.length < want) {
        exhausted = true;
        lastScanned = raw.at(-1) ?? lastScanned;
        break;
      }
      lastScanned = raw.at(-1) ?? lastScanned;
      const last = raw.at(-1) as StoredEvent;
      // Next scan continues past the last scanned event: the position after it (f) or before it (b).
      cursor = backwards ? { depth: last.pdu.depth, stream: last.streamOrdering - 1 } : pointOf(last);
    }
    // Where the next page starts: after the last event returned when the page filled up (scanned events
    // beyond it are not skipped), else after the last event scanned.
    const full = found.length >= limit && limit > 0;
    const boundary = full ? (found.at(-1) as StoredEvent) : lastScanned;
    const more = !exhausted || (full && boundary !== lastScanned);
    return { events: found, boundary, more };
  }

  /** Member events of the senders of `events`, from `state` (lazy_load_members). */
  async function membersOfSenders(state: ReadonlyMap<StateKey, EventId>, events: readonly StoredEvent[]): Promise<StoredEvent[]> {
    const keys = [...new Set(events.map((event) => event.pdu.sender))].map((sender) => stateKey(EventType.Member, sender));
    return [...(await deps.events.stateEvents(state, keys)).values()];
  }

  const tokenAfterEvent = (event: StoredEvent) => topologicalToken(event.pdu.depth, event.streamOrdering);
  const tokenBeforeEvent = (event: StoredEvent) => tokenBefore(event.pdu.depth, event.streamOrdering);

  return {
    /** GET /rooms/{roomId}/messages */
    async messages(requester: Requester, roomId: RoomId, query: MessagesQuery): Promise<MessagesResponse> {
      const filter = parseRoomEventFilter(query.filter);
      const access = await deps.access.check(roomId, requester.userId, { allowDeparted: true });
      const limit = clampLimit(query.limit, filter);
      const backwards = query.dir === 'b';

      let from: Point | null;
      let start: string;
      if (query.from !== undefined && query.from !== '') {
        from = await pointOfToken(roomId, query.from, 'from');
        start = query.from;
      } else if (backwards) {
        const newest = (await rooms.paginate({ roomId, from: null, direction: 'b', limit: 1 }))[0];
        from = newest ? pointOf(newest) : { depth: 0, stream: 0 };
        start = topologicalToken(from.depth, from.stream);
      } else {
        from = { depth: 0, stream: 0 };
        start = START_TOKEN;
      }
      let to = query.to !== undefined && query.to !== '' ? await pointOfToken(roomId, query.to, 'to') : null;
      // A member who left reads nothing after their leave.
      if (access.until) {
        if (backwards && compare(from, access.until) > 0) from = access.until;
        if (!backwards && (to === null || compare(to, access.until) > 0)) to = access.until;
      }
      // Nothing to return (as Synapse: no `end`): a zero limit, or a filter that matches nothing.
      if (limit === 0 || filter.types?.length === 0 || filter.senders?.length === 0 || roomExcluded(filter, roomId)) return { chunk: [], start };

      const ignored = deps.ignoredUsers ? await deps.ignoredUsers(requester.userId) : NO_ONE;
      const { events, boundary, more } = await page(roomId, { from, to, dir: query.dir }, limit, filter, access.standing, MAX_SCANS, ignored);
      const response: MessagesResponse = { chunk: await clientEvents.format(events, viewerOf(requester)), start };
      if (more && boundary) response.end = backwards ? tokenBeforeEvent(boundary) : tokenAfterEvent(boundary);
      const first = events[0];
      if (filter.lazy_load_members && first) {
        const state = await membersOfSenders(await rooms.getStateGroup(first.stateAfter), events);
        if (state.length > 0) response.state = await clientEvents.format(state, viewerOf(requester));
      }
      return response;
    },

    /**
     * GET /rooms/{roomId}/context/{eventId}: `limit` split as Synapse does (before: ⌊limit/2⌋), state as
     * of the last event returned, tokens from the events scanned. 404 unknown event, 403 not visible.
     */
    async context(requester: Requester, roomId: RoomId, eventId: EventId, query: { limit?: number | undefined; filter?: string | undefined }): Promise<ContextResponse> {
      const filter = parseRoomEventFilter(query.filter);
      const limit = Math.min(query.limit ?? DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT);
      const event = (await rooms.getEvents([eventId])).get(eventId);
      const found = event && event.roomId === roomId ? await deps.access.standingIn(roomId, requester.userId) : null;
      if (!event || !found) throw notFound('Event not found.');
      const ignored = deps.ignoredUsers ? await deps.ignoredUsers(requester.userId) : NO_ONE;
      if (fromIgnored(ignored, event) || !(await visibility.canSee(found.standing, event))) throw forbidden("You don't have permission to access that event.");

      const at = pointOf(event);
      const beforeLimit = Math.floor(limit / 2);
      const afterLimit = limit - beforeLimit;
      const beforeAt: Point = { depth: at.depth, stream: at.stream - 1 };
      const before = beforeLimit > 0 ? await page(roomId, { from: beforeAt, to: null, dir: 'b' }, beforeLimit, filter, found.standing, 1, ignored) : null;
      const after = afterLimit > 0 ? await page(roomId, { from: at, to: null, dir: 'f' }, afterLimit, filter, found.standing, 1, ignored) : null;

      const lastShown = after?.events.at(-1) ?? event;
      const senders = [...(before?.events ?? []), event, ...(after?.events ?? [])];
      const stateMap = await rooms.getStateGroup(lastShown.stateAfter);
      const stateEvents = filter.lazy_load_members
        ? await membersOfSenders(stateMap, senders)
        : [...(await deps.events.stateEvents(stateMap)).values()];
      const viewer = viewerOf(requester);
      return {
        start: before?.boundary ? tokenBeforeEvent(before.boundary) : tokenBeforeEvent(event),
        end: after?.boundary ? tokenAfterEvent(after.boundary) : tokenAfterEvent(event),
        events_before: await clientEvents.format(before?.events ?? [], viewer),
        event: await clientEvents.formatOne(event, viewer),
        events_after: await clientEvents.format(after?.events ?? [], viewer),
        state: await clientEvents.format(stateEvents.filter((state) => eventMatches(filter, state)), viewer),
      };
    },
  };
}

export type RoomMessagesService = ReturnType<typeof createRoomMessagesService>;
