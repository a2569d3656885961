import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventId, RoomId, UserId } from '../core/ids.js';
import { EventType, stateKey, type Pdu, type StateKey } from '../rooms/pdu.js';
import type { StoredEvent, UserMembership } from '../storage/types.js';
import { createHistoryVisibility, mayView, visibilityOf, type ViewerStanding } from './history-visibility.js';

const ROOM = '!room:hs' as RoomId;
const alice = '@alice:hs' as UserId;
const bob = '@bob:hs' as UserId;

/** A linear room: each state event makes a new state group over the previous one. */
function buildRoom() {
  const events: StoredEvent[] = [];
  const groups = new Map<number, ReadonlyMap<StateKey, EventId>>();
  let group: number | null = null;
  const add = (type: string, sender: string, content: Record<string, unknown>, key?: string): StoredEvent => {
    const n = events.length + 1;
    const eventId = `$e${n}` as EventId;
    let after = group;
    if (key !== undefined) {
      after = groups.size + 1;
      groups.set(after, new Map(group === null ? [] : groups.get(group)).set(stateKey(type, key), eventId));
    }
    const pdu = { type, sender, content, depth: n, origin_server_ts: n, prev_events: [], auth_events: [], hashes: { sha256: '' }, signatures: {} } as Pdu;
    if (key !== undefined) pdu.state_key = key;
    const event: StoredEvent = {
      eventId, roomId: ROOM, pdu, streamOrdering: n * 10, stateBefore: group, stateAfter: after as number,
      redactedBy: null, senderDevice: null, txnId: null,
    };
    events.push(event);
    group = after;
    return event;
  };
  const member = (user: UserId, membership: string, sender: string = user) => add(EventType.Member, sender, { membership }, user);
  const visibility = (value: string) => add(EventType.HistoryVisibility, alice, { history_visibility: value }, '');
  const message = (text: string) => add('m.room.message', alice, { body: text });
  const store = {
    async getEvents(ids: readonly EventId[]) {
      return new Map(events.filter((e) => ids.includes(e.eventId)).map((e) => [e.eventId, e]));
    },
    async getStateGroup(id: number) {
      return groups.get(id) ?? new Map();
    },
    async membershipsOf(user: UserId): Promise<UserMembership[]> {
      const last = [...events].reverse().find((e) => e.pdu.type === EventType.Member && e.pdu.state_key === user);
      return last ? [{ roomId: ROOM, membership: last.pdu.content.membership as never, eventId: last.eventId, streamOrdering: last.streamOrdering, forgotten: false }] : [];
    },
  };
  add(EventType.Create, alice, {}, '');
  member(alice, 'join');
  return { events, add, member, visibility, message, hv: createHistoryVisibility({ rooms: store }), store };
}

const bodies = (events: StoredEvent[]) => events.filter((e) => e.pdu.type === 'm.room.message').map((e) => e.pdu.content.body);

test('the rules, one by one', () => {
  assert.equal(mayView({ visibility: 'world_readable', membership: null, joinedAfter: false }), true);
  assert.equal(mayView({ visibility: 'joined', membership: 'join', joinedAfter: false }), true);
  assert.equal(mayView({ visibility: 'joined', membership: 'leave', joinedAfter: true }), false);
  assert.equal(mayView({ visibility: 'shared', membership: null, joinedAfter: true }), true);
  assert.equal(mayView({ visibility: 'shared', membership: null, joinedAfter: false }), false);
  assert.equal(mayView({ visibility: 'invited', membership: 'invite', joinedAfter: false }), true);
  assert.equal(mayView({ visibility: 'invited', membership: 'knock', joinedAfter: true }), false);
  assert.equal(mayView({ visibility: 'joined', membership: 'invite', joinedAfter: true }), false);
});

test('unknown or missing history_visibility is shared', () => {
  assert.equal(visibilityOf(undefined), 'shared');
  assert.equal(visibilityOf({ history_visibility: 'nonsense' }), 'shared');
  assert.equal(visibilityOf({ history_visibility: 'joined' }), 'joined');
});

