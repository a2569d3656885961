// complement: TestRoomAlias, TestRoomCanonicalAlias, TestPublicRooms; sytest: tests/30rooms/05aliases.pl, 70publicroomslist.pl, tests/10apidoc/34room-directory.pl (room aliases, visibility, /publicRooms)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer, type RegisteredUser, type TestServer } from '../helpers/test-server.js';
import { createRoom, join, V3 } from '../helpers/room-client.js';

const aliasPath = (alias: string) => `${V3}/directory/room/${encodeURIComponent(alias)}`;
const listPath = (roomId: string) => `${V3}/directory/list/room/${encodeURIComponent(roomId)}`;

async function putState(hs: TestServer, user: RegisteredUser, roomId: string, type: string, content: unknown) {
  return hs.request('PUT', `${V3}/rooms/${encodeURIComponent(roomId)}/state/${type}/`, { token: user.accessToken, body: content });
}

/** The current content of a state event, read through the service layer (GET /state may not exist yet). */
async function stateContent(hs: TestServer, roomId: string, type: string): Promise<Record<string, unknown> | undefined> {
  const room = await hs.hs.storage.rooms.getRoom(roomId as never);
  assert.ok(room);
  const state = await hs.hs.storage.rooms.getStateGroup(room.currentStateGroup);
  const id = state.get(`${type}\u0000` as never);
  if (!id) return undefined;
  return (await hs.hs.storage.rooms.getEvents([id])).get(id)?.pdu.content;
}

test('PUT/GET/DELETE /directory/room/{roomAlias}: create, resolve and delete an alias', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
  const alias = `#lounge:${hs.serverName}`;

  const put = await hs.request('PUT', aliasPath(alias), { token: alice.accessToken, body: { room_id: roomId } });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.deepEqual(put.body, {});

  // Resolving needs no access token; this server comes first in `servers`.
  const got = await hs.request('GET', aliasPath(alias));
  assert.equal(got.status, 200, JSON.stringify(got.body));
  assert.deepEqual(got.body, { room_id: roomId, servers: [hs.serverName] });

  // Joining by the alias works.
  const bob = await hs.register('bob');
  await join(hs, bob, alias);

  const list = await hs.request('GET', `${V3}/rooms/${encodeURIComponent(roomId)}/aliases`, { token: bob.accessToken });
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.deepEqual(list.body, { aliases: [alias] });

  // A second mapping for the same alias: 409 (spec, Synapse).
  const again = await hs.request('PUT', aliasPath(alias), { token: alice.accessToken, body: { room_id: roomId } });
  assert.equal(again.status, 409);
  assert.equal(typeof again.body.errcode, 'string');

  const del = await hs.request('DELETE', aliasPath(alias), { token: alice.accessToken });
  assert.equal(del.status, 200, JSON.stringify(del.body));
  const gone = await hs.request('GET', aliasPath(alias));
  assert.equal(gone.status, 404);
  assert.equal(gone.body.errcode, 'M_NOT_FOUND');
  const delAgain = await hs.request('DELETE', aliasPath(alias), { token: alice.accessToken });
  assert.equal(delAgain.status, 404);
  assert.equal(delAgain.body.errcode, 'M_NOT_FOUND');

  // r0 serves the same.
  const r0 = await hs.request('GET', `/_matrix/client/r0/directory/room/${encodeURIComponent(alias)}`);
  assert.equal(r0.status, 404);
});

