/**
 * OpenID tokens: a user proves their Matrix ID to a third party, which exchanges the token with this
 * server. Spec: client-server-api "OpenID" (openid.yaml) and server-server-api openid/userinfo (v1.19).
 * Tokens are random, valid for an hour, good only for userinfo, and stored as their SHA-256 (as access
 * tokens are, services/secrets.ts).
 */
import type { Clock } from '../core/clock.js';
import { forbidden, MatrixError } from '../core/errors.js';
import type { UserId } from '../core/ids.js';
import type { OpenIdTokensStore, UsersStore } from '../storage/types.js';
import type { Requester } from './requester.js';
import { generateToken, hashToken } from './secrets.js';

/** One hour: Synapse's default and the spec's example (`expires_in: 3600`). */
export const OPENID_TOKEN_LIFETIME_MS = 3_600_000;
export const OPENID_TOKEN_PREFIX = 'hoi_';

export interface OpenIdTokenReply {
  access_token: string;
  token_type: 'Bearer';
  matrix_server_name: string;
  expires_in: number;
}

export interface OpenIdDeps {
  readonly tokens: OpenIdTokensStore;
  readonly users: Pick<UsersStore, 'getUser'>;
  readonly serverName: string;
  readonly clock: Clock;
}

export function createOpenIdService(deps: OpenIdDeps) {
  return {
    /** POST /user/{userId}/openid/request_token: for the requester's own user only. @throws MatrixError 403 */
    async requestToken(requester: Requester, userId: string): Promise<OpenIdTokenReply> {
      if (userId !== requester.userId) throw forbidden('Cannot request tokens for other users.');
      const token = generateToken(OPENID_TOKEN_PREFIX);
      const now = deps.clock.now();
      await deps.tokens.add(hashToken(token), requester.userId, now + OPENID_TOKEN_LIFETIME_MS, now);
      return {
        access_token: token,
        token_type: 'Bearer',
        matrix_server_name: deps.serverName,
        expires_in: OPENID_TOKEN_LIFETIME_MS / 1000,
      };
    },

    /** GET /_matrix/federation/v1/openid/userinfo. @throws MatrixError 401 M_UNKNOWN_TOKEN */
    async userInfo(token: string): Promise<{ sub: UserId }> {
      const userId = await deps.tokens.lookup(hashToken(token), deps.clock.now());
      // A deactivated account can't vouch for itself any more.
      const user = userId ? await deps.users.getUser(userId) : null;
      if (!user || user.deactivated) throw new MatrixError('M_UNKNOWN_TOKEN', 'Access token unknown or expired');
      return { sub: user.userId };
    },
  };
}

export type OpenIdService = ReturnType<typeof createOpenIdService>;
