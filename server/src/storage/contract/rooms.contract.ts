/**
 * RoomsStore contract: what every backend must do (storage/types.ts). Run by each backend's test file.
 * Events are real PDUs built with the room builder (rooms/testing/room-builder.ts), room version 10 so each
 * test picks its room ID; state expectations come from the builder's own linear view of the room.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeviceId, EventId, RoomId } from '../../core/ids.js';
import { stateKey, type RoomEvent, type StateKey } from '../../rooms/pdu.js';
import { buildRoom, type BuildRoomOptions, type RoomBuilder } from '../../rooms/testing/room-builder.js';
import type { EventToPersist, PersistedEvent, Storage, StoredEvent, TxnScope } from '../types.js';
import { SERVER_NAME, T0, storages, userId, type StorageFactory } from './fixtures.js';

const VERSION = '10';
const alice = userId('alice');
const bob = userId('bob');
const carol = userId('carol');
const dave = userId('dave');

const roomIdOf = (name: string): RoomId => `!${name}:${SERVER_NAME}` as RoomId;

function makeRoom(name: string, options: Partial<BuildRoomOptions> = {}): RoomBuilder {
  return buildRoom({ version: VERSION, creator: alice, roomId: roomIdOf(name), ...options });
}

/** Persists events that create the room: the create event's state before is null, then 'previous'. */
function createRoom(s: Storage, room: RoomBuilder, events: readonly RoomEvent[] = room.events(), createdTs = T0): Promise<PersistedEvent[]> {
  return s.rooms.persistEvents({
    roomId: room.roomId,
    newRoom: { roomVersion: VERSION, creator: alice, createdTs },
    events: events.map((event, i) => ({ event, stateBefore: i === 0 ? null : 'previous' })),
  });
}

/** Persists events after the room's current state, as the send path does; `extra[i]` is merged into item i. */
async function append(
  s: Storage,
  room: RoomBuilder,
  events: readonly RoomEvent[],
  extra: ReadonlyArray<Partial<EventToPersist>> = [],
): Promise<PersistedEvent[]> {
  const record = await s.rooms.getRoom(room.roomId);
  assert.ok(record, `room ${room.roomId} exists`);
  return s.rooms.persistEvents({
    roomId: room.roomId,
    events: events.map((event, i) => ({ event, stateBefore: i === 0 ? record.currentStateGroup : 'previous', ...extra[i] })),
  });
}

/** The builder's state after an event, as event IDs. */
const stateIdsAfter = (room: RoomBuilder, eventId: EventId): Map<StateKey, EventId> =>
  new Map([...room.stateAfter(eventId)].map(([key, event]) => [key, event.eventId]));

const ids = (events: readonly { eventId: EventId }[]): EventId[] => events.map((event) => event.eventId);

async function getEvent(s: Storage, eventId: EventId): Promise<StoredEvent> {
  const event = (await s.rooms.getEvents([eventId])).get(eventId);
  assert.ok(event, `event ${eventId} is stored`);
  return event;
}

const txn = (txnId: string, deviceId = 'DEV', endpoint = 'send/m.room.message'): TxnScope => ({
  deviceId: deviceId as DeviceId,
  endpoint,
  txnId,
});

const counterEvent = (room: RoomBuilder, i: number, keys = 7): RoomEvent =>
  room.add({ type: 'org.example.counter', sender: alice, state_key: `k${i % keys}`, content: { i } });

