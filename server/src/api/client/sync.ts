/**
 * Syncing and filters. Spec: client-server-api sync.yaml and filter.yaml (v1.19).
 */
import { Type } from 'typebox';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

const SyncQuery = Type.Object({
  since: Type.Optional(Type.String()),
  timeout: Type.Optional(Type.Integer({ minimum: 0 })),
  full_state: Type.Optional(Type.Boolean()),
  filter: Type.Optional(Type.String()),
  use_state_after: Type.Optional(Type.Boolean()),
  set_presence: Type.Optional(Type.Union([Type.Literal('offline'), Type.Literal('online'), Type.Literal('unavailable')])),
});
const UserParams = Type.Object({ userId: Type.String() });
const FilterParams = Type.Object({ userId: Type.String(), filterId: Type.String() });

export function syncRoutes(app: TypedApp, services: Pick<Services, 'sync' | 'filters'>): void {
  /** GET /_matrix/client/v3/sync */
  app.get('/sync', { config: { auth: 'required', allowGuests: true }, schema: { querystring: SyncQuery } }, async (request) =>
    services.sync.sync(requesterOf(request), {
      since: request.query.since,
      timeoutMs: request.query.timeout ?? 0,
      fullState: request.query.full_state ?? false,
      filter: request.query.filter,
      setPresence: request.query.set_presence,
      useStateAfter: request.query.use_state_after,
    }),
  );

  /** POST /_matrix/client/v3/user/{userId}/filter */
  app.post(
    '/user/:userId/filter',
    { config: { auth: 'required', allowGuests: true }, schema: { params: UserParams, body: Type.Record(Type.String(), Type.Unknown()) } },
    async (request) => ({ filter_id: await services.filters.create(requesterOf(request), request.params.userId, request.body) }),
  );

  /** GET /_matrix/client/v3/user/{userId}/filter/{filterId} */
  app.get('/user/:userId/filter/:filterId', { config: { auth: 'required', allowGuests: true }, schema: { params: FilterParams } }, async (request) =>
    services.filters.get(requesterOf(request), request.params.userId, request.params.filterId),
  );
}
