/**
 * Sync filters: upload, fetch, and resolution of /sync's `filter` parameter (an ID or inline JSON).
 * Spec: client-server-api "Filtering" (filter.yaml, definitions/sync_filter.yaml), v1.19.
 * Issue 4 applies every field; /sync here honours rooms/not_rooms, include_leave and the timeline
 * and state type/sender lists and limits.
 */
import { forbidden, MatrixError, notFound } from '../core/errors.js';
import type { UserId } from '../core/ids.js';
import type { FiltersStore } from '../storage/types.js';
import type { Requester } from './requester.js';

export interface EventFilter {
  readonly limit?: number;
  readonly types?: string[];
  readonly not_types?: string[];
  readonly senders?: string[];
  readonly not_senders?: string[];
  readonly rooms?: string[];
  readonly not_rooms?: string[];
  readonly contains_url?: boolean;
  readonly lazy_load_members?: boolean;
  readonly include_redundant_members?: boolean;
  readonly unread_thread_notifications?: boolean;
}

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

const isStringList = (value: unknown): boolean => Array.isArray(value) && value.every((item) => typeof item === 'string');

function checkEventFilter(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MatrixError('M_BAD_JSON', `${name} must be an object`);
  const filter = value as Record<string, unknown>;
  for (const list of ['types', 'not_types', 'senders', 'not_senders', 'rooms', 'not_rooms']) {
    if (filter[list] !== undefined && !isStringList(filter[list])) throw new MatrixError('M_BAD_JSON', `${name}.${list} must be a list of strings`);
  }
  if (filter.limit !== undefined && (!Number.isInteger(filter.limit) || (filter.limit as number) < 0)) {
    throw new MatrixError('M_BAD_JSON', `${name}.limit must be a non-negative integer`);
  }
}

/** Validates a filter's shape where Hearth reads it; other fields are stored as given. @throws MatrixError M_BAD_JSON */
export function checkFilter(value: unknown): SyncFilter {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MatrixError('M_BAD_JSON', 'A filter must be a JSON object');
  const filter = value as Record<string, unknown>;
  for (const key of ['presence', 'account_data']) checkEventFilter(key, filter[key]);
  if (filter.event_fields !== undefined && !isStringList(filter.event_fields)) throw new MatrixError('M_BAD_JSON', 'event_fields must be a list of strings');
  if (filter.event_format !== undefined && filter.event_format !== 'client' && filter.event_format !== 'federation') {
    throw new MatrixError('M_BAD_JSON', 'event_format must be "client" or "federation"');
  }
  if (filter.room !== undefined) {
    checkEventFilter('room', filter.room);
    const room = filter.room as Record<string, unknown>;
    for (const key of ['timeline', 'state', 'ephemeral', 'account_data']) checkEventFilter(`room.${key}`, room[key]);
    if (room.include_leave !== undefined && typeof room.include_leave !== 'boolean') throw new MatrixError('M_BAD_JSON', 'room.include_leave must be a boolean');
  }
  return filter as SyncFilter;
}

export function createFiltersService(deps: { filters: FiltersStore }) {
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
        let parsed: unknown;
        try {
          parsed = JSON.parse(param);
        } catch {
          throw new MatrixError('M_BAD_JSON', 'The filter is not valid JSON');
        }
        return checkFilter(parsed);
      }
      const found = /^\d{1,15}$/.test(param) ? await deps.filters.getFilter(userId, Number(param)) : null;
      if (found === null) throw new MatrixError('M_NOT_FOUND', 'No such filter', { status: 400 });
      return JSON.parse(found) as SyncFilter;
    },
  };
}

export type FiltersService = ReturnType<typeof createFiltersService>;
