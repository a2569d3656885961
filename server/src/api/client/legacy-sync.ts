/**
 * The legacy sync endpoints (deprecated, still served by Synapse and still in the spec):
 * old_sync.yaml (GET /events, GET /initialSync, GET /events/{eventId}), peeking_events.yaml
 * (GET /events?room_id=) and room_initial_sync.yaml (GET /rooms/{roomId}/initialSync); v1.19.
 */
import { Type } from 'typebox';
import type { EventId, RoomId } from '../../core/ids.js';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

const EventsQuery = Type.Object({
  from: Type.Optional(Type.String()),
  timeout: Type.Optional(Type.Integer({ minimum: 0 })),
  room_id: Type.Optional(Type.String()),
});
const InitialSyncQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 0 })), archived: Type.Optional(Type.Boolean()) });
const RoomInitialSyncQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 0 })) });
const RoomParams = Type.Object({ roomId: Type.String() });
const EventParams = Type.Object({ eventId: Type.String() });

export function legacySyncRoutes(app: TypedApp, services: Pick<Services, 'legacySync'>): void {
  /** GET /_matrix/client/v3/events (and ?room_id= for peeking) */
  app.get('/events', { config: { auth: 'required', allowGuests: true }, schema: { querystring: EventsQuery } }, async (request) =>
    services.legacySync.events(requesterOf(request), { from: request.query.from, timeoutMs: request.query.timeout ?? 0, roomId: request.query.room_id }),
  );

  /** GET /_matrix/client/v3/initialSync */
  app.get('/initialSync', { config: { auth: 'required' }, schema: { querystring: InitialSyncQuery } }, async (request) =>
    services.legacySync.initialSync(requesterOf(request), { limit: request.query.limit, archived: request.query.archived ?? false }),
  );

  /** GET /_matrix/client/v3/rooms/{roomId}/initialSync */
  app.get('/rooms/:roomId/initialSync', { config: { auth: 'required', allowGuests: true }, schema: { params: RoomParams, querystring: RoomInitialSyncQuery } }, async (request) =>
    services.legacySync.roomInitialSync(requesterOf(request), request.params.roomId as RoomId, { limit: request.query.limit }),
  );

  /** GET /_matrix/client/v3/events/{eventId} */
  app.get('/events/:eventId', { config: { auth: 'required', allowGuests: true }, schema: { params: EventParams } }, async (request) =>
    services.legacySync.event(requesterOf(request), request.params.eventId as EventId),
  );
}
