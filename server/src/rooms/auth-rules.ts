/**
 * The authorisation rules of room versions 1–12: whether an event is allowed given the state it cites.
 * Spec: rooms/fragments v1-auth-rules (v1, v2), v3-auth-rules (v3–v5), rooms/v6, v7, fragments
 * v8-auth-rules (v8, v9), rooms/v10, v11, v12 "Authorisation rules" (matrix-spec v1.19). Rule numbers in
 * comments are v1–v5's unless noted; v6+ drop rule 4 (aliases), v12 inserts rule 2 (room ID).
 * Synapse: event_auth.check_state_independent_auth_rules / check_state_dependent_auth_rules.
 * Membership rules (rule 5) live in auth-rules-membership.ts.
 */
import { parseUserId, type EventId } from '../core/ids.js';
import { authEventKeys } from './auth-events.js';
import { ALLOW, checkMembership, deny, domainOf, membershipIn } from './auth-rules-membership.js';
import { roomIdFromCreateEventId } from './hashes.js';
import {
  EventType,
  authEventIds,
  prevEventIds,
  stateKey,
  type Pdu,
  type RoomEvent,
  type StateKey,
  type StateMap,
} from './pdu.js';
import {
  NAMED_LEVELS,
  canInvite,
  parsePowerLevel,
  powerLevelsContentProblem,
  powerLevelsOf,
  requiredPowerForEvent,
  roomCreators,
  userPowerLevel,
  type PowerLevels,
} from './power-levels.js';
import { roomVersionRules, type RoomVersionRules } from './room-versions.js';

export type AuthResult = { allowed: true } | { allowed: false; reason: string };

export interface AuthRulesOptions {
  /**
   * Whether the PDU carries a valid signature by `serverName` (v8+: a member event's
   * `join_authorised_via_users_server` must be signed by that user's server). Without it, that check is
   * left to signature verification on receipt.
   */
  isSignedBy?(pdu: Pdu, serverName: string): boolean;
}

export { ALLOW, deny, domainOf, joinRuleIn, membershipIn } from './auth-rules-membership.js';

export const CREATE_KEY = stateKey(EventType.Create, '');
export const POWER_LEVELS_KEY = stateKey(EventType.PowerLevels, '');

/** What the rules need besides the event: the auth state, the create event and the power levels it implies. */
export interface AuthContext {
  readonly event: RoomEvent;
  readonly authState: StateMap<RoomEvent>;
  readonly rules: RoomVersionRules;
  readonly create: RoomEvent;
  readonly levels: PowerLevels;
  readonly options: AuthRulesOptions;
}

/**
 * Checks an event against the room version's authorisation rules.
 * @param authState - the state the event is checked against, keyed by (type, state_key): the events its
 *   auth_events reference (ingest), or the selected part of some other state (state resolution, soft
 *   failure). v12: also the room's m.room.create event, implied by the room ID; the caller supplies it.
 *   Rejected events must be left out. Use checkAuthEvents first on the auth_events as listed, to catch
 *   what a map can't show (duplicate and unresolved entries).
 */
export function checkAuthRules(
  event: RoomEvent,
  authState: StateMap<RoomEvent>,
  rules: RoomVersionRules,
  options: AuthRulesOptions = {},
): AuthResult {
  const { pdu } = event;
  // 1. m.room.create
  if (pdu.type === EventType.Create) return checkCreate(event, rules);

  const create = authState.get(CREATE_KEY);
  if (!create) {
    return deny(rules.roomIdFromCreateEvent ? "The room's m.room.create event is unknown" : 'No m.room.create event among the auth events');
  }
  if (rules.roomIdFromCreateEvent) {
    // v12 rule 2: the room ID is the create event's ID with `!` for `$`.
    if (event.roomId !== roomIdFromCreateEventId(create.eventId)) {
      return deny(`Room ID ${event.roomId} does not match the room's m.room.create event ${create.eventId}`);
    }
    // v12 rule 3.2: the create event must not be selected.
    if (authEventIds(pdu).includes(create.eventId)) {
      return deny('auth_events must not include the m.room.create event in this room version');
    }
  }

  // 2. (v12: 3.) the auth events: only the selected (type, state_key) pairs, all in this room.
  const entries = checkAuthStateEntries(event, authState, rules);
  if (!entries.allowed) return entries;

  // 3. (v12: 4.) m.federate
  const senderDomain = domainOf(pdu.sender);
  if (create.pdu.content['m.federate'] === false && senderDomain !== domainOf(create.pdu.sender)) {
    return deny(`This room is not federated: ${senderDomain ?? pdu.sender} may not send events to it`);
  }

  // 4. (v1–v5 only) m.room.aliases: the sender's server may set its own aliases.
  if (rules.specialCaseAliasesAuth && pdu.type === EventType.Aliases) {
    if (typeof pdu.state_key !== 'string') return deny('An m.room.aliases event must be a state event');
    if (pdu.state_key !== senderDomain) return deny("The state_key of m.room.aliases must be the sender's server name");
    return ALLOW;
  }

  const levels = powerLevelsOf(authState.get(POWER_LEVELS_KEY)?.pdu, create.pdu, rules);
  const context: AuthContext = { event, authState, rules, create, levels, options };

  // 5. m.room.member
  if (pdu.type === EventType.Member) return checkMembership(context);

  // 6. The sender must be in the room.
  if (membershipIn(authState, pdu.sender) !== 'join') return deny(`User ${pdu.sender} is not in the room`);

  const senderLevel = userPowerLevel(levels, pdu.sender);
  // 7. m.room.third_party_invite needs the invite level.
  if (pdu.type === EventType.ThirdPartyInvite) {
    return canInvite(levels, pdu.sender) ? ALLOW : deny("You don't have permission to invite users");
  }

  // 8. The event type's required power level.
  const isState = typeof pdu.state_key === 'string';
  const required = requiredPowerForEvent(levels, pdu.type, isState);
  if (senderLevel < required) {
    return deny(`You don't have permission to send ${pdu.type} events (power level ${senderLevel}, needs ${required})`);
  }

  // 9. State keyed by a user ID belongs to that user.
  if (isState && pdu.state_key!.startsWith('@') && pdu.state_key !== pdu.sender) {
    return deny("You can't set state that belongs to another user");
  }

  // 10. m.room.power_levels
  if (pdu.type === EventType.PowerLevels) return checkPowerLevels(context, senderLevel);

  // 11. (v1, v2 only) m.room.redaction: the redact level, or an event from the redaction's own server.
  // v3+ moved this check out of the auth rules ("Handling redactions"); Synapse keys it on the v1/v2
  // event format, as do we.
  if (pdu.type === EventType.Redaction && rules.eventIdFormat === 'random') {
    if (senderLevel >= levels.redact) return ALLOW;
    const redactsDomain = typeof pdu.redacts === 'string' ? domainOf(pdu.redacts) : null;
    if (redactsDomain !== null && redactsDomain === domainOf(event.eventId)) return ALLOW;
    return deny("You don't have permission to redact events");
  }

  return ALLOW;
}

