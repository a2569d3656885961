/**
 * Rooms, events and state on SQLite. State is kept as state groups: a state event makes a new group that
 * is a one-entry delta over the group before it, and every MAX_CHAIN deltas a full snapshot is written,
 * so "state at event X" reads a bounded number of rows and no event stores a full copy of the state.
 * Groups and events are immutable once written (except an event's redacted_by), so both are cached.
 */
import type { DeviceId, EventId, RoomId, UserId } from '../../core/ids.js';
import { isStateEvent, membershipOf, prevEventIds, splitStateKey, stateKey, type Membership, type Pdu, type StateKey } from '../../rooms/pdu.js';
import type {
  EventToPersist,
  PaginateQuery,
  PersistBatch,
  PersistedEvent,
  RoomRecord,
  RoomsStore,
  StoredEvent,
  UserMembership,
  MemberEntry,
} from '../types.js';
import { createLru } from '../../core/lru.js';
import type { SqliteDatabase } from './open.js';
import { createStatementCache } from './statement-cache.js';
import type { WriteQueue } from './write-queue.js';

/** Deltas allowed before a state group is written as a full snapshot. */
const MAX_CHAIN = 32;

interface EventRow {
  stream_ordering: number;
  event_id: string;
  room_id: string;
  json: string;
  state_before: number | null;
  state_after: number;
  redacted_by: string | null;
  sender_device: string | null;
  txn_id: string | null;
}

const EVENT_COLUMNS = 'stream_ordering, event_id, room_id, json, state_before, state_after, redacted_by, sender_device, txn_id';

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    eventId: row.event_id as EventId,
    roomId: row.room_id as RoomId,
    pdu: JSON.parse(row.json) as Pdu,
    streamOrdering: row.stream_ordering,
    stateBefore: row.state_before,
    stateAfter: row.state_after,
    redactedBy: row.redacted_by as EventId | null,
    senderDevice: row.sender_device as DeviceId | null,
    txnId: row.txn_id,
  };
}

/**
 * Runs inside the transaction that persists each new event (after its row is written), so derived tables
 * (relations, the search index, push actions) commit or roll back with it. `item.applyRedaction` names an
 * event this one redacts, whose derived rows should go. Must be synchronous and must not throw for an
 * event it has nothing to do with.
 */
export type EventIndexer = (item: EventToPersist, streamOrdering: number, roomId: RoomId) => void;

