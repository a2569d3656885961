/**
 * Push actions at send time: for each new local event, every local user joined to the room except the
 * sender (and those ignoring the sender) has their push rules evaluated; the users it notifies get a row
 * stored with the event (unread counts, /notifications, push delivery). Runs under the room lock on the
 * send path, so what it needs per room (local members' display names, the joined count, power levels) is
 * kept in memory and updated from the state changes only.
 * Spec: client-server-api "Push Rules", "Receiving notifications" (push.md: "When receiving a new event
 * homeservers process push rules for each of the local users in the room (excluding the sender)";
 * threads: "a maximum of 3 hops to find a thread"), v1.19.
 */
import type { Logger } from 'pino';
import type { EventId, RoomId, UserId } from '../core/ids.js';
import { EventType, membershipOf, stateKey, type RoomEvent, type StateKey } from '../rooms/pdu.js';
import { notificationPowerLevel, powerLevelsOf, userPowerLevel, type PowerLevels } from '../rooms/power-levels.js';
import type { PushAction, PushContext, PushEvent } from '../rooms/push-evaluator.js';
import { relationOf, RelType } from '../rooms/relations.js';
import type { PushActionRow, RoomsStore } from '../storage/types.js';
import type { LiveRoom } from './room-events.js';

/** Evaluates a user's push rules: the push rules service's cached compiled rule sets and the pure evaluator. */
export interface PushRulesEvaluator<R> {
  rulesetFor(userId: UserId): Promise<R>;
  evaluate(rules: R, event: PushEvent, ctx: PushContext): readonly PushAction[];
  notifies(actions: readonly PushAction[]): boolean;
  highlights(actions: readonly PushAction[]): boolean;
}

export interface PushActionsDeps<R> {
  readonly rooms: Pick<RoomsStore, 'getEvents'>;
  readonly rules: PushRulesEvaluator<R>;
  /** Whether a user is on this server (only local users are evaluated). */
  readonly isLocal: (userId: string) => boolean;
  /** `m.ignored_user_list` of a user: their events never notify (spec "Ignoring Users"). */
  readonly ignoredUsers?: ((userId: UserId) => Promise<ReadonlySet<UserId>>) | undefined;
  readonly log: Logger;
}

/** What push evaluation needs of a room's state, derived from one state map. */
interface RoomPushState {
  readonly state: ReadonlyMap<StateKey, EventId>;
  /** Every joined user (the room_member_count condition). */
  readonly joined: ReadonlySet<string>;
  /** Local joined users → their display name in the room. */
  readonly localMembers: ReadonlyMap<UserId, string | null>;
  readonly levels: PowerLevels;
  readonly notificationLevels: Readonly<Record<string, number>>;
}

/** Hops followed through m.relates_to looking for a thread root (spec: "a maximum of 3 hops"). */
const MAX_THREAD_HOPS = 3;
/** Rooms whose push state is kept (a room not sent to for a while is recomputed when it is). */
const MAX_CACHED_ROOMS = 5_000;

const MEMBER_PREFIX = `${EventType.Member}\u0000`;
const PL_KEY = stateKey(EventType.PowerLevels, '');

