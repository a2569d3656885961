// complement: TestSyncRoomsJoinInviteLeave (driven by matrix-js-sdk's real sync loop)
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { loadSdk, type Sdk } from '../helpers/js-sdk.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let sdk: Sdk;
before(async () => {
  sdk = await loadSdk();
});

type Client = ReturnType<Sdk['createClient']>;

async function startClient(hs: TestServer, localpart: string): Promise<Client> {
  const user = await hs.register(localpart);
  const client = sdk.createClient({ baseUrl: hs.baseUrl, accessToken: user.accessToken, userId: user.userId, deviceId: user.deviceId });
  const ready = new Promise<void>((resolve) => {
    client.on(sdk.ClientEvent.Sync, (state: string) => {
      if (state === 'PREPARED') resolve();
    });
  });
  await client.startClient({ initialSyncLimit: 20 });
  await ready;
  return client;
}

/** Resolves when `predicate` holds, checked after every sync. */
function until(client: Client, predicate: () => boolean, what: string, ms = 10_000): Promise<void> {
  if (predicate()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(sdk.ClientEvent.Sync, check);
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const check = () => {
      if (predicate()) {
        clearTimeout(timer);
        client.off(sdk.ClientEvent.Sync, check);
        resolve();
      }
    };
    client.on(sdk.ClientEvent.Sync, check);
  });
}

const bodies = (client: Client, roomId: string) =>
  (client.getRoom(roomId)?.getLiveTimeline().getEvents() ?? [])
    .filter((event) => event.getType() === 'm.room.message')
    .map((event) => event.getContent().body as string);

test('two matrix-js-sdk clients: create, invite, join, chat both ways, name and topic, leave', async (t) => {
  const hs = await startTestServer(t);
  const alice = await startClient(hs, 'alice');
  const bob = await startClient(hs, 'bob');
  t.after(() => {
    alice.stopClient();
    bob.stopClient();
  });

  const { room_id: roomId } = await alice.createRoom({ preset: sdk.Preset.PrivateChat, name: 'Family', invite: [bob.getUserId()!] });
  await until(bob, () => bob.getRoom(roomId)?.getMyMembership() === 'invite', 'the invite');
  await bob.joinRoom(roomId);
  await until(alice, () => alice.getRoom(roomId)?.getMember(bob.getUserId()!)?.membership === 'join', 'bob joined');

  await alice.sendTextMessage(roomId, 'hello bob');
  await until(bob, () => bodies(bob, roomId).includes('hello bob'), 'alice message');
  await bob.sendTextMessage(roomId, 'hi alice');
  await until(alice, () => bodies(alice, roomId).includes('hi alice'), 'bob message');

  await alice.setRoomName(roomId, 'Family chat');
  await alice.setRoomTopic(roomId, 'Everything');
  await until(bob, () => bob.getRoom(roomId)?.name === 'Family chat', 'the new name');
  await until(bob, () => bob.getRoom(roomId)?.currentState.getStateEvents('m.room.topic', '')?.getContent().topic === 'Everything', 'topic');

  await bob.leave(roomId);
  await until(alice, () => alice.getRoom(roomId)?.getMember(bob.getUserId()!)?.membership === 'leave', 'bob left');
  assert.equal(alice.getRoom(roomId)?.getJoinedMemberCount(), 1);
  alice.stopClient();
  bob.stopClient();
});
