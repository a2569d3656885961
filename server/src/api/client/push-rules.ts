/**
 * Reading push rules. Spec: client-server-api pushrules.yaml (v1.19). Changing rules arrives with push (issue 4).
 */
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

export function pushRulesRoutes(app: TypedApp, services: Pick<Services, 'pushRules'>): void {
  /** GET /_matrix/client/v3/pushrules/ */
  app.get('/pushrules/', { config: { auth: 'required', allowGuests: true } }, async (request) =>
    services.pushRules.rulesOf(requesterOf(request).userId),
  );

  /** GET /_matrix/client/v3/pushrules/global/ */
  app.get('/pushrules/global/', { config: { auth: 'required', allowGuests: true } }, async (request) =>
    services.pushRules.rulesOf(requesterOf(request).userId).global,
  );
}
