// complement: TestRoomUpgrade (tests/csapi/upgrade_rooms_test.go); sytest: tests/30rooms/60version_upgrade.pl
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer, type RegisteredUser, type TestServer } from '../helpers/test-server.js';
import { createRoom, join, V3 } from '../helpers/room-client.js';

const room = (roomId: string) => `${V3}/rooms/${encodeURIComponent(roomId)}`;

async function putState(hs: TestServer, user: RegisteredUser, roomId: string, type: string, content: unknown, key = '') {
  const res = await hs.request('PUT', `${room(roomId)}/state/${type}/${encodeURIComponent(key)}`, { token: user.accessToken, body: content });
  assert.equal(res.status, 200, `${type}: ${JSON.stringify(res.body)}`);
}

async function upgrade(hs: TestServer, user: RegisteredUser, roomId: string, body: Record<string, unknown>) {
  return hs.request('POST', `${room(roomId)}/upgrade`, { token: user.accessToken, body });
}

/** Current state of a room as (type, state_key) → event, read from storage (the black-box state API is another module). */
async function currentState(hs: TestServer, roomId: string) {
  const record = await hs.hs.storage.rooms.getRoom(roomId as never);
  assert.ok(record, `room ${roomId} exists`);
  const state = await hs.hs.storage.rooms.getStateGroup(record.currentStateGroup);
  const events = await hs.hs.storage.rooms.getEvents([...state.values()]);
  const byKey = new Map<string, { eventId: string; sender: string; content: Record<string, unknown> }>();
  for (const [key, id] of state) {
    const event = events.get(id);
    if (event) byKey.set(key.replace('\u0000', '|'), { eventId: id, sender: event.pdu.sender, content: event.pdu.content });
  }
  return { record, byKey, content: (type: string, key = '') => byKey.get(`${type}|${key}`)?.content };
}

