/**
 * Power levels: `m.room.power_levels` content parsed into a typed record with the spec's defaults, the
 * room's creators, and the permission questions services and the auth rules ask of it.
 * Spec: client-server-api `m.room.power_levels` (v1.19); rooms/fragments v1-stringy-power-levels,
 * v1-floaty-power-levels; rooms/v10 "Values in m.room.power_levels events must be integers";
 * rooms/v12 "room creators". Synapse: event_auth.get_user_power_level, get_named_level, get_send_level.
 */
import { parseUserId } from '../core/ids.js';
import { EventType, type Pdu } from './pdu.js';
import type { RoomVersionRules } from './room-versions.js';

export interface PowerLevels {
  /** Whether the room has an `m.room.power_levels` event (without one, the creator has 100, v1–v11). */
  readonly fromEvent: boolean;
  readonly users: ReadonlyMap<string, number>;
  readonly usersDefault: number;
  readonly events: ReadonlyMap<string, number>;
  readonly eventsDefault: number;
  readonly stateDefault: number;
  readonly ban: number;
  readonly kick: number;
  readonly redact: number;
  readonly invite: number;
  readonly notifications: ReadonlyMap<string, number>;
  /** The room creators: `content.creator` (v1–v10), the create event's sender (v11), plus `additional_creators` (v12). */
  readonly creators: ReadonlySet<string>;
  /** v12: creators have infinite power, whatever the power levels say. */
  readonly privilegedCreators: boolean;
}

/** The named levels of power levels content and their defaults (also with no power levels event at all). */
export const NAMED_LEVEL_DEFAULTS = {
  users_default: 0,
  events_default: 0,
  state_default: 50,
  ban: 50,
  kick: 50,
  redact: 50,
  invite: 0,
} as const;

export type NamedLevel = keyof typeof NAMED_LEVEL_DEFAULTS;
export const NAMED_LEVELS = Object.keys(NAMED_LEVEL_DEFAULTS) as NamedLevel[];

/** Level of a notification key (`room` for @room) when the content doesn't set it. */
export const DEFAULT_NOTIFICATION_LEVEL = 50;
/** The creator's level in v1–v11 rooms without a power levels event. */
export const CREATOR_DEFAULT_LEVEL = 100;

const STRINGY_INTEGER = /^\s*([+-]?\d+)\s*$/;

/**
 * One power level value as the room version reads it, or null when it isn't one.
 * v10+: JSON integers only. v1–v9: also strings holding a base-10 integer (optional sign, leading zeros,
 * surrounding whitespace), and numbers with a fraction are truncated (v1–v5 "floaty" power levels;
 * v6+ events can't carry floats past canonical JSON checks).
 */
