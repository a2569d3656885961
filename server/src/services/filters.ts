/**
 * Sync filters: upload, fetch, and resolution of /sync's `filter` parameter (an ID or inline JSON).
 * Spec: client-server-api "Filtering" (filter.yaml, definitions/sync_filter.yaml), v1.19.
 */
import { forbidden, MatrixError, notFound } from '../core/errors.js';
import type { UserId } from '../core/ids.js';
import { createLru } from '../core/lru.js';
import type { FiltersStore } from '../storage/types.js';
import type { Requester } from './requester.js';
import { checkEventFilter, checkRoomEventFilter, type RoomEventFilter } from './room-event-filter.js';

/** A RoomEventFilter as /sync reads it (timeline, state, ephemeral, account_data sections). */
export type EventFilter = RoomEventFilter;

export interface RoomFilter {
  readonly rooms?: string[];
  readonly not_rooms?: string[];
  readonly include_leave?: boolean;
  readonly timeline?: EventFilter;
  readonly state?: EventFilter;
  readonly ephemeral?: EventFilter;
  readonly account_data?: EventFilter;
}

export interface SyncFilter {
  readonly room?: RoomFilter;
  readonly presence?: EventFilter;
  readonly account_data?: EventFilter;
  readonly event_fields?: string[];
  readonly event_format?: 'client' | 'federation';
  readonly [key: string]: unknown;
}

const MAX_FILTER_BYTES = 64 * 1024;

/**
 * Validates every field of the Filter schema (definitions/sync_filter.yaml) that has a type; fields the
 * spec doesn't define are kept as given (Synapse allows them for forward compatibility).
 * @throws MatrixError 400 M_BAD_JSON
 */
export function checkFilter(value: unknown): SyncFilter {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MatrixError('M_BAD_JSON', 'A filter must be a JSON object');
  const filter = value as Record<string, unknown>;
  for (const key of ['presence', 'account_data']) checkEventFilter(filter[key], key);
  const fields = filter.event_fields;
  if (fields !== undefined && !(Array.isArray(fields) && fields.every((item) => typeof item === 'string'))) {
    throw new MatrixError('M_BAD_JSON', 'event_fields must be a list of strings');
  }
  if (filter.event_format !== undefined && filter.event_format !== 'client' && filter.event_format !== 'federation') {
    throw new MatrixError('M_BAD_JSON', 'event_format must be "client" or "federation"');
  }
  if (filter.room !== undefined) {
    if (typeof filter.room !== 'object' || filter.room === null || Array.isArray(filter.room)) throw new MatrixError('M_BAD_JSON', 'room must be an object');
    const room = filter.room as Record<string, unknown>;
    for (const list of ['rooms', 'not_rooms']) {
      const entries = room[list];
      if (entries !== undefined && !(Array.isArray(entries) && entries.every((item) => typeof item === 'string'))) {
        throw new MatrixError('M_BAD_JSON', `room.${list} must be a list of room IDs`);
      }
    }
    for (const key of ['timeline', 'state', 'ephemeral', 'account_data']) checkRoomEventFilter(room[key], `room.${key}`);
    if (room.include_leave !== undefined && typeof room.include_leave !== 'boolean') throw new MatrixError('M_BAD_JSON', 'room.include_leave must be a boolean');
  }
  return filter as SyncFilter;
}

/** Parses an inline JSON filter or a stored one. */
function parseFilterJson(json: string): SyncFilter {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new MatrixError('M_BAD_JSON', 'The filter is not valid JSON');
  }
  return checkFilter(parsed);
}

export function createFiltersService(deps: { filters: FiltersStore }) {
  const parsedFilters = createLru<string, SyncFilter>(2_000);
  return {
    /** POST /user/{userId}/filter */
    async create(requester: Requester, userId: string, body: unknown): Promise<string> {
      if (requester.userId !== userId) throw forbidden('Cannot create filters for other users');
      checkFilter(body);
      const json = JSON.stringify(body);
      if (Buffer.byteLength(json, 'utf8') > MAX_FILTER_BYTES) throw new MatrixError('M_TOO_LARGE', 'Filter is too large');
      return String(await deps.filters.createFilter(requester.userId, json));
    },

    /** GET /user/{userId}/filter/{filterId} */
    async get(requester: Requester, userId: string, filterId: string): Promise<SyncFilter> {
      if (requester.userId !== userId) throw forbidden('Cannot get filters for other users');
      const found = /^\d{1,15}$/.test(filterId) ? await deps.filters.getFilter(requester.userId, Number(filterId)) : null;
      if (found === null) throw notFound('No such filter');
      return JSON.parse(found) as SyncFilter;
    },

    /** /sync's `filter`: a filter ID of the user's, or an inline JSON filter. */
    async resolve(userId: UserId, param: string | undefined): Promise<SyncFilter> {
      if (param === undefined || param === '') return {};
      if (param.trimStart().startsWith('{')) {
        if (Buffer.byteLength(param, 'utf8') > MAX_FILTER_BYTES) throw new MatrixError('M_TOO_LARGE', 'Filter is too large');
        return parseFilterJson(param);
      }
      // Stored filters never change: parse each once.
      const key = `${userId}\u0000${param}`;
      const cached = parsedFilters.get(key);
      if (cached) return cached;
      const found = /^\d{1,15}$/.test(param) ? await deps.filters.getFilter(userId, Number(param)) : null;
      if (found === null) throw new MatrixError('M_NOT_FOUND', 'No such filter', { status: 400 });
      const filter = JSON.parse(found) as SyncFilter;
      parsedFilters.set(key, filter);
      return filter;
    },
  };
}

export type FiltersService = ReturnType<typeof createFiltersService>;
