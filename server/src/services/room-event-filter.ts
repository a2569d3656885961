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
}

const LISTS = ['types', 'not_types', 'senders', 'not_senders', 'rooms', 'not_rooms'] as const;
const FLAGS = ['contains_url', 'lazy_load_members', 'include_redundant_members'] as const;

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
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MatrixError('M_BAD_JSON', 'The filter must be a JSON object');
  const filter = value as Record<string, unknown>;
  for (const list of LISTS) {
    const entries = filter[list];
    if (entries !== undefined && !(Array.isArray(entries) && entries.every((item) => typeof item === 'string'))) {
      throw new MatrixError('M_BAD_JSON', `filter.${list} must be a list of strings`);
    }
  }
  for (const flag of FLAGS) {
    if (filter[flag] !== undefined && typeof filter[flag] !== 'boolean') throw new MatrixError('M_BAD_JSON', `filter.${flag} must be a boolean`);
  }
  if (filter.limit !== undefined && (!Number.isSafeInteger(filter.limit) || (filter.limit as number) < 1)) {
    throw new MatrixError('M_BAD_JSON', 'filter.limit must be a positive integer');
  }
  return filter as RoomEventFilter;
}

const matchesPattern = (pattern: string, value: string): boolean =>
  pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : pattern === value;

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
