// POST /user_directory/search black-box over HTTP (spec "User Directory", users.yaml): who is visible (shared
// rooms, public and world-readable rooms; not strangers, not deactivated users), matching on user ID and
// display name words, ranking, limit and limited. Plus matrix-js-sdk's searchUserDirectory.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { loadSdk, startClient, type Sdk } from '../helpers/js-sdk.js';
import { enc, roomClient, V3, type RoomClient } from '../helpers/room-client.js';
import { startTestServer, type RegisteredUser, type TestServer } from '../helpers/test-server.js';

let sdk: Sdk;
before(async () => {
  sdk = await loadSdk();
});

const search = (client: RoomClient, searchTerm: string, limit?: number) =>
  client.ok('POST', `${V3}/user_directory/search`, limit === undefined ? { search_term: searchTerm } : { search_term: searchTerm, limit });

const ids = async (client: RoomClient, term: string): Promise<string[]> =>
  (await search(client, term)).results.map((r: { user_id: string }) => r.user_id);

async function user(hs: TestServer, localpart: string, displayname?: string): Promise<RoomClient> {
  const client = roomClient(hs, await hs.register(localpart));
  if (displayname !== undefined) await client.ok('PUT', `${V3}/profile/${enc(client.userId)}/displayname`, { displayname });
  return client;
}

async function deactivate(hs: TestServer, who: RegisteredUser): Promise<void> {
  const first = await hs.request('POST', `${V3}/account/deactivate`, { token: who.accessToken, body: {} });
  const auth = { type: 'm.login.password', identifier: { type: 'm.id.user', user: who.userId }, password: who.password, session: first.body.session };
  const done = await hs.request('POST', `${V3}/account/deactivate`, { token: who.accessToken, body: { auth } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
}

// sytest: User directory shows users who share a private room; strangers are not shown
test('a user sharing a private room is found; a stranger is not; the requester is not shown from private rooms', async (t) => {
  const hs = await startTestServer(t);
  const alice = await user(hs, 'alice', 'Alice Liddell');
  const bob = await user(hs, 'bob', 'Robert Paulson');
  await user(hs, 'bobby', 'Stranger Bobby');
  const roomId = await alice.createRoom({ preset: 'private_chat', invite: [bob.userId] });
  await bob.join(roomId);

  assert.deepEqual(await ids(alice, 'bob'), [bob.userId], 'bobby shares no room and is not in a public room');
  assert.deepEqual(await search(alice, 'robert'), { results: [{ user_id: bob.userId, display_name: 'Robert Paulson' }], limited: false });
  assert.deepEqual(await ids(alice, 'PAUL'), [bob.userId], 'a prefix of a display name word, any case');
  assert.deepEqual(await ids(alice, 'aulson'), [], 'not the middle of a word');
  assert.deepEqual(await ids(bob, 'liddell alice'), [alice.userId], 'every word must match');
  assert.deepEqual(await ids(alice, 'alice'), [], 'the requester sharing only private rooms');
  assert.deepEqual(await ids(alice, ''), []);

  // Once bob leaves, they share no room.
  await bob.leave(roomId);
  assert.deepEqual(await ids(alice, 'bob'), []);
});

// sytest: User directory shows users in public rooms (search_all_users: false)
test('members of public and world-readable rooms are found by anyone; an invite is not enough', async (t) => {
  const hs = await startTestServer(t);
  const alice = await user(hs, 'alice');
  const carol = await user(hs, 'carol', 'Carol Public');
  const dave = await user(hs, 'dave', 'Dave Readable');
  const erin = await user(hs, 'erin', 'Erin Invited');
  await carol.createRoom({ preset: 'public_chat' });
  const readable = await dave.createRoom({
    preset: 'private_chat',
    initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'world_readable' } }],
  });
  await dave.invite(readable, erin.userId);

  assert.deepEqual(await ids(alice, 'carol'), [carol.userId]);
  assert.deepEqual(await ids(alice, 'readable'), [dave.userId]);
  assert.deepEqual(await ids(alice, 'erin'), [], 'invited, not joined');
  // The requester finds themselves when they are in a public room (Synapse's users_in_public_rooms).
  assert.deepEqual(await ids(carol, 'carol'), [carol.userId]);

  // A public room made private: its members are no longer shown to strangers.
  const room = await carol.createRoom({ preset: 'public_chat' });
  const frank = await user(hs, 'frank', 'Frank');
  await frank.join(room);
  assert.deepEqual(await ids(alice, 'frank'), [frank.userId]);
  await carol.setState(room, 'm.room.join_rules', '', { join_rule: 'invite' });
  assert.deepEqual(await ids(alice, 'frank'), []);
});

