/**
 * Creating, securing and closing accounts.
 * Spec: client-server-api "Account registration and management" (v1.19): /register (with UIA,
 * registration tokens, guests, inhibit_login), /register/available, /account/password, /account/deactivate.
 */
import type { Clock } from '../core/clock.js';
import { MatrixError, forbidden, guestForbidden } from '../core/errors.js';
import { makeUserId, type DeviceId, type ServerName } from '../core/ids.js';
import type { RegistrationMode } from '../config/types.js';
import type { Storage } from '../storage/types.js';
import type { PasswordHasher } from './password-hasher.js';
import type { RateLimiter } from './rate-limiter.js';
import type { Requester } from './requester.js';
import { generateDeviceId } from './secrets.js';
import type { TokenIssuer } from './token-issuer.js';
import type { UiaFlow, UiaService } from './uia.js';
import { checkNewLocalpart } from './user-identifiers.js';

/** Synapse refuses longer passwords: hashing megabytes would be a denial of service. */
export const MAX_PASSWORD_LENGTH = 512;

export interface AccountsDeps {
  readonly storage: Pick<Storage, 'users' | 'registrationTokens'>;
  readonly serverName: ServerName;
  readonly clock: Clock;
  readonly hasher: PasswordHasher;
  readonly tokens: TokenIssuer;
  readonly uia: UiaService;
  readonly registration: { readonly mode: RegistrationMode; readonly allowGuests: boolean };
  readonly limits: { readonly registration: RateLimiter; readonly availability: RateLimiter };
}

/** The body of POST /register, shape-checked by the route (registration.yaml). */
export interface RegisterBody {
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly device_id?: string | undefined;
  readonly initial_device_display_name?: string | undefined;
  readonly inhibit_login?: boolean | undefined;
  readonly refresh_token?: boolean | undefined;
  readonly auth?: unknown;
}

export interface RegisterReply {
  user_id: string;
  home_server: string;
  access_token?: string;
  device_id?: string;
  refresh_token?: string;
  expires_in_ms?: number;
}

export type AccountsService = ReturnType<typeof createAccountsService>;

