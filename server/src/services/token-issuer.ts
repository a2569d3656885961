/**
 * Mints access (and refresh) tokens: the values for the client, the digests for storage.
 * Spec: client-server-api "Refreshing access tokens" (v1.3+). Clients that don't ask for a refresh token
 * get a non-expiring access token, as Synapse does.
 */
import type { Clock } from '../core/clock.js';
import type { NewTokens } from '../storage/types.js';
import { ACCESS_TOKEN_PREFIX, REFRESH_TOKEN_PREFIX, generateToken, hashToken } from './secrets.js';

export interface TokenLifetimes {
  readonly refreshableAccessTokenLifetimeMs: number;
  readonly refreshTokenLifetimeMs: number | null;
}

export interface IssuedTokens {
  readonly stored: NewTokens & { refresh?: NonNullable<NewTokens['refresh']> };
  /** The fields of a login/register/refresh reply. */
  readonly reply: { access_token: string; refresh_token?: string; expires_in_ms?: number };
}

export type TokenIssuer = ReturnType<typeof createTokenIssuer>;

export function createTokenIssuer(clock: Clock, lifetimes: TokenLifetimes) {
  return {
    issue(withRefresh: boolean): IssuedTokens {
      const accessToken = generateToken(ACCESS_TOKEN_PREFIX);
      if (!withRefresh) {
        return { stored: { accessTokenHash: hashToken(accessToken), accessExpiresTs: null }, reply: { access_token: accessToken } };
      }
      const now = clock.now();
      const refreshToken = generateToken(REFRESH_TOKEN_PREFIX);
      const lifetime = lifetimes.refreshableAccessTokenLifetimeMs;
      return {
        stored: {
          accessTokenHash: hashToken(accessToken),
          accessExpiresTs: now + lifetime,
          refresh: {
            tokenHash: hashToken(refreshToken),
            expiresTs: lifetimes.refreshTokenLifetimeMs === null ? null : now + lifetimes.refreshTokenLifetimeMs,
          },
        },
        reply: { access_token: accessToken, refresh_token: refreshToken, expires_in_ms: lifetime },
      };
    },
  };
}
