/**
 * The event pipeline for local events: under the room's lock, build the PDU on the room's forward
 * extremities, select its auth events, check the authorization rules against them, persist it with its
 * state, then wake the notifier. Every service that changes a room goes through here.
 * Spec: server-server-api "Authorization rules" and "Auth events selection"; rooms/v1…v12 (v1.19).
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { forbidden, MatrixError, notFound } from '../core/errors.js';
import type { EventId, RoomId, UserId } from '../core/ids.js';
import { checkAuthRules } from '../rooms/auth-rules.js';
import { selectAuthEvents } from '../rooms/auth-events.js';
import { buildEvent, type EventDraft } from '../rooms/build-event.js';
import { checkEventFormat, MAX_PDU_BYTES } from '../rooms/event-format.js';
import { EventType, isStateEvent, membershipOf, stateKey, type RoomEvent, type StateKey } from '../rooms/pdu.js';
import { powerLevelsOf, type PowerLevels } from '../rooms/power-levels.js';
import { roomVersionRules, type RoomVersionRules } from '../rooms/room-versions.js';
import type { SigningKey } from '../rooms/signing.js';
import type { EventToPersist, PushActionRow, RoomsStore, StoredEvent, TxnScope } from '../storage/types.js';
import type { Notifier } from './notifier.js';
import type { RoomLock } from './room-lock.js';

/** A room as the pipeline keeps it in memory: replaced (never mutated) after each event. */
export interface LiveRoom {
  readonly roomId: RoomId;
  readonly rules: RoomVersionRules;
  readonly stateGroup: number;
  /** Current state: (type, state_key) → event ID. */
  readonly state: ReadonlyMap<StateKey, EventId>;
  readonly extremities: readonly EventId[];
  readonly depth: number;
  readonly create: RoomEvent;
}

export interface SendOptions {
  /** The sending device and its transaction ID: the send is idempotent per device (spec "Transaction identifiers"). */
  readonly txn?: TxnScope | undefined;
  /** Runs under the room lock before the event is built; throw a MatrixError to refuse. */
  readonly check?: ((room: LiveRoom) => Promise<void> | void) | undefined;
  /** For a redaction whose effect is to be applied: the redacted event (decided by the caller's check). */
  readonly applyRedaction?: ((room: LiveRoom) => Promise<EventId | undefined>) | undefined;
}

export interface SentEvent {
  readonly eventId: EventId;
  readonly streamOrdering: number;
}

interface BuildBase {
  readonly roomId: RoomId | null;
  readonly rules: RoomVersionRules;
  readonly state: ReadonlyMap<StateKey, EventId>;
  readonly extremities: readonly EventId[];
  readonly depth: number;
  readonly create: RoomEvent | null;
  /** Overrides the clock (create events get strictly increasing timestamps). */
  readonly originServerTs?: number;
}

export interface RoomEventsDeps {
  readonly rooms: RoomsStore;
  readonly roomLock: RoomLock;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly serverName: string;
  readonly signingKey: SigningKey;
  readonly log: Logger;
  /**
   * Runs under the room lock for each new local event sent into an existing room, before it is persisted
   * (`room`: the state before it); the rows it returns are stored in the same transaction (push actions).
   */
  readonly pushActions?: ((room: LiveRoom, event: RoomEvent) => Promise<readonly PushActionRow[]>) | undefined;
  /** Called (not awaited) once such an event is committed, with the rows stored with it (push delivery). */
  readonly afterPersist?: ((committed: CommittedEvent) => void) | undefined;
}

/** A new local event just committed, for afterPersist. */
export interface CommittedEvent {
  readonly event: RoomEvent;
  readonly streamOrdering: number;
  readonly stateAfter: number;
  readonly pushActions: readonly PushActionRow[];
}