test('alias errors: invalid, remote, unknown room, not a member, taken by createRoom', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const bob = await hs.register('bob');
  const roomId = await createRoom(hs, alice, { room_alias_name: 'taken' });

  for (const bad of ['nohash:hearth.test', '#nocolon', '#has space:hearth.test']) {
    const res = await hs.request('PUT', aliasPath(bad), { token: alice.accessToken, body: { room_id: roomId } });
    assert.equal(res.status, 400, bad);
    assert.equal(res.body.errcode, 'M_INVALID_PARAM', bad);
    const get = await hs.request('GET', aliasPath(bad));
    assert.equal(get.status, 400, bad);
    assert.equal(get.body.errcode, 'M_INVALID_PARAM', bad);
  }
  const remote = await hs.request('PUT', aliasPath('#x:elsewhere.test'), { token: alice.accessToken, body: { room_id: roomId } });
  assert.equal(remote.status, 400);
  // Remote aliases can't be resolved until federation.
  assert.equal((await hs.request('GET', aliasPath('#x:elsewhere.test'))).status, 404);

  const unknownRoom = await hs.request('PUT', aliasPath(`#a:${hs.serverName}`), { token: alice.accessToken, body: { room_id: '!nope:hearth.test' } });
  assert.equal(unknownRoom.status, 400);

  // require_membership_for_aliases: only members may create aliases.
  const notMember = await hs.request('PUT', aliasPath(`#b:${hs.serverName}`), { token: bob.accessToken, body: { room_id: roomId } });
  assert.equal(notMember.status, 403);
  assert.equal(notMember.body.errcode, 'M_FORBIDDEN');

  const noToken = await hs.request('PUT', aliasPath(`#c:${hs.serverName}`), { body: { room_id: roomId } });
  assert.equal(noToken.status, 401);
  assert.equal(noToken.body.errcode, 'M_MISSING_TOKEN');
  const noRoomId = await hs.request('PUT', aliasPath(`#c:${hs.serverName}`), { token: alice.accessToken, body: {} });
  assert.equal(noRoomId.status, 400);

  // createRoom with a taken room_alias_name: M_ROOM_IN_USE.
  const clash = await hs.request('POST', `${V3}/createRoom`, { token: bob.accessToken, body: { room_alias_name: 'taken' } });
  assert.equal(clash.status, 400);
  assert.equal(clash.body.errcode, 'M_ROOM_IN_USE');
});

test('DELETE /directory/room: creator, users able to send m.room.canonical_alias, or server admins', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const bob = await hs.register('bob');
  const carol = await hs.register('carol');
  const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
  await join(hs, bob, roomId);
  await join(hs, carol, roomId);

  const bobs = `#bobs:${hs.serverName}`;
  assert.equal((await hs.request('PUT', aliasPath(bobs), { token: bob.accessToken, body: { room_id: roomId } })).status, 200);
  const alices = `#alices:${hs.serverName}`;
  assert.equal((await hs.request('PUT', aliasPath(alices), { token: alice.accessToken, body: { room_id: roomId } })).status, 200);

  // Carol (level 0) neither created it nor may send m.room.canonical_alias (50).
  const denied = await hs.request('DELETE', aliasPath(bobs), { token: carol.accessToken });
  assert.equal(denied.status, 403);
  assert.equal(denied.body.errcode, 'M_FORBIDDEN');
  // Bob deletes his own alias although he has no power.
  assert.equal((await hs.request('DELETE', aliasPath(bobs), { token: bob.accessToken })).status, 200);
  // Bob may not delete Alice's; Alice (100) may delete anyone's.
  assert.equal((await hs.request('DELETE', aliasPath(alices), { token: bob.accessToken })).status, 403);

  const carols = `#carols:${hs.serverName}`;
  assert.equal((await hs.request('PUT', aliasPath(carols), { token: carol.accessToken, body: { room_id: roomId } })).status, 200);
  assert.equal((await hs.request('DELETE', aliasPath(carols), { token: alice.accessToken })).status, 200);

  // A server admin who isn't in the room.
  const admin = await hs.register('admin');
  await hs.hs.storage.users.setAdmin(admin.userId as never, true);
  assert.equal((await hs.request('DELETE', aliasPath(alices), { token: admin.accessToken })).status, 200);
});

