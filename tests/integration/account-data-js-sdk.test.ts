// Account data, tags, read markers and ignored users seen by matrix-js-sdk's real sync loop (CONVENTIONS §8).
// complement: TestAddAccountData, TestRoomTags, TestIgnoredUsers (driven by matrix-js-sdk).
import assert from 'node:assert/strict';
import { before, test, type TestContext } from 'node:test';
import { loadSdk, startClient as start, until as untilOn, type Sdk, type SdkClient as Client } from '../helpers/js-sdk.js';
import { enc, V3 } from '../helpers/room-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let sdk: Sdk;
before(async () => {
  sdk = await loadSdk();
});

const until = (client: Client, predicate: () => boolean, what: string, ms?: number) => untilOn(sdk, client, predicate, what, ms);
// The sdk types account data by the types it knows; custom types are as valid on the wire.
const accountData = (client: Client, type: string) => client.getAccountData(type as never)?.getContent();

async function clients(t: TestContext) {
  const hs = await startTestServer(t);
  const alice = await start(sdk, hs, 'alice');
  const bob = await start(sdk, hs, 'bob');
  t.after(() => {
    alice.stopClient();
    bob.stopClient();
  });
  return { hs, alice, bob, aliceId: alice.getUserId()!, bobId: bob.getUserId()! };
}

/** A PUT made behind the client's back (as another device would), so the client can only learn of it by syncing. */
async function put(hs: TestServer, client: Client, path: string, body: unknown): Promise<void> {
  const res = await hs.request('PUT', `${V3}${path}`, { token: client.getAccessToken()!, body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

test('matrix-js-sdk sees global and room account data and room tags arrive in its sync loop', async (t) => {
  const { hs, alice, aliceId, bobId } = await clients(t);
  const { room_id: roomId } = await alice.createRoom({ preset: sdk.Preset.PrivateChat, name: 'Tagged' });
  await until(alice, () => alice.getRoom(roomId) !== null, 'the room');

  await put(hs, alice, `/user/${enc(aliceId)}/account_data/org.example.settings`, { theme: 'dark' });
  await until(alice, () => accountData(alice, 'org.example.settings')?.theme === 'dark', 'global account data');
  await put(hs, alice, `/user/${enc(aliceId)}/account_data/m.direct`, { [bobId]: [roomId] });
  await until(alice, () => (accountData(alice, 'm.direct')?.[bobId] as string[] | undefined)?.[0] === roomId, 'm.direct');

  await put(hs, alice, `/user/${enc(aliceId)}/rooms/${enc(roomId)}/tags/m.favourite`, { order: 0.5 });
  await until(alice, () => alice.getRoom(roomId)?.tags['m.favourite']?.order === 0.5, 'the m.favourite tag');
  // The sdk's own calls work too, and removal arrives as a new m.tag.
  await alice.setRoomTag(roomId, 'u.work', {});
  await until(alice, () => alice.getRoom(roomId)?.tags['u.work'] !== undefined, 'u.work');
  await alice.deleteRoomTag(roomId, 'm.favourite');
  await until(alice, () => alice.getRoom(roomId)?.tags['m.favourite'] === undefined, 'the removal');
  assert.deepEqual(Object.keys(alice.getRoom(roomId)?.tags ?? {}), ['u.work']);

  await put(hs, alice, `/user/${enc(aliceId)}/rooms/${enc(roomId)}/account_data/org.example.room`, { pinned: 3 });
  await until(alice, () => alice.getRoom(roomId)?.getAccountData('org.example.room')?.getContent().pinned === 3, 'room account data');
  assert.deepEqual(await alice.getAccountDataFromServer('org.example.settings' as never), { theme: 'dark' });
});

test('matrix-js-sdk: read markers move the fully read marker; ignoring a user hides their messages', async (t) => {
  const { alice, bob, bobId } = await clients(t);
  const { room_id: roomId } = await alice.createRoom({ preset: sdk.Preset.PublicChat });
  await bob.joinRoom(roomId);
  await until(alice, () => alice.getRoom(roomId)?.getMember(bobId)?.membership === 'join', 'bob joined');
  const { event_id: eventId } = await bob.sendTextMessage(roomId, 'read me');
  await until(alice, () => alice.getRoom(roomId)?.findEventById(eventId) !== undefined, 'the message');

  await alice.setRoomReadMarkers(roomId, eventId);
  await until(alice, () => alice.getRoom(roomId)?.getAccountData('m.fully_read')?.getContent().event_id === eventId, 'm.fully_read');

  await alice.setIgnoredUsers([bobId]);
  await until(alice, () => alice.isUserIgnored(bobId), 'bob ignored');
  await bob.sendTextMessage(roomId, 'you will not see this');
  const { event_id: marker } = await alice.sendTextMessage(roomId, 'after');
  await until(alice, () => alice.getRoom(roomId)?.findEventById(marker)?.status === null, 'own message echoed');
  const bodies = (alice.getRoom(roomId)?.getLiveTimeline().getEvents() ?? [])
    .filter((event) => event.getType() === 'm.room.message')
    .map((event) => event.getContent().body);
  assert.ok(!bodies.includes('you will not see this'), JSON.stringify(bodies));
  assert.deepEqual(alice.getIgnoredUsers(), [bobId]);
});
