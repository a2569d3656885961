/**
 * The admin surface on the loopback listener. Authentication: the admin token from the config file
 * (Authorization: Bearer), compared in constant time. The Synapse-compatible admin API proper lands
 * with issue 6; this is its frame: health and the server version.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { MatrixError, missingToken } from '../../core/errors.js';
import { accessTokenOf } from '../../http/auth-hook.js';
import type { TypedApp } from '../../http/types.js';
import type { ServerInfo } from '../../services/index.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export async function adminApi(app: TypedApp, deps: { server: ServerInfo; adminToken: string }): Promise<void> {
  const expected = digest(deps.adminToken);

  /** GET /health: liveness for supervisors (Synapse serves the same path). */
  app.get('/health', async (_request, reply) => reply.type('text/plain').send('OK'));

  await app.register(
    async (scope: TypedApp) => {
      scope.addHook('onRequest', async (request) => {
        const token = accessTokenOf(request);
        if (token === null) throw missingToken();
        // Hashing first gives equal-length inputs to timingSafeEqual.
        if (deps.adminToken.length === 0 || !timingSafeEqual(digest(token), expected)) {
          throw new MatrixError('M_UNKNOWN_TOKEN', 'Invalid admin token', { extras: { soft_logout: false } });
        }
      });

      /** GET /_synapse/admin/v1/server_version */
      scope.get('/v1/server_version', async () => ({ server_version: deps.server.version }));
    },
    { prefix: '/_synapse/admin' },
  );
}
