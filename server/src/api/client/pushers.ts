/**
 * Pushers. Spec: client-server-api "Push Notifications", pusher.yaml GET /pushers and POST /pushers/set (v1.19).
 */
import { Type } from 'typebox';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

// pusher.yaml postPusher: the body is checked field by field by the service (M_MISSING_PARAM / M_INVALID_PARAM).
const SetPusherBody = Type.Record(Type.String(), Type.Unknown());

export function pushersRoutes(app: TypedApp, services: Pick<Services, 'pushers'>): void {
  /** GET /_matrix/client/v3/pushers */
  app.get('/pushers', { config: { auth: 'required' } }, async (request) => ({
    pushers: await services.pushers.list(requesterOf(request)),
  }));

  /** POST /_matrix/client/v3/pushers/set */
  app.post('/pushers/set', { config: { auth: 'required' }, schema: { body: SetPusherBody } }, async (request) => {
    await services.pushers.set(requesterOf(request), request.body);
    return {};
  });
}
