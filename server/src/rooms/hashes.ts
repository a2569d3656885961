/**
 * Content hashes, reference hashes, and the event and room IDs derived from them.
 * Spec: server-server-api "Calculating the content hash for an event", "Calculating the reference hash
 * for an event"; rooms/fragments v1-event-ids, v3 event IDs, v4-event-ids; v12 room IDs (v1.19).
 * One of the two modules of rooms/ allowed node:crypto (CONVENTIONS rule 3).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { EventId, RoomId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { canonicalJson } from './canonical-json.js';
import type { Pdu } from './pdu.js';
import { redactPdu } from './redaction.js';
import type { RoomVersionRules } from './room-versions.js';

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

const unpadded = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/, '');
const urlSafeUnpadded = (bytes: Buffer): string => bytes.toString('base64url');

/** SHA-256 over the event without unsigned, signatures and hashes, as unpadded base64. */
export function contentHash(pdu: Pdu): Result<string> {
  const { unsigned: _unsigned, signatures: _signatures, hashes: _hashes, ...rest } = pdu;
  const encoded = canonicalJson(rest);
  return encoded.ok ? ok(unpadded(sha256(encoded.value))) : encoded;
}

/** SHA-256 over the redacted event without signatures and unsigned (raw bytes). */
export function referenceHash(pdu: Pdu, rules: RoomVersionRules): Result<Buffer> {
  const { signatures: _signatures, unsigned: _unsigned, ...rest } = redactPdu(pdu, rules);
  const encoded = canonicalJson(rest);
  return encoded.ok ? ok(sha256(encoded.value)) : encoded;
}

/**
 * The event ID of a PDU: from its reference hash (v3: base64, v4+: URL-safe base64), or, in v1/v2
 * rooms, the `event_id` the event carries.
 */
export function computeEventId(pdu: Pdu, rules: RoomVersionRules): Result<EventId> {
  if (rules.eventIdFormat === 'random') {
    return typeof pdu.event_id === 'string' ? ok(pdu.event_id as EventId) : err('the event has no event_id');
  }
  const hash = referenceHash(pdu, rules);
  if (!hash.ok) return hash;
  return ok(`$${rules.eventIdFormat === 'urlsafe' ? urlSafeUnpadded(hash.value) : unpadded(hash.value)}` as EventId);
}

/** Lowercase hex SHA-1 of an event ID: the tie-break of room v1 state resolution (rooms/v1 "State resolution"). */
export function eventIdSha1Hex(eventId: string): string {
  return createHash('sha1').update(eventId, 'utf8').digest('hex');
}

/** v12: the room ID is the create event's ID with the sigil `!` instead of `$`. */
export function roomIdFromCreateEventId(createEventId: EventId): RoomId {
  return `!${createEventId.slice(1)}` as RoomId;
}

/** A v1/v2 event ID, or a pre-v12 room ID: `<sigil><18 random URL-safe chars>:<server>` as Synapse makes them. */
export function randomId(sigil: '$' | '!', serverName: string): string {
  return `${sigil}${urlSafeUnpadded(randomBytes(14)).slice(0, 18)}:${serverName}`;
}
