import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventId, RoomId } from '../core/ids.js';
import { authEventKeys } from './auth-events.js';
import { eventIdSha1Hex } from './hashes.js';
import { stateKey, type Pdu, type RoomEvent, type StateKey, type StateMap } from './pdu.js';
import { roomVersionRules, type RoomVersionRules } from './room-versions.js';
import { resolveState } from './state-res-v2.js';

// Spec: rooms/v1 "State resolution"; behaviour as Synapse's synapse/state/v1.py.
const V1 = roomVersionRules('1') as RoomVersionRules;
const ALICE = '@alice:example.com';
const BOB = '@bob:example.com';
const CHARLIE = '@charlie:example.com';
const ROOM = '!room:example.com' as RoomId;
const PL = stateKey('m.room.power_levels', '');
const TOPIC = stateKey('m.room.topic', '');

/** A tiny v1 room: events are added on top of a given state, citing their auth events from it. */
function room() {
  const events = new Map<EventId, RoomEvent>();
  const add = (
    name: string,
    state: StateMap<EventId>,
    fields: { sender: string; type: string; state_key?: string; content: Record<string, unknown>; depth: number },
  ): { id: EventId; after: Map<StateKey, EventId> } => {
    const id = `$${name}:example.com` as EventId;
    const auth = authEventKeys(fields, V1)
      .map((key) => state.get(key))
      .filter((authId): authId is EventId => authId !== undefined);
    const pdu = {
      event_id: id,
      room_id: ROOM,
      origin_server_ts: fields.depth,
      prev_events: [],
      auth_events: auth.map((authId) => [authId, {}]),
      hashes: { sha256: '' },
      signatures: {},
      ...fields,
    } as unknown as Pdu;
    events.set(id, { eventId: id, roomId: ROOM, pdu });
    const after = new Map(state);
    if (fields.state_key !== undefined) after.set(stateKey(fields.type, fields.state_key), id);
    return { id, after };
  };
  const getEvent = (id: EventId) => events.get(id);
  // create, alice joins, power levels (alice 100, bob 50), public join rule, bob and charlie join.
  let state: Map<StateKey, EventId> = new Map();
  state = add('create', state, { sender: ALICE, type: 'm.room.create', state_key: '', content: { creator: ALICE }, depth: 1 }).after;
  state = add('ima', state, { sender: ALICE, type: 'm.room.member', state_key: ALICE, content: { membership: 'join' }, depth: 2 }).after;
  const pl0 = { [ALICE]: 100, [BOB]: 50 };
  state = add('pl0', state, { sender: ALICE, type: 'm.room.power_levels', state_key: '', content: { users: pl0 }, depth: 3 }).after;
  state = add('jr', state, { sender: ALICE, type: 'm.room.join_rules', state_key: '', content: { join_rule: 'public' }, depth: 4 }).after;
  state = add('imb', state, { sender: BOB, type: 'm.room.member', state_key: BOB, content: { membership: 'join' }, depth: 5 }).after;
  state = add('imc', state, { sender: CHARLIE, type: 'm.room.member', state_key: CHARLIE, content: { membership: 'join' }, depth: 6 }).after;
  return { add, getEvent, base: state as StateMap<EventId> };
}

const power = (sender: string, users: Record<string, number>, depth: number) => ({
  sender, type: 'm.room.power_levels', state_key: '', content: { users }, depth,
});
const topic = (sender: string, depth: number) => ({ sender, type: 'm.room.topic', state_key: '', content: { topic: sender }, depth });

test('one state set is returned unchanged; keys only some sets have are kept', () => {
  const { add, getEvent, base } = room();
  assert.deepEqual(resolveState([base], V1, getEvent), base);
  const withTopic = add('t', base, topic(ALICE, 7)).after;
  const resolved = resolveState([base, withTopic], V1, getEvent);
  assert.equal(resolved.get(TOPIC), '$t:example.com');
  assert.equal(resolved.size, withTopic.size);
});

