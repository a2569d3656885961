/**
 * Builds a local event as a complete PDU of its room version: references, depth, content hash,
 * this server's signature, and its event ID (and, for a v12 create event, the room ID it defines).
 * Spec: server-server-api "PDUs", "Signing events"; rooms/v1 "Event IDs", v3/v4 event IDs, v12 room IDs (v1.19).
 */
import type { EventId, RoomId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { hashAndSignEvent, type UnsignedPdu } from './event-signing.js';
import { computeEventId, randomId, roomIdFromCreateEventId } from './hashes.js';
import type { EventReferenceV1, RoomEvent } from './pdu.js';
import type { RoomVersionRules } from './room-versions.js';
import type { SigningKey } from './signing.js';

/** What a client (or a service) asks for: the parts of an event it chooses. */
export interface EventDraft {
  readonly type: string;
  readonly sender: string;
  readonly state_key?: string | undefined;
  readonly content: Record<string, unknown>;
  /** For m.room.redaction: the event redacted (top level in v1–v10, in content from v11). */
  readonly redacts?: string | undefined;
}

export interface BuildContext {
  readonly rules: RoomVersionRules;
  /** The room; null only for a v12 m.room.create event, whose ID defines the room's. */
  readonly roomId: RoomId | null;
  readonly prevEvents: readonly EventId[];
  readonly authEvents: readonly EventId[];
  readonly depth: number;
  readonly originServerTs: number;
  readonly serverName: string;
  readonly key: SigningKey;
}

const references = (ids: readonly EventId[], rules: RoomVersionRules): string[] | EventReferenceV1[] =>
  // v1/v2 reference events as [id, hashes]; Synapse sends an empty hash object, which the spec permits.
  rules.eventIdFormat === 'random' ? ids.map((id): EventReferenceV1 => [id, {}]) : [...ids];

export function buildEvent(draft: EventDraft, context: BuildContext): Result<RoomEvent> {
  const { rules } = context;
  if (context.roomId === null && !(rules.roomIdFromCreateEvent && draft.type === 'm.room.create')) {
    return err('only a v12 create event has no room ID');
  }
  const content = { ...draft.content };
  const pdu: UnsignedPdu = {
    type: draft.type,
    sender: draft.sender,
    content,
    origin_server_ts: context.originServerTs,
    depth: context.depth,
    prev_events: references(context.prevEvents, rules),
    auth_events: references(context.authEvents, rules),
  };
  if (context.roomId !== null) pdu.room_id = context.roomId;
  if (draft.state_key !== undefined) pdu.state_key = draft.state_key;
  if (draft.redacts !== undefined) {
    if (rules.updatedRedactionRules) content.redacts = draft.redacts;
    else pdu.redacts = draft.redacts;
  }
  if (rules.eventIdFormat === 'random') pdu.event_id = randomId('$', context.serverName);

  const signed = hashAndSignEvent(pdu, context.serverName, context.key, rules);
  if (!signed.ok) return signed;
  const eventId = computeEventId(signed.value, rules);
  if (!eventId.ok) return eventId;
  const roomId = context.roomId ?? roomIdFromCreateEventId(eventId.value);
  return ok({ eventId: eventId.value, roomId, pdu: signed.value });
}