export function roomsContract(factory: StorageFactory): void {
  describe('RoomsStore contract', () => {
    const { shared, fresh, reopen } = storages(factory);

    test('a new room: create, join, power levels, join rules and messages', async () => {
      const s = shared();
      const room = makeRoom('new');
      room.message(alice, 'one');
      room.message(alice, 'two');
      const events = room.events();
      assert.equal(events.length, 6);

      const persisted = await createRoom(s, room, events, T0 + 7);
      assert.deepEqual(ids(persisted), ids(events));
      for (let i = 1; i < persisted.length; i++) {
        assert.ok(persisted[i]!.streamOrdering > persisted[i - 1]!.streamOrdering, 'stream orderings increase');
      }
      // Each state event makes a group; messages keep the group before them.
      const groups = persisted.map((p) => p.stateAfter);
      assert.equal(new Set(groups.slice(0, 4)).size, 4);
      assert.equal(groups[4], groups[3]);
      assert.equal(groups[5], groups[3]);

      const record = await s.rooms.getRoom(room.roomId);
      assert.deepEqual(record, {
        roomId: room.roomId,
        roomVersion: VERSION,
        creator: alice,
        isPublic: false,
        currentStateGroup: groups[5],
        forwardExtremities: [events[5]!.eventId],
        maxDepth: events[5]!.pdu.depth,
        createdTs: T0 + 7,
      });
      assert.equal(record.maxDepth, 6);

      const stored = await s.rooms.getEvents([...ids(events), '$unknown' as EventId]);
      assert.equal(stored.size, 6);
      assert.equal(stored.has('$unknown' as EventId), false);
      events.forEach((event, i) => {
        const got = stored.get(event.eventId);
        assert.ok(got);
        assert.deepEqual(got, {
          eventId: event.eventId,
          roomId: room.roomId,
          pdu: event.pdu,
          streamOrdering: persisted[i]!.streamOrdering,
          stateBefore: i === 0 ? null : groups[i - 1],
          stateAfter: groups[i],
          redactedBy: null,
          senderDevice: null,
          txnId: null,
        });
      });

      for (const [i, event] of events.entries()) {
        assert.deepEqual(await s.rooms.getStateGroup(groups[i]!), stateIdsAfter(room, event.eventId), `state after event ${i}`);
      }
      assert.equal((await s.rooms.getStateGroup(groups[0]!)).size, 1);
      assert.equal((await s.rooms.getStateGroup(groups[3]!)).size, 4);
    });

    test('unknown rooms and events', async () => {
      const s = shared();
      assert.equal(await s.rooms.getRoom(roomIdOf('nowhere')), null);
      assert.equal((await s.rooms.getEvents([])).size, 0);
      assert.equal((await s.rooms.getEvents(['$nope' as EventId])).size, 0);
      assert.deepEqual(await s.rooms.recentEvents(roomIdOf('nowhere'), 0, Number.MAX_SAFE_INTEGER, 10), []);
      assert.equal(await s.rooms.lastEventAtOrBefore(roomIdOf('nowhere'), Number.MAX_SAFE_INTEGER), null);
      assert.deepEqual(await s.rooms.paginate({ roomId: roomIdOf('nowhere'), from: null, direction: 'b', limit: 10 }), []);
      assert.equal(await s.rooms.eventAtTimestamp(roomIdOf('nowhere'), T0, 'f'), null);
      assert.deepEqual(await s.rooms.currentMembers(roomIdOf('nowhere')), []);
      assert.deepEqual(await s.rooms.membershipsOf(userId('nobody')), []);
    });

    test('a v12 room (room ID from the create event) is stored under that ID', async () => {
      const s = shared();
      const room = buildRoom({ version: '12', creator: alice });
      const persisted = await s.rooms.persistEvents({
        roomId: room.roomId,
        newRoom: { roomVersion: '12', creator: alice, createdTs: T0 },
        events: room.events().map((event, i) => ({ event, stateBefore: i === 0 ? null : 'previous' })),
      });
      const record = await s.rooms.getRoom(room.roomId);
      assert.ok(record);
      assert.equal(record.roomVersion, '12');
      assert.equal(record.currentStateGroup, persisted.at(-1)?.stateAfter);
      assert.equal((await getEvent(s, room.create.eventId)).roomId, room.roomId);
      assert.deepEqual(await s.rooms.getStateGroup(record.currentStateGroup), room.stateIds());
    });

    test('later events: a state event\'s group is its state before plus itself; messages make no group', async () => {
      const s = shared();
      const room = makeRoom('later');
      const created = await createRoom(s, room);
      const base = created.at(-1)!.stateAfter;

      const msg = room.message(alice);
      const [pMsg] = await append(s, room, [msg]);
      assert.equal(pMsg?.stateAfter, base);
      assert.equal((await getEvent(s, msg.eventId)).stateBefore, base);

      const topic = room.add({ type: 'm.room.topic', sender: alice, state_key: '', content: { topic: 't' } });
      const [pTopic] = await append(s, room, [topic]);
      assert.ok(pTopic);
      assert.notEqual(pTopic.stateAfter, base);
      const expected = new Map(await s.rooms.getStateGroup(base)).set(stateKey('m.room.topic', ''), topic.eventId);
      assert.deepEqual(await s.rooms.getStateGroup(pTopic.stateAfter), expected);
      assert.deepEqual(await s.rooms.getStateGroup(pTopic.stateAfter), room.stateIds());
      // The earlier group is unchanged.
      assert.equal((await s.rooms.getStateGroup(base)).has(stateKey('m.room.topic', '')), false);

      // A state event placed on an older state (a fork): its group is that older state plus itself.
      const forkTopic = room.build(
        { type: 'm.room.topic', sender: alice, state_key: '', content: { topic: 'fork' } },
        { prevEvents: [msg.eventId] },
      );
      const [pFork] = await s.rooms.persistEvents({ roomId: room.roomId, events: [{ event: forkTopic, stateBefore: base }] });
      assert.ok(pFork);
      assert.deepEqual(
        await s.rooms.getStateGroup(pFork.stateAfter),
        new Map(await s.rooms.getStateGroup(base)).set(stateKey('m.room.topic', ''), forkTopic.eventId),
      );
      assert.equal((await getEvent(s, forkTopic.eventId)).stateBefore, base);
      // Both branch tips are forward extremities now; the room follows the last persisted event.
      const record = await s.rooms.getRoom(room.roomId);
      assert.deepEqual([...(record?.forwardExtremities ?? [])].sort(), [topic.eventId, forkTopic.eventId].sort());
      assert.equal(record?.currentStateGroup, pFork.stateAfter);
      assert.equal(record?.maxDepth, topic.pdu.depth);
    });

    test('persisting stored events again skips them', async () => {
      const s = shared();
      const room = makeRoom('idempotent');
      room.message(alice, 'hello');
      const first = await createRoom(s, room);
      const before = await s.rooms.getRoom(room.roomId);
      const maxBefore = await s.rooms.maxStreamOrdering();

      assert.deepEqual(await createRoom(s, room), []);
      assert.deepEqual(await s.rooms.getRoom(room.roomId), before);
      assert.equal(await s.rooms.maxStreamOrdering(), maxBefore);
      for (const p of first) assert.equal((await getEvent(s, p.eventId)).streamOrdering, p.streamOrdering);

      // Re-persisting an old event alone changes nothing either (the room's state does not go back).
      const join = room.events()[1]!;
      assert.deepEqual(await s.rooms.persistEvents({ roomId: room.roomId, events: [{ event: join, stateBefore: first[0]!.stateAfter }] }), []);
      assert.deepEqual(await s.rooms.getRoom(room.roomId), before);
    });

    test('a batch that repeats stored events persists the new ones on the right state', async () => {
      const s = shared();
      const room = makeRoom('idempotent-retry');
      const initial = room.events();
      const first = await createRoom(s, room, initial);
      const topic = room.add({ type: 'm.room.topic', sender: alice, state_key: '', content: { topic: 'retry' } });
      const msg = room.message(alice, 'after retry');

      // The whole creation batch again (with newRoom), now followed by two new events chained by 'previous'.
      const again = await createRoom(s, room, room.events());
      assert.deepEqual(ids(again), [topic.eventId, msg.eventId]);
      const topicEvent = await getEvent(s, topic.eventId);
      assert.equal(topicEvent.stateBefore, first.at(-1)!.stateAfter);
      assert.deepEqual(await s.rooms.getStateGroup(topicEvent.stateAfter), room.stateIds());
      assert.equal((await getEvent(s, msg.eventId)).stateAfter, topicEvent.stateAfter);
      const record = await s.rooms.getRoom(room.roomId);
      assert.equal(record?.currentStateGroup, topicEvent.stateAfter);
      assert.deepEqual(record?.forwardExtremities, [msg.eventId]);
      assert.equal(record?.createdTs, T0);
    });

    test('state-group chains longer than a snapshot interval resolve at every group, also after reopening', async () => {
      const s = await fresh();
      const room = makeRoom('chain');
      // 40 state changes in the creating batch (over 7 keys, so keys are both added and replaced) ...
      for (let i = 0; i < 36; i++) counterEvent(room, i);
      const created = await createRoom(s, room);
      // ... then 40 more, one batch each, on the room's current state; and some messages in between.
      const later: PersistedEvent[] = [];
      for (let i = 36; i < 76; i++) {
        const event = counterEvent(room, i);
        later.push(...(await append(s, room, [event])));
        if (i % 10 === 0) later.push(...(await append(s, room, [room.message(alice, `m${i}`)])));
      }
      const all = [...created, ...later];
      assert.equal(all.length, room.events().length);
      const groups = new Set(all.map((p) => p.stateAfter));
      assert.equal(groups.size, 4 + 76, 'one group per state event');

      const check = async (storage: Storage, label: string) => {
        for (const p of all) {
          assert.deepEqual(await storage.rooms.getStateGroup(p.stateAfter), stateIdsAfter(room, p.eventId), `${label}: after ${p.eventId}`);
        }
      };
      await check(s, 'same storage');
      const again = await reopen(s);
      // Newest first, so nothing older is cached when a group is resolved.
      for (const p of [...all].reverse()) {
        assert.deepEqual(await again.rooms.getStateGroup(p.stateAfter), stateIdsAfter(room, p.eventId), `reopened: after ${p.eventId}`);
      }
      const record = await again.rooms.getRoom(room.roomId);
      assert.ok(record);
      assert.equal(record.currentStateGroup, all.at(-1)?.stateAfter);
      assert.deepEqual(await again.rooms.getStateGroup(record.currentStateGroup), room.stateIds());
      assert.equal(room.stateIds().size, 4 + 7);

      // The reopened storage continues the chain.
      const more = counterEvent(room, 76);
      const [p] = await append(again, room, [more]);
      assert.ok(p);
      assert.deepEqual(await again.rooms.getStateGroup(p.stateAfter), room.stateIds());
      await check(again, 'reopened, after a write');
    });

    test('transaction IDs are scoped by user, room, device, endpoint and transaction ID', async () => {
      const s = shared();
      const room = makeRoom('txn');
      const other = makeRoom('txn-other');
      await createRoom(s, room);
      await createRoom(s, other);

      const msg = room.message(alice, 'with txn');
      await append(s, room, [msg], [{ txn: txn('t1') }]);
      const stored = await getEvent(s, msg.eventId);
      assert.equal(stored.senderDevice, 'DEV');
      assert.equal(stored.txnId, 't1');

      assert.equal(await s.rooms.getTxnEvent(alice, room.roomId, txn('t1')), msg.eventId);
      assert.equal(await s.rooms.getTxnEvent(alice, room.roomId, txn('t2')), null);
      assert.equal(await s.rooms.getTxnEvent(alice, room.roomId, txn('t1', 'OTHERDEV')), null);
      assert.equal(await s.rooms.getTxnEvent(alice, room.roomId, txn('t1', 'DEV', 'send/m.reaction')), null);
      assert.equal(await s.rooms.getTxnEvent(alice, other.roomId, txn('t1')), null);
      assert.equal(await s.rooms.getTxnEvent(bob, room.roomId, txn('t1')), null);

      // The same txn ID in another scope is a different transaction.
      const elsewhere = other.message(alice, 'same txn, other room');
      const otherEndpoint = room.message(alice, 'same txn, other endpoint');
      const otherDevice = room.message(alice, 'same txn, other device');
      await append(s, other, [elsewhere], [{ txn: txn('t1') }]);
      await append(s, room, [otherEndpoint, otherDevice], [{ txn: txn('t1', 'DEV', 'send/m.notice') }, { txn: txn('t1', 'DEV2') }]);
      assert.equal(await s.rooms.getTxnEvent(alice, other.roomId, txn('t1')), elsewhere.eventId);
      assert.equal(await s.rooms.getTxnEvent(alice, room.roomId, txn('t1', 'DEV', 'send/m.notice')), otherEndpoint.eventId);
      assert.equal(await s.rooms.getTxnEvent(alice, room.roomId, txn('t1', 'DEV2')), otherDevice.eventId);
      assert.equal(await s.rooms.getTxnEvent(alice, room.roomId, txn('t1')), msg.eventId);
    });

    test('a batch reusing a transaction scope is refused whole, and later writes see the right state', async () => {
      const s = await fresh();
      const room = makeRoom('txn-refused');
      await createRoom(s, room);
      const first = room.message(alice, 'first');
      await append(s, room, [first], [{ txn: txn('dup') }]);
      const recordBefore = await s.rooms.getRoom(room.roomId);
      assert.ok(recordBefore);
      const stateBefore = await s.rooms.getStateGroup(recordBefore.currentStateGroup);
      const maxBefore = await s.rooms.maxStreamOrdering();
      const membersBefore = await s.rooms.currentMembers(room.roomId);

      // A state change, a new transaction, then the reused one: nothing of the batch may stay.
      const refusedTopic = room.build({ type: 'm.room.topic', sender: alice, state_key: '', content: { topic: 'refused' } });
      const refusedJoin = room.build({ type: 'm.room.member', sender: bob, state_key: bob, content: { membership: 'join' } }, {
        prevEvents: [refusedTopic.eventId],
      });
      const refusedNew = room.build({ type: 'm.room.message', sender: alice, content: { body: 'new' } }, { prevEvents: [refusedJoin.eventId] });
      const refusedDup = room.build({ type: 'm.room.message', sender: alice, content: { body: 'dup' } }, { prevEvents: [refusedNew.eventId] });
      await assert.rejects(
        s.rooms.persistEvents({
          roomId: room.roomId,
          events: [
            { event: refusedTopic, stateBefore: recordBefore.currentStateGroup },
            { event: refusedJoin, stateBefore: 'previous' },
            { event: refusedNew, stateBefore: 'previous', txn: txn('fresh') },
            { event: refusedDup, stateBefore: 'previous', txn: txn('dup') },
          ],
        }),
      );
      assert.equal((await s.rooms.getEvents(ids([refusedTopic, refusedJoin, refusedNew, refusedDup]))).size, 0);
      assert.deepEqual(await s.rooms.getRoom(room.roomId), recordBefore);
      assert.equal(await s.rooms.maxStreamOrdering(), maxBefore);
      assert.equal(await s.rooms.getTxnEvent(alice, room.roomId, txn('fresh')), null);
      assert.equal(await s.rooms.getTxnEvent(alice, room.roomId, txn('dup')), first.eventId);
      assert.deepEqual(await s.rooms.currentMembers(room.roomId), membersBefore);
      assert.deepEqual(await s.rooms.membershipsOf(bob), []);
      assert.deepEqual(await s.rooms.getStateGroup(recordBefore.currentStateGroup), stateBefore);

      // Later writes (whose new groups may take the refused batch's group IDs) resolve to the right state,
      // also where the first storage did not write them itself (a second storage on the same data).
      const again = await reopen(s);
      const topic = room.add({ type: 'm.room.topic', sender: alice, state_key: '', content: { topic: 'kept' } });
      const join = room.join(bob);
      const persisted = await append(again, room, [topic, join]);
      for (const storage of [s, again]) {
        for (const p of persisted) assert.deepEqual(await storage.rooms.getStateGroup(p.stateAfter), stateIdsAfter(room, p.eventId));
      }
      const name = room.add({ type: 'm.room.name', sender: alice, state_key: '', content: { name: 'n' } });
      persisted.push(...(await append(s, room, [name])));
      for (const storage of [s, again]) {
        for (const p of persisted) assert.deepEqual(await storage.rooms.getStateGroup(p.stateAfter), stateIdsAfter(room, p.eventId));
        const record = await storage.rooms.getRoom(room.roomId);
        assert.deepEqual(await storage.rooms.getStateGroup(record!.currentStateGroup), room.stateIds());
        assert.deepEqual((await storage.rooms.usersInRoom(room.roomId, 'join')).sort(), [alice, bob].sort());
      }
    });

    test('a refused room creation leaves no room; a refused batch does not disturb one committed beside it', async () => {
      const s = await fresh();
      const room = makeRoom('refused-create');
      const one = room.message(alice, 'one');
      const events = room.events();
      const two = room.build({ type: 'm.room.message', sender: alice, content: { body: 'two' } });
      await assert.rejects(
        s.rooms.persistEvents({
          roomId: room.roomId,
          newRoom: { roomVersion: VERSION, creator: alice, createdTs: T0 },
          events: [
            ...events.map((event, i): EventToPersist => ({ event, stateBefore: i === 0 ? null : 'previous' })).slice(0, -1),
            { event: one, stateBefore: 'previous', txn: txn('x') },
            { event: two, stateBefore: 'previous', txn: txn('x') },
          ],
        }),
      );
      assert.equal(await s.rooms.getRoom(room.roomId), null);
      assert.equal((await s.rooms.getEvents(ids(events))).size, 0);
      assert.deepEqual(await s.rooms.membershipsOf(alice), []);
      assert.equal(await s.rooms.maxStreamOrdering(), 0);

      // Written in the same tick: a refused batch and a good one (another room); only the good one stays.
      const good = makeRoom('refused-create-good');
      good.add({ type: 'm.room.topic', sender: alice, state_key: '', content: { topic: 'good' } });
      const [refused, ok] = await Promise.allSettled([
        s.rooms.persistEvents({
          roomId: room.roomId,
          newRoom: { roomVersion: VERSION, creator: alice, createdTs: T0 },
          events: [
            ...events.map((event, i): EventToPersist => ({ event, stateBefore: i === 0 ? null : 'previous' })).slice(0, -1),
            { event: one, stateBefore: 'previous', txn: txn('y') },
            { event: two, stateBefore: 'previous', txn: txn('y') },
          ],
        }),
        createRoom(s, good),
      ]);
      assert.equal(refused.status, 'rejected');
      assert.equal(ok.status, 'fulfilled');
      assert.equal(await s.rooms.getRoom(room.roomId), null);
      const goodRecord = await s.rooms.getRoom(good.roomId);
      assert.ok(goodRecord);
      assert.deepEqual(await s.rooms.getStateGroup(goodRecord.currentStateGroup), good.stateIds());
      for (const p of ok.status === 'fulfilled' ? ok.value : []) {
        assert.deepEqual(await s.rooms.getStateGroup(p.stateAfter), stateIdsAfter(good, p.eventId));
      }

      // The room can then be created properly.
      const created = await createRoom(s, room, events);
      assert.equal(created.length, events.length);
      for (const p of created) assert.deepEqual(await s.rooms.getStateGroup(p.stateAfter), stateIdsAfter(room, p.eventId));
      assert.deepEqual(await s.rooms.getStateGroup(goodRecord.currentStateGroup), good.stateIds());
    });

    test('applyRedaction marks the redacted event', async () => {
      const s = shared();
      const room = makeRoom('redact');
      await createRoom(s, room);
      const target = room.message(alice, 'secret');
      const kept = room.message(alice, 'kept');
      await append(s, room, [target, kept]);
      assert.equal((await getEvent(s, target.eventId)).redactedBy, null); // read once, so a cache would hold it

      const redaction = room.add({ type: 'm.room.redaction', sender: alice, content: {} }, { extra: { redacts: target.eventId } });
      await append(s, room, [redaction], [{ applyRedaction: target.eventId }]);
      assert.equal((await getEvent(s, target.eventId)).redactedBy, redaction.eventId);
      assert.equal((await getEvent(s, redaction.eventId)).redactedBy, null);
      assert.equal((await getEvent(s, kept.eventId)).redactedBy, null);
      // The redacted event is still returned in full by the store (redaction is applied when serving).
      assert.deepEqual((await getEvent(s, target.eventId)).pdu, target.pdu);

      // A redaction persisted without applyRedaction does not mark its target.
      const unapplied = room.add({ type: 'm.room.redaction', sender: alice, content: {} }, { extra: { redacts: kept.eventId } });
      await append(s, room, [unapplied]);
      assert.equal((await getEvent(s, kept.eventId)).redactedBy, null);
    });

    test('memberships: join, invite, leave, ban; forgetting a room', async () => {
      const s = await fresh();
      const room = makeRoom('members');
      const created = await createRoom(s, room);
      const aliceJoin = room.events()[1]!;
      assert.deepEqual(await s.rooms.membershipsOf(alice), [
        { roomId: room.roomId, membership: 'join', eventId: aliceJoin.eventId, streamOrdering: created[1]!.streamOrdering, forgotten: false },
      ]);

      const inviteBob = room.invite(alice, bob);
      const [pInvite] = await append(s, room, [inviteBob]);
      assert.deepEqual(await s.rooms.usersInRoom(room.roomId, 'invite'), [bob]);
      assert.deepEqual(await s.rooms.membershipsOf(bob), [
        { roomId: room.roomId, membership: 'invite', eventId: inviteBob.eventId, streamOrdering: pInvite!.streamOrdering, forgotten: false },
      ]);

      const joinBob = room.join(bob);
      const joinCarol = room.join(carol);
      const leaveCarol = room.leave(carol);
      const banDave = room.ban(alice, dave);
      const persisted = await append(s, room, [joinBob, joinCarol, leaveCarol, banDave]);
      const streamOf = (id: EventId) => persisted.find((p) => p.eventId === id)!.streamOrdering;

      assert.deepEqual(await s.rooms.usersInRoom(room.roomId, 'invite'), []);
      assert.deepEqual((await s.rooms.usersInRoom(room.roomId, 'join')).sort(), [alice, bob].sort());
      assert.deepEqual(await s.rooms.usersInRoom(room.roomId, 'leave'), [carol]);
      assert.deepEqual(await s.rooms.usersInRoom(room.roomId, 'ban'), [dave]);
      assert.deepEqual(await s.rooms.usersInRoom(room.roomId, 'knock'), []);

      const byUser = (a: { userId: string }, b: { userId: string }) => a.userId.localeCompare(b.userId);
      assert.deepEqual((await s.rooms.currentMembers(room.roomId)).sort(byUser), [
        { userId: alice, membership: 'join', eventId: aliceJoin.eventId },
        { userId: bob, membership: 'join', eventId: joinBob.eventId },
        { userId: carol, membership: 'leave', eventId: leaveCarol.eventId },
        { userId: dave, membership: 'ban', eventId: banDave.eventId },
      ].sort(byUser));
      assert.deepEqual(await s.rooms.membershipsOf(bob), [
        { roomId: room.roomId, membership: 'join', eventId: joinBob.eventId, streamOrdering: streamOf(joinBob.eventId), forgotten: false },
      ]);
      assert.deepEqual(await s.rooms.membershipsOf(carol), [
        { roomId: room.roomId, membership: 'leave', eventId: leaveCarol.eventId, streamOrdering: streamOf(leaveCarol.eventId), forgotten: false },
      ]);

      // Memberships in several rooms.
      const second = makeRoom('members-second');
      second.join(bob);
      await createRoom(s, second);
      assert.deepEqual((await s.rooms.membershipsOf(bob)).map((m) => m.roomId).sort(), [room.roomId, second.roomId].sort());

      assert.equal(await s.rooms.forgetRoom(carol, room.roomId), true);
      assert.equal((await s.rooms.membershipsOf(carol))[0]?.forgotten, true);
      assert.equal(await s.rooms.forgetRoom(userId('erin'), room.roomId), false);
      assert.equal(await s.rooms.forgetRoom(carol, roomIdOf('members-nowhere')), false);
      // A new membership event un-forgets the room.
      const rejoin = room.join(carol);
      const [pRejoin] = await append(s, room, [rejoin]);
      assert.deepEqual(await s.rooms.membershipsOf(carol), [
        { roomId: room.roomId, membership: 'join', eventId: rejoin.eventId, streamOrdering: pRejoin!.streamOrdering, forgotten: false },
      ]);
    });

    test('stream reads: recentEvents, lastEventAtOrBefore, roomsWithEventsAfter, maxStreamOrdering', async () => {
      const s = await fresh();
      assert.equal(await s.rooms.maxStreamOrdering(), 0);
      const a = makeRoom('stream-a');
      const b = makeRoom('stream-b');
      const createdA = await createRoom(s, a);
      const createdB = await createRoom(s, b);
      const start = await s.rooms.maxStreamOrdering();
      assert.equal(start, createdB.at(-1)!.streamOrdering);

      const sent: Array<{ room: 'a' | 'b'; event: RoomEvent; stream: number }> = [];
      for (let i = 0; i < 6; i++) {
        const [name, room] = i % 3 === 2 ? (['b', b] as const) : (['a', a] as const);
        const event = room.message(alice, `s${i}`);
        const [p] = await append(s, room, [event]);
        sent.push({ room: name, event, stream: p!.streamOrdering });
      }
      const inA = sent.filter((x) => x.room === 'a');
      const end = await s.rooms.maxStreamOrdering();
      assert.equal(end, sent.at(-1)!.stream);

      // Newest `limit` in (after, upTo], oldest first.
      assert.deepEqual(ids(await s.rooms.recentEvents(a.roomId, start, end, 100)), ids(inA.map((x) => x.event)));
      assert.deepEqual(ids(await s.rooms.recentEvents(a.roomId, start, end, 2)), ids(inA.slice(-2).map((x) => x.event)));
      assert.deepEqual(ids(await s.rooms.recentEvents(a.roomId, inA[0]!.stream, inA[2]!.stream, 10)), ids([inA[1]!.event, inA[2]!.event]));
      assert.deepEqual(await s.rooms.recentEvents(a.roomId, end, end + 100, 10), []);
      const all = await s.rooms.recentEvents(a.roomId, 0, end, 100);
      assert.deepEqual(ids(all), [...ids(createdA), ...ids(inA.map((x) => x.event))]);
      assert.equal(all[0]!.streamOrdering, createdA[0]!.streamOrdering);

      // lastEventAtOrBefore: the room's newest event at or before a position.
      assert.equal((await s.rooms.lastEventAtOrBefore(a.roomId, end))?.eventId, inA.at(-1)!.event.eventId);
      assert.equal((await s.rooms.lastEventAtOrBefore(a.roomId, inA[1]!.stream))?.eventId, inA[1]!.event.eventId);
      assert.equal((await s.rooms.lastEventAtOrBefore(a.roomId, inA[1]!.stream + 1))?.eventId, inA[1]!.event.eventId);
      assert.equal((await s.rooms.lastEventAtOrBefore(a.roomId, start))?.eventId, createdA.at(-1)!.eventId);
      assert.equal(await s.rooms.lastEventAtOrBefore(a.roomId, createdA[0]!.streamOrdering - 1), null);

      // roomsWithEventsAfter: only the rooms asked about, with their newest position.
      const newestB = sent.filter((x) => x.room === 'b').at(-1)!.stream;
      assert.deepEqual(
        await s.rooms.roomsWithEventsAfter([a.roomId, b.roomId, roomIdOf('stream-none')], start),
        new Map([[a.roomId, inA.at(-1)!.stream], [b.roomId, newestB]]),
      );
      assert.deepEqual(await s.rooms.roomsWithEventsAfter([a.roomId, b.roomId], inA.at(-1)!.stream), new Map([[b.roomId, newestB]]));
      assert.deepEqual(await s.rooms.roomsWithEventsAfter([a.roomId], inA.at(-2)!.stream), new Map([[a.roomId, inA.at(-1)!.stream]]));
      assert.deepEqual(await s.rooms.roomsWithEventsAfter([b.roomId], end), new Map());
      assert.deepEqual(await s.rooms.roomsWithEventsAfter([], 0), new Map());
    });

    test('paginate in both directions with bounds and filters', async () => {
      const s = shared();
      const room = makeRoom('paginate');
      const created = await createRoom(s, room);
      const join = room.join(bob);
      const m1 = room.message(alice, 'm1');
      const m2 = room.message(bob, 'm2');
      const topic = room.add({ type: 'm.room.topic', sender: alice, state_key: '', content: { topic: 'p' } });
      const m3 = room.message(alice, 'm3');
      // Two events on the same parent: same depth, ordered by stream ordering.
      const m4 = room.message(bob, 'm4');
      const m5 = room.add({ type: 'm.room.message', sender: alice, content: { body: 'm5' } }, { prevEvents: [m3.eventId] });
      const later = [join, m1, m2, topic, m3, m4, m5];
      const persisted = await append(s, room, later);
      assert.equal(m4.pdu.depth, m5.pdu.depth);

      const events = [...room.events()];
      const stream = new Map([...created, ...persisted].map((p) => [p.eventId, p.streamOrdering]));
      const pos = (event: RoomEvent) => ({ depth: event.pdu.depth, stream: stream.get(event.eventId)! });
      const page = async (query: Omit<Parameters<Storage['rooms']['paginate']>[0], 'roomId'>) => ids(await s.rooms.paginate({ roomId: room.roomId, ...query }));

      assert.deepEqual(await page({ from: null, direction: 'b', limit: 3 }), ids([m5, m4, m3]));
      assert.deepEqual(await page({ from: null, direction: 'b', limit: 100 }), ids(events).reverse());
      assert.deepEqual(await page({ from: null, direction: 'f', limit: 3 }), ids(events.slice(0, 3)));
      assert.deepEqual(await page({ from: null, direction: 'f', limit: 100 }), ids(events));
      // from is exclusive.
      assert.deepEqual(await page({ from: pos(m3), direction: 'b', limit: 2 }), ids([topic, m2]));
      assert.deepEqual(await page({ from: pos(m2), direction: 'f', limit: 2 }), ids([topic, m3]));
      assert.deepEqual(await page({ from: pos(m4), direction: 'f', limit: 10 }), ids([m5]));
      assert.deepEqual(await page({ from: pos(m5), direction: 'b', limit: 1 }), ids([m4]));
      // to is exclusive too.
      assert.deepEqual(await page({ from: pos(m5), to: pos(m1), direction: 'b', limit: 10 }), ids([m4, m3, topic, m2]));
      assert.deepEqual(await page({ from: pos(m1), to: pos(m4), direction: 'f', limit: 10 }), ids([m2, topic, m3]));
      assert.deepEqual(await page({ from: null, to: pos(m3), direction: 'b', limit: 10 }), ids([m5, m4]));
      assert.deepEqual(await page({ from: null, to: pos(join), direction: 'f', limit: 10 }), ids(events.slice(0, 4)));
      assert.deepEqual(await page({ from: pos(m2), to: pos(topic), direction: 'f', limit: 10 }), []);

      // Filters.
      assert.deepEqual(await page({ from: null, direction: 'b', limit: 100, types: ['m.room.message'] }), ids([m5, m4, m3, m2, m1]));
      assert.deepEqual(await page({ from: null, direction: 'f', limit: 2, types: ['m.room.message', 'm.room.topic'] }), ids([m1, m2]));
      assert.deepEqual(
        await page({ from: null, direction: 'b', limit: 100, notTypes: ['m.room.message', 'm.room.member'] }),
        ids([topic, events[3]!, events[2]!, events[0]!]),
      );
      assert.deepEqual(await page({ from: null, direction: 'b', limit: 100, senders: [bob] }), ids([m4, m2, join]));
      assert.deepEqual(await page({ from: null, direction: 'f', limit: 100, notSenders: [alice] }), ids([join, m2, m4]));
      assert.deepEqual(await page({ from: pos(m4), direction: 'b', limit: 100, types: ['m.room.message'], senders: [alice] }), ids([m3, m1]));
      assert.deepEqual(await page({ from: null, direction: 'b', limit: 100, types: [] }), ids(events).reverse(), 'an empty list filters nothing');
      // Other rooms' events never appear.
      const other = makeRoom('paginate-other');
      await createRoom(s, other);
      assert.deepEqual(await page({ from: null, direction: 'b', limit: 100 }), ids(events).reverse());
    });

    test('eventAtTimestamp finds the closest event in either direction', async () => {
      const s = shared();
      const room = makeRoom('timestamp');
      const created = await createRoom(s, room); // builder timestamps are small counters, all before T0
      const e100 = room.message(alice, 'a', { originServerTs: T0 + 100 });
      const e200 = room.message(alice, 'b', { originServerTs: T0 + 200 });
      const e200b = room.message(alice, 'c', { originServerTs: T0 + 200 });
      const e300 = room.message(alice, 'd', { originServerTs: T0 + 300 });
      await append(s, room, [e100, e200, e200b, e300]);

      const at = async (ts: number, dir: 'b' | 'f') => (await s.rooms.eventAtTimestamp(room.roomId, ts, dir))?.eventId ?? null;
      assert.equal(await at(T0 + 150, 'f'), e200.eventId);
      assert.equal(await at(T0 + 150, 'b'), e100.eventId);
      assert.equal(await at(T0 + 100, 'f'), e100.eventId);
      assert.equal(await at(T0 + 100, 'b'), e100.eventId);
      // Equal timestamps: forwards the first persisted, backwards the last.
      assert.equal(await at(T0 + 200, 'f'), e200.eventId);
      assert.equal(await at(T0 + 200, 'b'), e200b.eventId);
      assert.equal(await at(T0 + 301, 'f'), null);
      assert.equal(await at(T0 + 301, 'b'), e300.eventId);
      assert.equal(await at(0, 'b'), null);
      assert.equal(await at(0, 'f'), created[0]!.eventId);
    });

    test('the public room directory', async () => {
      const s = await fresh();
      const a = makeRoom('public-a');
      const b = makeRoom('public-b');
      await createRoom(s, a, a.events(), T0 + 1);
      await createRoom(s, b, b.events(), T0 + 2);
      assert.deepEqual(await s.rooms.publicRoomIds(), []);
      assert.equal(await s.rooms.setRoomPublic(b.roomId, true), true);
      assert.equal(await s.rooms.setRoomPublic(a.roomId, true), true);
      assert.equal((await s.rooms.getRoom(a.roomId))?.isPublic, true);
      assert.deepEqual((await s.rooms.publicRoomIds()).sort(), [a.roomId, b.roomId].sort());
      assert.equal(await s.rooms.setRoomPublic(a.roomId, false), true);
      assert.equal((await s.rooms.getRoom(a.roomId))?.isPublic, false);
      assert.deepEqual(await s.rooms.publicRoomIds(), [b.roomId]);
      assert.equal(await s.rooms.setRoomPublic(roomIdOf('public-none'), true), false);
      assert.deepEqual(await s.rooms.publicRoomIds(), [b.roomId]);
    });

    test('aliases: create once, look up, list, delete, move to another room', async () => {
      const s = shared();
      const room = makeRoom('alias');
      const upgraded = makeRoom('alias-upgraded');
      await createRoom(s, room);
      await createRoom(s, upgraded);
      const a1 = `#alias-one:${SERVER_NAME}`;
      const a2 = `#alias-two:${SERVER_NAME}`;
      const a3 = `#alias-three:${SERVER_NAME}`;

      assert.equal(await s.rooms.createAlias(a1, room.roomId, alice, T0), true);
      assert.equal(await s.rooms.createAlias(a1, room.roomId, alice, T0 + 1), false);
      assert.equal(await s.rooms.createAlias(a1, upgraded.roomId, bob, T0 + 1), false);
      assert.deepEqual(await s.rooms.getAlias(a1), { roomId: room.roomId, creator: alice });
      assert.equal(await s.rooms.createAlias(a2, room.roomId, bob, T0 + 2), true);
      assert.equal(await s.rooms.createAlias(a3, upgraded.roomId, alice, T0 + 3), true);
      assert.equal(await s.rooms.getAlias(`#alias-none:${SERVER_NAME}`), null);
      assert.deepEqual((await s.rooms.aliasesOfRoom(room.roomId)).sort(), [a1, a2].sort());
      assert.deepEqual(await s.rooms.aliasesOfRoom(upgraded.roomId), [a3]);
      assert.deepEqual(await s.rooms.aliasesOfRoom(roomIdOf('alias-none')), []);

      assert.equal(await s.rooms.deleteAlias(a2), true);
      assert.equal(await s.rooms.deleteAlias(a2), false);
      assert.equal(await s.rooms.getAlias(a2), null);
      assert.deepEqual(await s.rooms.aliasesOfRoom(room.roomId), [a1]);
      assert.equal(await s.rooms.createAlias(a2, upgraded.roomId, bob, T0 + 4), true, 'a deleted alias can be taken again');

      await s.rooms.moveAliases(room.roomId, upgraded.roomId);
      assert.deepEqual(await s.rooms.aliasesOfRoom(room.roomId), []);
      assert.deepEqual((await s.rooms.aliasesOfRoom(upgraded.roomId)).sort(), [a1, a2, a3].sort());
      assert.deepEqual(await s.rooms.getAlias(a1), { roomId: upgraded.roomId, creator: alice });
      await s.rooms.moveAliases(roomIdOf('alias-none'), upgraded.roomId);
      assert.equal((await s.rooms.aliasesOfRoom(upgraded.roomId)).length, 3);
    });
  });
}