/** Rule 1: the m.room.create event. */
function checkCreate(event: RoomEvent, rules: RoomVersionRules): AuthResult {
  const { pdu } = event;
  if (prevEventIds(pdu).length > 0) return deny('The m.room.create event must not have prev_events');
  if (rules.roomIdFromCreateEvent) {
    // v12 1.2: the room ID is derived from the event, so the event can't carry one.
    if (pdu.room_id !== undefined) return deny('The m.room.create event must not have a room_id in this room version');
  } else {
    const roomDomain = domainOf(pdu.room_id ?? event.roomId);
    if (roomDomain === null || roomDomain !== domainOf(pdu.sender)) {
      return deny("The room ID's server name does not match the sender's");
    }
  }
  const version = pdu.content.room_version;
  if (version !== undefined && (typeof version !== 'string' || roomVersionRules(version) === null)) {
    return deny(`Unknown room version ${JSON.stringify(version)}`);
  }
  if (rules.privilegedCreators && pdu.content.additional_creators !== undefined) {
    // v12 1.4: additional_creators is an array of valid user IDs.
    const creators = pdu.content.additional_creators;
    if (!Array.isArray(creators) || !creators.every((id) => typeof id === 'string' && parseUserId(id) !== null)) {
      return deny('additional_creators must be an array of valid user IDs');
    }
  }
  // v1–v10 1.4: content.creator is required (v11 made the sender the creator).
  if (!rules.implicitRoomCreator && !('creator' in pdu.content)) return deny('The m.room.create event has no creator');
  return ALLOW;
}

/** Rule 2.2 and 2.5 (v12: 3.2, 3.5) on the auth state: selected (type, state_key) pairs from this room only. */
function checkAuthStateEntries(event: RoomEvent, authState: StateMap<RoomEvent>, rules: RoomVersionRules): AuthResult {
  const expected = new Set(authEventKeys(event.pdu, rules));
  for (const [key, entry] of authState) {
    if (rules.roomIdFromCreateEvent && key === CREATE_KEY) continue; // implied by the room ID (checked above)
    const ownKey = typeof entry.pdu.state_key === 'string' ? stateKey(entry.pdu.type, entry.pdu.state_key) : null;
    if (ownKey !== key) return deny(`Auth event ${entry.eventId} is not a state event for the key it is filed under`);
    if (!expected.has(key)) {
      return deny(`Unexpected auth event ${entry.eventId} (${entry.pdu.type}, ${JSON.stringify(entry.pdu.state_key)})`);
    }
    if (entry.roomId !== event.roomId) {
      return deny(`Auth event ${entry.eventId} belongs to room ${entry.roomId}, not ${event.roomId}`);
    }
  }
  return ALLOW;
}

/**
 * Rule 2 (v12: 3) on the event's auth_events as listed, with the events they resolved to (rejected ones
 * left out): no event listed twice or unresolved, no two for the same (type, state_key), only the pairs
 * the auth events selection picks, all from this room, and the create event present (v1–v11) or absent
 * (v12). m.room.create events have no auth events to check.
 */
