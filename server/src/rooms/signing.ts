/**
 * The server's ed25519 signing key: generation, Synapse's key-file format, and JSON signing.
 * Spec: appendices "Signing JSON" (v1.19); server-server-api "Publishing Keys".
 * Key file (Synapse's format, so existing tools read it): one line `ed25519 <version> <unpadded base64 seed>`.
 * One of the two modules of rooms/ allowed node:crypto (CONVENTIONS rule 3).
 */
import { createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
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