test('deleting the canonical alias (or an alt alias) updates m.room.canonical_alias', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const roomId = await createRoom(hs, alice, { preset: 'public_chat', room_alias_name: 'main' });
  const main = `#main:${hs.serverName}`;
  const alt = `#alt:${hs.serverName}`;
  const other = `#other:${hs.serverName}`;
  for (const alias of [alt, other]) {
    assert.equal((await hs.request('PUT', aliasPath(alias), { token: alice.accessToken, body: { room_id: roomId } })).status, 200);
  }
  const set = await putState(hs, alice, roomId, 'm.room.canonical_alias', { alias: main, alt_aliases: [alt, other] });
  assert.equal(set.status, 200, JSON.stringify(set.body));

  assert.equal((await hs.request('DELETE', aliasPath(alt), { token: alice.accessToken })).status, 200);
  assert.deepEqual(await stateContent(hs, roomId, 'm.room.canonical_alias'), { alias: main, alt_aliases: [other] });
  assert.equal((await hs.request('DELETE', aliasPath(main), { token: alice.accessToken })).status, 200);
  assert.deepEqual(await stateContent(hs, roomId, 'm.room.canonical_alias'), { alt_aliases: [other] });
  assert.equal((await hs.request('DELETE', aliasPath(other), { token: alice.accessToken })).status, 200);
  assert.deepEqual(await stateContent(hs, roomId, 'm.room.canonical_alias'), {});

  // The alias creator without power to change the event: the alias goes, the event stays (spec note).
  const bob = await hs.register('bob');
  await join(hs, bob, roomId);
  const bobs = `#bobs:${hs.serverName}`;
  assert.equal((await hs.request('PUT', aliasPath(bobs), { token: bob.accessToken, body: { room_id: roomId } })).status, 200);
  assert.equal((await putState(hs, alice, roomId, 'm.room.canonical_alias', { alias: bobs })).status, 200);
  assert.equal((await hs.request('DELETE', aliasPath(bobs), { token: bob.accessToken })).status, 200);
  assert.equal((await hs.request('GET', aliasPath(bobs))).status, 404);
  assert.deepEqual(await stateContent(hs, roomId, 'm.room.canonical_alias'), { alias: bobs });
});

test('GET /rooms/{roomId}/aliases: members and world-readable rooms only', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const bob = await hs.register('bob');
  const roomId = await createRoom(hs, alice, { room_alias_name: 'one' });
  const path = `${V3}/rooms/${encodeURIComponent(roomId)}/aliases`;

  assert.deepEqual((await hs.request('GET', path, { token: alice.accessToken })).body, { aliases: [`#one:${hs.serverName}`] });
  const outsider = await hs.request('GET', path, { token: bob.accessToken });
  assert.equal(outsider.status, 403);
  assert.equal(outsider.body.errcode, 'M_FORBIDDEN');
  const unknown = await hs.request('GET', `${V3}/rooms/${encodeURIComponent('!nope:hearth.test')}/aliases`, { token: bob.accessToken });
  assert.equal(unknown.status, 403);
  assert.equal((await hs.request('GET', path)).status, 401);

  assert.equal((await putState(hs, alice, roomId, 'm.room.history_visibility', { history_visibility: 'world_readable' })).status, 200);
  assert.equal((await hs.request('GET', path, { token: bob.accessToken })).status, 200);
});