// sytest: User directory doesn't show deactivated users
test('a deactivated user is not shown', async (t) => {
  const hs = await startTestServer(t);
  const alice = await user(hs, 'alice');
  const gone = await hs.register('gone');
  const goneClient = roomClient(hs, gone);
  await goneClient.createRoom({ preset: 'public_chat' });
  assert.deepEqual(await ids(alice, 'gone'), [gone.userId]);
  await deactivate(hs, gone);
  assert.deepEqual(await ids(alice, 'gone'), []);
});

test('results are ranked, limited by limit (default 10) with limited set, and match user ID words', async (t) => {
  const hs = await startTestServer(t);
  const alice = await user(hs, 'alice');
  const roomId = await alice.createRoom({ preset: 'public_chat' });
  const members: RoomClient[] = [];
  for (let i = 0; i < 12; i++) {
    const member = await user(hs, `zed${String(i).padStart(2, '0')}`, i === 5 ? 'Zed' : undefined);
    await member.join(roomId);
    members.push(member);
  }
  await members[3]!.ok('PUT', `${V3}/profile/${enc(members[3]!.userId)}/avatar_url`, { avatar_url: 'mxc://hearth.test/zed' });

  const page = await search(alice, 'zed');
  assert.equal(page.results.length, 10);
  assert.equal(page.limited, true);
  // An exact word match ("Zed") first, then one with an avatar, then the rest by user ID.
  assert.deepEqual(page.results[0], { user_id: members[5]!.userId, display_name: 'Zed' });
  assert.equal(page.results[1].user_id, members[3]!.userId);
  assert.equal(page.results[1].avatar_url, 'mxc://hearth.test/zed');
  assert.equal(page.results[2].user_id, members[0]!.userId);

  const all = await search(alice, 'zed', 50);
  assert.equal(all.results.length, 12);
  assert.equal(all.limited, false);
  assert.deepEqual((await search(alice, 'zed', 0)).results, []);
  // User ID words: the localpart and the server name.
  assert.equal((await search(alice, 'zed07')).results[0].user_id, members[7]!.userId);
  assert.equal((await search(alice, 'hearth', 50)).results.length, 13, 'everyone visible is on hearth.test (alice too: she is in a public room)');
});

test('bad requests get 400s', async (t) => {
  const hs = await startTestServer(t);
  const alice = await user(hs, 'alice');
  for (const [body, errcode] of [
    [{}, 'M_MISSING_PARAM'],
    [{ search_term: 7 }, 'M_BAD_JSON'],
    [{ search_term: 'x', limit: -1 }, 'M_BAD_JSON'],
    [{ search_term: 'x', limit: 'ten' }, 'M_BAD_JSON'],
  ] as const) {
    const reply = await alice.raw('POST', `${V3}/user_directory/search`, body);
    assert.equal(reply.status, 400, JSON.stringify(body));
    assert.equal(reply.body.errcode, errcode, JSON.stringify(body));
  }
  const noToken = await hs.request('POST', `${V3}/user_directory/search`, { body: { search_term: 'x' } });
  assert.equal(noToken.status, 401);
});

// matrix-js-sdk searchUserDirectory
test('matrix-js-sdk searchUserDirectory finds a room partner', async (t) => {
  const hs = await startTestServer(t);
  const client = await startClient(sdk, hs, 'alice');
  t.after(() => client.stopClient());
  const bob = await user(hs, 'bob', 'Bob Builder');
  const { room_id: roomId } = await client.createRoom({ invite: [bob.userId] });
  await bob.join(roomId);
  const found = await client.searchUserDirectory({ term: 'build' });
  assert.deepEqual(found, { results: [{ user_id: bob.userId, display_name: 'Bob Builder' }], limited: false });
});
