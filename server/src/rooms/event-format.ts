/**
 * Checks that a PDU (received, or built here) has the shape its room version requires, before any hash,
 * signature or auth check looks at it. Spec (v1.19): server-server-api "Checks performed on receipt of a
 * PDU" (step 1), data/api/server-server/definitions/pdu_v1 … pdu_v12 and components/*, client-server-api
 * "Size limits", appendices "Identifier Grammar" (255-byte IDs), rooms/fragments v6-canonical-json.
 */
import { err, ok, type Result } from '../core/result.js';
import { canonicalJson } from './canonical-json.js';
import type { Pdu } from './pdu.js';
import type { RoomVersionRules } from './room-versions.js';

/** "The complete event MUST NOT be larger than 65536 bytes" as canonical JSON, signatures included. */
export const MAX_PDU_BYTES = 65536;
/** sender, room_id, event_id, state_key and type: at most 255 bytes each. */
export const MAX_ID_BYTES = 255;
/** pdu_v*: "Must contain less than or equal to 10 events" / "20 events". */
export const MAX_AUTH_EVENTS = 10;
export const MAX_PREV_EVENTS = 20;
/** depth: below 2^63 − 1 in v1–v5 (JS can't tell apart integers that large; 2^63 is the bound we can see), 2^53 − 1 from v6. */
const MAX_DEPTH_V1 = 2 ** 63;
const MAX_DEPTH_V6 = 2 ** 53 - 1;

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function checkId(name: string, value: unknown, sigil: string): string | null {
  if (typeof value !== 'string') return `${name} must be a string`;
  if (!value.startsWith(sigil)) return `${name} must start with "${sigil}"`;
  if (utf8Bytes(value) > MAX_ID_BYTES) return `${name} exceeds ${MAX_ID_BYTES} bytes`;
  return null;
}

function checkUserId(name: string, value: unknown): string | null {
  const problem = checkId(name, value, '@');
  if (problem) return problem;
  const text = value as string;
  const colon = text.indexOf(':');
  return colon < 2 || colon === text.length - 1 ? `${name} is not a user ID` : null;
}

/** prev_events / auth_events: `[event_id, {sha256}]` pairs in v1/v2, event ID strings from v3. */
function checkReferences(name: string, value: unknown, max: number, rules: RoomVersionRules): string | null {
  if (!Array.isArray(value)) return `${name} must be an array`;
  if (value.length > max) return `${name} lists ${value.length} events (at most ${max})`;
  for (const [index, ref] of value.entries()) {
    if (rules.eventIdFormat === 'random') {
      if (!Array.isArray(ref) || ref.length !== 2) return `${name}[${index}] must be an [event_id, hashes] pair`;
      const problem = checkId(`${name}[${index}][0]`, ref[0], '$');
      if (problem) return problem;
      if (!isObject(ref[1])) return `${name}[${index}][1] must be an object`;
    } else {
      const problem = checkId(`${name}[${index}]`, ref, '$');
      if (problem) return problem;
    }
  }
  return null;
}

function checkSignatures(value: unknown): string | null {
  if (!isObject(value)) return 'signatures must be an object';
  for (const [server, byKey] of Object.entries(value)) {
    if (!isObject(byKey)) return `signatures.${server} must be an object`;
    for (const [keyId, signature] of Object.entries(byKey)) {
      if (typeof signature !== 'string') return `signatures.${server}.${keyId} must be a string`;
    }
  }
  return null;
}

const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/** The checks of every key but the size, in the order a reader would expect the reasons. */
function checkKeys(pdu: Record<string, unknown>, rules: RoomVersionRules): string | null {
  const isV12Create = rules.roomIdFromCreateEvent && pdu.type === 'm.room.create';
  const problems = [
    typeof pdu.type === 'string' ? null : 'type must be a string',
    typeof pdu.type === 'string' && utf8Bytes(pdu.type) > MAX_ID_BYTES ? `type exceeds ${MAX_ID_BYTES} bytes` : null,
    checkUserId('sender', pdu.sender),
    // room_id: required, except on a v12 create event, whose room ID is derived from its hash.
    isV12Create
      ? pdu.room_id === undefined ? null : 'a v12 m.room.create event must not have a room_id'
      : checkId('room_id', pdu.room_id, '!'),
    // event_id: carried by v1/v2 events only; later versions derive it from the reference hash.
    rules.eventIdFormat === 'random'
      ? checkId('event_id', pdu.event_id, '$')
      : pdu.event_id === undefined ? null : `event_id is not allowed in room version ${rules.id}`,
    pdu.state_key === undefined || typeof pdu.state_key === 'string' ? null : 'state_key must be a string',
    typeof pdu.state_key === 'string' && utf8Bytes(pdu.state_key) > MAX_ID_BYTES ? `state_key exceeds ${MAX_ID_BYTES} bytes` : null,
    isObject(pdu.content) ? null : 'content must be an object',
    isInteger(pdu.origin_server_ts) ? null : 'origin_server_ts must be an integer',
    isInteger(pdu.depth) ? null : 'depth must be an integer',
    isInteger(pdu.depth) && pdu.depth < 0 ? 'depth must not be negative' : null,
    isInteger(pdu.depth) && pdu.depth > (rules.strictCanonicalJson ? MAX_DEPTH_V6 : MAX_DEPTH_V1) ? 'depth is too large' : null,
    checkReferences('prev_events', pdu.prev_events, MAX_PREV_EVENTS, rules),
    checkReferences('auth_events', pdu.auth_events, MAX_AUTH_EVENTS, rules),
    isObject(pdu.hashes) && typeof pdu.hashes.sha256 === 'string' ? null : 'hashes.sha256 must be a string',
    checkSignatures(pdu.signatures),
    pdu.unsigned === undefined || isObject(pdu.unsigned) ? null : 'unsigned must be an object',
    pdu.redacts === undefined ? null : checkId('redacts', pdu.redacts, '$'),
  ];
  return problems.find((problem) => problem !== null) ?? null;
}

/**
 * Validates a PDU against its room version's event format and the size limits. Returns the PDU typed,
 * or the first problem found. v6+ (`strictCanonicalJson`) also refuses floats and integers outside
 * ±(2^53 − 1) anywhere in the event.
 */
export function checkEventFormat(pdu: unknown, rules: RoomVersionRules): Result<Pdu> {
  if (!isObject(pdu)) return err('the event must be a JSON object');
  const problem = checkKeys(pdu, rules);
  if (problem) return err(problem);

  const encoded = canonicalJson(pdu);
  let size: number;
  if (encoded.ok) size = utf8Bytes(encoded.value);
  else if (rules.strictCanonicalJson) return err(`the event is not canonical JSON: ${encoded.error}`);
  // v1–v5 tolerate floats and big integers, which canonicalJson() refuses; measure plain JSON instead.
  else size = utf8Bytes(JSON.stringify(pdu));
  if (size > MAX_PDU_BYTES) return err(`the event is ${size} bytes as canonical JSON (at most ${MAX_PDU_BYTES})`);
  return ok(pdu as Pdu);
}
