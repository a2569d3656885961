/**
 * CORS on every response of the public listener, errors and 404s included, and OPTIONS preflight on
 * any path. Spec: client-server-api "Web Browser Clients" (v1.19): the recommended headers.
 */
import type { TypedApp } from './types.js';

export const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
  'access-control-allow-headers': 'X-Requested-With, Content-Type, Authorization, Date',
  'access-control-expose-headers': 'Retry-After',
};

export function installCors(app: TypedApp): void {
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(CORS_HEADERS);
  });
  app.options('/*', { config: { auth: 'none' } }, async (_request, reply) => reply.status(204).send());
}