export function createSqliteRoomsStore(db: SqliteDatabase, writes: WriteQueue, indexers: readonly EventIndexer[] = []): RoomsStore {
  const groupCache = createLru<number, ReadonlyMap<StateKey, EventId>>(4_000);
  const eventCache = createLru<EventId, StoredEvent>(20_000);

  const q = {
    insertRoom: db.prepare(
      'INSERT INTO rooms (room_id, room_version, creator, current_state_group, created_ts) VALUES (?, ?, ?, ?, ?)',
    ),
    setCurrentGroup: db.prepare('UPDATE rooms SET current_state_group = ? WHERE room_id = ?'),
    selectRoom: db.prepare(
      'SELECT room_id, room_version, creator, is_public, current_state_group, created_ts FROM rooms WHERE room_id = ?',
    ),
    selectExtremities: db.prepare(
      'SELECT f.event_id, e.depth FROM forward_extremities f LEFT JOIN events e ON e.event_id = f.event_id WHERE f.room_id = ?',
    ),
    insertGroup: db.prepare('INSERT INTO state_groups (room_id, prev_group, chain_length) VALUES (?, ?, ?)'),
    selectGroup: db.prepare('SELECT prev_group, chain_length FROM state_groups WHERE id = ?'),
    insertEntry: db.prepare('INSERT INTO state_group_entries (group_id, type, state_key, event_id) VALUES (?, ?, ?, ?)'),
    selectEntries: db.prepare('SELECT type, state_key, event_id FROM state_group_entries WHERE group_id = ?'),
    eventExists: db.prepare('SELECT state_after FROM events WHERE event_id = ?'),
    insertEvent: db.prepare(
      `INSERT INTO events (event_id, room_id, type, state_key, sender, origin_server_ts, depth, json, state_before,
        state_after, sender_device, txn_id, txn_endpoint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    deleteExtremity: db.prepare('DELETE FROM forward_extremities WHERE room_id = ? AND event_id = ?'),
    insertExtremity: db.prepare('INSERT OR IGNORE INTO forward_extremities (room_id, event_id) VALUES (?, ?)'),
    upsertCurrent: db.prepare(
      `INSERT INTO current_state (room_id, type, state_key, event_id, membership) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET event_id = excluded.event_id, membership = excluded.membership`,
    ),
    upsertMembership: db.prepare(
      `INSERT INTO room_memberships (user_id, room_id, membership, event_id, stream_ordering, forgotten) VALUES (?, ?, ?, ?, ?, 0)
       ON CONFLICT DO UPDATE SET membership = excluded.membership, event_id = excluded.event_id,
         stream_ordering = excluded.stream_ordering, forgotten = 0`,
    ),
    redact: db.prepare('UPDATE events SET redacted_by = ? WHERE event_id = ? AND redacted_by IS NULL'),
    selectEvent: db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE event_id = ?`),
    selectTxn: db.prepare(
      'SELECT event_id FROM events WHERE sender = ? AND sender_device = ? AND room_id = ? AND txn_endpoint = ? AND txn_id = ?',
    ),
    membershipsOf: db.prepare(
      'SELECT room_id, membership, event_id, stream_ordering, forgotten FROM room_memberships WHERE user_id = ?',
    ),
    currentMembers: db.prepare(
      "SELECT state_key, membership, event_id FROM current_state WHERE room_id = ? AND type = 'm.room.member'",
    ),
    usersInRoom: db.prepare('SELECT user_id FROM room_memberships WHERE room_id = ? AND membership = ?'),
    forget: db.prepare("UPDATE room_memberships SET forgotten = 1 WHERE user_id = ? AND room_id = ?"),
    recent: db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE room_id = ? AND stream_ordering > ? AND stream_ordering <= ?
       ORDER BY stream_ordering DESC LIMIT ?`,
    ),
    lastAtOrBefore: db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE room_id = ? AND stream_ordering <= ? ORDER BY stream_ordering DESC LIMIT 1`,
    ),
    newestInRoom: db.prepare('SELECT MAX(stream_ordering) AS s FROM events WHERE room_id = ?'),
    maxStream: db.prepare('SELECT MAX(stream_ordering) AS s FROM events'),
    atTsForward: db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE room_id = ? AND origin_server_ts >= ?
       ORDER BY origin_server_ts ASC, stream_ordering ASC LIMIT 1`,
    ),
    atTsBackward: db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE room_id = ? AND origin_server_ts <= ?
       ORDER BY origin_server_ts DESC, stream_ordering DESC LIMIT 1`,
    ),
    setPublic: db.prepare('UPDATE rooms SET is_public = ? WHERE room_id = ?'),
    publicRooms: db.prepare('SELECT room_id FROM rooms WHERE is_public = 1 ORDER BY created_ts'),
    insertAlias: db.prepare('INSERT OR IGNORE INTO room_aliases (alias, room_id, creator, created_ts) VALUES (?, ?, ?, ?)'),
    selectAlias: db.prepare('SELECT room_id, creator FROM room_aliases WHERE alias = ?'),
    deleteAlias: db.prepare('DELETE FROM room_aliases WHERE alias = ?'),
    aliasesOfRoom: db.prepare('SELECT alias FROM room_aliases WHERE room_id = ? ORDER BY created_ts, alias'),
    moveAliases: db.prepare('UPDATE room_aliases SET room_id = ? WHERE room_id = ?'),
  };

  const readGroup = (groupId: number): ReadonlyMap<StateKey, EventId> => {
    const cached = groupCache.get(groupId);
    if (cached) return cached;
    // Walk back to the snapshot, then apply the deltas oldest first.
    const chain: number[] = [];
    let base: ReadonlyMap<StateKey, EventId> | undefined;
    for (let id: number | null = groupId; id !== null; ) {
      const hit = groupCache.get(id);
      if (hit) {
        base = hit;
        break;
      }
      chain.push(id);
      const row = q.selectGroup.get(id) as { prev_group: number | null } | undefined;
      if (!row) throw new Error(`state group ${id} is missing`);
      id = row.prev_group;
    }
    const state = new Map(base);
    for (let i = chain.length - 1; i >= 0; i--) {
      const id = chain[i] as number;
      for (const entry of q.selectEntries.all(id) as Array<{ type: string; state_key: string; event_id: string | null }>) {
        const key = stateKey(entry.type, entry.state_key);
        if (entry.event_id === null) state.delete(key);
        else state.set(key, entry.event_id as EventId);
      }
    }
    groupCache.set(groupId, state);
    return state;
  };

  /** Writes a group with `state` = state of `prevGroup` plus `changes`; a snapshot when the chain is long. */
  const writeGroup = (roomId: RoomId, prevGroup: number | null, changes: ReadonlyMap<StateKey, EventId>): number => {
    const prevLength = prevGroup === null ? 0 : ((q.selectGroup.get(prevGroup) as { chain_length: number }).chain_length);
    const snapshot = prevGroup === null || prevLength + 1 >= MAX_CHAIN;
    const prevState = prevGroup === null ? [] : (newGroups.find(([id]) => id === prevGroup)?.[1] ?? readGroup(prevGroup));
    const full = new Map(prevState);
    for (const [key, eventId] of changes) full.set(key, eventId);
    const id = Number(q.insertGroup.run(roomId, snapshot ? null : prevGroup, snapshot ? 0 : prevLength + 1).lastInsertRowid);
    for (const [key, eventId] of snapshot ? full : changes) {
      const [type, skey] = splitStateKey(key);
      q.insertEntry.run(id, type, skey, eventId);
    }
    newGroups.push([id, full]);
    return id;
  };

  // Groups written by the running transaction: cached only once it commits (a rolled-back id is reused).
  let newGroups: Array<[number, ReadonlyMap<StateKey, EventId>]> = [];

  const persistTx = (batch: PersistBatch): { persisted: PersistedEvent[]; groups: typeof newGroups } => {
    newGroups = [];
    const persisted: PersistedEvent[] = [];
    let currentGroup: number | null = null;
    for (const [index, item] of batch.events.entries()) {
      const { event } = item;
      const stored = q.eventExists.get(event.eventId) as { state_after: number } | undefined;
      if (stored) {
        // Skipped, but a following 'previous' still means the state after it (a retried batch).
        currentGroup = stored.state_after;
        continue;
      }
      const pdu = event.pdu;
      const stateBefore: number | null = item.stateBefore === 'previous' ? currentGroup : item.stateBefore;
      let stateAfter: number | null = stateBefore;
      if (isStateEvent(pdu)) {
        stateAfter = writeGroup(batch.roomId, stateBefore, new Map([[stateKey(pdu.type, pdu.state_key as string), event.eventId]]));
      }
      if (stateAfter === null) throw new Error('only a state event may start a room');
      if (batch.newRoom && index === 0) {
        q.insertRoom.run(batch.roomId, batch.newRoom.roomVersion, batch.newRoom.creator, stateAfter, batch.newRoom.createdTs);
      }
      const { unsigned: _unsigned, ...signed } = pdu;
      const stream = Number(
        q.insertEvent.run(
          event.eventId, batch.roomId, pdu.type, pdu.state_key ?? null, pdu.sender, pdu.origin_server_ts, pdu.depth,
          JSON.stringify(signed), stateBefore, stateAfter, item.txn?.deviceId ?? null, item.txn?.txnId ?? null, item.txn?.endpoint ?? null,
        ).lastInsertRowid,
      );
      for (const prev of prevEventIds(pdu)) q.deleteExtremity.run(batch.roomId, prev);
      q.insertExtremity.run(batch.roomId, event.eventId);
      if (isStateEvent(pdu)) {
        const membership = pdu.type === 'm.room.member' ? membershipOf(pdu) : null;
        q.upsertCurrent.run(batch.roomId, pdu.type, pdu.state_key, event.eventId, membership);
        if (membership) q.upsertMembership.run(pdu.state_key, batch.roomId, membership, event.eventId, stream);
      }
      if (item.applyRedaction && q.redact.run(event.eventId, item.applyRedaction).changes > 0) {
        eventCache.delete(item.applyRedaction);
      }
      for (const index of indexers) index(item, stream, batch.roomId);
      currentGroup = stateAfter;
      persisted.push({ eventId: event.eventId, streamOrdering: stream, stateAfter });
    }
    // The room follows the last event persisted; skipped events don't move it back.
    const last = persisted.at(-1);
    if (last) q.setCurrentGroup.run(last.stateAfter, batch.roomId);
    return { persisted, groups: newGroups };
  };

  const prepared = createStatementCache(db);

  const getEvent = (eventId: EventId): StoredEvent | null => {
    const cached = eventCache.get(eventId);
    if (cached) return cached;
    const row = q.selectEvent.get(eventId) as EventRow | undefined;
    if (!row) return null;
    const event = toStoredEvent(row);
    eventCache.set(eventId, event);
    return event;
  };

  const rowsToEvents = (rows: EventRow[]): StoredEvent[] =>
    rows.map((row) => {
      const cached = eventCache.get(row.event_id as EventId);
      if (cached) return cached;
      const event = toStoredEvent(row);
      eventCache.set(event.eventId, event);
      return event;
    });

  return {
    async persistEvents(batch) {
      const { persisted, groups } = await writes.run(() => persistTx(batch));
      for (const [id, state] of groups) groupCache.set(id, state);
      return persisted;
    },

    async getRoom(roomId): Promise<RoomRecord | null> {
      const row = q.selectRoom.get(roomId) as
        | { room_id: string; room_version: string; creator: string; is_public: number; current_state_group: number; created_ts: number }
        | undefined;
      if (!row) return null;
      const extremities = q.selectExtremities.all(roomId) as Array<{ event_id: string; depth: number | null }>;
      return {
        roomId: row.room_id as RoomId,
        roomVersion: row.room_version,
        creator: row.creator as UserId,
        isPublic: row.is_public === 1,
        currentStateGroup: row.current_state_group,
        forwardExtremities: extremities.map((e) => e.event_id as EventId),
        maxDepth: Math.max(0, ...extremities.map((e) => e.depth ?? 0)),
        createdTs: row.created_ts,
      };
    },

    async getEvents(eventIds) {
      const found = new Map<EventId, StoredEvent>();
      for (const id of eventIds) {
        const event = getEvent(id);
        if (event) found.set(id, event);
      }
      return found;
    },

    getStateGroup: async (groupId) => readGroup(groupId),

    async getTxnEvent(userId, roomId, txn) {
      const row = q.selectTxn.get(userId, txn.deviceId, roomId, txn.endpoint, txn.txnId) as { event_id: string } | undefined;
      return (row?.event_id as EventId | undefined) ?? null;
    },

    async membershipsOf(userId): Promise<UserMembership[]> {
      const rows = q.membershipsOf.all(userId) as Array<{
        room_id: string;
        membership: string;
        event_id: string;
        stream_ordering: number;
        forgotten: number;
      }>;
      return rows.map((row) => ({
        roomId: row.room_id as RoomId,
        membership: row.membership as Membership,
        eventId: row.event_id as EventId,
        streamOrdering: row.stream_ordering,
        forgotten: row.forgotten === 1,
      }));
    },

    async currentMembers(roomId): Promise<MemberEntry[]> {
      const rows = q.currentMembers.all(roomId) as Array<{ state_key: string; membership: string; event_id: string }>;
      return rows.map((row) => ({ userId: row.state_key as UserId, membership: row.membership as Membership, eventId: row.event_id as EventId }));
    },

    async usersInRoom(roomId, membership) {
      return (q.usersInRoom.all(roomId, membership) as Array<{ user_id: string }>).map((row) => row.user_id as UserId);
    },

    forgetRoom: (userId, roomId) => writes.run(() => q.forget.run(userId, roomId).changes > 0),

    async recentEvents(roomId, after, upTo, limit) {
      return rowsToEvents(q.recent.all(roomId, after, upTo, limit) as EventRow[]).reverse();
    },

    async lastEventAtOrBefore(roomId, stream) {
      const row = q.lastAtOrBefore.get(roomId, stream) as EventRow | undefined;
      return row ? (rowsToEvents([row])[0] ?? null) : null;
    },

    async roomsWithEventsAfter(roomIds, after) {
      const changed = new Map<RoomId, number>();
      for (const roomId of roomIds) {
        const newest = (q.newestInRoom.get(roomId) as { s: number | null }).s;
        if (newest !== null && newest > after) changed.set(roomId, newest);
      }
      return changed;
    },

    async maxStreamOrdering() {
      return (q.maxStream.get() as { s: number | null }).s ?? 0;
    },

    async paginate(query: PaginateQuery) {
      const backwards = query.direction === 'b';
      const where: string[] = ['room_id = ?'];
      const params: unknown[] = [query.roomId];
      const bound = (position: TimelineBound, before: boolean) => {
        where.push(before ? '(depth < ? OR (depth = ? AND stream_ordering < ?))' : '(depth > ? OR (depth = ? AND stream_ordering > ?))');
        params.push(position.depth, position.depth, position.stream);
      };
      if (query.from) bound(query.from, backwards);
      if (query.to) bound(query.to, !backwards);
      const list = (column: string, values: readonly string[] | undefined, negate: boolean) => {
        if (!values || values.length === 0) return;
        where.push(`${column} ${negate ? 'NOT IN' : 'IN'} (${values.map(() => '?').join(', ')})`);
        params.push(...values);
      };
      list('type', query.types, false);
      list('type', query.notTypes, true);
      list('sender', query.senders, false);
      list('sender', query.notSenders, true);
      const order = backwards ? 'DESC' : 'ASC';
      const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')}
        ORDER BY depth ${order}, stream_ordering ${order} LIMIT ?`;
      params.push(query.limit);
      return rowsToEvents(prepared(sql).all(...(params as [string])) as EventRow[]);
    },

    async eventAtTimestamp(roomId, ts, direction) {
      const row = (direction === 'f' ? q.atTsForward : q.atTsBackward).get(roomId, ts) as EventRow | undefined;
      return row ? (rowsToEvents([row])[0] ?? null) : null;
    },

    setRoomPublic: (roomId, isPublic) => writes.run(() => q.setPublic.run(isPublic ? 1 : 0, roomId).changes > 0),

    async publicRoomIds() {
      return (q.publicRooms.all() as Array<{ room_id: string }>).map((row) => row.room_id as RoomId);
    },

    createAlias: (alias, roomId, creator, now) => writes.run(() => q.insertAlias.run(alias, roomId, creator, now).changes > 0),

    async getAlias(alias) {
      const row = q.selectAlias.get(alias) as { room_id: string; creator: string } | undefined;
      return row ? { roomId: row.room_id as RoomId, creator: row.creator as UserId } : null;
    },

    deleteAlias: (alias) => writes.run(() => q.deleteAlias.run(alias).changes > 0),

    async aliasesOfRoom(roomId) {
      return (q.aliasesOfRoom.all(roomId) as Array<{ alias: string }>).map((row) => row.alias);
    },

    moveAliases: (from, to) => writes.run(() => void q.moveAliases.run(to, from)),
  };
}

type TimelineBound = { depth: number; stream: number };
