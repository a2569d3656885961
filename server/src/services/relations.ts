/**
 * GET /rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]]: the children of an event.
 * Spec: client-server-api "Relationships API" and relations.yaml (v1.19): topological order, newest
 * first by default (`dir`), `from`/`to` tokens (ours, or /messages and /sync ones), `recurse` (Synapse's
 * depth of 3; `recursion_depth` present whenever `recurse` was given), `next_batch`/`prev_batch`.
 * Access as Synapse: the room must be readable (403 otherwise, unknown rooms too); the parent must be in
 * it and visible to the requester (404 otherwise); children the requester may not see, and those of
 * ignored users, are left out.
 */
import { notFound } from '../core/errors.js';
import type { EventId, RoomId, UserId } from '../core/ids.js';
import type { RelationsStore, RoomsStore, StoredEvent, TimelinePosition } from '../storage/types.js';
import type { ClientEvent, ClientEventsFormatter } from './client-events.js';
import type { HistoryVisibilityService } from './history-visibility.js';
import { requirePaginationToken, tokenBefore, topologicalToken } from './pagination-token.js';
import type { Requester } from './requester.js';
import type { RoomAccessService } from './room-access.js';

/** Synapse's default page and its cap (PaginationConfig). */
export const DEFAULT_RELATIONS_LIMIT = 5;
export const MAX_RELATIONS_LIMIT = 1000;
/** How many levels `recurse` follows (the spec asks for at least 3; Synapse's value). */
export const RECURSION_DEPTH = 3;

export interface RelationsRequest {
  readonly relType?: string | undefined;
  readonly eventType?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly limit?: number | undefined;
  readonly dir?: 'b' | 'f' | undefined;
  readonly recurse?: boolean | undefined;
}

export interface RelationsResponse {
  chunk: ClientEvent[];
  next_batch?: string;
  prev_batch?: string;
  recursion_depth?: number;
}

export interface RelationsDeps {
  readonly rooms: Pick<RoomsStore, 'getEvents' | 'lastEventAtOrBefore'>;
  readonly relations: Pick<RelationsStore, 'relations'>;
  readonly clientEvents: ClientEventsFormatter;
  readonly visibility: HistoryVisibilityService;
  readonly access: RoomAccessService;
  readonly ignoredUsers?: ((userId: UserId) => Promise<ReadonlySet<UserId>>) | undefined;
}

export function createRelationsService(deps: RelationsDeps) {
  const { rooms } = deps;

  /** Where a pagination token lies in the room's topological order (as /messages reads it). */
  async function positionOf(roomId: RoomId, token: string, param: string): Promise<TimelinePosition> {
    const parsed = requirePaginationToken(token, param);
    if (parsed.kind === 'topological') return { depth: parsed.depth, stream: parsed.stream };
    const last = await rooms.lastEventAtOrBefore(roomId, parsed.stream);
    return last ? { depth: last.pdu.depth, stream: last.streamOrdering } : { depth: 0, stream: 0 };
  }

  return {
    async relations(requester: Requester, roomId: RoomId, eventId: EventId, request: RelationsRequest): Promise<RelationsResponse> {
      const dir = request.dir ?? 'b';
      const limit = Math.min(request.limit ?? DEFAULT_RELATIONS_LIMIT, MAX_RELATIONS_LIMIT);
      const from = request.from !== undefined && request.from !== '' ? await positionOf(roomId, request.from, 'from') : null;
      const to = request.to !== undefined && request.to !== '' ? await positionOf(roomId, request.to, 'to') : null;
      const access = await deps.access.check(roomId, requester.userId, { allowDeparted: true });
      const parent = (await rooms.getEvents([eventId])).get(eventId);
      if (!parent || parent.roomId !== roomId || !(await deps.visibility.canSee(access.standing, parent))) throw notFound('Event not found.');

      const maxDepth = request.recurse === true ? RECURSION_DEPTH : 1;
      const rows = await deps.relations.relations({
        roomId,
        parentId: eventId,
        relType: request.relType,
        eventType: request.eventType,
        maxDepth,
        from,
        to,
        direction: dir,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const found = await rooms.getEvents(page.map((row) => row.eventId));
      const ignored = deps.ignoredUsers ? await deps.ignoredUsers(requester.userId) : null;
      const events = page.flatMap((row) => {
        const event = found.get(row.eventId);
        return event && !ignored?.has(event.pdu.sender as UserId) ? [event] : [];
      });
      const visible: StoredEvent[] = await deps.visibility.filter(access.standing, events);
      const response: RelationsResponse = {
        chunk: await deps.clientEvents.format(visible, { userId: requester.userId, deviceId: requester.deviceId }),
      };
      const last = page.at(-1);
      if (rows.length > limit && last) {
        response.next_batch = dir === 'b' ? tokenBefore(last.depth, last.streamOrdering) : topologicalToken(last.depth, last.streamOrdering);
      }
      if (request.from !== undefined && request.from !== '') response.prev_batch = request.from;
      if (request.recurse !== undefined) response.recursion_depth = maxDepth;
      return response;
    },
  };
}

export type RelationsService = ReturnType<typeof createRelationsService>;
