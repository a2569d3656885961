/**
 * Storage ports: async, intention-level methods, each one transaction (CONVENTIONS §1 rule 5), so a
 * PostgreSQL backend can sit beside SQLite. Internal records are camelCase; JSON stays as the wire has it.
 */
import type { DeviceId, UserId } from '../core/ids.js';

export interface UserRecord {
  readonly userId: UserId;
  readonly passwordHash: string | null;
  readonly isAdmin: boolean;
  readonly isGuest: boolean;
  readonly deactivated: boolean;
  readonly createdTs: number;
}

export interface DeviceRecord {
  readonly userId: UserId;
  readonly deviceId: DeviceId;
  readonly displayName: string | null;
  readonly createdTs: number;
  readonly lastSeenTs: number | null;
  readonly lastSeenIp: string | null;
  readonly lastSeenUserAgent: string | null;
}

/** Tokens are never stored: only their SHA-256. */
export interface NewTokens {
  readonly accessTokenHash: Buffer;
  /** Null: the access token doesn't expire. */
  readonly accessExpiresTs: number | null;
  /** Present when the client asked for a refresh token. */
  readonly refresh?: { readonly tokenHash: Buffer; readonly expiresTs: number | null } | undefined;
}

/** A new login session: the device (created, or taken over with its old tokens revoked) and its tokens. */
export interface NewSession {
  readonly userId: UserId;
  readonly deviceId: DeviceId;
  /** Applied when the device is new, or when given for an existing one. */
  readonly deviceDisplayName: string | null;
  readonly tokens: NewTokens;
  readonly now: number;
}

export interface NewAccount {
  /** Null allocates the next numeric localpart (guests). */
  readonly localpart: string | null;
  readonly serverName: string;
  readonly passwordHash: string | null;
  readonly isAdmin: boolean;
  readonly isGuest: boolean;
  readonly displayName: string | null;
  /** Completes this registration token's pending use (Synapse's semantics). */
  readonly registrationToken: string | null;
  /** The finished user-interactive auth session, deleted with the registration. */
  readonly uiaSessionId: string | null;
  /** Omitted with `inhibit_login`. */
  readonly session: Omit<NewSession, 'userId' | 'now'> | null;
  readonly now: number;
}

/**
 * `uia_session_gone`: the auth session ended (expired, giving its registration-token use back) between
 * being checked and the registration being written, so the token use can't be completed.
 */
export type RegisterResult =
  | { readonly ok: true; readonly userId: UserId }
  | { readonly ok: false; readonly reason: 'user_in_use' | 'uia_session_gone' };

export interface UsersStore {
  /** Creates the account, its profile and (unless inhibited) its first device and tokens, atomically. */
  register(account: NewAccount): Promise<RegisterResult>;
  getUser(userId: UserId): Promise<UserRecord | null>;
  countUsers(): Promise<number>;
  hasAdmin(): Promise<boolean>;
  setAdmin(userId: UserId, isAdmin: boolean): Promise<boolean>;
  /**
   * Sets the password hash. With `logoutExcept`, deletes every other device and its tokens
   * (null: all of them). Returns the deleted device IDs.
   */
  setPasswordHash(userId: UserId, hash: string, logout: { readonly except: DeviceId | null } | null): Promise<DeviceId[]>;
  /** Marks the account deactivated, removes its password, devices, tokens and profile. */
  deactivate(userId: UserId): Promise<void>;
}

export interface ProfilesStore {
  /** The user's profile fields, values as JSON values. */
  getProfile(userId: UserId): Promise<Record<string, unknown>>;
  /**
   * Sets one field to a JSON value (`null` is stored as null, spec: "Servers that accept null values SHOULD
   * store them"). With `maxProfileBytes`, atomically refuses a change that would make the whole profile, as
   * UTF-8 JSON, reach that size (spec: "the total profile MUST be under 64 KiB").
   */
  setField(userId: UserId, field: string, value: unknown, maxProfileBytes?: number): Promise<SetProfileFieldResult>;
  /** Removes one field; nothing happens when it isn't set. */
  deleteField(userId: UserId, field: string): Promise<void>;
}

export type SetProfileFieldResult = { readonly ok: true } | { readonly ok: false; readonly reason: 'too_large' };

