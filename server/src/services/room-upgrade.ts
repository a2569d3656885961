/**
 * POST /rooms/{roomId}/upgrade: replaces a room with a new one of another version.
 * Spec: client-server-api "Room Upgrades" (room_upgrades.md, room_upgrades.yaml), m.room.create
 * `predecessor` and `additional_creators` (v1.19). What is copied and how power levels change follow
 * Synapse's handlers/room.py (`upgrade_room`, `clone_existing_room`, `_move_aliases_to_new_room`,
 * `_update_upgraded_room_pls`) and room_member.py `transfer_room_state_on_room_upgrade`.
 */
import type { Logger } from 'pino';
import { forbidden, invalidParam, MatrixError } from '../core/errors.js';
import { isUserId, type EventId, type RoomId, type ServerName, type UserId } from '../core/ids.js';
import type { EventDraft } from '../rooms/build-event.js';
import { randomId } from '../rooms/hashes.js';
import { EventType, splitStateKey, stateKey, type StateKey } from '../rooms/pdu.js';
import { canSendEvent, parsePowerLevel, powerLevelsContentProblem } from '../rooms/power-levels.js';
import { roomVersionRules, type RoomVersionRules } from '../rooms/room-versions.js';
import type { RoomsStore, StoredEvent } from '../storage/types.js';
import type { Requester } from './requester.js';
import type { LiveRoom, RoomEventsService } from './room-events.js';

export interface RoomUpgradeDeps {
  readonly events: Pick<RoomEventsService, 'requireRoom' | 'stateEvents' | 'powerLevels' | 'membershipIn' | 'send' | 'createRoom'>;
  readonly rooms: Pick<RoomsStore, 'getRoom' | 'currentMembers' | 'getEvents' | 'moveAliases' | 'setRoomPublic'>;
  readonly serverName: ServerName;
  /** displayname/avatar_url of a local user, for their member events. */
  readonly memberProfile: (userId: UserId) => Promise<Record<string, unknown>>;
  /** Carries a local member's per-room user data (tags, m.direct) over to the new room (Synapse `copy_user_state_on_room_upgrade`). */
  readonly copyUserState?: ((userId: UserId, oldRoomId: RoomId, newRoomId: RoomId) => Promise<void>) | undefined;
  readonly log: Logger;
}

const SPACE_CHILD = 'm.space.child';

/** State copied into the new room (Synapse's `types_to_copy`; the spec's recommended list). */
const COPIED_TYPES = [
  EventType.JoinRules,
  EventType.Name,
  EventType.Topic,
  EventType.HistoryVisibility,
  EventType.GuestAccess,
  EventType.Avatar,
  EventType.Encryption,
  EventType.ServerAcl,
  EventType.PowerLevels,
];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

// v1 reads every power level form (integers, integer strings, floats).
const LENIENT = roomVersionRules('1') as RoomVersionRules;

/** Synapse `copy_and_fixup_power_levels_contents`: a copy with every level an integer (unreadable values dropped). */
export function fixupPowerLevels(content: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(content)) {
    if (isObject(value)) {
      const inner: Record<string, number> = {};
      for (const [innerKey, innerValue] of Object.entries(value)) {
        const level = parsePowerLevel(innerValue, LENIENT);
        if (level !== null) inner[innerKey] = level;
      }
      out[key] = inner;
    } else {
      const level = parsePowerLevel(value, LENIENT);
      if (level !== null) out[key] = level;
    }
  }
  return out;
}

const level = (content: Record<string, unknown>, key: string, fallback: number): number =>
  typeof content[key] === 'number' ? (content[key] as number) : fallback;

/** v12: creators have infinite power and can't be listed in `users`. */
function withoutCreators(content: Record<string, unknown>, creators: readonly string[]): Record<string, unknown> {
  if (!isObject(content.users)) return content;
  const users = { ...content.users };
  for (const creator of creators) delete users[creator];
  return { ...content, users };
}

/** Synapse `_update_upgraded_room_pls`: events and invites need more than a default user's level (at least 50). */
export function restrictedPowerLevels(content: Record<string, unknown>): Record<string, unknown> | null {
  const fixed = fixupPowerLevels(content);
  const restricted = Math.max(level(fixed, 'users_default', 0) + 1, 50);
  let changed = false;
  for (const key of ['invite', 'events_default']) {
    if (level(fixed, key, 0) < restricted) {
      fixed[key] = restricted;
      changed = true;
    }
  }
  return changed ? fixed : null;
}