test('power levels: applied from the lowest depth while they pass auth', () => {
  const { add, getEvent, base } = room();
  // Alice demotes Bob at depth 7; Bob (50 before) promotes Charlie at depth 8.
  const a = add('pla', base, power(ALICE, { [ALICE]: 100, [BOB]: 0 }, 7));
  const b = add('plb', base, power(BOB, { [ALICE]: 100, [BOB]: 50, [CHARLIE]: 50 }, 8));
  // pla first (unchecked), then plb against it: Bob has 0 now, so it fails and pla stands.
  assert.equal(resolveState([a.after, b.after], V1, getEvent).get(PL), a.id);
  // Swap the depths: plb first, then Alice's demotion passes against it and wins.
  const { add: add2, getEvent: get2, base: base2 } = room();
  const a2 = add2('pla', base2, power(ALICE, { [ALICE]: 100, [BOB]: 0 }, 8));
  const b2 = add2('plb', base2, power(BOB, { [ALICE]: 100, [BOB]: 50, [CHARLIE]: 50 }, 7));
  assert.equal(resolveState([a2.after, b2.after], V1, get2).get(PL), a2.id);
  // Bob's change alone against Alice's harmless one: both pass, the deeper one wins.
  const { add: add3, getEvent: get3, base: base3 } = room();
  const a3 = add3('pla', base3, power(ALICE, { [ALICE]: 100, [BOB]: 50, [CHARLIE]: 10 }, 7));
  const b3 = add3('plb', base3, power(BOB, { [ALICE]: 100, [BOB]: 50, [CHARLIE]: 20 }, 8));
  assert.equal(resolveState([a3.after, b3.after], V1, get3).get(PL), b3.id);
});

test('equal depths: descending sha1(event_id) is applied first', () => {
  const { add, getEvent, base } = room();
  const a = add('x1', base, power(ALICE, { [ALICE]: 100, [BOB]: 50, [CHARLIE]: 1 }, 7));
  const b = add('x2', base, power(ALICE, { [ALICE]: 100, [BOB]: 50, [CHARLIE]: 2 }, 7));
  // Both pass; the last applied is the one with the lower sha1.
  const expected = eventIdSha1Hex(a.id) < eventIdSha1Hex(b.id) ? a.id : b.id;
  assert.equal(resolveState([a.after, b.after], V1, getEvent).get(PL), expected);
  assert.equal(resolveState([b.after, a.after], V1, getEvent).get(PL), expected);
});

test('other keys: the deepest event that passes auth, else the shallowest', () => {
  const { add, getEvent, base } = room();
  const bob = add('tb', base, topic(BOB, 7)); // Bob has 50: allowed
  const charlie = add('tc', base, topic(CHARLIE, 8)); // Charlie has 0: refused
  assert.equal(resolveState([bob.after, charlie.after], V1, getEvent).get(TOPIC), bob.id);
  const alice = add('ta', base, topic(ALICE, 9));
  assert.equal(resolveState([bob.after, alice.after], V1, getEvent).get(TOPIC), alice.id);
  // Neither passes: the lowest depth is kept.
  const charlieLater = add('tc2', base, topic(CHARLIE, 10));
  assert.equal(resolveState([charlieLater.after, charlie.after], V1, getEvent).get(TOPIC), charlie.id);
});

test('power levels are resolved before the events they authorise', () => {
  const { add, getEvent, base } = room();
  // Fork 1: Alice demotes Bob. Fork 2: Bob sets the topic.
  const demote = add('pla', base, power(ALICE, { [ALICE]: 100, [BOB]: 0 }, 7));
  const bobTopic = add('tb', base, topic(BOB, 8));
  const withOldTopic = add('ta', demote.after, topic(ALICE, 8));
  const resolved = resolveState([withOldTopic.after, bobTopic.after], V1, getEvent);
  assert.equal(resolved.get(PL), demote.id);
  // Bob's topic is checked against the resolved power levels: refused; Alice's stands.
  assert.equal(resolved.get(TOPIC), withOldTopic.id);
});