test('GET/PUT /directory/list/room/{roomId}: visibility and who may change it', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const bob = await hs.register('bob');
  const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
  await join(hs, bob, roomId);

  const initial = await hs.request('GET', listPath(roomId));
  assert.equal(initial.status, 200);
  assert.deepEqual(initial.body, { visibility: 'private' });
  const unknown = await hs.request('GET', listPath('!nope:hearth.test'));
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errcode, 'M_NOT_FOUND');

  // Bob (level 0) can't publish; Alice can; visibility defaults to public.
  const denied = await hs.request('PUT', listPath(roomId), { token: bob.accessToken, body: { visibility: 'public' } });
  assert.equal(denied.status, 403);
  assert.equal(denied.body.errcode, 'M_FORBIDDEN');
  assert.equal((await hs.request('PUT', listPath(roomId), { token: alice.accessToken, body: {} })).status, 200);
  assert.deepEqual((await hs.request('GET', listPath(roomId))).body, { visibility: 'public' });

  const bad = await hs.request('PUT', listPath(roomId), { token: alice.accessToken, body: { visibility: 'secret' } });
  assert.equal(bad.status, 400);
  const carol = await hs.register('carol');
  const outsider = await hs.request('PUT', listPath(roomId), { token: carol.accessToken, body: { visibility: 'private' } });
  assert.equal(outsider.status, 403);
  const unknownPut = await hs.request('PUT', listPath('!nope:hearth.test'), { token: alice.accessToken, body: { visibility: 'public' } });
  assert.equal(unknownPut.status, 400);

  // A server admin may change any room's entry.
  await hs.hs.storage.users.setAdmin(carol.userId as never, true);
  assert.equal((await hs.request('PUT', listPath(roomId), { token: carol.accessToken, body: { visibility: 'private' } })).status, 200);
  assert.deepEqual((await hs.request('GET', listPath(roomId))).body, { visibility: 'private' });

  // createRoom visibility: public publishes the room.
  const published = await createRoom(hs, alice, { visibility: 'public' });
  assert.deepEqual((await hs.request('GET', listPath(published))).body, { visibility: 'public' });
});

