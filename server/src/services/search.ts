/**
 * Server-side search (POST /search). Spec: client-server-api "Server Side Search" (modules/search.md,
 * search.yaml; v1.19): the room_events category over the rooms the requester is joined to or has left
 * (not forgotten), only events they may see (history visibility, as /messages decides it), ordered by
 * rank or recent, with the RoomEventFilter, event context and profiles, the current state of the rooms,
 * groupings by room_id / sender and `next_batch` paging (globally and within a group). Other categories
 * are ignored. Encrypted rooms are never searched: their events aren't indexed (storage/sqlite/search.ts).
 */
import { MatrixError } from '../core/errors.js';
import type { EventId, RoomId, UserId } from '../core/ids.js';
import { EventType, stateKey, type StateKey } from '../rooms/pdu.js';
import type { EventSearchQuery, RoomsStore, SearchCursor, SearchHit, SearchKey, SearchStore, StoredEvent } from '../storage/types.js';
import type { ClientEvent, ClientEventsFormatter, Viewer } from './client-events.js';
import type { HistoryVisibilityService, ViewerStanding } from './history-visibility.js';
import { tokenBefore, topologicalToken } from './pagination-token.js';
import type { RoomAccessService } from './room-access.js';
import { checkRoomEventFilter, eventMatches, roomExcluded, storageFilter, type RoomEventFilter } from './room-event-filter.js';
import type { RoomEventsService } from './room-events.js';
import type { Requester } from './requester.js';

export const SEARCH_KEYS: readonly SearchKey[] = ['content.body', 'content.name', 'content.topic'];
export type GroupKey = 'room_id' | 'sender';

/** Results per page: the filter's `limit` (Synapse's default 10), at most this. */
export const MAX_SEARCH_RESULTS = 100;
const DEFAULT_SEARCH_RESULTS = 10;
/** event_context limits: 5 by default (search.yaml), at most this. */
const MAX_CONTEXT_LIMIT = 50;
const DEFAULT_CONTEXT_LIMIT = 5;
/** The longest search term accepted, so one request can't build an enormous query. */
export const MAX_SEARCH_TERM_LENGTH = 1_000;
/** Index pages scanned per request when visibility leaves a page short (bounds the work). */
const MAX_SCANS = 5;

/** search.yaml "Room Events Criteria", validated by the route's schema (filter here). */
export interface RoomEventsCriteria {
  readonly search_term: string;
  readonly keys?: readonly SearchKey[] | undefined;
  readonly filter?: unknown;
  readonly order_by?: 'recent' | 'rank' | undefined;
  readonly event_context?:
    | { readonly before_limit?: number | undefined; readonly after_limit?: number | undefined; readonly include_profile?: boolean | undefined }
    | undefined;
  readonly include_state?: boolean | undefined;
  readonly groupings?: { readonly group_by?: readonly { readonly key?: GroupKey | undefined }[] | undefined } | undefined;
}

export interface SearchRequest {
  readonly search_categories: { readonly room_events?: RoomEventsCriteria | undefined };
}

interface SearchResult {
  rank: number;
  result: ClientEvent;
  context?: {
    start: string;
    end: string;
    events_before: ClientEvent[];
    events_after: ClientEvent[];
    profile_info?: Record<string, { displayname?: string; avatar_url?: string }>;
  };
}

interface GroupValue {
  results: EventId[];
  order: number;
  next_batch?: string;
}

export interface RoomEventsResults {
  count: number;
  highlights: string[];
  results: SearchResult[];
  next_batch?: string;
  groups?: Partial<Record<GroupKey, Record<string, GroupValue>>>;
  state?: Record<string, ClientEvent[]>;
}

export interface SearchResponse {
  search_categories: { room_events?: RoomEventsResults };
}

/** What a next_batch token carries: the order it was made for, where to continue, and its group. */
export interface BatchToken {
  readonly order: 'rank' | 'recent';
  readonly after: SearchCursor;
  readonly group?: { readonly key: GroupKey; readonly value: string } | undefined;
}

export function encodeBatchToken(token: BatchToken): string {
  const raw: Record<string, unknown> = { o: token.order, r: token.after.rank, s: token.after.streamOrdering };
  if (token.group) Object.assign(raw, { g: token.group.key, v: token.group.value });
  return Buffer.from(JSON.stringify(raw), 'utf8').toString('base64url');
}

