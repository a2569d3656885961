/**
 * Logging in and out, and refreshing tokens.
 * Spec: client-server-api "Login", login.yaml, logout.yaml, refresh.yaml (v1.19).
 */
import { Type } from 'typebox';
import type { Services } from '../../services/index.js';
import { requesterOf, type TypedApp } from '../../http/types.js';

// login.yaml: checked field by field by the service, which knows the login types.
const LoginBody = Type.Object({
  type: Type.String(),
  identifier: Type.Optional(Type.Object({ type: Type.String() })),
  user: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  device_id: Type.Optional(Type.String({ maxLength: 512 })),
  initial_device_display_name: Type.Optional(Type.String({ maxLength: 512 })),
  refresh_token: Type.Optional(Type.Boolean()),
});

export function sessionRoutes(app: TypedApp, services: Pick<Services, 'auth'>): void {
  /** GET /_matrix/client/v3/login */
  app.get('/login', async () => ({ flows: [{ type: 'm.login.password' }] }));

  /** POST /_matrix/client/v3/login */
  app.post('/login', { schema: { body: LoginBody } }, async (request) =>
    services.auth.login({ body: request.body as Record<string, unknown>, ip: request.ip }),
  );

  /** POST /_matrix/client/v3/refresh */
  app.post('/refresh', { schema: { body: Type.Object({ refresh_token: Type.String() }) } }, async (request) =>
    services.auth.refresh(request.body.refresh_token),
  );

  /** POST /_matrix/client/v3/logout */
  app.post('/logout', { config: { auth: 'required', allowExpired: true } }, async (request) => {
    await services.auth.logout(requesterOf(request));
    return {};
  });

  /** POST /_matrix/client/v3/logout/all */
  app.post('/logout/all', { config: { auth: 'required', allowExpired: true } }, async (request) => {
    await services.auth.logoutAll(requesterOf(request));
    return {};
  });
}