export function createRoomUpgradeService(deps: RoomUpgradeDeps) {
  const { events } = deps;
  // Upgrades in flight per old room: a retry by the same user joins it, another user's is refused (Synapse).
  const inFlight = new Map<RoomId, { userId: UserId; result: Promise<RoomId> }>();

  async function checkCanUpgrade(room: LiveRoom, requester: Requester): Promise<void> {
    if ((await events.membershipIn(room, requester.userId)) !== 'join') {
      throw forbidden(`User ${requester.userId} not in room ${room.roomId}`);
    }
    if (!canSendEvent(await events.powerLevels(room), requester.userId, EventType.Tombstone, true)) {
      throw forbidden('You don\'t have permission to upgrade this room');
    }
  }

  /** The create content of the new room (Synapse `_calculate_upgraded_room_creation_content`). */
  function creationContent(old: LiveRoom, rules: RoomVersionRules, requester: UserId, additionalCreators: readonly UserId[] | undefined) {
    const content: Record<string, unknown> = { room_version: rules.id, predecessor: { room_id: old.roomId } };
    if (!rules.implicitRoomCreator) content.creator = requester;
    if (rules.privilegedCreators && additionalCreators !== undefined) content.additional_creators = [...additionalCreators];
    if (old.create.pdu.content['m.federate'] === false) content['m.federate'] = false;
    const roomType = old.create.pdu.content.type;
    if (roomType !== undefined) content.type = roomType;
    return content;
  }

  /**
   * The new room's initial power levels: the old ones with integer values, the upgrading user raised
   * to the level needed to copy the state and bans over (restored afterwards), and (v12) no creators.
   */
  function initialPowerLevels(oldContent: Record<string, unknown> | undefined, rules: RoomVersionRules, requester: UserId, creators: readonly string[]) {
    if (!oldContent) return rules.privilegedCreators ? { users: {} } : { users: { [requester]: 100 } };
    const content = fixupPowerLevels(oldContent);
    const eventLevels = isObject(content.events) ? Object.values(content.events as Record<string, number>) : [];
    const needed = Math.max(level(content, 'state_default', 50), level(content, 'ban', 50), ...eventLevels, 0);
    const users: Record<string, number> = isObject(content.users) ? { ...(content.users as Record<string, number>) } : {};
    const current = users[requester] ?? level(content, 'users_default', 0);
    if (current < needed) users[requester] = needed;
    content.users = users;
    return rules.privilegedCreators ? withoutCreators(content, creators) : content;
  }

  /** The new room's first events, as Synapse's private_chat preset lays them out with the copied state. */
  async function buildDrafts(old: LiveRoom, rules: RoomVersionRules, requester: UserId, createContent: Record<string, unknown>, creators: readonly string[]) {
    const keys: StateKey[] = COPIED_TYPES.map((type) => stateKey(type, ''));
    if (old.create.pdu.content.type === 'm.space') {
      for (const key of old.state.keys()) if (splitStateKey(key)[0] === SPACE_CHILD) keys.push(key);
    }
    const copied = await events.stateEvents(old.state, keys);
    const oldPl = copied.get(stateKey(EventType.PowerLevels, ''))?.pdu.content;
    const powerLevels = initialPowerLevels(oldPl, rules, requester, creators);
    const problem = powerLevelsContentProblem(powerLevels, rules);
    if (problem) throw new MatrixError('M_BAD_JSON', `The room's power levels can't be carried over: ${problem}`);

    const state = (type: string, content: Record<string, unknown>, key = ''): EventDraft => ({ type, sender: requester, state_key: key, content });
    const take = (type: string): Record<string, unknown> | undefined => {
      const key = stateKey(type, '');
      const content = copied.get(key)?.pdu.content;
      copied.delete(key);
      return content;
    };
    copied.delete(stateKey(EventType.PowerLevels, ''));
    const drafts: EventDraft[] = [
      state(EventType.Create, createContent),
      state(EventType.Member, { ...(await deps.memberProfile(requester)), membership: 'join' }, requester),
      state(EventType.PowerLevels, powerLevels),
      state(EventType.JoinRules, take(EventType.JoinRules) ?? { join_rule: 'invite' }),
      state(EventType.HistoryVisibility, take(EventType.HistoryVisibility) ?? { history_visibility: 'shared' }),
      state(EventType.GuestAccess, take(EventType.GuestAccess) ?? { guest_access: 'can_join' }),
    ];
    for (const [key, event] of copied) {
      const [type, key2] = splitStateKey(key);
      // A space child with empty content was removed from the space.
      if (type === SPACE_CHILD && Object.keys(event.pdu.content).length === 0) continue;
      drafts.push(state(type, event.pdu.content, key2));
    }
    return { drafts, oldPl };
  }

  /** Copies the old room's bans (Synapse does; failures are logged, the upgrade goes on). */
  async function copyBans(oldRoomId: RoomId, newRoomId: RoomId, requester: UserId): Promise<void> {
    const bans = (await deps.rooms.currentMembers(oldRoomId)).filter((member) => member.membership === 'ban');
    const banEvents = await deps.rooms.getEvents(bans.map((ban) => ban.eventId));
    for (const ban of bans) {
      const event = banEvents.get(ban.eventId);
      if (!event) continue;
      try {
        await events.send(newRoomId, { type: EventType.Member, sender: requester, state_key: ban.userId, content: event.pdu.content });
      } catch (error) {
        deps.log.warn({ err: error, roomId: newRoomId, target: ban.userId }, 'copying a ban into the upgraded room failed');
      }
    }
  }

  const isLocalAlias = (alias: unknown): alias is string => typeof alias === 'string' && alias.endsWith(`:${deps.serverName}`);

  /** Synapse `_move_aliases_to_new_room`: local aliases and the canonical alias's local entries move over. */
  async function moveAliases(oldRoomId: RoomId, newRoomId: RoomId, canonical: StoredEvent | undefined, requester: UserId): Promise<void> {
    await deps.rooms.moveAliases(oldRoomId, newRoomId);
    if (!canonical) return;
    const oldContent: Record<string, unknown> = { ...canonical.pdu.content };
    const newContent: Record<string, unknown> = {};
    if (isLocalAlias(oldContent.alias)) {
      newContent.alias = oldContent.alias;
      delete oldContent.alias;
    }
    if (Array.isArray(oldContent.alt_aliases) && oldContent.alt_aliases.length > 0) {
      const alt = oldContent.alt_aliases as unknown[];
      newContent.alt_aliases = alt.filter(isLocalAlias);
      const remaining = alt.filter((alias) => !isLocalAlias(alias));
      if (remaining.length > 0) oldContent.alt_aliases = remaining;
      else delete oldContent.alt_aliases;
    }
    for (const [roomId, content] of [[oldRoomId, oldContent], [newRoomId, newContent]] as const) {
      try {
        await events.send(roomId, { type: EventType.CanonicalAlias, sender: requester, state_key: '', content });
      } catch (error) {
        deps.log.warn({ err: error, roomId }, 'updating the canonical alias during a room upgrade failed');
      }
    }
  }

  /** Every local user joined to the old room keeps their tags and m.direct entries (failures are logged, as Synapse). */
  async function copyUserState(oldRoomId: RoomId, newRoomId: RoomId): Promise<void> {
    if (!deps.copyUserState) return;
    const local = (await deps.rooms.currentMembers(oldRoomId)).filter((m) => m.membership === 'join' && m.userId.endsWith(`:${deps.serverName}`));
    for (const { userId } of local) {
      try {
        await deps.copyUserState(userId, oldRoomId, newRoomId);
      } catch (error) {
        deps.log.warn({ err: error, userId, oldRoomId, newRoomId }, 'copying user data to the upgraded room failed');
      }
    }
  }

  async function sendTombstone(oldRoomId: RoomId, newRoomId: RoomId, requester: Requester): Promise<EventId> {
    const sent = await events.send(
      oldRoomId,
      { type: EventType.Tombstone, sender: requester.userId, state_key: '', content: { body: 'This room has been replaced', replacement_room: newRoomId } },
      { check: (room) => checkCanUpgrade(room, requester) },
    );
    return sent.eventId;
  }

  async function upgrade(requester: Requester, oldRoomId: RoomId, rules: RoomVersionRules, additionalCreators: readonly UserId[] | undefined): Promise<RoomId> {
    const old = await events.requireRoom(oldRoomId);
    await checkCanUpgrade(old, requester);
    const wasPublic = (await deps.rooms.getRoom(oldRoomId))?.isPublic ?? false;
    const creators = [requester.userId, ...(additionalCreators ?? [])];
    const createContent = creationContent(old, rules, requester.userId, additionalCreators);
    // Built (and checked) before anything is sent.
    const { drafts, oldPl } = await buildDrafts(old, rules, requester.userId, createContent, creators);
    const canonicalKey = stateKey(EventType.CanonicalAlias, '');
    const canonical = (await events.stateEvents(old.state, [canonicalKey])).get(canonicalKey);

    let newRoomId: RoomId;
    if (rules.roomIdFromCreateEvent) {
      // v12: the room ID comes from the create event, so the tombstone follows it and `predecessor` has no event ID.
      newRoomId = (await events.createRoom(rules, null, requester.userId, drafts)).roomId;
      await sendTombstone(oldRoomId, newRoomId, requester);
    } else {
      // Earlier versions: the tombstone first, so `predecessor.event_id` can name it (spec: SHOULD where practical).
      newRoomId = randomId('!', deps.serverName) as RoomId;
      const tombstone = await sendTombstone(oldRoomId, newRoomId, requester);
      const [create, ...rest] = drafts as [EventDraft, ...EventDraft[]];
      const content = { ...create.content, predecessor: { room_id: oldRoomId, event_id: tombstone } };
      await events.createRoom(rules, newRoomId, requester.userId, [{ ...create, content }, ...rest]);
    }
    deps.log.info({ oldRoomId, newRoomId, version: rules.id }, 'room upgraded');

    await copyBans(oldRoomId, newRoomId, requester.userId);
    await moveAliases(oldRoomId, newRoomId, canonical, requester.userId);
    if (wasPublic) {
      await deps.rooms.setRoomPublic(oldRoomId, false);
      await deps.rooms.setRoomPublic(newRoomId, true);
    }
    await copyUserState(oldRoomId, newRoomId);
    if (oldPl) await updatePowerLevels(oldRoomId, newRoomId, oldPl, rules, requester.userId, creators, drafts);
    return newRoomId;
  }

  /** Restricts the old room and restores the new room's power levels to the old room's ones. */
  async function updatePowerLevels(
    oldRoomId: RoomId,
    newRoomId: RoomId,
    oldPl: Record<string, unknown>,
    rules: RoomVersionRules,
    requester: UserId,
    creators: readonly string[],
    drafts: readonly EventDraft[],
  ): Promise<void> {
    const restricted = restrictedPowerLevels(oldPl);
    if (restricted) {
      try {
        await events.send(oldRoomId, { type: EventType.PowerLevels, sender: requester, state_key: '', content: restricted });
      } catch (error) {
        deps.log.warn({ err: error, roomId: oldRoomId }, 'restricting power levels in the upgraded room failed');
      }
    }
    let final = fixupPowerLevels(oldPl);
    if (rules.privilegedCreators) final = withoutCreators(final, creators);
    const initial = drafts.find((draft) => draft.type === EventType.PowerLevels)?.content;
    if (JSON.stringify(initial) === JSON.stringify(final)) return;
    await events.send(newRoomId, { type: EventType.PowerLevels, sender: requester, state_key: '', content: final });
  }

  return {
    /**
     * Upgrades a room. @returns the replacement room's ID
     * @throws MatrixError M_UNSUPPORTED_ROOM_VERSION, M_NOT_FOUND (unknown room), M_FORBIDDEN (no power to send m.room.tombstone)
     */
    async upgradeRoom(requester: Requester, oldRoomId: RoomId, newVersion: string, additionalCreators?: readonly string[]): Promise<RoomId> {
      const rules = roomVersionRules(newVersion);
      if (!rules) throw new MatrixError('M_UNSUPPORTED_ROOM_VERSION', 'Your homeserver does not support this room version');
      let creators: UserId[] | undefined;
      // Ignored for versions without additional creators (room_upgrades.yaml).
      if (rules.privilegedCreators && additionalCreators !== undefined) {
        for (const userId of additionalCreators) {
          if (typeof userId !== 'string' || !isUserId(userId)) throw invalidParam(`Invalid user ID in additional_creators: ${String(userId)}`);
        }
        creators = [...new Set(additionalCreators as UserId[])].filter((userId) => userId !== requester.userId);
      }
      const running = inFlight.get(oldRoomId);
      if (running) {
        if (running.userId === requester.userId) return running.result;
        throw new MatrixError('M_UNKNOWN', 'An upgrade for this room is currently in progress', { status: 400 });
      }
      const result = upgrade(requester, oldRoomId, rules, creators);
      inFlight.set(oldRoomId, { userId: requester.userId, result });
      try {
        return await result;
      } finally {
        inFlight.delete(oldRoomId);
      }
    },
  };
}

export type RoomUpgradeService = ReturnType<typeof createRoomUpgradeService>;
