/**
 * Hashing and signing outgoing events, and checking the signatures and content hash of received ones.
 * Spec: server-server-api "Signing Events" ("Adding hashes and signatures to outgoing events",
 * "Validating hashes and signatures on received events"), appendices "Checking for a Signature" (v1.19).
 * Crypto lives in hashes.ts and signing.ts (CONVENTIONS rule 3); this module only composes them.
 */
import { err, ok, type Result } from '../core/result.js';
import { contentHash } from './hashes.js';
import type { Pdu } from './pdu.js';
import { redactPdu } from './redaction.js';
import type { RoomVersionRules } from './room-versions.js';
import { signJson, verifyJsonSignature, type SigningKey } from './signing.js';

/** An event before hashing and signing: `hashes` and `signatures` may be absent (any given are replaced / kept). */
export type UnsignedPdu = Omit<Pdu, 'hashes' | 'signatures'> & Partial<Pick<Pdu, 'hashes' | 'signatures'>>;

/**
 * Adds the content hash (`hashes.sha256`) and this server's signature of the redacted event.
 * Returns a new object; signatures already on the event are kept.
 */
export function hashAndSignEvent(
  pdu: UnsignedPdu,
  serverName: string,
  key: SigningKey,
  rules: RoomVersionRules,
): Result<Pdu> {
  const hash = contentHash(pdu as Pdu);
  if (!hash.ok) return hash;
  const hashed = { ...pdu, hashes: { sha256: hash.value } } as Pdu;
  const signedRedacted = signJson(redactPdu(hashed, rules), serverName, key);
  if (!signedRedacted.ok) return signedRedacted;
  const existing = pdu.signatures ?? {};
  const ours = signedRedacted.value.signatures[serverName] ?? {};
  return ok({ ...hashed, signatures: { ...existing, [serverName]: { ...existing[serverName], ...ours } } });
}

/** A server's public key as the key store knows it. */
export interface VerifyKey {
  /** Unpadded base64 of the 32-byte ed25519 public key. */
  readonly publicKeyBase64: string;
  /** ms since epoch after which the key is no longer valid (absent: no known expiry). */
  readonly validUntilTs?: number;
}

/** Looks up a server's key by ID (`ed25519:abc`); undefined when unknown. Must be synchronous: prefetch first. */
export type KeyLookup = (serverName: string, keyId: string) => VerifyKey | undefined;

/** The server part of a user or v1/v2 event ID (everything after the first colon), or null. */
function domainOf(id: unknown): string | null {
  if (typeof id !== 'string') return null;
  const colon = id.indexOf(':');
  return colon < 0 || colon === id.length - 1 ? null : id.slice(colon + 1);
}

/**
 * The servers whose signatures an event needs. The sender's server, unless the event is a membership
 * event carrying a `third_party_invite` (then any server may send it; the auth rules check the invite's
 * own signature); in v1/v2 also the server of the event ID; and in v8+ the server of
 * `join_authorised_via_users_server` on a join (rooms/v8 auth rules, restricted joins).
 */
export function requiredSignatureServers(pdu: Pdu, rules: RoomVersionRules): Result<string[]> {
  const servers = new Set<string>();
  const isThirdPartyInvite =
    pdu.type === 'm.room.member' && pdu.content?.membership === 'invite' && 'third_party_invite' in (pdu.content ?? {});
  if (!isThirdPartyInvite) {
    const sender = domainOf(pdu.sender);
    if (!sender) return err('the sender has no server name');
    servers.add(sender);
  }
  if (rules.eventIdFormat === 'random') {
    const eventServer = domainOf(pdu.event_id);
    if (!eventServer) return err('the event_id has no server name');
    servers.add(eventServer);
  }
  const authoriser = pdu.content?.join_authorised_via_users_server;
  if (rules.restrictedJoinRule && pdu.type === 'm.room.member' && pdu.content?.membership === 'join' && authoriser !== undefined) {
    const server = domainOf(authoriser);
    if (!server) return err('join_authorised_via_users_server is not a user ID');
    servers.add(server);
  }
  return ok([...servers]);
}

/**
 * Checks the signatures of a received event on its redacted form (so a full or a redacted copy both pass).
 * Each required server needs at least one valid ed25519 signature from a known key; a signature by a
 * known key that fails is a failure; unknown keys are skipped, as are (v5+) keys that expired before
 * the event's `origin_server_ts`.
 */
export function verifyEventSignatures(pdu: Pdu, rules: RoomVersionRules, keyLookup: KeyLookup): Result<void> {
  const required = requiredSignatureServers(pdu, rules);
  if (!required.ok) return required;
  if (!pdu.signatures || typeof pdu.signatures !== 'object') return err('the event has no signatures');
  const redacted = redactPdu(pdu, rules) as unknown as Record<string, unknown>;
  for (const server of required.value) {
    const byServer = pdu.signatures[server];
    if (!byServer || typeof byServer !== 'object') return err(`no signature from ${server}`);
    let verified = 0;
    for (const keyId of Object.keys(byServer)) {
      if (!keyId.startsWith('ed25519:')) continue;
      const key = keyLookup(server, keyId);
      if (!key) continue;
      if (rules.enforceKeyValidity && key.validUntilTs !== undefined && key.validUntilTs < pdu.origin_server_ts) continue;
      if (!verifyJsonSignature(redacted, server, keyId, key.publicKeyBase64)) {
        return err(`bad signature from ${server} with key ${keyId}`);
      }
      verified++;
    }
    if (verified === 0) return err(`no signature from a known, valid key of ${server}`);
  }
  return ok(undefined);
}

/**
 * Compares the event's `hashes.sha256` with its content hash. A mismatch means the event must be
 * handled in its redacted form (server-server "Validating hashes and signatures on received events").
 */
export function checkContentHash(pdu: Pdu): Result<void> {
  const claimed = pdu.hashes?.sha256;
  if (typeof claimed !== 'string') return err('the event has no hashes.sha256');
  const computed = contentHash(pdu);
  if (!computed.ok) return computed;
  // Compare decoded bytes, so padding or no padding on the wire doesn't matter.
  const same = Buffer.from(claimed, 'base64').equals(Buffer.from(computed.value, 'base64'));
  return same && /^[A-Za-z0-9+/]*={0,2}$/.test(claimed) ? ok(undefined) : err('content hash mismatch');
}