test('POST /rooms/{roomId}/upgrade: tombstone, predecessor, copied state, moved aliases, restricted old room', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const bob = await hs.register('bob');
  const eve = await hs.register('eve');
  const oldRoom = await createRoom(hs, alice, {
    room_version: '10',
    visibility: 'public',
    preset: 'public_chat',
    name: 'Old name',
    topic: 'Old topic',
    room_alias_name: 'main',
  });
  await join(hs, bob, oldRoom);
  await join(hs, eve, oldRoom);
  const main = `#main:${hs.serverName}`;
  const alt = `#alt:${hs.serverName}`;
  assert.equal((await hs.request('PUT', `${V3}/directory/room/${encodeURIComponent(alt)}`, { token: alice.accessToken, body: { room_id: oldRoom } })).status, 200);
  await putState(hs, alice, oldRoom, 'm.room.canonical_alias', { alias: main, alt_aliases: [alt] });
  await putState(hs, alice, oldRoom, 'm.room.avatar', { url: 'mxc://hearth.test/avatar' });
  await putState(hs, alice, oldRoom, 'm.room.encryption', { algorithm: 'm.megolm.v1.aes-sha2' });
  await putState(hs, alice, oldRoom, 'm.room.server_acl', { allow: ['*'], deny: ['evil.test'], allow_ip_literals: false });
  await putState(hs, alice, oldRoom, 'm.room.history_visibility', { history_visibility: 'world_readable' });
  await putState(hs, alice, oldRoom, 'com.example.custom', { not: 'copied' });
  const before = await currentState(hs, oldRoom);
  const oldPl = before.content('m.room.power_levels') as Record<string, unknown>;
  await putState(hs, alice, oldRoom, 'm.room.power_levels', { ...oldPl, users: { ...(oldPl.users as object), [bob.userId]: 50 } });
  const ban = await hs.request('POST', `${room(oldRoom)}/ban`, { token: alice.accessToken, body: { user_id: eve.userId, reason: 'spam' } });
  assert.equal(ban.status, 200);

  const res = await upgrade(hs, alice, oldRoom, { new_version: '11' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const newRoom: string = res.body.replacement_room;
  assert.match(newRoom, /^!/);
  assert.notEqual(newRoom, oldRoom);

  const oldState = await currentState(hs, oldRoom);
  const newState = await currentState(hs, newRoom);
  // The old room: a tombstone pointing at the new room.
  const tombstone = oldState.byKey.get('m.room.tombstone|');
  assert.deepEqual(tombstone?.content, { body: 'This room has been replaced', replacement_room: newRoom });
  assert.equal(tombstone?.sender, alice.userId);
  // The new room: version 11, predecessor with the tombstone's ID (pre-v12 rooms carry it).
  assert.equal(newState.record.roomVersion, '11');
  assert.deepEqual(newState.content('m.room.create'), { room_version: '11', predecessor: { room_id: oldRoom, event_id: tombstone?.eventId } });
  assert.equal(newState.content('m.room.member', alice.userId)?.membership, 'join');

  // Copied state.
  assert.deepEqual(newState.content('m.room.name'), oldState.content('m.room.name'));
  assert.deepEqual(newState.content('m.room.topic'), oldState.content('m.room.topic'));
  assert.deepEqual(newState.content('m.room.avatar'), { url: 'mxc://hearth.test/avatar' });
  assert.deepEqual(newState.content('m.room.encryption'), { algorithm: 'm.megolm.v1.aes-sha2' });
  assert.deepEqual(newState.content('m.room.server_acl'), { allow: ['*'], deny: ['evil.test'], allow_ip_literals: false });
  assert.deepEqual(newState.content('m.room.join_rules'), { join_rule: 'public' });
  assert.deepEqual(newState.content('m.room.history_visibility'), { history_visibility: 'world_readable' });
  assert.equal(newState.content('com.example.custom'), undefined);
  // Members are not carried over, bans are.
  assert.equal(newState.content('m.room.member', bob.userId), undefined);
  assert.deepEqual(newState.content('m.room.member', eve.userId), { membership: 'ban', reason: 'spam' });

  // Power levels: the new room has the old ones (Bob keeps 50)...
  const newPl = newState.content('m.room.power_levels') as Record<string, Record<string, number>>;
  assert.equal(newPl.users?.[bob.userId], 50);
  assert.equal(newPl.users?.[alice.userId], 100);
  // ...and the old room needs moderator power to speak or invite.
  const restricted = oldState.content('m.room.power_levels') as Record<string, unknown>;
  assert.equal(restricted.events_default, 50);
  assert.equal(restricted.invite, 50);

  // Aliases moved; the canonical alias moved with them.
  const resolved = await hs.request('GET', `${V3}/directory/room/${encodeURIComponent(main)}`);
  assert.equal(resolved.body.room_id, newRoom);
  assert.deepEqual((await hs.request('GET', `${room(newRoom)}/aliases`, { token: alice.accessToken })).body.aliases.sort(), [alt, main].sort());
  assert.deepEqual(newState.content('m.room.canonical_alias'), { alias: main, alt_aliases: [alt] });
  assert.deepEqual(oldState.content('m.room.canonical_alias'), {});

  // The directory lists the new room instead of the old one.
  assert.deepEqual((await hs.request('GET', `${V3}/directory/list/room/${encodeURIComponent(oldRoom)}`)).body, { visibility: 'private' });
  assert.deepEqual((await hs.request('GET', `${V3}/directory/list/room/${encodeURIComponent(newRoom)}`)).body, { visibility: 'public' });

  // Bob can join the new room; a plain member can't speak in the old one any more.
  await join(hs, bob, newRoom);
  const carol = await hs.register('carol');
  await join(hs, carol, oldRoom);
  const speak = await hs.request('PUT', `${room(oldRoom)}/send/m.room.message/t1`, { token: carol.accessToken, body: { msgtype: 'm.text', body: 'hi' } });
  assert.equal(speak.status, 403);
});

test('upgrade to v12: predecessor without event_id, creators not in power levels, additional_creators', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const bob = await hs.register('bob');
  const oldRoom = await createRoom(hs, alice, { room_version: '11', preset: 'public_chat', name: 'Space', creation_content: { type: 'm.space' } });
  await join(hs, bob, oldRoom);
  const oldPl = (await currentState(hs, oldRoom)).content('m.room.power_levels') as Record<string, unknown>;
  await putState(hs, alice, oldRoom, 'm.room.power_levels', { ...oldPl, users: { ...(oldPl.users as object), [bob.userId]: 100 } });
  await putState(hs, alice, oldRoom, 'm.space.child', { via: [hs.serverName] }, '!child:hearth.test');
  await putState(hs, alice, oldRoom, 'm.space.child', {}, '!removed:hearth.test');

  // additional_creators must be user IDs.
  const invalid = await upgrade(hs, bob, oldRoom, { new_version: '12', additional_creators: ['not-a-user'] });
  assert.equal(invalid.status, 400);

  const res = await upgrade(hs, bob, oldRoom, { new_version: '12', additional_creators: [alice.userId] });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const newRoom: string = res.body.replacement_room;
  const newState = await currentState(hs, newRoom);
  assert.equal(newState.record.roomVersion, '12');
  assert.deepEqual(newState.content('m.room.create'), {
    room_version: '12',
    predecessor: { room_id: oldRoom },
    additional_creators: [alice.userId],
    type: 'm.space',
  });
  assert.equal(newState.byKey.get('m.room.create|')?.sender, bob.userId);
  // Creators have infinite power in v12 and are not listed.
  const users = (newState.content('m.room.power_levels') as { users: Record<string, number> }).users;
  assert.equal(users[alice.userId], undefined);
  assert.equal(users[bob.userId], undefined);
  // Space children are copied; removed ones (empty content) are not.
  assert.deepEqual(newState.content('m.space.child', '!child:hearth.test'), { via: [hs.serverName] });
  assert.equal(newState.content('m.space.child', '!removed:hearth.test'), undefined);
  const oldState = await currentState(hs, oldRoom);
  assert.deepEqual(oldState.content('m.room.tombstone'), { body: 'This room has been replaced', replacement_room: newRoom });
});

