/**
 * GET /rooms/{roomId}/threads: the room's thread roots, most recently active first, each with its
 * bundled aggregations (the m.thread summary).
 * Spec: client-server-api "Querying threads in a room" and threads_list.yaml (v1.19): `include`
 * all|participated, `limit`, `from` (a next_batch of ours; anything else 400 M_INVALID_PARAM); 403 when
 * the user can't read the room; roots the user may not see (history visibility) are left out and a root
 * sent by an ignored user is returned redacted. Synapse's default limit (5) and cap (100).
 */
import { invalidParam } from '../core/errors.js';
import type { RoomId, UserId } from '../core/ids.js';
import type { RelationsStore, RoomsStore, StoredEvent } from '../storage/types.js';
import type { ClientEvent, ClientEventsFormatter } from './client-events.js';
import type { HistoryVisibilityService } from './history-visibility.js';
import type { Requester } from './requester.js';
import type { RoomAccessService } from './room-access.js';

export const DEFAULT_THREADS_LIMIT = 5;
export const MAX_THREADS_LIMIT = 100;
/** Pages of threads scanned per request when visibility drops roots. */
const MAX_SCANS = 5;

export interface ThreadsRequest {
  readonly include?: 'all' | 'participated' | undefined;
  readonly from?: string | undefined;
  readonly limit?: number | undefined;
}

export interface ThreadsDeps {
  readonly rooms: Pick<RoomsStore, 'getEvents'>;
  readonly relations: Pick<RelationsStore, 'threads'>;
  readonly clientEvents: ClientEventsFormatter;
  readonly visibility: HistoryVisibilityService;
  readonly access: RoomAccessService;
  readonly ignoredUsers?: ((userId: UserId) => Promise<ReadonlySet<UserId>>) | undefined;
}

/** A next_batch: the latest-activity stream ordering of the last thread returned. */
function parseFrom(from: string): number {
  if (!/^\d{1,15}$/.test(from)) throw invalidParam('Unknown pagination token');
  return Number(from);
}

export function createThreadsService(deps: ThreadsDeps) {
  return {
    async threads(requester: Requester, roomId: RoomId, request: ThreadsRequest): Promise<{ chunk: ClientEvent[]; next_batch?: string }> {
      let before = request.from !== undefined && request.from !== '' ? parseFrom(request.from) : null;
      const limit = Math.min(request.limit ?? DEFAULT_THREADS_LIMIT, MAX_THREADS_LIMIT);
      const access = await deps.access.check(roomId, requester.userId, { allowDeparted: true });
      const participant = request.include === 'participated' ? requester.userId : null;

      const roots: StoredEvent[] = [];
      let lastPosition: number | null = null;
      let more = false;
      for (let scan = 0; scan < MAX_SCANS && roots.length < limit; scan++) {
        const want = limit - roots.length;
        const page = await deps.relations.threads({ roomId, before, participant, limit: want + 1 });
        more = page.length > want;
        const rows = page.slice(0, want);
        const found = await deps.rooms.getEvents(rows.map((row) => row.threadId));
        const candidates = rows.flatMap((row) => {
          const root = found.get(row.threadId);
          return root && root.roomId === roomId ? [root] : [];
        });
        roots.push(...(await deps.visibility.filter(access.standing, candidates)));
        const last = rows.at(-1);
        if (last) lastPosition = last.latestStreamOrdering;
        if (!more || !last) break;
        before = last.latestStreamOrdering;
      }
      const ignored = deps.ignoredUsers ? await deps.ignoredUsers(requester.userId) : undefined;
      const chunk = await deps.clientEvents.format(roots, { userId: requester.userId, deviceId: requester.deviceId }, {
        ...(ignored && ignored.size > 0 ? { redactSenders: ignored as ReadonlySet<string> } : {}),
      });
      const response: { chunk: ClientEvent[]; next_batch?: string } = { chunk };
      if (more && lastPosition !== null) response.next_batch = String(lastPosition);
      return response;
    },
  };
}

export type ThreadsService = ReturnType<typeof createThreadsService>;