/** Parses a next_batch token. @throws MatrixError 400 M_INVALID_PARAM */
export function decodeBatchToken(text: string): BatchToken {
  const invalid = () => new MatrixError('M_INVALID_PARAM', 'Invalid next_batch token');
  if (!/^[A-Za-z0-9_-]{1,2000}$/.test(text)) throw invalid();
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof raw !== 'object' || raw === null) throw invalid();
  const { o, r, s, g, v } = raw as Record<string, unknown>;
  if ((o !== 'rank' && o !== 'recent') || typeof r !== 'number' || !Number.isFinite(r) || !Number.isSafeInteger(s) || (s as number) < 0) {
    throw invalid();
  }
  const after = { rank: r, streamOrdering: s as number };
  if (g === undefined && v === undefined) return { order: o, after };
  if ((g !== 'room_id' && g !== 'sender') || typeof v !== 'string') throw invalid();
  return { order: o, after, group: { key: g, value: v } };
}

/** Pieces of a term as the index reads them (storage/sqlite/search.ts `ftsQuery`). */
const PIECES = /(-?)"([^"]*)"?|(\S+)/g;
const WORD = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;

/** The words to highlight: every word the term looks for (not excluded ones, not OR/AND), lower-cased. */
export function highlightsOf(term: string): string[] {
  const words = new Set<string>();
  for (const [, dash, phrase, bare] of term.matchAll(PIECES)) {
    if (bare === 'OR' || bare === 'AND' || dash === '-' || bare?.startsWith('-')) continue;
    for (const word of (phrase ?? bare ?? '').match(WORD) ?? []) words.add(word.toLowerCase());
  }
  return [...words];
}

export interface SearchDeps {
  readonly search: SearchStore;
  readonly rooms: Pick<RoomsStore, 'getEvents' | 'getStateGroup' | 'membershipsOf' | 'paginate'>;
  readonly events: Pick<RoomEventsService, 'stateEvents'>;
  readonly clientEvents: ClientEventsFormatter;
  readonly visibility: HistoryVisibilityService;
  readonly access: RoomAccessService;
  /** `m.ignored_user_list` of the user: their events are left out (as /sync and /messages do). */
  readonly ignoredUsers?: ((userId: UserId) => Promise<ReadonlySet<UserId>>) | undefined;
}

interface Found {
  readonly hit: SearchHit;
  readonly event: StoredEvent;
}

const cursorOf = (hit: SearchHit): SearchCursor => ({ rank: hit.rank, streamOrdering: hit.streamOrdering });
const clampContext = (value: number | undefined): number => Math.min(value ?? DEFAULT_CONTEXT_LIMIT, MAX_CONTEXT_LIMIT);

/** What one request searches: the index query (rooms, senders, types, keys, term) and the viewer. */
interface Scope {
  readonly base: Omit<EventSearchQuery, 'order' | 'after' | 'limit'>;
  readonly order: 'rank' | 'recent';
  readonly viewer: Viewer;
  readonly ignored: ReadonlySet<UserId>;
  readonly standingIn: (roomId: RoomId) => Promise<ViewerStanding>;
}

type ContextResult = NonNullable<SearchResult['context']>;
type Profile = { displayname?: string; avatar_url?: string };