export interface DevicesStore {
  listDevices(userId: UserId): Promise<DeviceRecord[]>;
  getDevice(userId: UserId, deviceId: DeviceId): Promise<DeviceRecord | null>;
  /** Returns false when the device doesn't exist. */
  renameDevice(userId: UserId, deviceId: DeviceId, displayName: string | null): Promise<boolean>;
  /** Deletes the devices with all their tokens; returns the IDs that existed. */
  deleteDevices(userId: UserId, deviceIds: readonly DeviceId[]): Promise<DeviceId[]>;
  deleteAllDevices(userId: UserId): Promise<DeviceId[]>;
  /** Batched write of last-seen data (client IPs), flushed off the request path. */
  recordLastSeen(entries: readonly LastSeen[]): Promise<void>;
}

export interface LastSeen {
  readonly userId: UserId;
  readonly deviceId: DeviceId;
  readonly ts: number;
  readonly ip: string;
  readonly userAgent: string | null;
}

export interface AccessTokenInfo {
  readonly tokenId: number;
  readonly userId: UserId;
  readonly deviceId: DeviceId;
  readonly expiresTs: number | null;
  readonly used: boolean;
  readonly refreshTokenId: number | null;
  readonly isGuest: boolean;
  readonly isAdmin: boolean;
  readonly deactivated: boolean;
}

export type RefreshResult =
  | { readonly ok: true; readonly userId: UserId; readonly deviceId: DeviceId }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'superseded' };

export interface SessionsStore {
  /** Creates or takes over the device (revoking its previous tokens) and issues tokens, atomically. */
  createSession(session: NewSession): Promise<void>;
  lookupAccessToken(tokenHash: Buffer): Promise<AccessTokenInfo | null>;
  /**
   * First use of a refreshed access token: marks it used and revokes the refresh token it replaced
   * (spec: "The old refresh token remains valid until the new access token or refresh token is used").
   */
  markAccessTokenUsed(tokenId: number, refreshTokenId: number | null): Promise<void>;
  /**
   * Exchanges a refresh token for new tokens on the same device. The old one stays valid until the new
   * pair is used; once they are, it is `superseded`.
   */
  refresh(oldRefreshHash: Buffer, tokens: NewTokens & { refresh: NonNullable<NewTokens['refresh']> }, now: number): Promise<RefreshResult>;
}

export interface RegistrationTokenRecord {
  readonly token: string;
  readonly usesAllowed: number | null;
  readonly pending: number;
  readonly completed: number;
  readonly expiryTime: number | null;
  /** Hearth's bootstrap token: the account it registers becomes a server admin. */
  readonly grantsAdmin: boolean;
}

export interface NewRegistrationToken {
  readonly token: string;
  readonly usesAllowed: number | null;
  readonly expiryTime: number | null;
  readonly grantsAdmin: boolean;
  readonly now: number;
}

export interface RegistrationTokensStore {
  /** False when the token already exists. */
  create(token: NewRegistrationToken): Promise<boolean>;
  get(token: string): Promise<RegistrationTokenRecord | null>;
  list(): Promise<RegistrationTokenRecord[]>;
  delete(token: string): Promise<boolean>;
}

export interface UiaSessionRecord {
  readonly sessionId: string;
  /** What the session authorises, e.g. `register` or `delete_devices:@a:hs`: a session can't be reused elsewhere. */
  readonly operation: string;
  readonly createdTs: number;
  readonly completed: readonly string[];
  /** The registration token this session holds a pending use of. */
  readonly registrationToken: string | null;
}

export interface UiaStore {
  createSession(sessionId: string, operation: string, now: number): Promise<void>;
  getSession(sessionId: string): Promise<UiaSessionRecord | null>;
  completeStage(sessionId: string, stage: string): Promise<void>;
  /**
   * Completes the m.login.registration_token stage: takes a pending use of the token when it is valid
   * at `now` (uses left, not expired), atomically. False when it is not.
   */
  completeRegistrationTokenStage(sessionId: string, token: string, now: number): Promise<boolean>;
  deleteSession(sessionId: string): Promise<void>;
  /** Deletes sessions created before `createdBefore`, giving back their pending token uses. */
  expireSessions(createdBefore: number): Promise<number>;
}

export interface Storage {
  readonly users: UsersStore;
  readonly profiles: ProfilesStore;
  readonly devices: DevicesStore;
  readonly sessions: SessionsStore;
  readonly registrationTokens: RegistrationTokensStore;
  readonly uia: UiaStore;
  /** Waits for queued writes, then closes. */
  close(): Promise<void>;
}
