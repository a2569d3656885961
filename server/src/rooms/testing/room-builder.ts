/**
 * Test helper: builds rooms of any version with real event IDs, content hashes, auth_events, prev_events
 * and depth, for the auth rules, state resolution and service tests. Events are not signed (the auth
 * rules check signatures only through their options). Timestamps come from a counter, not a clock.
 *
 *   const room = buildRoom({ version: '12', creator: '@alice:a' });   // create, join, power levels, public
 *   const join = room.join('@bob:b');
 *   const msg = room.build({ type: 'm.room.message', sender: '@bob:b', content: { body: 'hi' } }); // not added
 *   checkAuthRules(msg, room.authStateFor(msg), room.rules);
 */
import type { EventId, RoomId } from '../../core/ids.js';
import { selectAuthEvents, type AuthEventsDraft } from '../auth-events.js';
import { checkAuthEvents, checkAuthRules, type AuthResult, type AuthRulesOptions } from '../auth-rules.js';
import { computeEventId, contentHash, referenceHash, roomIdFromCreateEventId } from '../hashes.js';
import { authEventIds, EventType, stateKey, type Pdu, type RoomEvent, type StateKey } from '../pdu.js';
import { roomVersionRules, type RoomVersionRules } from '../room-versions.js';

export type EventDraft = AuthEventsDraft;

export interface BuildRoomOptions {
  /** Room version identifier, '1' … '12'. */
  readonly version: string;
  readonly creator: string;
  /**
   * `public` (default): create, the creator's join, power levels, join rule public. `invite`: the same
   * with join rule invite. `bare`: only the create event.
   */
  readonly preset?: 'public' | 'invite' | 'bare';
  /** Merged into the create event's content (e.g. `additional_creators`, `m.federate`). */
  readonly createContent?: Record<string, unknown>;
  /** Merged into the initial power levels content (default: the creator at 100; v12: no users). */
  readonly powerLevels?: Record<string, unknown>;
  /** Pre-v12 room ID (default `!room:<creator's server>`). */
  readonly roomId?: string;
}

export interface AddOptions {
  /** Default: the last event added. */
  readonly prevEvents?: readonly EventId[];
  /** Default: the auth events selection over the state before the event (see stateBefore). */
  readonly authEvents?: readonly EventId[];
  /** Overrides the event's room ID (for wrong-room tests); v12 create events never get one. */
  readonly roomId?: string;
  readonly originServerTs?: number;
  readonly depth?: number;
  /** Extra top-level PDU keys (e.g. `redacts`), set before hashing. */
  readonly extra?: Record<string, unknown>;
}

export interface RoomBuilder {
  readonly rules: RoomVersionRules;
  readonly roomId: RoomId;
  readonly create: RoomEvent;
  /** Builds an event and appends it: it becomes the latest event and updates the current state. */
  add(draft: EventDraft, options?: AddOptions): RoomEvent;
  /** Builds an event without appending it (it is still known to event() and authStateFor()). */
  build(draft: EventDraft, options?: AddOptions): RoomEvent;
  /** The state after the latest appended event. */
  state(): Map<StateKey, RoomEvent>;
  stateIds(): Map<StateKey, EventId>;
  /** The state after an event: the state after its single prev event plus itself (a linear view, no state resolution). */
  stateAfter(eventId: EventId): Map<StateKey, RoomEvent>;
  /** The events an event's auth_events reference, keyed by (type, state_key); v12: plus the create event. */
  authStateFor(event: RoomEvent): Map<StateKey, RoomEvent>;
  /** The known events an event's auth_events reference, in order. */
  authEventsFor(event: RoomEvent): RoomEvent[];
  /** checkAuthEvents, then checkAuthRules against authStateFor(event). */
  check(event: RoomEvent, options?: AuthRulesOptions): AuthResult;
  event(id: EventId): RoomEvent;
  /** Every event built, in order. */
  events(): RoomEvent[];
  latest(): RoomEvent;

