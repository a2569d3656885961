/**
 * The RoomEventFilter of /messages and /context (`filter` query parameter, inline JSON).
 * Spec: client-server-api "Filtering", definitions/room_event_filter.yaml (v1.19). Type patterns may end
 * in `*` (a prefix match), as Synapse reads them; senders are exact.
 */
import { MatrixError } from '../core/errors.js';
import type { PaginateQuery, StoredEvent } from '../storage/types.js';

export interface RoomEventFilter {
  readonly limit?: number;
  readonly types?: readonly string[];
  readonly not_types?: readonly string[];
  readonly senders?: readonly string[];
  readonly not_senders?: readonly string[];
  readonly rooms?: readonly string[];
  readonly not_rooms?: readonly string[];
  readonly contains_url?: boolean;
  readonly lazy_load_members?: boolean;
  readonly include_redundant_members?: boolean;
  readonly unread_thread_notifications?: boolean;
}

const EVENT_FILTER_LISTS = ['types', 'not_types', 'senders', 'not_senders'] as const;
const ROOM_LISTS = ['rooms', 'not_rooms'] as const;
const FLAGS = ['contains_url', 'lazy_load_members', 'include_redundant_members', 'unread_thread_notifications'] as const;
/** A server-side cap on list lengths in a filter, so a filter can't make every event check slow. */
const MAX_LIST_ENTRIES = 1000;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkStringList(value: unknown, name: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw new MatrixError('M_BAD_JSON', `${name} must be a list of strings`);
  if (value.length > MAX_LIST_ENTRIES) throw new MatrixError('M_BAD_JSON', `${name} has more than ${MAX_LIST_ENTRIES} entries`);
}

/**
 * Checks an EventFilter (definitions/event_filter.yaml): string lists, and `limit` an integer > 0.
 * Fields the spec doesn't define are left alone (forward compatibility, as Synapse does).
 * @throws MatrixError 400 M_BAD_JSON
 */
export function checkEventFilter(value: unknown, name: string): void {
  if (value === undefined) return;
  if (!isObject(value)) throw new MatrixError('M_BAD_JSON', `${name} must be an object`);
  for (const list of EVENT_FILTER_LISTS) checkStringList(value[list], `${name}.${list}`);
  if (value.limit !== undefined && (!Number.isSafeInteger(value.limit) || (value.limit as number) < 1)) {
    throw new MatrixError('M_BAD_JSON', `${name}.limit must be a positive integer`);
  }
}

/** Checks a RoomEventFilter (definitions/room_event_filter.yaml). @throws MatrixError 400 M_BAD_JSON */
export function checkRoomEventFilter(value: unknown, name: string): void {
  checkEventFilter(value, name);
  if (value === undefined) return;
  const filter = value as Record<string, unknown>;
  for (const list of ROOM_LISTS) checkStringList(filter[list], `${name}.${list}`);
  for (const flag of FLAGS) {
    if (filter[flag] !== undefined && typeof filter[flag] !== 'boolean') throw new MatrixError('M_BAD_JSON', `${name}.${flag} must be a boolean`);
  }
}

/** Parses the `filter` query parameter (absent or empty: no filter). @throws MatrixError 400 M_BAD_JSON */
export function parseRoomEventFilter(param: string | undefined): RoomEventFilter {
  if (param === undefined || param === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(param);
  } catch {
    // Some clients encode the JSON twice (Synapse unquotes it once more).
    try {
      value = JSON.parse(decodeURIComponent(param));
    } catch {
      throw new MatrixError('M_BAD_JSON', 'The filter is not valid JSON');
    }
  }
  if (!isObject(value)) throw new MatrixError('M_BAD_JSON', 'The filter must be a JSON object');
  checkRoomEventFilter(value, 'filter');
  return value as RoomEventFilter;
}

const matchesPattern = (pattern: string, value: string): boolean =>
  pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : pattern === value;

/** Whether an event in client format ({type, sender?}: ephemeral, account data, presence) passes the type and sender lists. */
export function clientEventMatches(filter: RoomEventFilter | undefined, event: Readonly<Record<string, unknown>>): boolean {
  if (!filter) return true;
  const type = typeof event.type === 'string' ? event.type : '';
  if (filter.not_types?.some((pattern) => matchesPattern(pattern, type))) return false;
  if (filter.types && !filter.types.some((pattern) => matchesPattern(pattern, type))) return false;
  const sender = typeof event.sender === 'string' ? event.sender : undefined;
  if (sender !== undefined && filter.not_senders?.includes(sender)) return false;
  if (sender !== undefined && filter.senders && !filter.senders.includes(sender)) return false;
  return true;
}

/** Whether an event passes the filter. */
export function eventMatches(filter: RoomEventFilter, event: StoredEvent): boolean {
  const { type, sender, content } = event.pdu;
  if (roomExcluded(filter, event.roomId)) return false;
  if (filter.not_types?.some((pattern) => matchesPattern(pattern, type))) return false;
  if (filter.types && !filter.types.some((pattern) => matchesPattern(pattern, type))) return false;
  if (filter.not_senders?.includes(sender)) return false;
  if (filter.senders && !filter.senders.includes(sender)) return false;
  if (filter.contains_url !== undefined && filter.contains_url !== (typeof content.url === 'string')) return false;
  return true;
}

/**
 * The parts of the filter storage can apply in SQL (exact types and senders); `eventMatches` is
 * applied afterwards for the rest (type wildcards, contains_url).
 */
export function storageFilter(filter: RoomEventFilter): Pick<PaginateQuery, 'types' | 'notTypes' | 'senders' | 'notSenders'> {
  const exact = (list: readonly string[] | undefined) => list?.filter((pattern) => !pattern.endsWith('*'));
  const types = filter.types && filter.types.every((pattern) => !pattern.endsWith('*')) ? filter.types : undefined;
  return {
    // An empty include list matches nothing: keep it so storage returns nothing.
    types,
    notTypes: exact(filter.not_types),
    senders: filter.senders,
    notSenders: filter.not_senders,
  };
}

/** Whether the filter excludes the room entirely (its rooms / not_rooms lists). */
export function roomExcluded(filter: RoomEventFilter, roomId: string): boolean {
  return (filter.not_rooms?.includes(roomId) ?? false) || (filter.rooms !== undefined && !filter.rooms.includes(roomId));
}
