/**
 * Registration tokens, as Synapse has them (uses_allowed, pending, completed, expiry_time), plus the
 * bootstrap token that `npm start` prints on a fresh server: whoever registers with it becomes admin.
 * Spec for their use: client-server-api "Token-authenticated registration" (v1.2+).
 */
import type { Clock } from '../core/clock.js';
import { MatrixError } from '../core/errors.js';
import type { RegistrationTokenRecord, Storage } from '../storage/types.js';
import { generateRegistrationToken } from './secrets.js';

/** Synapse's token grammar: 1 to 64 of [A-Za-z0-9._~-]. */
const TOKEN_RE = /^[A-Za-z0-9._~-]{1,64}$/;

export interface NewTokenOptions {
  readonly token?: string | undefined;
  readonly usesAllowed?: number | null | undefined;
  readonly expiryTime?: number | null | undefined;
  readonly grantsAdmin?: boolean | undefined;
}

export type RegistrationTokensService = ReturnType<typeof createRegistrationTokensService>;

export function createRegistrationTokensService(deps: { storage: Pick<Storage, 'registrationTokens' | 'users'>; clock: Clock }) {
  const store = deps.storage.registrationTokens;

  async function create(options: NewTokenOptions = {}): Promise<RegistrationTokenRecord> {
    const { usesAllowed = null, expiryTime = null } = options;
    if (usesAllowed !== null && (!Number.isInteger(usesAllowed) || usesAllowed < 0)) {
      throw new MatrixError('M_INVALID_PARAM', 'uses_allowed must be a non-negative integer');
    }
    if (expiryTime !== null && (!Number.isInteger(expiryTime) || expiryTime <= deps.clock.now())) {
      throw new MatrixError('M_INVALID_PARAM', 'expiry_time must be a time in the future, in milliseconds');
    }
    if (options.token !== undefined && !TOKEN_RE.test(options.token)) {
      throw new MatrixError('M_INVALID_PARAM', 'A token is 1 to 64 characters of A-Z, a-z, 0-9, ".", "_", "~" and "-"');
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      const token = options.token ?? generateRegistrationToken();
      const created = await store.create({ token, usesAllowed, expiryTime, grantsAdmin: options.grantsAdmin ?? false, now: deps.clock.now() });
      if (created) return { token, usesAllowed, pending: 0, completed: 0, expiryTime, grantsAdmin: options.grantsAdmin ?? false };
      if (options.token !== undefined) throw new MatrixError('M_INVALID_PARAM', 'This token already exists');
    }
    throw new Error('could not generate a unique registration token');
  }

  return {
    create,
    get: (token: string) => store.get(token),
    list: () => store.list(),
    delete: (token: string) => store.delete(token),

    /**
     * On a server with no admin yet: the unused one-use admin token, made if there is none.
     * Returns null once an admin exists.
     */
    async bootstrapAdminToken(): Promise<RegistrationTokenRecord | null> {
      if (await deps.storage.users.hasAdmin()) return null;
      const now = deps.clock.now();
      const existing = (await store.list()).find(
        (t) => t.grantsAdmin && (t.usesAllowed === null || t.completed < t.usesAllowed) && (t.expiryTime === null || t.expiryTime > now),
      );
      return existing ?? create({ usesAllowed: 1, grantsAdmin: true });
    },
  };
}