test('GET/POST /publicRooms: entries, order, filters and pagination', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const users = [await hs.register('u1'), await hs.register('u2'), await hs.register('u3')];

  const big = await createRoom(hs, alice, { visibility: 'public', name: 'Big Room', topic: 'Lots of FROGS', room_alias_name: 'big' });
  for (const user of users) await join(hs, user, big);
  const medium = await createRoom(hs, alice, { visibility: 'public', name: 'Medium' });
  await join(hs, users[0] as RegisteredUser, medium);
  const space = await createRoom(hs, alice, { visibility: 'public', name: 'A space', creation_content: { type: 'm.space' } });
  const small = await createRoom(hs, alice, { visibility: 'public', topic: 'quiet' });
  // Private rooms and invite-only published rooms are not listed.
  await createRoom(hs, alice, { preset: 'public_chat', name: 'Unpublished' });
  const inviteOnly = await createRoom(hs, alice, { preset: 'private_chat', name: 'Invite only' });
  assert.equal((await hs.request('PUT', listPath(inviteOnly), { token: alice.accessToken, body: { visibility: 'public' } })).status, 200);

  const all = await hs.request('GET', `${V3}/publicRooms`, { token: alice.accessToken });
  assert.equal(all.status, 200, JSON.stringify(all.body));
  assert.equal(all.body.total_room_count_estimate, 4);
  assert.deepEqual(all.body.chunk[0], {
    room_id: big,
    name: 'Big Room',
    topic: 'Lots of FROGS',
    canonical_alias: `#big:${hs.serverName}`,
    num_joined_members: 4,
    world_readable: false,
    guest_can_join: false,
    join_rule: 'public',
  });
  assert.equal(all.body.chunk[1].room_id, medium);
  // Ties on member count: room ID descending (Synapse).
  const ties = [space, small].sort().reverse();
  assert.deepEqual(all.body.chunk.slice(2).map((entry: { room_id: string }) => entry.room_id), ties);
  assert.equal(all.body.chunk.find((entry: { room_id: string }) => entry.room_id === space).room_type, 'm.space');
  assert.equal(all.body.next_batch, undefined);
  assert.equal(all.body.prev_batch, undefined);

  // Synapse requires an access token for GET by default; POST always.
  assert.equal((await hs.request('GET', `${V3}/publicRooms`)).status, 401);
  assert.equal((await hs.request('POST', `${V3}/publicRooms`, { body: {} })).status, 401);

  // Pagination: forwards with next_batch, then back with prev_batch.
  const page1 = await hs.request('GET', `${V3}/publicRooms?limit=3`, { token: alice.accessToken });
  assert.equal(page1.body.chunk.length, 3);
  assert.equal(page1.body.prev_batch, undefined);
  assert.equal(typeof page1.body.next_batch, 'string');
  const page2 = await hs.request('GET', `${V3}/publicRooms?limit=3&since=${encodeURIComponent(page1.body.next_batch)}`, { token: alice.accessToken });
  assert.deepEqual(page2.body.chunk.map((entry: { room_id: string }) => entry.room_id), [all.body.chunk[3].room_id]);
  assert.equal(page2.body.next_batch, undefined);
  assert.equal(typeof page2.body.prev_batch, 'string');
  const back = await hs.request('POST', `${V3}/publicRooms`, { token: alice.accessToken, body: { limit: 3, since: page2.body.prev_batch } });
  assert.deepEqual(back.body.chunk, page1.body.chunk);
  assert.equal(typeof back.body.next_batch, 'string');
  const bad = await hs.request('GET', `${V3}/publicRooms?since=garbage`, { token: alice.accessToken });
  assert.equal(bad.status, 400);

  // generic_search_term: name, topic or alias, case-insensitive.
  const search = async (filter: Record<string, unknown>) =>
    (await hs.request('POST', `${V3}/publicRooms`, { token: alice.accessToken, body: { filter } })).body.chunk.map(
      (entry: { room_id: string }) => entry.room_id,
    );
  assert.deepEqual(await search({ generic_search_term: 'frogs' }), [big]);
  assert.deepEqual(await search({ generic_search_term: 'MEDI' }), [medium]);
  assert.deepEqual(await search({ generic_search_term: '#big:' }), [big]);
  assert.deepEqual(await search({ generic_search_term: 'QUIET' }), [small]);
  assert.deepEqual(await search({ generic_search_term: 'nothing matches' }), []);
  // room_types: null is "no type".
  assert.deepEqual(await search({ room_types: ['m.space'] }), [space]);
  assert.deepEqual((await search({ room_types: [null] })).length, 3);
  assert.deepEqual((await search({ room_types: [null, 'm.space'] })).length, 4);

  // server: this server, an invalid name, a remote one (needs federation).
  assert.equal((await hs.request('GET', `${V3}/publicRooms?server=${hs.serverName}`, { token: alice.accessToken })).body.chunk.length, 4);
  const invalid = await hs.request('GET', `${V3}/publicRooms?server=${encodeURIComponent('bad name!')}`, { token: alice.accessToken });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.errcode, 'M_INVALID_PARAM');
  const remote = await hs.request('POST', `${V3}/publicRooms?server=elsewhere.test`, { token: alice.accessToken, body: {} });
  assert.equal(remote.status, 502);

  // include_all_networks lists the same rooms; a network list is empty; both together are refused.
  const networks = await hs.request('POST', `${V3}/publicRooms`, { token: alice.accessToken, body: { include_all_networks: true } });
  assert.equal(networks.body.chunk.length, 4);
  const network = await hs.request('POST', `${V3}/publicRooms`, { token: alice.accessToken, body: { third_party_instance_id: 'irc' } });
  assert.deepEqual(network.body.chunk, []);
  const both = await hs.request('POST', `${V3}/publicRooms`, {
    token: alice.accessToken,
    body: { include_all_networks: true, third_party_instance_id: 'irc' },
  });
  assert.equal(both.status, 400);

  // Unpublishing removes the room; a room everyone left is not listed.
  assert.equal((await hs.request('PUT', listPath(medium), { token: alice.accessToken, body: { visibility: 'private' } })).status, 200);
  assert.equal(
    (await hs.request('POST', `${V3}/publicRooms`, { token: alice.accessToken, body: {} })).body.chunk.some(
      (entry: { room_id: string }) => entry.room_id === medium,
    ),
    false,
  );
  assert.equal((await hs.request('POST', `${V3}/rooms/${encodeURIComponent(small)}/leave`, { token: alice.accessToken, body: {} })).status, 200);
  const afterLeave = await hs.request('POST', `${V3}/publicRooms`, { token: alice.accessToken, body: {} });
  assert.equal(afterLeave.body.total_room_count_estimate, 2);
});
