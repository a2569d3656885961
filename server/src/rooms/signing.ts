/**
 * The server's ed25519 signing key: generation, Synapse's key-file format, and JSON signing.
 * Spec: appendices "Signing JSON" (v1.19); server-server-api "Publishing Keys".
 * Key file (Synapse's format, so existing tools read it): one line `ed25519 <version> <unpadded base64 seed>`.
 * One of the two modules of rooms/ allowed node:crypto (CONVENTIONS rule 3).
 */
import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { err, ok, type Result } from '../core/result.js';
import { canonicalJson } from './canonical-json.js';

export interface SigningKey {
  /** `ed25519:<version>`, e.g. `ed25519:a_Xy3z`. */
  readonly keyId: string;
  readonly seed: Uint8Array;
  readonly privateKey: KeyObject;
  /** Unpadded standard base64 of the 32-byte public key. */
  readonly publicKeyBase64: string;
}

// PKCS#8 DER prefix for a raw 32-byte Ed25519 seed (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const VERSION_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export const unpaddedBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64').replace(/=+$/, '');

/** Builds a key from its 32-byte seed. */
export function signingKeyFromSeed(version: string, seed: Uint8Array): SigningKey {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicDer = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return {
    keyId: `ed25519:${version}`,
    seed,
    privateKey,
    publicKeyBase64: unpaddedBase64(publicDer.subarray(publicDer.length - 32)),
  };
}

/** A fresh key with a Synapse-style version `a_XXXX`. */
export function generateSigningKey(): SigningKey {
  const suffix = [...randomBytes(4)].map((byte) => VERSION_ALPHABET[byte % VERSION_ALPHABET.length]).join('');
  return signingKeyFromSeed(`a_${suffix}`, randomBytes(32));
}

/** Formats the key as one line of a Synapse key file. */
export function formatSigningKeyFile(key: SigningKey): string {
  const version = key.keyId.slice('ed25519:'.length);
  return `ed25519 ${version} ${unpaddedBase64(key.seed)}\n`;
}

/** Reads the first ed25519 key of a Synapse key file. */
export function parseSigningKeyFile(text: string): Result<SigningKey> {
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 3 || parts[0] !== 'ed25519') continue;
    const [, version, seedBase64] = parts as [string, string, string];
    if (!/^[a-zA-Z0-9_]+$/.test(version)) return err(`invalid key version "${version}"`);
    const seed = Buffer.from(seedBase64, 'base64');
    if (seed.length !== 32) return err('the key seed must be 32 bytes of base64');
    return ok(signingKeyFromSeed(version, seed));
  }
  return err('no "ed25519 <version> <seed>" line found');
}

/**
 * Signs a JSON object per "Signing JSON": drop `signatures` and `unsigned`, canonicalise, sign, and add
 * the signature under signatures[serverName][keyId]. Returns a new object.
 */
export function signJson<T extends Record<string, unknown>>(
  object: T,
  serverName: string,
  key: SigningKey,
): Result<T & { signatures: Record<string, Record<string, string>> }> {
  const { signatures, unsigned, ...rest } = object as Record<string, unknown>;
  const encoded = canonicalJson(rest);
  if (!encoded.ok) return encoded;
  const signature = unpaddedBase64(sign(null, Buffer.from(encoded.value, 'utf8'), key.privateKey));
  const existing = (signatures ?? {}) as Record<string, Record<string, string>>;
  const merged = { ...existing, [serverName]: { ...existing[serverName], [key.keyId]: signature } };
  const signed: Record<string, unknown> = { ...rest, signatures: merged };
  if (unsigned !== undefined) signed.unsigned = unsigned;
  return ok(signed as T & { signatures: Record<string, Record<string, string>> });
}

// SPKI DER prefix for a raw 32-byte Ed25519 public key (RFC 8410).
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** Imported public keys by their base64: importing on every verify halves throughput (CONVENTIONS §10). */
const publicKeyCache = new Map<string, KeyObject | null>();
const PUBLIC_KEY_CACHE_LIMIT = 10_000;

/** Decodes unpadded (or padded) standard or URL-safe base64 strictly: null on any other character. */
function decodeBase64(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return null;
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

function publicKeyObject(publicKeyBase64: string): KeyObject | null {
  const cached = publicKeyCache.get(publicKeyBase64);
  if (cached !== undefined) return cached;
  const raw = decodeBase64(publicKeyBase64);
  let key: KeyObject | null = null;
  if (raw && raw.length === 32) {
    try {
      key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
    } catch {
      key = null;
    }
  }
  // A bounded memo of pure conversions, not state: drop everything when full.
  if (publicKeyCache.size >= PUBLIC_KEY_CACHE_LIMIT) publicKeyCache.clear();
  publicKeyCache.set(publicKeyBase64, key);
  return key;
}

/**
 * Checks the signature `signatures[serverName][keyId]` of a JSON object against an ed25519 public key
 * (unpadded base64), per appendices "Checking for a Signature": drop `signatures` and `unsigned`,
 * canonicalise, verify. False when the signature is missing, malformed or wrong, or the object can't
 * be canonicalised.
 */
export function verifyJsonSignature(
  object: Record<string, unknown>,
  serverName: string,
  keyId: string,
  publicKeyBase64: string,
): boolean {
  const { signatures, unsigned: _unsigned, ...rest } = object;
  if (!signatures || typeof signatures !== 'object') return false;
  const byServer = (signatures as Record<string, unknown>)[serverName];
  if (!byServer || typeof byServer !== 'object') return false;
  const signatureBase64 = (byServer as Record<string, unknown>)[keyId];
  if (typeof signatureBase64 !== 'string') return false;
  const signature = decodeBase64(signatureBase64);
  if (!signature || signature.length !== 64) return false;
  const key = publicKeyObject(publicKeyBase64);
  if (!key) return false;
  const encoded = canonicalJson(rest);
  if (!encoded.ok) return false;
  return verify(null, Buffer.from(encoded.value, 'utf8'), key, signature);
}
