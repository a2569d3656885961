/**
 * Turns what a client typed into a local user ID, and checks new usernames.
 * Spec: client-server-api "Identifier types" (m.id.user) and appendices "User Identifiers" (v1.19).
 */
import { MatrixError } from '../core/errors.js';
import { isValidLocalpart, makeUserId, MAX_USER_ID_BYTES, parseUserId, type ServerName, type UserId } from '../core/ids.js';

/**
 * Resolves `@alice:hs` or `alice` (any case: IDs are lower-case, so `@Alice:hs` means the same user) to a
 * local user ID, or null when it names another server or isn't an ID at all.
 */
export function resolveLocalUser(raw: string, serverName: ServerName): UserId | null {
  if (raw.startsWith('@')) {
    const parsed = parseUserId(raw);
    if (!parsed || parsed.serverName.toLowerCase() !== serverName.toLowerCase()) return null;
    return makeUserId(parsed.localpart.toLowerCase(), serverName);
  }
  if (raw.length === 0 || raw.includes(':')) return null;
  return makeUserId(raw.toLowerCase(), serverName);
}

/**
 * The user named by a login or UIA `identifier` (m.id.user), or the deprecated top-level `user`.
 * @throws MatrixError for an identifier of another type or a malformed one
 */
export function identifierUser(body: Record<string, unknown>): string {
  const identifier = body.identifier;
  if (identifier !== undefined) {
    if (typeof identifier !== 'object' || identifier === null) throw new MatrixError('M_BAD_JSON', '"identifier" must be an object');
    const { type, user } = identifier as Record<string, unknown>;
    if (type === 'm.id.thirdparty' || type === 'm.id.phone') {
      // No third-party identifiers are ever bound on this server, so none can be logged in with.
      throw new MatrixError('M_FORBIDDEN', 'Invalid username or password');
    }
    if (type !== 'm.id.user') throw new MatrixError('M_UNKNOWN', `Unknown login identifier type: ${String(type)}`, { status: 400 });
    if (user === undefined) throw new MatrixError('M_MISSING_PARAM', 'Missing "identifier.user"');
    if (typeof user !== 'string') throw new MatrixError('M_BAD_JSON', '"identifier.user" must be a string');
    return user;
  }
  if (typeof body.user === 'string') return body.user;
  throw new MatrixError('M_MISSING_PARAM', 'Missing "identifier"');
}

/**
 * Checks a username for a new account and returns its localpart, lower-cased as the spec requires.
 * Rules as Synapse applies them: the spec's character set, no leading `_` (kept for application
 * services), no purely numeric names (kept for guests), and a user ID of at most 255 bytes.
 * @throws MatrixError M_INVALID_USERNAME
 */
export function checkNewLocalpart(username: string, serverName: ServerName): string {
  const localpart = username.toLowerCase();
  if (localpart.length === 0 || !isValidLocalpart(localpart)) {
    throw new MatrixError('M_INVALID_USERNAME', "User ID can only contain characters a-z, 0-9, or '=_-./+'");
  }
  if (localpart.startsWith('_')) throw new MatrixError('M_INVALID_USERNAME', 'User ID may not begin with _');
  if (/^\d+$/.test(localpart)) throw new MatrixError('M_INVALID_USERNAME', 'Numeric user IDs are reserved for guest users');
  if (new TextEncoder().encode(makeUserId(localpart, serverName)).length > MAX_USER_ID_BYTES) {
    throw new MatrixError('M_INVALID_USERNAME', `User ID may not be longer than ${MAX_USER_ID_BYTES} bytes`);
  }
  return localpart;
}
