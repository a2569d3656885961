/**
 * The persistent data unit (PDU): a room event as servers sign, hash and exchange it, and the state map
 * keyed by (type, state_key). Spec: server-server-api "PDUs"; data/api/server-server/definitions/pdu_v1..v12.
 * Wire JSON keeps the spec's snake_case (CONVENTIONS rule 8).
 */
import type { EventId, RoomId } from '../core/ids.js';

/** `[event_id, {sha256}]`: how v1/v2 rooms reference events in prev_events and auth_events. */
export type EventReferenceV1 = [string, { sha256?: string }];

export interface Pdu {
  /** v1/v2 only: the event ID travels in the event. */
  event_id?: string;
  /** Absent on a v12 create event: its room ID is derived from its reference hash. */
  room_id?: string;
  sender: string;
  type: string;
  state_key?: string;
  content: Record<string, unknown>;
  origin_server_ts: number;
  depth: number;
  prev_events: string[] | EventReferenceV1[];
  auth_events: string[] | EventReferenceV1[];
  /** v1–v10: top level on m.room.redaction (v11 moved it into content and keeps both allowed on the wire). */
  redacts?: string;
  hashes: { sha256: string };
  signatures: Record<string, Record<string, string>>;
  unsigned?: Record<string, unknown>;
  /** Legacy keys v1–v10 events may still carry (covered by redaction's keep list). */
  origin?: string;
  prev_state?: unknown;
  membership?: string;
  [key: string]: unknown;
}

/** An event with its identity resolved: what protocol code (auth, state resolution) works with. */
export interface RoomEvent {
  readonly eventId: EventId;
  readonly roomId: RoomId;
  readonly pdu: Pdu;
}

/** The IDs of the events a PDU lists in prev_events or auth_events, in either wire format. */
export function referencedIds(refs: Pdu['prev_events']): EventId[] {
  return refs.map((ref) => (typeof ref === 'string' ? ref : ref[0]) as EventId);
}

export const prevEventIds = (pdu: Pdu): EventId[] => referencedIds(pdu.prev_events);
export const authEventIds = (pdu: Pdu): EventId[] => referencedIds(pdu.auth_events);

export const isStateEvent = (pdu: Pdu): boolean => typeof pdu.state_key === 'string';

/** The key of a state entry: type and state_key joined by NUL (neither may contain one). */
export type StateKey = string & { readonly __stateKey: true };

export function stateKey(type: string, key: string): StateKey {
  return `${type}\u0000${key}` as StateKey;
}

export function splitStateKey(key: StateKey): [type: string, stateKey: string] {
  const nul = key.indexOf('\u0000');
  return [key.slice(0, nul), key.slice(nul + 1)];
}

/** Room state: (type, state_key) → the value (an event ID, or an event). */
export type StateMap<T> = ReadonlyMap<StateKey, T>;

/** Well-known event types the protocol core branches on. */
export const EventType = {
  Create: 'm.room.create',
  Member: 'm.room.member',
  PowerLevels: 'm.room.power_levels',
  JoinRules: 'm.room.join_rules',
  HistoryVisibility: 'm.room.history_visibility',
  ThirdPartyInvite: 'm.room.third_party_invite',
  Redaction: 'm.room.redaction',
  Aliases: 'm.room.aliases',
  CanonicalAlias: 'm.room.canonical_alias',
  Name: 'm.room.name',
  Topic: 'm.room.topic',
  Avatar: 'm.room.avatar',
  GuestAccess: 'm.room.guest_access',
  Encryption: 'm.room.encryption',
  Tombstone: 'm.room.tombstone',
  ServerAcl: 'm.room.server_acl',
  Message: 'm.room.message',
} as const;

export type Membership = 'join' | 'invite' | 'leave' | 'ban' | 'knock';

/** The membership a member event sets, or null when it carries none (such events fail auth). */
export function membershipOf(pdu: Pdu): Membership | null {
  const membership = pdu.content.membership;
  return membership === 'join' || membership === 'invite' || membership === 'leave' || membership === 'ban' || membership === 'knock'
    ? membership
    : null;
}
