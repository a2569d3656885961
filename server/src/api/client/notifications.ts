/**
 * Listing notifications. Spec: client-server-api "Listing Notifications", notifications.yaml GET /notifications (v1.19).
 */
import { Type } from 'typebox';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

const NotificationsQuery = Type.Object({
  from: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 0 })),
  only: Type.Optional(Type.String()),
});

export function notificationsRoutes(app: TypedApp, services: Pick<Services, 'notifications'>): void {
  /** GET /_matrix/client/v3/notifications */
  app.get('/notifications', { config: { auth: 'required' }, schema: { querystring: NotificationsQuery } }, async (request) =>
    services.notifications.list(requesterOf(request), request.query),
  );
}