export function checkAuthEvents(event: RoomEvent, authEvents: readonly RoomEvent[], rules: RoomVersionRules): AuthResult {
  if (event.pdu.type === EventType.Create) return ALLOW;
  const byId = new Map<EventId, RoomEvent>(authEvents.map((authEvent) => [authEvent.eventId, authEvent]));
  const expected = new Set(authEventKeys(event.pdu, rules));
  const seenIds = new Set<EventId>();
  const seenKeys = new Map<StateKey, EventId>();
  for (const id of authEventIds(event.pdu)) {
    if (seenIds.has(id)) return deny(`auth_events lists ${id} more than once`);
    seenIds.add(id);
    const authEvent = byId.get(id);
    if (!authEvent) return deny(`Auth event ${id} is missing or was rejected`);
    const { type, state_key: key } = authEvent.pdu;
    if (typeof key !== 'string') return deny(`Auth event ${id} is not a state event`);
    const sk = stateKey(type, key);
    const previous = seenKeys.get(sk);
    if (previous) return deny(`auth_events has two entries for (${type}, ${JSON.stringify(key)}): ${previous} and ${id}`);
    seenKeys.set(sk, id);
    if (rules.roomIdFromCreateEvent && type === EventType.Create) {
      return deny('auth_events must not include the m.room.create event in this room version');
    }
    if (!expected.has(sk)) return deny(`Unexpected auth event ${id} (${type}, ${JSON.stringify(key)})`);
    if (authEvent.roomId !== event.roomId) return deny(`Auth event ${id} belongs to room ${authEvent.roomId}, not ${event.roomId}`);
  }
  if (!rules.roomIdFromCreateEvent && !seenKeys.has(CREATE_KEY)) return deny('No m.room.create event among the auth events');
  return ALLOW;
}

/** Auth events keyed by (type, state_key); on duplicate keys the later event wins (checkAuthEvents rejects those). */
export function authStateFromEvents(events: Iterable<RoomEvent>): Map<StateKey, RoomEvent> {
  const state = new Map<StateKey, RoomEvent>();
  for (const authEvent of events) {
    if (typeof authEvent.pdu.state_key === 'string') state.set(stateKey(authEvent.pdu.type, authEvent.pdu.state_key), authEvent);
  }
  return state;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Rule 10 (v6–v9: 9): m.room.power_levels. */
function checkPowerLevels(context: AuthContext, senderLevel: number): AuthResult {
  const { event, authState, rules, create } = context;
  const content = event.pdu.content;
  // 10.1 (v10+: 9.1–9.3): well-formed values.
  const problem = powerLevelsContentProblem(content, rules);
  if (problem !== null) return deny(problem);
  // v12 10.4: creators can't be listed in users.
  if (rules.privilegedCreators && isObject(content.users)) {
    for (const creator of roomCreators(create.pdu, rules)) {
      if (Object.hasOwn(content.users, creator)) return deny(`Room creator ${creator} can't be given a power level`);
    }
  }
  // 10.2: the room's first power levels.
  const previous = authState.get(POWER_LEVELS_KEY);
  if (!previous) return ALLOW;
  const before = previous.pdu.content;

  const level = (from: Record<string, unknown>, name: string): number | undefined =>
    Object.hasOwn(from, name) ? (parsePowerLevel(from[name], rules) ?? undefined) : undefined;
  const nested = (from: Record<string, unknown>, name: string): Record<string, unknown> =>
    isObject(from[name]) ? from[name] : {};

  // 10.3: named levels added, changed or removed.
  for (const name of NAMED_LEVELS) {
    const old = level(before, name);
    const next = level(content, name);
    if (old === next) continue;
    if ((old !== undefined && old > senderLevel) || (next !== undefined && next > senderLevel)) {
      return deny(`You can't change "${name}" from or to a level above your own`);
    }
  }
  // 10.4, 10.5: `events`, and (v6+) `notifications`.
  const maps = rules.limitNotificationsPowerLevels ? (['events', 'notifications'] as const) : (['events'] as const);
  for (const name of maps) {
    const oldMap = nested(before, name);
    const newMap = nested(content, name);
    for (const key of new Set([...Object.keys(oldMap), ...Object.keys(newMap)])) {
      const old = level(oldMap, key);
      const next = level(newMap, key);
      if (old === next) continue;
      if ((old !== undefined && old > senderLevel) || (next !== undefined && next > senderLevel)) {
        return deny(`You can't change the level of "${key}" in "${name}" from or to a level above your own`);
      }
    }
  }
  // 10.6, 10.7: `users`.
  const oldUsers = nested(before, 'users');
  const newUsers = nested(content, 'users');
  const sender = event.pdu.sender;
  for (const userId of new Set([...Object.keys(oldUsers), ...Object.keys(newUsers)])) {
    const old = level(oldUsers, userId);
    const next = level(newUsers, userId);
    if (old === next) continue;
    if (userId !== sender && old !== undefined && old >= senderLevel) {
      return deny(`You can't change the power level of ${userId}: it is not below yours`);
    }
    if (next !== undefined && next > senderLevel) {
      return deny(`You can't give ${userId} a power level above your own`);
    }
  }
  return ALLOW;
}
