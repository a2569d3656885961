/**
 * Account registration. Spec: client-server-api "Account registration" and registration.yaml,
 * registration_tokens.yaml (v1.19).
 */
import { Type } from 'typebox';
import type { Services } from '../../services/index.js';
import type { TypedApp } from '../../http/types.js';

// registration.yaml: request body of POST /register. Open: unknown keys are kept, never rejected.
const RegisterBody = Type.Object({
  username: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  device_id: Type.Optional(Type.String({ maxLength: 512 })),
  initial_device_display_name: Type.Optional(Type.String({ maxLength: 512 })),
  inhibit_login: Type.Optional(Type.Boolean()),
  refresh_token: Type.Optional(Type.Boolean()),
  auth: Type.Optional(Type.Unknown()),
});

const RegisterQuery = Type.Object({
  kind: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('guest')])),
});

export function registerRoutes(app: TypedApp, services: Pick<Services, 'accounts'>): void {
  /** POST /_matrix/client/v3/register */
  app.post('/register', { schema: { body: RegisterBody, querystring: RegisterQuery } }, async (request) => {
    const body = request.body ?? {};
    if (request.query.kind === 'guest') return services.accounts.registerGuest(body, request.ip);
    return services.accounts.register(body, request.ip);
  });

  /** GET /_matrix/client/v3/register/available */
  app.get(
    '/register/available',
    { schema: { querystring: Type.Object({ username: Type.String() }) } },
    async (request) => ({ available: await services.accounts.isAvailable(request.query.username, request.ip) }),
  );
}

/** Routes that exist only under /_matrix/client/v1. */
export function registerRoutesV1(app: TypedApp, services: Pick<Services, 'accounts'>): void {
  /** GET /_matrix/client/v1/register/m.login.registration_token/validity */
  app.get(
    '/register/m.login.registration_token/validity',
    { schema: { querystring: Type.Object({ token: Type.String() }) } },
    async (request) => ({ valid: await services.accounts.isRegistrationTokenValid(request.query.token, request.ip) }),
  );
}
