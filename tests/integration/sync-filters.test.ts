// /sync filters, field by field (spec "Filtering", definitions/sync_filter.yaml, room_event_filter.yaml), the
// room summary, lazy-loaded members, use_state_after, and the errors bad filters get.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roomClient, V3, enc } from '../helpers/room-client.js';
import { startTestServer } from '../helpers/test-server.js';

interface ClientEvent {
  type: string;
  state_key?: string;
  event_id?: string;
  sender?: string;
  content?: Record<string, unknown>;
  [key: string]: unknown;
}

async function setup(t: Parameters<typeof startTestServer>[0]) {
  const hs = await startTestServer(t);
  const [alice, bob, carol] = await Promise.all([hs.register('alice'), hs.register('bob'), hs.register('carol')]);
  return { hs, a: roomClient(hs, alice!), b: roomClient(hs, bob!), c: roomClient(hs, carol!) };
}

const inline = (filter: unknown) => JSON.stringify(filter);
const bodies = (events: ClientEvent[]) => events.filter((event) => event.type === 'm.room.message').map((event) => event.content?.body);

test('timeline filters: types with wildcards, not_types, senders, not_senders, contains_url, limit over filtered events', async (t) => {
  const { a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.ok('POST', `${V3}/join/${enc(roomId)}`, {});
  await a.say(roomId, 'a1');
  await b.say(roomId, 'b1');
  await a.send(roomId, { msgtype: 'm.image', body: 'pic', url: 'mxc://x/y' });
  await a.send(roomId, { key: 'v' }, 'org.example.custom');
  for (let i = 0; i < 30; i++) await b.send(roomId, { n: i }, 'org.example.noise');
  await a.say(roomId, 'a2');

  const timeline = async (filter: Record<string, unknown>) =>
    (await a.sync({ filter: inline({ room: { timeline: filter } }) })).rooms.join[roomId].timeline as { events: ClientEvent[]; limited: boolean };

  // The limit counts events that pass the filter: the 30 noise events in between don't crowd out a1.
  const messages = await timeline({ types: ['m.room.message'], limit: 4 });
  assert.deepEqual(bodies(messages.events), ['a1', 'b1', 'pic', 'a2']);
  assert.equal(messages.limited, false);
  const limited = await timeline({ types: ['m.room.message'], limit: 2 });
  assert.deepEqual(bodies(limited.events), ['pic', 'a2']);
  assert.equal(limited.limited, true);

  assert.deepEqual((await timeline({ types: ['org.example.*'], limit: 2 })).events.map((e) => e.type), ['org.example.noise', 'org.example.noise']);
  const notNoise = await timeline({ not_types: ['org.example.noise', 'm.room.member'], limit: 3 });
  assert.deepEqual(notNoise.events.map((e) => e.type), ['m.room.message', 'org.example.custom', 'm.room.message']);
  assert.deepEqual(bodies((await timeline({ senders: [b.userId], types: ['m.room.message'] })).events), ['b1']);
  assert.deepEqual(bodies((await timeline({ not_senders: [b.userId], types: ['m.room.message'] })).events), ['a1', 'pic', 'a2']);
  assert.deepEqual(bodies((await timeline({ contains_url: true })).events), ['pic']);
  const noUrl = await timeline({ contains_url: false, types: ['m.room.message'] });
  assert.deepEqual(bodies(noUrl.events), ['a1', 'b1', 'a2']);
  // A section's rooms / not_rooms empties just that section.
  const excluded = await a.sync({ filter: inline({ room: { timeline: { not_rooms: [roomId] } } }) });
  assert.deepEqual(excluded.rooms.join[roomId].timeline.events, []);
  assert.ok(excluded.rooms.join[roomId].state.events.length > 0, 'the state is still there');
});

test('state filters, room rooms/not_rooms, event_fields and event_format', async (t) => {
  const { a } = await setup(t);
  const first = await a.createRoom({ name: 'First', topic: 'one' });
  const second = await a.createRoom({ name: 'Second' });

  const onlyFirst = await a.sync({ filter: inline({ room: { rooms: [first] } }) });
  assert.deepEqual(Object.keys(onlyFirst.rooms.join), [first]);
  const notFirst = await a.sync({ filter: inline({ room: { not_rooms: [first] } }) });
  assert.deepEqual(Object.keys(notFirst.rooms.join), [second]);

  const stateTypes = await a.sync({ filter: inline({ room: { rooms: [first], state: { types: ['m.room.name', 'm.room.topic'] }, timeline: { limit: 1 } } }) });
  const state = stateTypes.rooms.join[first].state.events as ClientEvent[];
  assert.deepEqual(state.map((e) => e.type).sort(), ['m.room.name', 'm.room.topic'].filter((type) => !stateTypes.rooms.join[first].timeline.events.some((e: ClientEvent) => e.type === type)).sort());

  const fields = await a.sync({ filter: inline({ event_fields: ['type', 'content.name'], room: { rooms: [first], timeline: { limit: 50 } } }) });
  const events = [...fields.rooms.join[first].state.events, ...fields.rooms.join[first].timeline.events] as ClientEvent[];
  const name = events.find((event) => event.type === 'm.room.name');
  assert.deepEqual(name, { type: 'm.room.name', content: { name: 'First' } });
  for (const event of events) assert.deepEqual(Object.keys(event).filter((key) => key !== 'type' && key !== 'content'), []);

  const federation = await a.sync({ filter: inline({ event_format: 'federation', room: { rooms: [first], timeline: { limit: 50 } } }) });
  const pdu = (federation.rooms.join[first].timeline.events as ClientEvent[]).find((event) => event.type === 'm.room.name');
  assert.ok(pdu, 'the name event is in the timeline');
  for (const key of ['auth_events', 'prev_events', 'depth', 'hashes', 'signatures', 'room_id']) assert.ok(key in pdu, `federation format has ${key}`);
});

test('presence and account_data filters with a limit apply to those sections', async (t) => {
  const { a, b } = await setup(t);
  for (const type of ['org.example.one', 'org.example.two', 'org.example.three']) {
    await a.ok('PUT', `${V3}/user/${enc(a.userId)}/account_data/${type}`, { v: type });
  }
  const all = await a.sync();
  const types = (all.account_data.events as ClientEvent[]).map((e) => e.type);
  for (const type of ['org.example.one', 'org.example.two', 'org.example.three']) assert.ok(types.includes(type), `${type} delivered`);
  const some = await a.sync({ filter: inline({ account_data: { types: ['org.example.t*'] } }) });
  assert.deepEqual((some.account_data.events as ClientEvent[]).map((e) => e.type).sort(), ['org.example.three', 'org.example.two']);
  const none = await a.sync({ filter: inline({ account_data: { not_types: ['*'] } }) });
  assert.deepEqual(none.account_data.events, []);
  const one = await a.sync({ filter: inline({ account_data: { types: ['org.example.*'], limit: 1 } }) });
  assert.equal(one.account_data.events.length, 1);

  // Presence of a user sharing a room (bob syncs, so he is online); the presence filter's senders apply.
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.ok('POST', `${V3}/join/${enc(roomId)}`, {});
  await b.sync();
  const senders = (sync: { presence: { events: ClientEvent[] } }) => sync.presence.events.map((e) => e.sender);
  assert.ok(senders(await a.sync()).includes(b.userId), 'bob is in the presence section');
  assert.ok(!senders(await a.sync({ filter: inline({ presence: { not_senders: [b.userId] } }) })).includes(b.userId));
  assert.deepEqual(senders(await a.sync({ filter: inline({ presence: { types: ['m.nothing'] } }) })), []);
});

test('lazy_load_members: only the senders of timeline events (and the user), without redundant members unless asked', async (t) => {
  const { hs, a, b, c } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat', name: 'Named, so no heroes' });
  const extra = await Promise.all(['dora', 'eve', 'fred'].map((name) => hs.register(name)));
  for (const client of [b, c, ...extra.map((user) => roomClient(hs, user!))]) await client.ok('POST', `${V3}/join/${enc(roomId)}`, {});
  await b.say(roomId, 'hello from bob');
  await c.say(roomId, 'hello from carol');
  const filter = inline({ room: { rooms: [roomId], state: { lazy_load_members: true }, timeline: { limit: 2 } } });
  const members = (room: { state: { events: ClientEvent[] } }) =>
    room.state.events.filter((e) => e.type === 'm.room.member').map((e) => e.state_key).sort();

  const initial = await a.sync({ filter });
  const room = initial.rooms.join[roomId];
  assert.deepEqual(members(room), [a.userId, b.userId, c.userId].sort(), 'the senders and the user only');
  assert.deepEqual(room.summary, { 'm.joined_member_count': 6, 'm.invited_member_count': 0 });

  // Bob speaks again: his member event was already sent to this device, so it isn't repeated...
  await b.say(roomId, 'again');
  const next = await a.sync({ filter, since: initial.next_batch });
  assert.deepEqual(members(next.rooms.join[roomId]), []);
  // ...but a sender new to this device comes with their member event.
  const dora = roomClient(hs, extra[0]!);
  await dora.say(roomId, 'first words');
  const after = await a.sync({ filter, since: next.next_batch });
  assert.deepEqual(members(after.rooms.join[roomId]), [dora.userId]);

  // include_redundant_members: sent every time.
  const redundant = inline({ room: { rooms: [roomId], state: { lazy_load_members: true, include_redundant_members: true }, timeline: { limit: 2 } } });
  await b.say(roomId, 'once more');
  const again = await a.sync({ filter: redundant, since: after.next_batch });
  assert.deepEqual(members(again.rooms.join[roomId]), [a.userId, b.userId].sort(), 'the sender and the user, again');

  // Without lazy loading, the initial sync has every member.
  const full = await a.sync({ filter: inline({ room: { rooms: [roomId], timeline: { limit: 2 } } }) });
  assert.equal(full.rooms.join[roomId].state.events.filter((e: ClientEvent) => e.type === 'm.room.member').length, 6);
});

test('a room without a name gets heroes in its summary; a named room none', async (t) => {
  const { a, b } = await setup(t);
  const unnamed = await a.createRoom({ preset: 'private_chat', invite: [b.userId] });
  const named = await a.createRoom({ preset: 'private_chat', name: 'Named', invite: [b.userId] });
  const filter = inline({ room: { state: { lazy_load_members: true } } });
  const sync = await a.sync({ filter });
  assert.deepEqual(sync.rooms.join[unnamed].summary, { 'm.joined_member_count': 1, 'm.invited_member_count': 1, 'm.heroes': [b.userId] });
  assert.deepEqual(sync.rooms.join[named].summary, { 'm.joined_member_count': 1, 'm.invited_member_count': 1 });
  // Bob's invite member event comes along for the hero even though he hasn't spoken (in state, as the timeline starts later).
  await a.say(unnamed, 'anyone?');
  const late = await a.sync({ filter: inline({ room: { rooms: [unnamed], state: { lazy_load_members: true }, timeline: { limit: 1 } } }) });
  assert.ok(late.rooms.join[unnamed].state.events.some((e: ClientEvent) => e.type === 'm.room.member' && e.state_key === b.userId));
});

test('use_state_after gives the state at the end of the timeline in state_after and omits state', async (t) => {
  const { a } = await setup(t);
  const roomId = await a.createRoom({ name: 'Before' });
  const initial = await a.sync({ use_state_after: 'true' });
  const room = initial.rooms.join[roomId];
  assert.equal(room.state, undefined);
  assert.ok((room.state_after.events as ClientEvent[]).some((e) => e.type === 'm.room.name' && e.content?.name === 'Before'));
  await a.setState(roomId, 'm.room.name', '', { name: 'After' });
  const next = await a.sync({ since: initial.next_batch, use_state_after: 'true' });
  const changed = next.rooms.join[roomId];
  // The timeline has the rename, and state_after includes it too (unlike `state`).
  assert.ok((changed.timeline.events as ClientEvent[]).some((e) => e.type === 'm.room.name'));
  assert.deepEqual((changed.state_after.events as ClientEvent[]).map((e) => [e.type, e.content?.name]), [['m.room.name', 'After']]);
  const plain = await a.sync({ since: initial.next_batch });
  assert.deepEqual(plain.rooms.join[roomId].state.events, []);
});

test('bad filters get M_BAD_JSON (wrong types), M_TOO_LARGE, or M_NOT_FOUND; nothing 500s', async (t) => {
  const { a } = await setup(t);
  const bad: unknown[] = [
    [],
    'string',
    { room: [] },
    { room: { timeline: { limit: 'ten' } } },
    { room: { timeline: { limit: 0 } } },
    { room: { timeline: { limit: 1.5 } } },
    { room: { state: { types: 'm.room.name' } } },
    { room: { state: { types: [1] } } },
    { room: { state: { lazy_load_members: 'yes' } } },
    { room: { timeline: { contains_url: 1 } } },
    { room: { timeline: { unread_thread_notifications: 'true' } } },
    { room: { rooms: '!x:y' } },
    { room: { include_leave: 1 } },
    { room: { ephemeral: { not_senders: {} } } },
    { room: { account_data: null } },
    { presence: { senders: [null] } },
    { account_data: { limit: -1 } },
    { event_fields: 'content' },
    { event_format: 'xml' },
  ];
  for (const filter of bad) {
    const upload = await a.raw('POST', `${V3}/user/${enc(a.userId)}/filter`, filter);
    assert.equal(upload.status, 400, `upload ${JSON.stringify(filter)}: ${upload.status}`);
    assert.equal((upload.body as { errcode: string }).errcode, Array.isArray(filter) || typeof filter !== 'object' ? (upload.body as { errcode: string }).errcode : 'M_BAD_JSON');
    if (typeof filter === 'object' && !Array.isArray(filter)) {
      const inlineSync = await a.raw('GET', `${V3}/sync?filter=${enc(JSON.stringify(filter))}`);
      assert.equal(inlineSync.status, 400, `inline ${JSON.stringify(filter)}`);
      assert.equal((inlineSync.body as { errcode: string }).errcode, 'M_BAD_JSON');
    }
  }
  const malformed = await a.raw('GET', `${V3}/sync?filter=${enc('{"room": ')}`);
  assert.equal(malformed.status, 400);
  assert.equal((malformed.body as { errcode: string }).errcode, 'M_BAD_JSON');
  const huge = { room: { not_types: Array.from({ length: 600 }, (_, i) => `org.example.type.number.${i}.${'padding.'.repeat(15)}`) } };
  const tooLarge = await a.raw('POST', `${V3}/user/${enc(a.userId)}/filter`, huge);
  assert.equal(tooLarge.status, 413);
  assert.equal((tooLarge.body as { errcode: string }).errcode, 'M_TOO_LARGE');
  const unknown = await a.raw('GET', `${V3}/sync?filter=424242`);
  assert.equal(unknown.status, 400);
  assert.equal((unknown.body as { errcode: string }).errcode, 'M_NOT_FOUND');
  // Unknown fields are kept (forward compatibility) and don't break a sync.
  const extra = await a.ok('POST', `${V3}/user/${enc(a.userId)}/filter`, { org_example_future: { x: 1 }, room: { timeline: { limit: 3, org_example: true } } });
  const fetched = await a.ok('GET', `${V3}/user/${enc(a.userId)}/filter/${extra.filter_id}`);
  assert.deepEqual(fetched.org_example_future, { x: 1 });
  await a.sync({ filter: extra.filter_id });
});