export function createAccountsService(deps: AccountsDeps) {
  // Token mode: invite-only. Open mode: anyone (m.login.dummy), and a registration token still works, so
  // the bootstrap admin token can be used whatever the mode.
  const flows = (): UiaFlow[] =>
    deps.registration.mode === 'token'
      ? [{ stages: ['m.login.registration_token'] }]
      : [{ stages: ['m.login.dummy'] }, { stages: ['m.login.registration_token'] }];

  const checkPasswordParam = (password: unknown): string => {
    if (typeof password !== 'string') throw new MatrixError('M_MISSING_PARAM', 'Missing "password"');
    if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
      throw new MatrixError('M_INVALID_PARAM', `The password must be 1 to ${MAX_PASSWORD_LENGTH} characters`);
    }
    return password;
  };

  /** The localpart for a new account named `username`. @throws M_INVALID_USERNAME, M_USER_IN_USE */
  async function availableLocalpart(username: string): Promise<string> {
    const localpart = checkNewLocalpart(username, deps.serverName);
    if (await deps.storage.users.getUser(makeUserId(localpart, deps.serverName))) {
      throw new MatrixError('M_USER_IN_USE', 'User ID already taken.');
    }
    return localpart;
  }

  async function finishRegistration(input: {
    localpart: string | null;
    passwordHash: string | null;
    isGuest: boolean;
    isAdmin: boolean;
    registrationToken: string | null;
    uiaSessionId: string | null;
    body: RegisterBody;
  }): Promise<RegisterReply> {
    const { body } = input;
    const login = body.inhibit_login !== true;
    const deviceId = (body.device_id && body.device_id.length > 0 ? body.device_id : generateDeviceId()) as DeviceId;
    const issued = login ? deps.tokens.issue(body.refresh_token === true) : null;
    const result = await deps.storage.users.register({
      localpart: input.localpart,
      serverName: deps.serverName,
      passwordHash: input.passwordHash,
      isAdmin: input.isAdmin,
      isGuest: input.isGuest,
      // Synapse sets the localpart as the initial display name.
      displayName: input.localpart,
      registrationToken: input.registrationToken,
      uiaSessionId: input.uiaSessionId,
      session: issued
        ? { deviceId, deviceDisplayName: body.initial_device_display_name ?? null, tokens: issued.stored }
        : null,
      now: deps.clock.now(),
    });
    if (!result.ok && result.reason === 'uia_session_gone') {
      throw new MatrixError('M_UNKNOWN', 'The user-interactive auth session expired; start the registration again', { status: 400 });
    }
    if (!result.ok) throw new MatrixError('M_USER_IN_USE', 'User ID already taken.');
    const reply: RegisterReply = { user_id: result.userId, home_server: deps.serverName };
    if (issued) Object.assign(reply, issued.reply, { device_id: deviceId });
    return reply;
  }

  return {
    /** POST /register?kind=user */
    async register(body: RegisterBody, ip: string): Promise<RegisterReply> {
      if (deps.registration.mode === 'closed') throw forbidden('Registration has been disabled');
      const verdict = deps.limits.registration.check(ip);
      if (!verdict.allowed) throw new MatrixError('M_LIMIT_EXCEEDED', 'Too many registrations', { extras: { retry_after_ms: Math.ceil(verdict.retryAfterMs) } });
      // The password is checked when given, but only required once auth is done: clients (Element) first
      // POST without one just to learn the flows, as Synapse allows.
      if (body.password !== undefined) checkPasswordParam(body.password);
      // Checked before auth, as Synapse does, so a client learns of a taken name before using a token.
      const localpart = body.username === undefined ? null : await availableLocalpart(body.username);
      const outcome = await deps.uia.authenticate({ operation: 'register', flows: flows(), auth: body.auth });
      const password = checkPasswordParam(body.password);
      // Check and count in one synchronous step: the check above ran before awaits, so requests racing
      // past it together would otherwise all be let through (Synapse also counts in register_user).
      deps.limits.registration.take(ip);
      const token = outcome.registrationToken ? await deps.storage.registrationTokens.get(outcome.registrationToken) : null;
      const passwordHash = await deps.hasher.hash(password);
      return finishRegistration({
        localpart,
        passwordHash,
        isGuest: false,
        isAdmin: token?.grantsAdmin === true,
        registrationToken: outcome.registrationToken,
        uiaSessionId: outcome.sessionId,
        body,
      });
    },

    /** POST /register?kind=guest. Spec: "Guest access" module. */
    async registerGuest(body: RegisterBody, ip: string): Promise<RegisterReply> {
      if (!deps.registration.allowGuests) throw guestForbidden();
      deps.limits.registration.take(ip);
      // Guests get a numeric localpart and no password; username/password are ignored (Synapse does the same).
      return finishRegistration({
        localpart: null,
        passwordHash: null,
        isGuest: true,
        isAdmin: false,
        registrationToken: null,
        uiaSessionId: null,
        body: { ...body, inhibit_login: false },
      });
    },

    /** GET /register/available */
    async isAvailable(username: string, ip: string): Promise<true> {
      deps.limits.availability.take(ip);
      if (deps.registration.mode === 'closed') throw forbidden('Registration has been disabled');
      await availableLocalpart(username);
      return true;
    },

    /**
     * GET /register/m.login.registration_token/validity: doesn't reserve a use. Spec: 403 only when the
     * server "does not permit registration"; open mode offers the token stage too, so it answers there.
     */
    async isRegistrationTokenValid(token: string, ip: string): Promise<boolean> {
      deps.limits.availability.take(ip);
      if (deps.registration.mode === 'closed') throw forbidden('Registration is not enabled on this homeserver');
      const record = await deps.storage.registrationTokens.get(token);
      if (!record) return false;
      const usesLeft = record.usesAllowed === null || record.pending + record.completed < record.usesAllowed;
      const unexpired = record.expiryTime === null || record.expiryTime > deps.clock.now();
      return usesLeft && unexpired;
    },

    /** POST /account/password. Spec: the other devices are logged out unless logout_devices is false. */
    async changePassword(requester: Requester, body: { new_password?: unknown; logout_devices?: boolean | undefined; auth?: unknown }): Promise<void> {
      if (requester.isGuest) throw guestForbidden();
      const password = checkPasswordParam(body.new_password);
      const outcome = await deps.uia.authenticate({
        operation: `password:${requester.userId}`,
        flows: [{ stages: ['m.login.password'] }],
        auth: body.auth,
        requester,
      });
      const hash = await deps.hasher.hash(password);
      await deps.storage.users.setPasswordHash(
        requester.userId,
        hash,
        body.logout_devices === false ? null : { except: requester.deviceId },
      );
      await deps.uia.finish(outcome.sessionId);
    },

    /** POST /account/deactivate. */
    async deactivate(requester: Requester, body: { auth?: unknown }): Promise<void> {
      if (requester.isGuest) throw guestForbidden();
      const outcome = await deps.uia.authenticate({
        operation: `deactivate:${requester.userId}`,
        flows: [{ stages: ['m.login.password'] }],
        auth: body.auth,
        requester,
      });
      await deps.storage.users.deactivate(requester.userId);
      await deps.uia.finish(outcome.sessionId);
    },
  };
}
