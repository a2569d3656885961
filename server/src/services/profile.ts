/**
 * User profiles: displayname, avatar_url, m.tz and custom namespaced fields.
 * Spec: client-server-api "Profiles" and profile.yaml (v1.16+ generic `keyName`), v1.19.
 * A displayname or avatar_url change is propagated into the user's member event in every joined room.
 */
import { MatrixError, forbidden, guestForbidden, notFound } from '../core/errors.js';
import { parseUserId, type ServerName, type UserId } from '../core/ids.js';
import type { Storage } from '../storage/types.js';
import type { Requester } from './requester.js';

/** profile.yaml's keyName pattern: the three defined keys or a Common Namespaced Identifier. */
const KEY_NAME_RE = /^(avatar_url|displayname|m\.tz|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$/;
const MAX_KEY_BYTES = 255;
/** "the total profile MUST be under 64 KiB" */
const MAX_PROFILE_BYTES = 64 * 1024;
/** Synapse's limits on the two classic fields. */
const MAX_DISPLAYNAME_LENGTH = 256;
const MAX_AVATAR_URL_LENGTH = 1000;
const MXC_RE = /^mxc:\/\/[A-Za-z0-9.:[\]-]+\/[A-Za-z0-9_-]+$/;

export interface ProfileDeps {
  readonly storage: Pick<Storage, 'users' | 'profiles'>;
  readonly serverName: ServerName;
  /** Called after displayname or avatar_url changed (sends new member events). */
  readonly onMemberProfileChange?: (userId: UserId) => Promise<void>;
}

const MEMBER_FIELDS = new Set(['displayname', 'avatar_url']);

export type ProfileService = ReturnType<typeof createProfileService>;

const bytes = (text: string): number => new TextEncoder().encode(text).length;

export function createProfileService(deps: ProfileDeps) {
  async function requireLocalUser(userId: string): Promise<UserId> {
    const parsed = parseUserId(userId);
    if (!parsed) throw new MatrixError('M_INVALID_PARAM', 'Invalid user ID');
    if (parsed.serverName !== deps.serverName) {
      // Remote profiles are fetched over federation, which this server doesn't speak yet.
      throw notFound('Profile lookups for users of other servers are not available');
    }
    const user = await deps.storage.users.getUser(userId as UserId);
    if (!user) throw notFound('Profile was not found');
    return user.userId;
  }

  function checkKey(keyName: string): void {
    if (bytes(keyName) > MAX_KEY_BYTES) throw new MatrixError('M_KEY_TOO_LARGE', `Profile keys are at most ${MAX_KEY_BYTES} bytes`);
    if (!KEY_NAME_RE.test(keyName)) throw new MatrixError('M_INVALID_PARAM', 'Invalid profile key.');
  }

  function checkValue(keyName: string, value: unknown): void {
    if (keyName === 'displayname') {
      if (typeof value !== 'string') throw new MatrixError('M_BAD_JSON', 'displayname must be a string');
      if (value.length > MAX_DISPLAYNAME_LENGTH) {
        throw new MatrixError('M_INVALID_PARAM', `displayname is at most ${MAX_DISPLAYNAME_LENGTH} characters`);
      }
    } else if (keyName === 'avatar_url') {
      if (typeof value !== 'string') throw new MatrixError('M_BAD_JSON', 'avatar_url must be a string');
      if (value.length > MAX_AVATAR_URL_LENGTH || (value !== '' && !MXC_RE.test(value))) {
        throw new MatrixError('M_INVALID_PARAM', 'avatar_url must be an mxc:// URI');
      }
    } else if (keyName === 'm.tz' && typeof value !== 'string') {
      throw new MatrixError('M_BAD_JSON', 'm.tz must be a string');
    }
  }

  function authorise(requester: Requester, userId: string, keyName: string): void {
    if (requester.userId !== userId) throw forbidden("You can't change another user's profile");
    // Spec, guest access: "Guest users may only modify their display name".
    if (requester.isGuest && keyName !== 'displayname') throw guestForbidden();
  }

  return {
    /** GET /profile/{userId} */
    async getProfile(userId: string): Promise<Record<string, unknown>> {
      return deps.storage.profiles.getProfile(await requireLocalUser(userId));
    },

    /** GET /profile/{userId}/{keyName} */
    async getField(userId: string, keyName: string): Promise<Record<string, unknown>> {
      checkKey(keyName);
      const profile = await deps.storage.profiles.getProfile(await requireLocalUser(userId));
      if (!Object.hasOwn(profile, keyName)) throw notFound('Profile field was not found');
      return { [keyName]: profile[keyName] };
    },

    /** PUT /profile/{userId}/{keyName} */
    async setField(requester: Requester, userId: string, keyName: string, body: Record<string, unknown>): Promise<void> {
      checkKey(keyName);
      if (!Object.hasOwn(body, keyName)) throw new MatrixError('M_MISSING_PARAM', `The body must contain "${keyName}"`);
      const value = body[keyName];
      authorise(requester, userId, keyName);
      checkValue(keyName, value);
      const owner = await requireLocalUser(userId);
      const result = await deps.storage.profiles.setField(owner, keyName, value, MAX_PROFILE_BYTES);
      if (!result.ok) throw new MatrixError('M_PROFILE_TOO_LARGE', 'The profile would exceed 64 KiB');
      if (MEMBER_FIELDS.has(keyName)) await deps.onMemberProfileChange?.(owner);
    },

    /** DELETE /profile/{userId}/{keyName} */
    async deleteField(requester: Requester, userId: string, keyName: string): Promise<void> {
      checkKey(keyName);
      authorise(requester, userId, keyName);
      const owner = await requireLocalUser(userId);
      await deps.storage.profiles.deleteField(owner, keyName);
      if (MEMBER_FIELDS.has(keyName)) await deps.onMemberProfileChange?.(owner);
    },
  };
}