  join(userId: string, content?: Record<string, unknown>, options?: AddOptions): RoomEvent;
  invite(sender: string, target: string, options?: AddOptions): RoomEvent;
  leave(userId: string, options?: AddOptions): RoomEvent;
  kick(sender: string, target: string, options?: AddOptions): RoomEvent;
  ban(sender: string, target: string, options?: AddOptions): RoomEvent;
  knock(userId: string, options?: AddOptions): RoomEvent;
  setPowerLevels(sender: string, content: Record<string, unknown>, options?: AddOptions): RoomEvent;
  setJoinRule(sender: string, joinRule: string, extraContent?: Record<string, unknown>, options?: AddOptions): RoomEvent;
  message(sender: string, body?: string, options?: AddOptions): RoomEvent;
}

/** Draft helpers for events that aren't meant to be appended (pass them to build()). */
export const member = (sender: string, target: string, membership: string, content: Record<string, unknown> = {}): EventDraft => ({
  type: EventType.Member,
  sender,
  state_key: target,
  content: { membership, ...content },
});

const serverOf = (userId: string): string => userId.slice(userId.indexOf(':') + 1);

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!result.ok) throw new Error(`room-builder: ${result.error}`);
  return result.value;
}

export function buildRoom(options: BuildRoomOptions): RoomBuilder {
  const rules = roomVersionRules(options.version);
  if (!rules) throw new Error(`room-builder: unknown room version ${options.version}`);
  const byId = new Map<EventId, RoomEvent>();
  const order: RoomEvent[] = [];
  const referenceHashes = new Map<EventId, string>();
  const statesAfter = new Map<EventId, Map<StateKey, RoomEvent>>();
  let latestEvent: RoomEvent | undefined;
  let counter = 0;
  let roomId = (options.roomId ?? `!room:${serverOf(options.creator)}`) as RoomId;

  const reference = (id: EventId): string | [string, { sha256: string }] =>
    rules.eventIdFormat === 'random' ? [id, { sha256: referenceHashes.get(id) ?? '' }] : id;

  const stateBefore = (prevEvents: readonly EventId[]): Map<StateKey, RoomEvent> => {
    const single = prevEvents.length === 1 ? statesAfter.get(prevEvents[0]!) : undefined;
    return new Map(single ?? (latestEvent ? statesAfter.get(latestEvent.eventId) : undefined) ?? []);
  };

  const make = (draft: EventDraft, addOptions: AddOptions, append: boolean): RoomEvent => {
    counter += 1;
    const isCreate = draft.type === EventType.Create;
    const prevEvents = addOptions.prevEvents ?? (latestEvent ? [latestEvent.eventId] : []);
    const before = stateBefore(prevEvents);
    const authEvents =
      addOptions.authEvents ??
      selectAuthEvents(draft, new Map([...before].map(([key, stateEvent]) => [key, stateEvent.eventId])), rules);
    const depth = addOptions.depth ?? Math.max(0, ...prevEvents.map((id) => byId.get(id)?.pdu.depth ?? 0)) + 1;

    const pdu: Pdu = {
      type: draft.type,
      sender: draft.sender,
      content: draft.content,
      origin_server_ts: addOptions.originServerTs ?? counter,
      depth,
      prev_events: prevEvents.map(reference) as Pdu['prev_events'],
      auth_events: authEvents.map(reference) as Pdu['auth_events'],
      hashes: { sha256: '' },
      signatures: {},
      ...(draft.state_key !== undefined ? { state_key: draft.state_key } : {}),
      ...addOptions.extra,
    };
    if (!(isCreate && rules.roomIdFromCreateEvent)) pdu.room_id = addOptions.roomId ?? roomId;
    if (rules.eventIdFormat === 'random') pdu.event_id = `$${counter}:${serverOf(draft.sender)}`;
    pdu.hashes = { sha256: unwrap(contentHash(pdu)) };
    const eventId = unwrap(computeEventId(pdu, rules));
    referenceHashes.set(eventId, unwrap(referenceHash(pdu, rules)).toString('base64').replace(/=+$/, ''));

    if (isCreate && rules.roomIdFromCreateEvent && order.length === 0) roomId = roomIdFromCreateEventId(eventId);
    const event: RoomEvent = {
      eventId,
      roomId: (pdu.room_id ?? roomIdFromCreateEventId(eventId)) as RoomId,
      pdu,
    };
    byId.set(eventId, event);
    order.push(event);
    const after = new Map(before);
    if (typeof pdu.state_key === 'string') after.set(stateKey(pdu.type, pdu.state_key), event);
    statesAfter.set(eventId, after);
    if (append) latestEvent = event;
    return event;
  };

  const createContent: Record<string, unknown> = { room_version: rules.id, ...options.createContent };
  if (!rules.implicitRoomCreator && !('creator' in createContent)) createContent.creator = options.creator;
  const create = make({ type: EventType.Create, sender: options.creator, state_key: '', content: createContent }, {}, true);

  const builder: RoomBuilder = {
    rules,
    get roomId() {
      return roomId;
    },
    create,
    add: (draft, addOptions = {}) => make(draft, addOptions, true),
    build: (draft, addOptions = {}) => make(draft, addOptions, false),
    state: () => new Map(statesAfter.get(builder.latest().eventId)),
    stateIds: () => new Map([...builder.state()].map(([key, stateEvent]) => [key, stateEvent.eventId])),
    stateAfter: (eventId) => new Map(statesAfter.get(eventId) ?? []),
    authEventsFor: (event) => authEventIds(event.pdu).flatMap((id) => byId.get(id) ?? []),
    authStateFor: (event) => {
      const state = new Map<StateKey, RoomEvent>();
      if (rules.roomIdFromCreateEvent) state.set(stateKey(EventType.Create, ''), create);
      for (const authEvent of builder.authEventsFor(event)) {
        if (typeof authEvent.pdu.state_key === 'string') state.set(stateKey(authEvent.pdu.type, authEvent.pdu.state_key), authEvent);
      }
      return state;
    },
    check: (event, authOptions) => {
      const listed = checkAuthEvents(event, builder.authEventsFor(event), rules);
      return listed.allowed ? checkAuthRules(event, builder.authStateFor(event), rules, authOptions) : listed;
    },
    event: (id) => {
      const found = byId.get(id);
      if (!found) throw new Error(`room-builder: unknown event ${id}`);
      return found;
    },
    events: () => [...order],
    latest: () => latestEvent ?? create,

    join: (userId, content = {}, addOptions) => builder.add(member(userId, userId, 'join', content), addOptions),
    invite: (sender, target, addOptions) => builder.add(member(sender, target, 'invite'), addOptions),
    leave: (userId, addOptions) => builder.add(member(userId, userId, 'leave'), addOptions),
    kick: (sender, target, addOptions) => builder.add(member(sender, target, 'leave'), addOptions),
    ban: (sender, target, addOptions) => builder.add(member(sender, target, 'ban'), addOptions),
    knock: (userId, addOptions) => builder.add(member(userId, userId, 'knock'), addOptions),
    setPowerLevels: (sender, content, addOptions) =>
      builder.add({ type: EventType.PowerLevels, sender, state_key: '', content }, addOptions),
    setJoinRule: (sender, joinRule, extraContent = {}, addOptions) =>
      builder.add({ type: EventType.JoinRules, sender, state_key: '', content: { join_rule: joinRule, ...extraContent } }, addOptions),
    message: (sender, body = 'hello', addOptions) =>
      builder.add({ type: EventType.Message, sender, content: { msgtype: 'm.text', body } }, addOptions),
  };

  const preset = options.preset ?? 'public';
  if (preset !== 'bare') {
    builder.join(options.creator);
    const users = rules.privilegedCreators ? {} : { [options.creator]: 100 };
    builder.setPowerLevels(options.creator, { users, ...options.powerLevels });
    builder.setJoinRule(options.creator, preset);
  }
  return builder;
}
