/**
 * Server-side search. Spec: client-server-api "Server Side Search", search.yaml (v1.19).
 * The reply carries events: no response schema.
 */
import { Type } from 'typebox';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

const Key = Type.Union([Type.Literal('content.body'), Type.Literal('content.name'), Type.Literal('content.topic')]);
const NonNegative = Type.Integer({ minimum: 0 });
// search.yaml "Room Events Criteria"; the filter is checked by the service (room_event_filter.yaml).
const RoomEventsCriteria = Type.Object({
  search_term: Type.String(),
  keys: Type.Optional(Type.Array(Key)),
  filter: Type.Optional(Type.Unknown()),
  order_by: Type.Optional(Type.Union([Type.Literal('recent'), Type.Literal('rank')])),
  event_context: Type.Optional(
    Type.Object({
      before_limit: Type.Optional(NonNegative),
      after_limit: Type.Optional(NonNegative),
      include_profile: Type.Optional(Type.Boolean()),
    }),
  ),
  include_state: Type.Optional(Type.Boolean()),
  groupings: Type.Optional(
    Type.Object({
      group_by: Type.Optional(Type.Array(Type.Object({ key: Type.Optional(Type.Union([Type.Literal('room_id'), Type.Literal('sender')])) }))),
    }),
  ),
});
// Categories other than room_events are ignored.
const SearchBody = Type.Object({ search_categories: Type.Object({ room_events: Type.Optional(RoomEventsCriteria) }) });
const SearchQuery = Type.Object({ next_batch: Type.Optional(Type.String()) });

export function searchRoutes(app: TypedApp, services: Pick<Services, 'search'>): void {
  /** POST /_matrix/client/v3/search */
  app.post('/search', { config: { auth: 'required' }, schema: { querystring: SearchQuery, body: SearchBody } }, async (request) =>
    services.search.search(requesterOf(request), request.body, request.query.next_batch),
  );
}
