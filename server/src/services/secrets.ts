/**
 * Random secrets and their storage form. Tokens carry a prefix (so leaked ones are recognisable) and
 * 256 bits of randomness; only their SHA-256 is stored: the randomness makes a slow hash unnecessary,
 * and an index lookup on the digest leaks nothing usable about the token.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';

export const ACCESS_TOKEN_PREFIX = 'hat_';
export const REFRESH_TOKEN_PREFIX = 'hrt_';

export function generateToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Synapse-style device ID: ten upper-case letters. */
export const generateDeviceId = (): string => randomString(UPPER, 10);

/** User-interactive auth session ID. */
export const generateSessionId = (): string => randomString(ALNUM, 24);

/** Registration token: Synapse's default is 16 characters of [A-Za-z0-9._~-]; we use letters and digits. */
export const generateRegistrationToken = (length = 16): string => randomString(ALNUM, length);
