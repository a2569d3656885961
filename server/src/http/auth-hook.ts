/**
 * Resolves the access token (Authorization: Bearer, or the deprecated `access_token` query parameter)
 * to `request.requester` on routes that declare `config.auth`. Spec: client-server-api
 * "Using access tokens" (v1.19).
 */
import type { FastifyRequest } from 'fastify';
import { MatrixError, guestForbidden, missingToken } from '../core/errors.js';
import type { AuthService } from '../services/auth.js';
import type { TypedApp } from './types.js';

export function accessTokenOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    // No bearer token in it means no access token was given (Synapse: M_MISSING_TOKEN as well).
    if (!match) throw new MatrixError('M_MISSING_TOKEN', 'Invalid Authorization header');
    return match[1] ?? null;
  }
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.access_token === 'string' ? query.access_token : null;
}

export function installAuthHook(app: TypedApp, auth: Pick<AuthService, 'authenticate'>): void {
  app.decorateRequest('requester', null);
  app.addHook('onRequest', async (request) => {
    const mode = request.routeOptions.config.auth ?? 'none';
    if (mode === 'none') return;
    const token = accessTokenOf(request);
    if (token === null) {
      if (mode === 'required') throw missingToken();
      return;
    }
    const userAgent = request.headers['user-agent'] ?? null;
    const requester = await auth.authenticate(token, { ip: request.ip, userAgent }, {
      allowExpired: request.routeOptions.config.allowExpired === true,
    });
    if (requester.isGuest && !request.routeOptions.config.allowGuests) throw guestForbidden();
    request.requester = requester;
  });
}