export function createRoomEventsService(deps: RoomEventsDeps) {
  const { rooms } = deps;
  // Loaded on first use; kept current by the pipeline, which is the only writer (under the room lock).
  const live = new Map<RoomId, LiveRoom>();
  // Sends in flight per device transaction, so a retry racing the original gets the same event.
  const pendingTxns = new Map<string, Promise<SentEvent>>();
  // Rooms whose creation is under way, and the last create event's timestamp (see createRoom).
  const creating = new Set<RoomId>();
  let lastCreateTs = 0;

  async function loadRoom(roomId: RoomId): Promise<LiveRoom | null> {
    const cached = live.get(roomId);
    if (cached) return cached;
    const record = await rooms.getRoom(roomId);
    if (!record) return null;
    const rules = roomVersionRules(record.roomVersion);
    if (!rules) throw new Error(`room ${roomId} has unknown version ${record.roomVersion}`);
    const state = await rooms.getStateGroup(record.currentStateGroup);
    const createId = state.get(stateKey(EventType.Create, ''));
    const create = createId ? (await rooms.getEvents([createId])).get(createId) : undefined;
    if (!create) throw new Error(`room ${roomId} has no create event`);
    const room: LiveRoom = {
      roomId,
      rules,
      stateGroup: record.currentStateGroup,
      state,
      extremities: record.forwardExtremities,
      depth: record.maxDepth,
      create,
    };
    live.set(roomId, room);
    return room;
  }

  async function requireRoom(roomId: RoomId): Promise<LiveRoom> {
    const room = await loadRoom(roomId);
    if (!room) throw notFound('Unknown room');
    return room;
  }

  /** The events of `state` (or a subset of keys), by key. */
  async function stateEvents(state: ReadonlyMap<StateKey, EventId>, keys?: readonly StateKey[]): Promise<Map<StateKey, StoredEvent>> {
    const wanted = keys ? keys.flatMap((key) => (state.has(key) ? [[key, state.get(key) as EventId] as const] : [])) : [...state];
    const events = await rooms.getEvents(wanted.map(([, id]) => id));
    const byKey = new Map<StateKey, StoredEvent>();
    for (const [key, id] of wanted) {
      const event = events.get(id);
      if (event) byKey.set(key, event);
    }
    return byKey;
  }

  /**
   * Builds the next event of a room whose state is `base.state` and authorises it. `batch`: events
   * built earlier in the same (not yet persisted) batch, where its auth events may be.
   */
  async function buildAuthorised(draft: EventDraft, base: BuildBase, batch: readonly RoomEvent[] = []): Promise<RoomEvent> {
    const authIds = selectAuthEvents(draft, base.state, base.rules);
    const built = buildEvent(draft, {
      rules: base.rules,
      roomId: base.roomId,
      prevEvents: base.extremities,
      authEvents: authIds,
      depth: base.depth + 1,
      originServerTs: base.originServerTs ?? deps.clock.now(),
      serverName: deps.serverName,
      key: deps.signingKey,
    });
    if (!built.ok) throw new MatrixError('M_BAD_JSON', built.error);
    // Spec "Size limits": an event is at most 65536 bytes as canonical JSON (JSON.stringify is never shorter).
    if (Buffer.byteLength(JSON.stringify(built.value.pdu), 'utf8') > MAX_PDU_BYTES) {
      throw new MatrixError('M_TOO_LARGE', `Events are limited to ${MAX_PDU_BYTES} bytes`);
    }
    const format = checkEventFormat(built.value.pdu, base.rules);
    if (!format.ok) throw new MatrixError('M_BAD_JSON', format.error);
    const fromBatch = new Map(batch.map((event) => [event.eventId, event]));
    const stored = await rooms.getEvents(authIds.filter((id) => !fromBatch.has(id)));
    const authState = new Map<StateKey, RoomEvent>();
    for (const id of authIds) {
      const event = fromBatch.get(id) ?? stored.get(id);
      if (event) authState.set(stateKey(event.pdu.type, event.pdu.state_key ?? ''), event);
    }
    // v12: the create event is implied by the room ID and never listed in auth_events.
    if (base.create && base.rules.roomIdFromCreateEvent) authState.set(stateKey(EventType.Create, ''), base.create);
    const verdict = checkAuthRules(built.value, authState, base.rules);
    if (!verdict.allowed) throw forbidden(verdict.reason);
    return built.value;
  }

  function advance(room: LiveRoom, event: RoomEvent, stateAfter: number): LiveRoom {
    let state = room.state;
    if (isStateEvent(event.pdu)) {
      const next = new Map(state);
      next.set(stateKey(event.pdu.type, event.pdu.state_key as string), event.eventId);
      state = next;
    }
    return { ...room, stateGroup: stateAfter, state, extremities: [event.eventId], depth: event.pdu.depth };
  }

  function announce(event: RoomEvent, streamOrdering: number): void {
    const memberStateKey = event.pdu.type === EventType.Member ? event.pdu.state_key : undefined;
    deps.notifier.roomEvent({ roomId: event.roomId, streamOrdering, memberStateKey });
  }

  async function sendLocked(roomId: RoomId, draft: EventDraft, options: SendOptions): Promise<SentEvent> {
    return deps.roomLock.run(roomId, async () => {
      const room = await requireRoom(roomId);
      await options.check?.(room);
      const event = await buildAuthorised(draft, room);
      const applyRedaction = await options.applyRedaction?.(room);
      const pushActions = deps.pushActions ? await deps.pushActions(room, event) : [];
      const item: EventToPersist = { event, stateBefore: room.stateGroup, txn: options.txn, applyRedaction, pushActions };
      let persisted;
      try {
        [persisted] = await rooms.persistEvents({ roomId, events: [item] });
      } catch (error) {
        // What is stored is the truth: reload the room on next use.
        live.delete(roomId);
        throw error;
      }
      if (!persisted) throw new Error('event was not persisted');
      live.set(roomId, advance(room, event, persisted.stateAfter));
      announce(event, persisted.streamOrdering);
      deps.afterPersist?.({ event, streamOrdering: persisted.streamOrdering, stateAfter: persisted.stateAfter, pushActions });
      return { eventId: event.eventId, streamOrdering: persisted.streamOrdering };
    });
  }

  return {
    loadRoom,
    requireRoom,
    stateEvents,

    /** Current state events of a room, by key (all, or the given keys). */
    async currentState(roomId: RoomId, keys?: readonly StateKey[]): Promise<Map<StateKey, StoredEvent>> {
      const room = await requireRoom(roomId);
      return stateEvents(room.state, keys);
    },

    /** The room's power levels as of its current state. */
    async powerLevels(room: LiveRoom): Promise<PowerLevels> {
      const key = stateKey(EventType.PowerLevels, '');
      const pl = (await stateEvents(room.state, [key])).get(key);
      return powerLevelsOf(pl?.pdu, room.create.pdu, room.rules);
    },

    /** A user's current membership in a room, or null. */
    membershipIn(room: LiveRoom, userId: UserId) {
      const id = room.state.get(stateKey(EventType.Member, userId));
      return id ? rooms.getEvents([id]).then((found) => {
        const event = found.get(id);
        return event ? membershipOf(event.pdu) : null;
      }) : Promise.resolve(null);
    },

    /**
     * Sends one event into an existing room. With a transaction, a repeat of the same (device, room, endpoint, txnId)
     * returns the first event instead of sending again.
     * @throws MatrixError M_FORBIDDEN when the auth rules refuse it, M_NOT_FOUND for an unknown room
     */
    async send(roomId: RoomId, draft: EventDraft, options: SendOptions = {}): Promise<SentEvent> {
      const txn = options.txn;
      if (!txn) return sendLocked(roomId, draft, options);
      const key = [draft.sender, txn.deviceId, roomId, txn.endpoint, txn.txnId].join('\u0000');
      const pending = pendingTxns.get(key);
      if (pending) return pending;
      const attempt = (async () => {
        const earlier = await rooms.getTxnEvent(draft.sender as UserId, roomId, txn);
        if (earlier) {
          const stored = (await rooms.getEvents([earlier])).get(earlier);
          return { eventId: earlier, streamOrdering: stored?.streamOrdering ?? 0 };
        }
        return sendLocked(roomId, draft, options);
      })();
      pendingTxns.set(key, attempt);
      try {
        return await attempt;
      } finally {
        pendingTxns.delete(key);
      }
    },

    /**
     * Creates a room from its first events (m.room.create first), atomically: all of them are persisted
     * in one transaction or none. `roomId` is null for v12 (derived from the create event).
     */
    async createRoom(version: RoomVersionRules, roomId: RoomId | null, creator: UserId, drafts: readonly EventDraft[]): Promise<{ roomId: RoomId; events: SentEvent[] }> {
      const [createDraft, ...rest] = drafts;
      if (!createDraft || createDraft.type !== EventType.Create) throw new Error('a room starts with its create event');
      // A v12 room ID is the create event's hash: two identical create events in the same millisecond
      // would name the same room. Create timestamps strictly increase, and an ID already taken is skipped.
      let create: RoomEvent;
      for (;;) {
        lastCreateTs = Math.max(deps.clock.now(), lastCreateTs + 1);
        const base = { roomId, rules: version, state: new Map(), extremities: [], depth: 0, create: null, originServerTs: lastCreateTs };
        create = await buildAuthorised(createDraft, base);
        if (!creating.has(create.roomId) && !(await rooms.getRoom(create.roomId))) break;
      }
      const id = create.roomId;
      creating.add(id);
      const created = deps.roomLock.run(id, async () => {
        let state = new Map<StateKey, EventId>([[stateKey(EventType.Create, ''), create.eventId]]);
        const built: RoomEvent[] = [create];
        let previous = create;
        for (const draft of rest) {
          const event = await buildAuthorised(
            draft,
            { roomId: id, rules: version, state, extremities: [previous.eventId], depth: previous.pdu.depth, create },
            built,
          );
          built.push(event);
          if (isStateEvent(event.pdu)) state = new Map(state).set(stateKey(event.pdu.type, event.pdu.state_key as string), event.eventId);
          previous = event;
        }
        const persisted = await rooms.persistEvents({
          roomId: id,
          newRoom: { roomVersion: version.id, creator, createdTs: deps.clock.now() },
          events: built.map((event, i) => ({ event, stateBefore: i === 0 ? null : 'previous' })),
        });
        live.delete(id);
        persisted.forEach((item, i) => announce(built[i] as RoomEvent, item.streamOrdering));
        return { roomId: id, events: persisted.map((item) => ({ eventId: item.eventId, streamOrdering: item.streamOrdering })) };
      });
      try {
        return await created;
      } finally {
        creating.delete(id);
      }
    },
  };
}

export type RoomEventsService = ReturnType<typeof createRoomEventsService>;