test('upgrade refusals: low power, not a member, unknown version, unknown room, missing new_version', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const bob = await hs.register('bob');
  const carol = await hs.register('carol');
  const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
  await join(hs, bob, roomId);

  const lowPower = await upgrade(hs, bob, roomId, { new_version: '11' });
  assert.equal(lowPower.status, 403);
  assert.equal(lowPower.body.errcode, 'M_FORBIDDEN');
  const outsider = await upgrade(hs, carol, roomId, { new_version: '11' });
  assert.equal(outsider.status, 403);
  assert.equal(outsider.body.errcode, 'M_FORBIDDEN');

  const unsupported = await upgrade(hs, alice, roomId, { new_version: '999' });
  assert.equal(unsupported.status, 400);
  assert.equal(unsupported.body.errcode, 'M_UNSUPPORTED_ROOM_VERSION');
  const unknownRoom = await upgrade(hs, alice, '!nope:hearth.test', { new_version: '11' });
  assert.equal(unknownRoom.status, 404);
  assert.equal(unknownRoom.body.errcode, 'M_NOT_FOUND');
  const missing = await upgrade(hs, alice, roomId, {});
  assert.equal(missing.status, 400);
  const noToken = await hs.request('POST', `${room(roomId)}/upgrade`, { body: { new_version: '11' } });
  assert.equal(noToken.status, 401);

  // Nothing happened to the room: no tombstone.
  assert.equal((await currentState(hs, roomId)).content('m.room.tombstone'), undefined);

  // Stringy power levels of an old room version become integers in a v10+ room.
  const v1 = await createRoom(hs, alice, { room_version: '1', preset: 'public_chat' });
  const v1Pl = (await currentState(hs, v1)).content('m.room.power_levels') as Record<string, unknown>;
  await putState(hs, alice, v1, 'm.room.power_levels', { ...v1Pl, state_default: '50', users: { [alice.userId]: '100' } });
  const upgraded = await upgrade(hs, alice, v1, { new_version: '10' });
  assert.equal(upgraded.status, 200, JSON.stringify(upgraded.body));
  const pl = (await currentState(hs, upgraded.body.replacement_room)).content('m.room.power_levels') as Record<string, unknown>;
  assert.equal(pl.state_default, 50);
  assert.deepEqual(pl.users, { [alice.userId]: 100 });
});
