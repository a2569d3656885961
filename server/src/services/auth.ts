/**
 * Logging in and out, access-token checks and refresh.
 * Spec: client-server-api "Login", "Logout", "Refreshing access tokens", "Soft logout" (v1.19).
 */
import type { Clock } from '../core/clock.js';
import { MatrixError, forbidden, unknownToken } from '../core/errors.js';
import type { DeviceId, ServerName, UserId } from '../core/ids.js';
import type { Storage } from '../storage/types.js';
import type { ClientIps } from './client-ips.js';
import type { PasswordHasher } from './password-hasher.js';
import type { RateLimiter } from './rate-limiter.js';
import type { Requester } from './requester.js';
import { generateDeviceId, hashToken } from './secrets.js';
import type { TokenIssuer } from './token-issuer.js';
import { identifierUser, resolveLocalUser } from './user-identifiers.js';

export interface AuthDeps {
  readonly storage: Pick<Storage, 'users' | 'sessions' | 'devices'>;
  readonly serverName: ServerName;
  readonly clock: Clock;
  readonly hasher: PasswordHasher;
  readonly tokens: TokenIssuer;
  readonly clientIps: ClientIps;
  readonly limits: {
    readonly loginAddress: RateLimiter;
    readonly loginAccount: RateLimiter;
    readonly loginFailedAttempts: RateLimiter;
  };
}

export interface LoginRequest {
  readonly body: Record<string, unknown>;
  readonly ip: string;
}

export interface LoginReply {
  user_id: string;
  access_token: string;
  device_id: string;
  home_server: string;
  refresh_token?: string;
  expires_in_ms?: number;
}

export interface ClientInfo {
  readonly ip: string;
  readonly userAgent: string | null;
}

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService(deps: AuthDeps) {
  const invalidCredentials = () => forbidden('Invalid username or password');
  const deactivated = () => new MatrixError('M_USER_DEACTIVATED', 'This account has been deactivated');

  /**
   * Checks `password` for `userId`, counting failures against rc_login_failed_attempts.
   * @throws 429 once too many attempts failed
   */
  async function checkPassword(userId: UserId, password: string): Promise<boolean> {
    // Every attempt is counted as failed up front and refunded if it succeeds, so concurrent guesses
    // can't all slip past the limit while their hashes are being checked.
    deps.limits.loginFailedAttempts.take(userId);
    const user = await deps.storage.users.getUser(userId);
    const ok = await deps.hasher.verify(user && !user.deactivated ? user.passwordHash : null, password);
    if (ok) deps.limits.loginFailedAttempts.refund(userId);
    return ok;
  }

  return {
    /** The m.login.password UIA stage: the identifier (if any) must name the requester. */
    async verifyUiaPassword(requester: Requester, auth: Record<string, unknown>): Promise<boolean> {
      const named = auth.identifier !== undefined || auth.user !== undefined ? identifierUser(auth) : requester.userId;
      if (resolveLocalUser(named, deps.serverName) !== requester.userId) return false;
      return checkPassword(requester.userId, auth.password as string);
    },

    /** POST /login with m.login.password. */
    async login(request: LoginRequest): Promise<LoginReply> {
      const { body } = request;
      deps.limits.loginAddress.take(request.ip);
      if (body.type !== 'm.login.password') {
        throw new MatrixError('M_UNKNOWN', `Unknown login type: ${String(body.type)}`, { status: 400 });
      }
      if (body.password === undefined) throw new MatrixError('M_MISSING_PARAM', 'Missing "password"');
      if (typeof body.password !== 'string') throw new MatrixError('M_BAD_JSON', '"password" must be a string');
      const userId = resolveLocalUser(identifierUser(body), deps.serverName);
      if (!userId) throw invalidCredentials();
      deps.limits.loginAccount.take(userId);
      // A deactivated account has no password left to check, so say so whatever was typed, as Synapse does
      // (its _check_local_password raises UserDeactivatedError before comparing hashes).
      const before = await deps.storage.users.getUser(userId);
      if (before?.deactivated) throw deactivated();
      if (!(await checkPassword(userId, body.password))) throw invalidCredentials();
      const user = await deps.storage.users.getUser(userId);
      if (!user) throw invalidCredentials();
      if (user.deactivated) throw deactivated();

      const deviceId = (typeof body.device_id === 'string' && body.device_id.length > 0 ? body.device_id : generateDeviceId()) as DeviceId;
      const displayName = typeof body.initial_device_display_name === 'string' ? body.initial_device_display_name : null;
      const issued = deps.tokens.issue(body.refresh_token === true);
      await deps.storage.sessions.createSession({
        userId,
        deviceId,
        deviceDisplayName: displayName,
        tokens: issued.stored,
        now: deps.clock.now(),
      });
      return { user_id: userId, ...issued.reply, device_id: deviceId, home_server: deps.serverName };
    },

    /**
     * Resolves an access token to its requester.
     * @throws 401 M_UNKNOWN_TOKEN; soft_logout: true when it merely expired (the client may refresh)
     */
    async authenticate(accessToken: string, client: ClientInfo, options: { allowExpired?: boolean } = {}): Promise<Requester> {
      const info = await deps.storage.sessions.lookupAccessToken(hashToken(accessToken));
      if (!info || info.deactivated) throw unknownToken('Invalid access token passed.');
      if (info.expiresTs !== null && info.expiresTs <= deps.clock.now() && !options.allowExpired) {
        throw unknownToken('Access token has expired', true);
      }
      if (!info.used && info.refreshTokenId !== null) {
        await deps.storage.sessions.markAccessTokenUsed(info.tokenId, info.refreshTokenId);
      }
      deps.clientIps.record(info.userId, info.deviceId, client.ip, client.userAgent);
      return {
        userId: info.userId,
        deviceId: info.deviceId,
        isGuest: info.isGuest,
        isAdmin: info.isAdmin,
        accessTokenId: info.tokenId,
      };
    },

    /** POST /refresh: new tokens for the same device. */
    async refresh(refreshToken: string): Promise<{ access_token: string; refresh_token?: string; expires_in_ms?: number }> {
      const issued = deps.tokens.issue(true);
      const refresh = issued.stored.refresh;
      if (!refresh) throw new Error('token issuer returned no refresh token');
      const result = await deps.storage.sessions.refresh(hashToken(refreshToken), { ...issued.stored, refresh }, deps.clock.now());
      if (!result.ok) {
        const reason = result.reason === 'expired' ? 'The refresh token has expired' : 'Unknown or already used refresh token';
        throw unknownToken(reason);
      }
      return issued.reply;
    },

    /** POST /logout: the device goes with its token (spec: "the device associated with the access token is also deleted"). */
    async logout(requester: Requester): Promise<void> {
      await deps.storage.devices.deleteDevices(requester.userId, [requester.deviceId]);
    },

    /** POST /logout/all. */
    async logoutAll(requester: Requester): Promise<void> {
      await deps.storage.devices.deleteAllDevices(requester.userId);
    },
  };
}
