/**
 * Presence. Spec: client-server-api "Presence", presence.yaml (v1.19).
 */
import { Type } from 'typebox';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

const UserParams = Type.Object({ userId: Type.String() });
// presence.yaml: presence required (online | offline | unavailable), status_msg optional.
const PresenceBody = Type.Object({
  presence: Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('unavailable')]),
  status_msg: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

export function presenceRoutes(app: TypedApp, services: Pick<Services, 'presence'>): void {
  /** PUT /_matrix/client/v3/presence/{userId}/status */
  app.put(
    '/presence/:userId/status',
    { config: { auth: 'required', allowGuests: true }, schema: { params: UserParams, body: PresenceBody } },
    async (request) => {
      await services.presence.setPresence(requesterOf(request), request.params.userId, request.body.presence, request.body.status_msg);
      return {};
    },
  );

  /** GET /_matrix/client/v3/presence/{userId}/status */
  app.get('/presence/:userId/status', { config: { auth: 'required', allowGuests: true }, schema: { params: UserParams } }, async (request) =>
    services.presence.getPresence(requesterOf(request), request.params.userId),
  );
}
