/**
 * The published room directory as /publicRooms pages it: entries built from a room's current state,
 * the search filter, and Synapse's keyset pagination (largest rooms first, then room ID, both descending;
 * a token holds the bound's joined-member count, room ID and direction).
 * Spec: client-server-api list_public_rooms.yaml and definitions/public_rooms_response.yaml (v1.19).
 * Synapse: handlers/room_list.py `_get_public_room_list`, storage room.py `get_largest_public_rooms`.
 */
import { invalidParam } from '../core/errors.js';
import type { RoomId } from '../core/ids.js';

/** One chunk entry (wire JSON; absent fields are omitted, as Synapse does). */
export interface PublicRoomEntry {
  readonly room_id: RoomId;
  readonly num_joined_members: number;
  readonly world_readable: boolean;
  readonly guest_can_join: boolean;
  readonly name?: string;
  readonly topic?: string;
  readonly canonical_alias?: string;
  readonly avatar_url?: string;
  readonly join_rule?: string;
  readonly room_type?: string;
}

export interface PublicRoomsFilter {
  readonly generic_search_term?: string | undefined;
  /** `null` stands for rooms without a type. */
  readonly room_types?: ReadonlyArray<string | null> | undefined;
}

export interface PublicRoomsPage {
  chunk: PublicRoomEntry[];
  next_batch?: string;
  prev_batch?: string;
  total_room_count_estimate: number;
}

/** Synapse's cap on a page of the local directory. */
export const MAX_PUBLIC_ROOMS_PAGE = 100;

interface Bound {
  readonly members: number;
  readonly roomId: string;
  readonly forwards: boolean;
}

function encodeToken(bound: Bound): string {
  return Buffer.from(JSON.stringify({ m: bound.members, r: bound.roomId, d: bound.forwards }), 'utf8').toString('base64url');
}

/** @throws MatrixError M_INVALID_PARAM for a token this server didn't issue */
function decodeToken(token: string): Bound {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { m?: unknown; r?: unknown; d?: unknown };
    if (typeof parsed.m === 'number' && Number.isInteger(parsed.m) && typeof parsed.r === 'string' && typeof parsed.d === 'boolean') {
      return { members: parsed.m, roomId: parsed.r, forwards: parsed.d };
    }
  } catch {
    // fall through
  }
  throw invalidParam('Invalid pagination token');
}

/** Directory order: more joined members first, then room ID descending (Synapse). */
export function compareEntries(a: PublicRoomEntry, b: PublicRoomEntry): number {
  if (a.num_joined_members !== b.num_joined_members) return b.num_joined_members - a.num_joined_members;
  return a.room_id < b.room_id ? 1 : a.room_id > b.room_id ? -1 : 0;
}

/** Whether the room type filter admits the entry (an absent or empty list admits every room). */
export function matchesRoomTypes(entry: PublicRoomEntry, roomTypes: PublicRoomsFilter['room_types']): boolean {
  if (!roomTypes || roomTypes.length === 0) return true;
  return roomTypes.includes(entry.room_type ?? null);
}

/** Case-insensitive substring of the name, topic or canonical alias. */
export function matchesSearchTerm(entry: PublicRoomEntry, term: string | undefined): boolean {
  if (!term) return true;
  const needle = term.toLowerCase();
  return [entry.name, entry.topic, entry.canonical_alias].some((field) => field?.toLowerCase().includes(needle));
}

/**
 * One page of the directory. `entries`: every listed room (any order); `limit`: at most
 * MAX_PUBLIC_ROOMS_PAGE (null or 0: the cap). Tokens follow Synapse: next_batch pages forwards from
 * the last room shown, prev_batch backwards from the first.
 */
export function pagePublicRooms(
  entries: readonly PublicRoomEntry[],
  options: { limit?: number | null | undefined; since?: string | undefined; filter?: PublicRoomsFilter | undefined },
): PublicRoomsPage {
  const filter = options.filter ?? {};
  const limit = !options.limit || options.limit > MAX_PUBLIC_ROOMS_PAGE ? MAX_PUBLIC_ROOMS_PAGE : options.limit;
  const typed = entries.filter((entry) => matchesRoomTypes(entry, filter.room_types));
  const matching = typed.filter((entry) => matchesSearchTerm(entry, filter.generic_search_term)).sort(compareEntries);

  const bound = options.since ? decodeToken(options.since) : null;
  const forwards = bound?.forwards ?? true;
  const probing = limit + 1;
  // `results` keeps directory order; a backwards page is the `probing` rooms just before the bound.
  let results: PublicRoomEntry[];
  if (!bound) {
    results = matching.slice(0, probing);
  } else if (forwards) {
    const after = (entry: PublicRoomEntry) =>
      entry.num_joined_members < bound.members || (entry.num_joined_members === bound.members && entry.room_id < bound.roomId);
    results = matching.filter(after).slice(0, probing);
  } else {
    const before = (entry: PublicRoomEntry) =>
      entry.num_joined_members > bound.members || (entry.num_joined_members === bound.members && entry.room_id > bound.roomId);
    results = matching.filter(before).slice(-probing);
  }

  const more = results.length > limit;
  // Walking away from the bound: forwards from the top, backwards from the bottom.
  const chunk = forwards ? results.slice(0, limit) : results.slice(-limit);
  const page: PublicRoomsPage = { chunk, total_room_count_estimate: typed.length };
  const first = chunk[0];
  const last = chunk[chunk.length - 1];
  const token = (entry: PublicRoomEntry, dir: boolean) => encodeToken({ members: entry.num_joined_members, roomId: entry.room_id, forwards: dir });

  if (forwards) {
    // After a token there are earlier rooms; with none shown, page back from the very end.
    if (bound) page.prev_batch = first ? token(first, false) : encodeToken({ members: 0, roomId: '', forwards: false });
    if (last && more) page.next_batch = token(last, true);
  } else if (first && last) {
    page.next_batch = token(last, true);
    if (more) page.prev_batch = token(first, false);
  }
  return page;
}