export function createSearchService(deps: SearchDeps) {
  const { rooms, visibility, clientEvents } = deps;
  const noneIgnored: ReadonlySet<UserId> = new Set();

  /** Rooms searched, with the requester's member event: joined, and left but not forgotten (spec: "including those that they have left"). */
  async function searchableRooms(userId: UserId): Promise<Map<RoomId, EventId>> {
    const memberships = await rooms.membershipsOf(userId);
    return new Map(
      memberships
        .filter((m) => m.membership === 'join' || (m.membership === 'leave' && !m.forgotten))
        .map((m) => [m.roomId, m.eventId]),
    );
  }

  /** The events the viewer may see among `events` (history visibility per room, ignored senders left out). */
  async function visibleOf(scope: Scope, events: readonly StoredEvent[]): Promise<Set<StoredEvent>> {
    const byRoom = new Map<RoomId, StoredEvent[]>();
    for (const event of events) {
      if (scope.ignored.has(event.pdu.sender as UserId)) continue;
      const list = byRoom.get(event.roomId);
      if (list) list.push(event);
      else byRoom.set(event.roomId, [event]);
    }
    const allowed = new Set<StoredEvent>();
    for (const [roomId, roomEvents] of byRoom) {
      for (const event of await visibility.filter(await scope.standingIn(roomId), roomEvents)) allowed.add(event);
    }
    return allowed;
  }

  /**
   * Scans the index page by page from `after` until `limit` hits pass the filter and visibility (at most
   * MAX_SCANS pages). `boundary`: where the next page starts; `more`: the index may have more after it.
   */
  async function scanResults(scope: Scope, filter: RoomEventFilter, after: SearchCursor | null, limit: number) {
    const found: Found[] = [];
    let cursor = after;
    let lastScanned: SearchHit | null = null;
    let exhausted = false;
    for (let scan = 0; scan < MAX_SCANS && found.length < limit; scan++) {
      const want = scan === 0 ? limit : Math.max(limit - found.length, 50);
      const hits = await deps.search.searchEvents({ ...scope.base, order: scope.order, after: cursor, limit: want });
      const loaded = await rooms.getEvents(hits.map((hit) => hit.eventId));
      const candidates = hits.flatMap((hit) => {
        const event = loaded.get(hit.eventId);
        return event && event.redactedBy === null && eventMatches(filter, event) ? [{ hit, event }] : [];
      });
      const allowed = await visibleOf(scope, candidates.map((candidate) => candidate.event));
      for (const candidate of candidates) {
        if (allowed.has(candidate.event) && found.length < limit) found.push(candidate);
      }
      lastScanned = hits.at(-1) ?? lastScanned;
      if (hits.length < want) {
        exhausted = true;
        break;
      }
      cursor = cursorOf(hits.at(-1) as SearchHit);
    }
    // A full page continues after its last result (hits scanned beyond it are looked at again).
    const full = found.length >= limit;
    const boundary = full ? (found.at(-1)?.hit ?? null) : lastScanned;
    const more = boundary !== null && (!exhausted || (full && boundary !== lastScanned));
    return { found, boundary, more };
  }

  /** Events around a result in its room, as the viewer may see them, and the senders' profiles. */
  async function contextOf(scope: Scope, event: StoredEvent, beforeLimit: number, afterLimit: number, withProfile: boolean): Promise<ContextResult> {
    const standing = await scope.standingIn(event.roomId);
    const at = { depth: event.pdu.depth, stream: event.streamOrdering };
    const scan = async (direction: 'b' | 'f', count: number) => {
      if (count === 0) return { events: [] as StoredEvent[], last: null as StoredEvent | null };
      const raw = await rooms.paginate({ roomId: event.roomId, from: at, direction, limit: count });
      const shown = (await visibility.filter(standing, raw)).filter((e) => !scope.ignored.has(e.pdu.sender as UserId));
      return { events: shown, last: raw.at(-1) ?? null };
    };
    // events_before newest first, as /context returns them.
    const before = await scan('b', beforeLimit);
    const after = await scan('f', afterLimit);
    const start = before.last ?? event;
    const end = after.last ?? event;
    const context: ContextResult = {
      start: tokenBefore(start.pdu.depth, start.streamOrdering),
      end: topologicalToken(end.pdu.depth, end.streamOrdering),
      events_before: await clientEvents.format(before.events, scope.viewer),
      events_after: await clientEvents.format(after.events, scope.viewer),
    };
    if (withProfile) {
      // "Historic profile information" as Synapse gives it: the senders' member events in the state
      // after the last event shown.
      const last = after.events.at(-1) ?? event;
      const senders = new Set([...before.events, event, ...after.events].map((e) => e.pdu.sender));
      const keys: StateKey[] = [...senders].map((sender) => stateKey(EventType.Member, sender));
      const members = await deps.events.stateEvents(await rooms.getStateGroup(last.stateAfter), keys);
      const profiles: Record<string, Profile> = {};
      for (const member of members.values()) {
        const content = member.redactedBy ? {} : member.pdu.content;
        const profile: Profile = {};
        if (typeof content.displayname === 'string') profile.displayname = content.displayname;
        if (typeof content.avatar_url === 'string') profile.avatar_url = content.avatar_url;
        profiles[member.pdu.state_key as string] = profile;
      }
      context.profile_info = profiles;
    }
    return context;
  }

  /**
   * The results grouped by room and/or sender, `order` numbering the groups as their first results come.
   * When the page has more, a group whose continuation has a hit in the index gets its own next_batch.
   */
  async function groupsOf(scope: Scope, results: readonly Found[], keys: readonly GroupKey[], pageHasMore: boolean) {
    const groups: Partial<Record<GroupKey, Record<string, GroupValue>>> = {};
    for (const key of keys) {
      const byValue: Record<string, GroupValue> = {};
      const lastOf = new Map<string, SearchHit>();
      for (const { hit, event } of results) {
        const value = key === 'room_id' ? event.roomId : event.pdu.sender;
        const group = (byValue[value] ??= { results: [], order: Object.keys(byValue).length + 1 });
        group.results.push(hit.eventId);
        lastOf.set(value, hit);
      }
      if (pageHasMore) {
        for (const [value, last] of lastOf) {
          const narrowed =
            key === 'room_id' ? { ...scope.base, roomIds: scope.base.roomIds.filter((roomId) => roomId === value) } : { ...scope.base, senders: [value] };
          const ahead = await deps.search.searchEvents({ ...narrowed, order: scope.order, after: cursorOf(last), limit: 1 });
          if (ahead.length > 0) {
            (byValue[value] as GroupValue).next_batch = encodeBatchToken({ order: scope.order, after: cursorOf(last), group: { key, value } });
          }
        }
      }
      groups[key] = byValue;
    }
    return groups;
  }

  /** The state of each room with results, as the requester may read it (as of their leave if they left). */
  async function stateOf(scope: Scope, results: readonly Found[]): Promise<Record<string, ClientEvent[]>> {
    const state: Record<string, ClientEvent[]> = {};
    for (const roomId of new Set(results.map((f) => f.event.roomId))) {
      try {
        const access = await deps.access.check(roomId, scope.viewer.userId, { allowDeparted: true });
        state[roomId] = await clientEvents.format([...(await deps.events.stateEvents(access.state)).values()], scope.viewer);
      } catch (error) {
        if (!(error instanceof MatrixError)) throw error;
      }
    }
    return state;
  }

  return {
    /** POST /search. @throws MatrixError 400 for a bad filter, term or next_batch */
    async search(requester: Requester, request: SearchRequest, nextBatch: string | undefined): Promise<SearchResponse> {
      const criteria = request.search_categories.room_events;
      if (!criteria) return { search_categories: {} };
      checkRoomEventFilter(criteria.filter, 'filter');
      if (criteria.search_term.length > MAX_SEARCH_TERM_LENGTH) {
        throw new MatrixError('M_INVALID_PARAM', `search_term is longer than ${MAX_SEARCH_TERM_LENGTH} characters`);
      }
      const filter = (criteria.filter ?? {}) as RoomEventFilter;
      const order = criteria.order_by ?? 'rank';
      const token = nextBatch === undefined ? null : decodeBatchToken(nextBatch);
      if (token && token.order !== order) throw new MatrixError('M_INVALID_PARAM', 'next_batch was made for another order_by');
      const userId = requester.userId;
      const limit = Math.min(filter.limit ?? DEFAULT_SEARCH_RESULTS, MAX_SEARCH_RESULTS);
      const groupKeys = [...new Set((criteria.groupings?.group_by ?? []).flatMap((group) => (group.key ? [group.key] : [])))];

      // The rooms and senders searched, narrowed to a group when paging within one.
      const memberEvents = await searchableRooms(userId);
      let roomIds = [...memberEvents.keys()].filter((roomId) => !roomExcluded(filter, roomId));
      const pushed = storageFilter(filter);
      let senders = pushed.senders;
      const group = token?.group;
      if (group?.key === 'room_id') roomIds = roomIds.filter((roomId) => roomId === group.value);
      if (group?.key === 'sender') senders = senders === undefined || senders.includes(group.value) ? [group.value] : [];

      const standings = new Map<RoomId, Promise<ViewerStanding>>();
      const scope: Scope = {
        base: { term: criteria.search_term, keys: criteria.keys ?? SEARCH_KEYS, roomIds, ...pushed, senders },
        order,
        viewer: { userId, deviceId: requester.deviceId },
        ignored: deps.ignoredUsers ? await deps.ignoredUsers(userId) : noneIgnored,
        // The viewer's standing per room, looked up once per request.
        standingIn(roomId) {
          let standing = standings.get(roomId);
          if (!standing) {
            standing = (async () => {
              const memberId = memberEvents.get(roomId);
              const memberEvent = memberId ? ((await rooms.getEvents([memberId])).get(memberId) ?? null) : null;
              return visibility.standing(userId, memberEvent);
            })();
            standings.set(roomId, standing);
          }
          return standing;
        },
      };

      const { found, boundary, more } = await scanResults(scope, filter, token?.after ?? null, limit);
      const formatted = await clientEvents.format(found.map((f) => f.event), scope.viewer);
      const results: SearchResult[] = found.map((f, i) => ({ rank: f.hit.rank, result: formatted[i] as ClientEvent }));
      const eventContext = criteria.event_context;
      if (eventContext) {
        const beforeLimit = clampContext(eventContext.before_limit);
        const afterLimit = clampContext(eventContext.after_limit);
        for (const [i, f] of found.entries()) {
          (results[i] as SearchResult).context = await contextOf(scope, f.event, beforeLimit, afterLimit, eventContext.include_profile === true);
        }
      }

      const response: RoomEventsResults = {
        count: await deps.search.countEvents(scope.base),
        highlights: highlightsOf(criteria.search_term),
        results,
      };
      if (more && boundary) response.next_batch = encodeBatchToken({ order, after: cursorOf(boundary), group });
      if (groupKeys.length > 0) response.groups = await groupsOf(scope, found, groupKeys, more);
      if (criteria.include_state) response.state = await stateOf(scope, found);
      return { search_categories: { room_events: response } };
    },
  };
}

export type SearchService = ReturnType<typeof createSearchService>;