test('shared: a member who joins later sees earlier history; a non-member sees nothing', async () => {
  const room = buildRoom();
  room.message('before');
  const join = room.member(bob, 'join');
  room.message('after');
  const joined = await room.hv.standing(bob, join);
  assert.deepEqual(bodies(await room.hv.filter(joined, room.events)), ['before', 'after']);
  const carol = await room.hv.standing('@carol:hs' as UserId, null);
  assert.deepEqual(await room.hv.filter(carol, room.events), []);
});

test('joined: only from the join on; the own join event is visible', async () => {
  const room = buildRoom();
  room.visibility('joined');
  room.message('before');
  const join = room.member(bob, 'join');
  room.message('after');
  const visible = await room.hv.filter(await room.hv.standing(bob, join), room.events);
  assert.deepEqual(bodies(visible), ['after']);
  assert.ok(visible.includes(join));
});

test('invited: from the invite on', async () => {
  const room = buildRoom();
  room.visibility('invited');
  room.message('before');
  const invite = room.member(bob, 'invite', alice);
  room.message('while invited');
  const join = room.member(bob, 'join');
  room.message('joined');
  const visible = await room.hv.filter(await room.hv.standing(bob, join), room.events);
  assert.deepEqual(bodies(visible), ['while invited', 'joined']);
  assert.ok(visible.includes(invite));
});

test('a member who left sees up to their leave (shared), and their own leave', async () => {
  const room = buildRoom();
  room.message('before');
  room.member(bob, 'join');
  room.message('while joined');
  const leave = room.member(bob, 'leave');
  room.message('after leave');
  const standing = await room.hv.standing(bob, leave);
  assert.notEqual(standing.joinedUntil, null);
  const visible = await room.hv.filter(standing, room.events);
  assert.deepEqual(bodies(visible), ['before', 'while joined']);
  assert.ok(visible.includes(leave));
});

test('a rejected invite does not open shared history', async () => {
  const room = buildRoom();
  room.message('before');
  room.member(bob, 'invite', alice);
  const reject = room.member(bob, 'leave');
  const standing = await room.hv.standing(bob, reject);
  assert.equal(standing.joinedUntil, null);
  const visible = await room.hv.filter(standing, room.events);
  assert.deepEqual(bodies(visible), []);
  assert.ok(visible.includes(reject), 'the rejection itself is visible');
});

test('world_readable lets anyone read; the change away from it is visible to all, later events are not', async () => {
  const room = buildRoom();
  room.visibility('world_readable');
  room.message('public');
  const closing = room.visibility('joined');
  room.message('private');
  const stranger: ViewerStanding = { userId: '@carol:hs' as UserId, joinedUntil: null };
  const visible = await room.hv.filter(stranger, room.events);
  assert.deepEqual(bodies(visible), ['public']);
  assert.ok(visible.includes(closing));
});

test('visibleEvents takes each room standing from the current membership', async () => {
  const room = buildRoom();
  room.visibility('joined');
  room.message('before');
  room.member(bob, 'join');
  room.message('after');
  assert.deepEqual(bodies(await room.hv.visibleEvents(bob, room.events)), ['after']);
  assert.deepEqual(bodies(await room.hv.visibleEvents(alice, room.events)), ['before', 'after']);
});

test('state groups are looked up once per call', async () => {
  const room = buildRoom();
  for (let i = 0; i < 50; i++) room.message(`m${i}`);
  let lookups = 0;
  const counting = createHistoryVisibility({
    rooms: { ...room.store, getStateGroup: async (id: number) => { lookups++; return room.store.getStateGroup(id); } },
  });
  const visible = await counting.filter({ userId: alice, joinedUntil: 'now' }, room.events);
  assert.equal(visible.length, room.events.length);
  assert.ok(lookups <= 2, `looked up ${lookups} groups`);
});