export function parsePowerLevel(value: unknown, rules: RoomVersionRules): number | null {
  let parsed: number;
  if (typeof value === 'number') {
    if (rules.enforceIntPowerLevels && !Number.isInteger(value)) return null;
    if (!Number.isFinite(value)) return null;
    parsed = Math.trunc(value);
  } else if (typeof value === 'string' && !rules.enforceIntPowerLevels) {
    const match = STRINGY_INTEGER.exec(value);
    if (!match) return null;
    parsed = Number(match[1]);
  } else {
    return null;
  }
  if (!Number.isSafeInteger(parsed)) return null;
  return parsed === 0 ? 0 : parsed; // no -0
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The creators of a room, from its create event. */
export function roomCreators(create: Pdu, rules: RoomVersionRules): ReadonlySet<string> {
  const creators = new Set<string>();
  if (rules.implicitRoomCreator) {
    creators.add(create.sender);
  } else if (typeof create.content.creator === 'string') {
    creators.add(create.content.creator);
  }
  const additional = create.content.additional_creators;
  if (rules.privilegedCreators && Array.isArray(additional)) {
    for (const userId of additional) if (typeof userId === 'string') creators.add(userId);
  }
  return creators;
}

/** Whether `userId` is a creator of the room (v12: one of the users with infinite power). */
export function isCreator(create: Pdu, userId: string, rules: RoomVersionRules): boolean {
  return roomCreators(create, rules).has(userId);
}

function levelMap(value: unknown, rules: RoomVersionRules): Map<string, number> {
  const map = new Map<string, number>();
  if (!isObject(value)) return map;
  for (const [key, raw] of Object.entries(value)) {
    const level = parsePowerLevel(raw, rules);
    if (level !== null) map.set(key, level);
  }
  return map;
}

/**
 * The power levels in force, from the room's power levels event (undefined when the room has none) and
 * its create event. Values that aren't power levels for this room version fall back to the defaults
 * (the auth rules reject power levels events carrying such values, see powerLevelsContentProblem).
 */
export function powerLevelsOf(plEvent: Pdu | undefined, create: Pdu, rules: RoomVersionRules): PowerLevels {
  const content = plEvent?.content ?? {};
  const named = (name: NamedLevel): number => parsePowerLevel(content[name], rules) ?? NAMED_LEVEL_DEFAULTS[name];
  return {
    fromEvent: plEvent !== undefined,
    users: levelMap(content.users, rules),
    usersDefault: named('users_default'),
    events: levelMap(content.events, rules),
    eventsDefault: named('events_default'),
    stateDefault: named('state_default'),
    ban: named('ban'),
    kick: named('kick'),
    redact: named('redact'),
    invite: named('invite'),
    notifications: levelMap(content.notifications, rules),
    creators: roomCreators(create, rules),
    privilegedCreators: rules.privilegedCreators,
  };
}

/**
 * A user's power level. v12: creators are infinitely powerful. Otherwise their entry in `users`, else
 * `users_default`; with no power levels event, the creator has 100 and everyone else 0.
 */
export function userPowerLevel(levels: PowerLevels, userId: string): number {
  if (levels.privilegedCreators && levels.creators.has(userId)) return Infinity;
  if (!levels.fromEvent) return levels.creators.has(userId) ? CREATOR_DEFAULT_LEVEL : 0;
  return levels.users.get(userId) ?? levels.usersDefault;
}

/** The "required power level" to send an event: `events[type]`, else `state_default` or `events_default`. */
export function requiredPowerForEvent(levels: PowerLevels, type: string, isState: boolean): number {
  return levels.events.get(type) ?? (isState ? levels.stateDefault : levels.eventsDefault);
}

/** The level needed to trigger a notification of that kind (`room`: an @room mention). */
export function notificationPowerLevel(levels: PowerLevels, key: string): number {
  return levels.notifications.get(key) ?? DEFAULT_NOTIFICATION_LEVEL;
}

export function canSendEvent(levels: PowerLevels, userId: string, type: string, isState: boolean): boolean {
  return userPowerLevel(levels, userId) >= requiredPowerForEvent(levels, type, isState);
}

export function canInvite(levels: PowerLevels, userId: string): boolean {
  return userPowerLevel(levels, userId) >= levels.invite;
}

/** Kicking needs the kick level and more power than the target. */
export function canKick(levels: PowerLevels, userId: string, target: string): boolean {
  const level = userPowerLevel(levels, userId);
  return level >= levels.kick && level > userPowerLevel(levels, target);
}

/** Banning needs the ban level and more power than the target. */
export function canBan(levels: PowerLevels, userId: string, target: string): boolean {
  const level = userPowerLevel(levels, userId);
  return level >= levels.ban && level > userPowerLevel(levels, target);
}

/** Unbanning (a leave over a ban) needs the ban level, the kick level, and more power than the target. */
export function canUnban(levels: PowerLevels, userId: string, target: string): boolean {
  return userPowerLevel(levels, userId) >= levels.ban && canKick(levels, userId, target);
}

/**
 * Whether `userId` may redact an event sent by `originalSender`: they must be able to send
 * m.room.redaction, and for someone else's event also reach the redact level (rooms/v3+ "Handling
 * redactions"; checked by the server, not by the v3+ auth rules).
 */
export function canRedact(levels: PowerLevels, userId: string, originalSender: string): boolean {
  if (!canSendEvent(levels, userId, EventType.Redaction, false)) return false;
  return userId === originalSender || userPowerLevel(levels, userId) >= levels.redact;
}

export function canNotify(levels: PowerLevels, userId: string, key = 'room'): boolean {
  return userPowerLevel(levels, userId) >= notificationPowerLevel(levels, key);
}

/**
 * Why power levels content is malformed for the room version, or null when it's fine.
 * All versions: `users` (if present) is an object of valid user IDs to power levels.
 * v10+: the named levels are integers and `events`/`notifications` are objects of integers.
 * v1–v9: the named levels and the `events`/`notifications` values must still read as power levels
 * (integers, integer strings, or truncated floats), as ruma requires; otherwise they can't be compared.
 */
export function powerLevelsContentProblem(content: Record<string, unknown>, rules: RoomVersionRules): string | null {
  for (const name of NAMED_LEVELS) {
    if (name in content && parsePowerLevel(content[name], rules) === null) {
      return `Power level "${name}" must be an integer`;
    }
  }
  for (const name of ['events', 'notifications'] as const) {
    if (!(name in content)) continue;
    const map = content[name];
    if (!isObject(map)) return `Power levels "${name}" must be an object`;
    for (const [key, value] of Object.entries(map)) {
      if (parsePowerLevel(value, rules) === null) return `Power level for "${key}" in "${name}" must be an integer`;
    }
  }
  if ('users' in content) {
    const users = content.users;
    if (!isObject(users)) return 'Power levels "users" must be an object';
    for (const [userId, value] of Object.entries(users)) {
      if (parseUserId(userId) === null) return `Power levels "users" has an invalid user ID: ${userId}`;
      if (parsePowerLevel(value, rules) === null) return `Power level for ${userId} must be an integer`;
    }
  }
  return null;
}