export function createPushActionsService<R>(deps: PushActionsDeps<R>) {
  const cache = new Map<RoomId, RoomPushState>();

  function levelsOf(room: LiveRoom, plEvent: RoomEvent | undefined): Pick<RoomPushState, 'levels' | 'notificationLevels'> {
    const levels = powerLevelsOf(plEvent?.pdu, room.create.pdu, room.rules);
    // The evaluator reads `room` (and other keys) from here; the spec's default for `room` is 50.
    const notificationLevels: Record<string, number> = Object.fromEntries(levels.notifications);
    notificationLevels.room = notificationPowerLevel(levels, 'room');
    return { levels, notificationLevels };
  }

  /** The room's push state for `room.state`: recomputed only from the state entries that changed. */
  async function pushStateOf(room: LiveRoom): Promise<RoomPushState> {
    const cached = cache.get(room.roomId);
    if (cached?.state === room.state) return cached;
    const previous = cached?.state;
    const changedMembers: EventId[] = [];
    let plChanged = cached === undefined;
    for (const [key, id] of room.state) {
      if (previous?.get(key) === id) continue;
      if (key.startsWith(MEMBER_PREFIX)) changedMembers.push(id);
      else if (key === PL_KEY) plChanged = true;
    }
    const plId = room.state.get(PL_KEY);
    const loaded = await deps.rooms.getEvents(plChanged && plId ? [...changedMembers, plId] : changedMembers);
    const joined = new Set(cached?.joined);
    const localMembers = new Map(cached?.localMembers);
    for (const id of changedMembers) {
      const event = loaded.get(id);
      const userId = event?.pdu.state_key as UserId | undefined;
      if (!event || userId === undefined) continue;
      if (membershipOf(event.pdu) === 'join') {
        joined.add(userId);
        const name = event.pdu.content.displayname;
        if (deps.isLocal(userId)) localMembers.set(userId, typeof name === 'string' ? name : null);
      } else {
        joined.delete(userId);
        localMembers.delete(userId);
      }
    }
    const levels = cached && !plChanged ? cached : levelsOf(room, plId ? loaded.get(plId) : undefined);
    const next: RoomPushState = {
      state: room.state,
      joined,
      localMembers,
      levels: levels.levels,
      notificationLevels: levels.notificationLevels,
    };
    cache.delete(room.roomId);
    if (cache.size >= MAX_CACHED_ROOMS) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    cache.set(room.roomId, next);
    return next;
  }

  /** 'main', or the root of the thread the event is in (following relations up to MAX_THREAD_HOPS). */
  async function threadOf(event: RoomEvent): Promise<string> {
    let relation = relationOf(event.pdu.content);
    for (let hop = 0; relation && hop < MAX_THREAD_HOPS; hop++) {
      if (relation.relType === RelType.Thread) return relation.eventId;
      const parent = (await deps.rooms.getEvents([relation.eventId])).get(relation.eventId);
      if (!parent || parent.roomId !== event.roomId) break;
      relation = relationOf(parent.pdu.content);
    }
    return 'main';
  }

  async function compute(room: LiveRoom, event: RoomEvent): Promise<PushActionRow[]> {
    const push = await pushStateOf(room);
    const sender = event.pdu.sender as UserId;
    const users = [...push.localMembers.keys()].filter((userId) => userId !== sender);
    // An invite is evaluated for its local invitee too (.m.rule.invite_for_me), who isn't joined yet.
    const target = event.pdu.state_key;
    if (event.pdu.type === EventType.Member && target !== undefined && target !== sender && membershipOf(event.pdu) === 'invite' && deps.isLocal(target)) {
      if (!push.localMembers.has(target as UserId)) users.push(target as UserId);
    }
    if (users.length === 0) return [];
    const rulesets = await Promise.all(users.map((userId) => deps.rules.rulesetFor(userId)));
    const pushEvent: PushEvent = {
      type: event.pdu.type,
      content: event.pdu.content,
      sender,
      room_id: event.roomId,
      ...(target !== undefined ? { state_key: target } : {}),
    };
    const senderPowerLevel = userPowerLevel(push.levels, sender);
    const rows: PushActionRow[] = [];
    let threadId: string | null = null;
    for (const [i, userId] of users.entries()) {
      const actions = deps.rules.evaluate(rulesets[i] as R, pushEvent, {
        userId,
        displayName: push.localMembers.get(userId) ?? null,
        roomMemberCount: push.joined.size,
        senderPowerLevel,
        notificationPowerLevels: push.notificationLevels,
      });
      const notify = deps.rules.notifies(actions);
      const highlight = deps.rules.highlights(actions);
      if (!notify && !highlight) continue;
      if (deps.ignoredUsers && (await deps.ignoredUsers(userId)).has(sender)) continue;
      threadId ??= await threadOf(event);
      // Spec "Historical Actions": dont_notify and coalesce are ignored (stripped).
      const kept = actions.filter((action) => action !== 'dont_notify' && action !== 'coalesce');
      rows.push({ userId, threadId, actions: kept, notify, highlight });
    }
    return rows;
  }

  return {
    /**
     * The rows to store with a new event sent into `room` (its state before the event). Never throws: a
     * failure is logged and the event is sent without push actions.
     */
    async actionsFor(room: LiveRoom, event: RoomEvent): Promise<PushActionRow[]> {
      try {
        return await compute(room, event);
      } catch (error) {
        deps.log.warn({ err: error, eventId: event.eventId }, 'push rule evaluation failed');
        return [];
      }
    },
  };
}

export type PushActionsService<R = unknown> = ReturnType<typeof createPushActionsService<R>>;
