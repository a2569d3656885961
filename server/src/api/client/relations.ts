/**
 * Event relationships and threads (v1 endpoints).
 * Spec: client-server-api relations.yaml ("Relationships API") and threads_list.yaml ("Querying threads
 * in a room"), v1.19. Replies carry events: no response schemas.
 */
import { Type } from 'typebox';
import type { EventId, RoomId } from '../../core/ids.js';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

const Direction = Type.Union([Type.Literal('b'), Type.Literal('f')]);
const EventParams = Type.Object({ roomId: Type.String(), eventId: Type.String() });
const RelTypeParams = Type.Object({ roomId: Type.String(), eventId: Type.String(), relType: Type.String() });
const EventTypeParams = Type.Object({ roomId: Type.String(), eventId: Type.String(), relType: Type.String(), eventType: Type.String() });
// relations.yaml components/parameters: from, to, limit, dir, recurse.
const RelationsQuery = Type.Object({
  from: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 0 })),
  dir: Type.Optional(Direction),
  recurse: Type.Optional(Type.Boolean()),
});
const RoomParams = Type.Object({ roomId: Type.String() });
// threads_list.yaml: include, limit (> 0), from.
const ThreadsQuery = Type.Object({
  include: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('participated')])),
  limit: Type.Optional(Type.Integer({ minimum: 1 })),
  from: Type.Optional(Type.String()),
});

type RelationsQueryValue = { from?: string; to?: string; limit?: number; dir?: 'b' | 'f'; recurse?: boolean };

export function relationsRoutesV1(app: TypedApp, services: Pick<Services, 'relations' | 'threads'>): void {
  const { relations, threads } = services;
  const config = { auth: 'required', allowGuests: true } as const;
  type Params = { roomId: string; eventId: string; relType?: string; eventType?: string };
  const run = (request: Parameters<typeof requesterOf>[0] & { params: Params; query: RelationsQueryValue }) =>
    relations.relations(requesterOf(request), request.params.roomId as RoomId, request.params.eventId as EventId, {
      relType: request.params.relType,
      eventType: request.params.eventType,
      from: request.query.from,
      to: request.query.to,
      limit: request.query.limit,
      dir: request.query.dir,
      recurse: request.query.recurse,
    });

  /** GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId} (getRelatingEvents) */
  app.get('/rooms/:roomId/relations/:eventId', { config, schema: { params: EventParams, querystring: RelationsQuery } }, async (request) => run(request));

  /** GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}/{relType} (getRelatingEventsWithRelType) */
  app.get('/rooms/:roomId/relations/:eventId/:relType', { config, schema: { params: RelTypeParams, querystring: RelationsQuery } }, async (request) => run(request));

  /** GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}/{relType}/{eventType} (getRelatingEventsWithRelTypeAndEventType) */
  app.get('/rooms/:roomId/relations/:eventId/:relType/:eventType', { config, schema: { params: EventTypeParams, querystring: RelationsQuery } }, async (request) =>
    run(request),
  );

  /** GET /_matrix/client/v1/rooms/{roomId}/threads (getThreadRoots) */
  app.get('/rooms/:roomId/threads', { config, schema: { params: RoomParams, querystring: ThreadsQuery } }, async (request) =>
    threads.threads(requesterOf(request), request.params.roomId as RoomId, {
      include: request.query.include,
      from: request.query.from,
      limit: request.query.limit,
    }),
  );
}
