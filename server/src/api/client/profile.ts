/**
 * Profiles. Spec: client-server-api "Profiles", profile.yaml (v1.19; generic keyName since v1.16).
 */
import { Type } from 'typebox';
import type { Services } from '../../services/index.js';
import { requesterOf, type TypedApp } from '../../http/types.js';

const UserParams = Type.Object({ userId: Type.String() });
const FieldParams = Type.Object({ userId: Type.String(), keyName: Type.String() });

export function profileRoutes(app: TypedApp, services: Pick<Services, 'profile'>): void {
  /** GET /_matrix/client/v3/profile/{userId} */
  app.get('/profile/:userId', { config: { auth: 'optional' }, schema: { params: UserParams } }, async (request) =>
    services.profile.getProfile(request.params.userId),
  );

  /** GET /_matrix/client/v3/profile/{userId}/{keyName} */
  app.get('/profile/:userId/:keyName', { config: { auth: 'optional' }, schema: { params: FieldParams } }, async (request) =>
    services.profile.getField(request.params.userId, request.params.keyName),
  );

  /** PUT /_matrix/client/v3/profile/{userId}/{keyName} */
  app.put(
    '/profile/:userId/:keyName',
    { config: { auth: 'required', allowGuests: true }, schema: { params: FieldParams, body: Type.Record(Type.String(), Type.Unknown()) } },
    async (request) => {
      await services.profile.setField(requesterOf(request), request.params.userId, request.params.keyName, request.body);
      return {};
    },
  );

  /** DELETE /_matrix/client/v3/profile/{userId}/{keyName} */
  app.delete(
    '/profile/:userId/:keyName',
    { config: { auth: 'required', allowGuests: true }, schema: { params: FieldParams } },
    async (request) => {
      await services.profile.deleteField(requesterOf(request), request.params.userId, request.params.keyName);
      return {};
    },
  );
}
