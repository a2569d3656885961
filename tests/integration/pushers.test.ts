// Pushers and push gateway delivery against the real server and a real HTTP push gateway (child process).
// Spec: client-server-api "Push Notifications" (pusher.yaml), push-gateway-api POST /_matrix/push/v1/notify.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startPushGateway, type PushGateway } from '../helpers/push-gateway.js';
import { roomClient, V3, type RoomClient } from '../helpers/room-client.js';
import { startTestServer } from '../helpers/test-server.js';

function httpPusher(gateway: PushGateway | { notifyUrl: string }, pushkey: string, extra: Record<string, unknown> = {}) {
  return {
    kind: 'http',
    app_id: 'org.example.app',
    app_display_name: 'Example',
    device_display_name: 'Phone',
    pushkey,
    lang: 'en',
    data: { url: gateway.notifyUrl },
    ...extra,
  };
}

async function setup(t: TestContext) {
  const hs = await startTestServer(t);
  const alice = roomClient(hs, await hs.register('alice'));
  const bob = roomClient(hs, await hs.register('bob'));
  return { hs, alice, bob };
}

/** A room where `sender` and `receiver` are joined (a 1:1 room: every message notifies). */
async function sharedRoom(sender: RoomClient, receiver: RoomClient, body: Record<string, unknown> = {}): Promise<string> {
  const roomId = await sender.createRoom({ preset: 'public_chat', ...body });
  await receiver.join(roomId);
  return roomId;
}

const pushers = async (client: RoomClient) => (await client.ok('GET', `${V3}/pushers`)).pushers as Array<Record<string, unknown>>;

// sytest: Can add an HTTP pusher; Pushers are listed; complement: TestPushersSet
test('pushers: set, list, replace, and delete with kind null', async (t) => {
  const { alice } = await setup(t);
  const gateway = { notifyUrl: 'https://push.example.org/_matrix/push/v1/notify' };
  assert.deepEqual(await pushers(alice), []);
  await alice.ok('POST', `${V3}/pushers/set`, httpPusher(gateway, 'key-1', { profile_tag: 'tag', data: { url: gateway.notifyUrl, format: 'event_id_only', extra: 1 } }));
  assert.deepEqual(await pushers(alice), [
    {
      pushkey: 'key-1',
      kind: 'http',
      app_id: 'org.example.app',
      app_display_name: 'Example',
      device_display_name: 'Phone',
      profile_tag: 'tag',
      lang: 'en',
      data: { url: gateway.notifyUrl, format: 'event_id_only', extra: 1 },
    },
  ]);
  // Same app_id and pushkey: replaced, not added.
  await alice.ok('POST', `${V3}/pushers/set`, httpPusher(gateway, 'key-1', { lang: 'fr' }));
  await alice.ok('POST', `${V3}/pushers/set`, httpPusher(gateway, 'key-2'));
  const listed = await pushers(alice);
  assert.deepEqual(listed.map((p) => [p.pushkey, p.lang]), [['key-1', 'fr'], ['key-2', 'en']]);
  assert.equal('profile_tag' in (listed[0] ?? {}), false);

  await alice.ok('POST', `${V3}/pushers/set`, { kind: null, app_id: 'org.example.app', pushkey: 'key-1' });
  assert.deepEqual((await pushers(alice)).map((p) => p.pushkey), ['key-2']);
  // Deleting one that isn't there is fine (as Synapse).
  await alice.ok('POST', `${V3}/pushers/set`, { kind: null, app_id: 'org.example.app', pushkey: 'key-1' });
  // r0 serves the same.
  assert.equal((await alice.ok('GET', '/_matrix/client/r0/pushers')).pushers.length, 1);
});

test('pushers: append false takes the pushkey from other users, append true shares it', async (t) => {
  const { hs, alice, bob } = await setup(t);
  const carol = roomClient(hs, await hs.register('carol'));
  const gateway = { notifyUrl: 'https://push.example.org/_matrix/push/v1/notify' };
  await alice.ok('POST', `${V3}/pushers/set`, httpPusher(gateway, 'shared'));
  await bob.ok('POST', `${V3}/pushers/set`, httpPusher(gateway, 'shared', { append: true }));
  assert.equal((await pushers(alice)).length, 1);
  assert.equal((await pushers(bob)).length, 1);
  // Spec: "Otherwise, the homeserver must remove any other pushers with the same App ID and pushkey for different users."
  await carol.ok('POST', `${V3}/pushers/set`, httpPusher(gateway, 'shared', { append: false }));
  assert.equal((await pushers(alice)).length, 0);
  assert.equal((await pushers(bob)).length, 0);
  assert.equal((await pushers(carol)).length, 1);
});

// sytest: Setting an HTTP pusher with an invalid URL fails; complement: TestPushersSet invalid
test('pushers: invalid pushers are refused with a clear error and change nothing', async (t) => {
  const { hs, alice } = await setup(t);
  const url = 'https://push.example.org/_matrix/push/v1/notify';
  const base = httpPusher({ notifyUrl: url }, 'key');
  const cases: Array<[string, unknown, number, string]> = [
    ['ftp URL', { ...base, data: { url: 'ftp://push.example.org/_matrix/push/v1/notify' } }, 400, 'M_INVALID_PARAM'],
    ['relative URL', { ...base, data: { url: '/_matrix/push/v1/notify' } }, 400, 'M_INVALID_PARAM'],
    ['wrong path', { ...base, data: { url: 'https://push.example.org/notify' } }, 400, 'M_INVALID_PARAM'],
    ['URL not a string', { ...base, data: { url: 42 } }, 400, 'M_INVALID_PARAM'],
    ['no URL', { ...base, data: {} }, 400, 'M_MISSING_PARAM'],
    ['data not an object', { ...base, data: 'x' }, 400, 'M_BAD_JSON'],
    ['unknown format', { ...base, data: { url, format: 'full' } }, 400, 'M_INVALID_PARAM'],
    ['email kind', { ...base, kind: 'email', app_id: 'm.email', pushkey: 'a@example.org' }, 400, 'M_INVALID_PARAM'],
    ['unknown kind', { ...base, kind: 'carrier-pigeon' }, 400, 'M_INVALID_PARAM'],
    ['kind not a string', { ...base, kind: 5 }, 400, 'M_INVALID_PARAM'],
    ['no kind', { app_id: 'a', pushkey: 'k' }, 400, 'M_MISSING_PARAM'],
    ['no app_id', { ...base, app_id: undefined }, 400, 'M_MISSING_PARAM'],
    ['no pushkey', { ...base, pushkey: undefined }, 400, 'M_MISSING_PARAM'],
    ['app_id over 64 chars', { ...base, app_id: 'a'.repeat(65) }, 400, 'M_INVALID_PARAM'],
    ['pushkey over 512 bytes', { ...base, pushkey: 'é'.repeat(257) }, 400, 'M_INVALID_PARAM'],
    ['no lang', { ...base, lang: undefined }, 400, 'M_MISSING_PARAM'],
    ['no app_display_name', { ...base, app_display_name: undefined }, 400, 'M_MISSING_PARAM'],
    ['append not a boolean', { ...base, append: 'yes' }, 400, 'M_INVALID_PARAM'],
    ['body an array', [base], 400, 'M_BAD_JSON'],
  ];
  for (const [what, body, status, errcode] of cases) {
    const response = await alice.raw('POST', `${V3}/pushers/set`, body);
    assert.equal(response.status, status, `${what}: ${JSON.stringify(response.body)}`);
    assert.equal(response.body.errcode, errcode, what);
    assert.equal(typeof response.body.error, 'string', what);
  }
  assert.deepEqual(await pushers(alice), []);
  // The limits themselves are allowed.
  await alice.ok('POST', `${V3}/pushers/set`, { ...base, app_id: 'a'.repeat(64), pushkey: 'k'.repeat(512) });
  assert.equal((await pushers(alice)).length, 1);
  const anonymous = (await fetch(new URL(`${V3}/pushers`, hs.baseUrl))).status;
  assert.equal(anonymous, 401);
});

test('pushers: a pusher goes with the device that set it (logout, device deletion)', async (t) => {
  const { hs, alice } = await setup(t);
  const url = 'https://push.example.org/_matrix/push/v1/notify';
  const second = await hs.login('alice', alice.user.password);
  assert.equal(second.status, 200);
  const phone = roomClient(hs, { ...alice.user, accessToken: second.body.access_token, deviceId: second.body.device_id });
  await alice.ok('POST', `${V3}/pushers/set`, httpPusher({ notifyUrl: url }, 'from-first'));
  await phone.ok('POST', `${V3}/pushers/set`, httpPusher({ notifyUrl: url }, 'from-phone'));
  assert.deepEqual((await pushers(alice)).map((p) => p.pushkey), ['from-first', 'from-phone']);
  await phone.ok('POST', `${V3}/logout`, {});
  assert.deepEqual((await pushers(alice)).map((p) => p.pushkey), ['from-first']);
});

// sytest: Test that a message is pushed
test('delivery: the gateway gets the spec notify body for a message, and event_id_only gets the IDs only', async (t) => {
  const { alice, bob } = await setup(t);
  const gateway = await startPushGateway(t);
  const roomId = await sharedRoom(alice, bob, { name: 'Mission Control' });
  await bob.ok('PUT', `${V3}/profile/${encodeURIComponent(bob.userId)}/displayname`, { displayname: 'Bob' });
  await alice.ok('PUT', `${V3}/profile/${encodeURIComponent(alice.userId)}/displayname`, { displayname: 'Major Tom' });
  await bob.ok('POST', `${V3}/pushers/set`, httpPusher(gateway, 'bob-full', { data: { url: gateway.notifyUrl, custom: 'kept' } }));
  await bob.ok('POST', `${V3}/pushers/set`, httpPusher(gateway, 'bob-ids', { app_id: 'org.example.ids', data: { url: gateway.notifyUrl, format: 'event_id_only' } }));

  const eventId = await alice.say(roomId, "I'm floating in a most peculiar way.");
  const [full] = await gateway.waitFor('bob-full', (r) => r.length >= 1, 'the full notification');
  const notification = full?.body.notification;
  assert.equal(notification.event_id, eventId);
  assert.equal(notification.room_id, roomId);
  assert.equal(notification.type, 'm.room.message');
  assert.equal(notification.sender, alice.userId);
  assert.equal(notification.sender_display_name, 'Major Tom');
  assert.equal(notification.room_name, 'Mission Control');
  assert.deepEqual(notification.content, { msgtype: 'm.text', body: "I'm floating in a most peculiar way." });
  assert.ok(notification.prio === 'high' || notification.prio === 'low');
  assert.deepEqual(notification.counts, { unread: 1 });
  assert.equal(notification.devices.length, 1);
  const [device] = notification.devices;
  assert.equal(device.app_id, 'org.example.app');
  assert.equal(device.pushkey, 'bob-full');
  assert.equal(typeof device.pushkey_ts, 'number');
  assert.ok(Math.abs(device.pushkey_ts - Date.now() / 1000) < 120, 'pushkey_ts is in seconds');
  // data minus url (spec: "Servers MUST forward the entire content including format and any custom keys but excluding url").
  assert.deepEqual(device.data, { custom: 'kept' });
  // 1:1 room: .m.rule.room_one_to_one sets sound: default (and no highlight).
  assert.deepEqual(device.tweaks, { sound: 'default' });

  const [ids] = await gateway.waitFor('bob-ids', (r) => r.length >= 1, 'the event_id_only notification');
  assert.deepEqual(Object.keys(ids?.body.notification).sort(), ['counts', 'devices', 'event_id', 'prio', 'room_id']);
  assert.equal(ids?.body.notification.event_id, eventId);
  assert.deepEqual(ids?.body.notification.devices[0].data, { format: 'event_id_only' });

  // The sender's own event never goes to their own pushers; events that don't notify go nowhere.
  await alice.ok('POST', `${V3}/pushers/set`, httpPusher(gateway, 'alice-key'));
  await alice.say(roomId, 'mine');
  await alice.setState(roomId, 'org.example.state', '', { quiet: true });
  await bob.say(roomId, 'to alice');
  await gateway.waitFor('alice-key', (r) => r.length === 1, 'alice notified of bob only');
  const forAlice = await gateway.receivedFor('alice-key');
  assert.equal(forAlice[0]?.body.notification.content.body, 'to alice');
  const forBob = await gateway.receivedFor('bob-full');
  assert.deepEqual(forBob.map((r) => r.body.notification.content?.body), ["I'm floating in a most peculiar way.", 'mine']);
});

test('delivery: a mention is pushed with high priority and the highlight tweak', async (t) => {
  const { hs, alice, bob } = await setup(t);
  const carol = roomClient(hs, await hs.register('carol'));
  const gateway = await startPushGateway(t);
  // Three members: plain messages notify through .m.rule.message (no sound).
  const roomId = await sharedRoom(alice, bob);
  await carol.join(roomId);
  await bob.ok('POST', `${V3}/pushers/set`, httpPusher(gateway, 'bob'));
  await alice.say(roomId, 'plain');
  await alice.send(roomId, { msgtype: 'm.text', body: 'hey bob', 'm.mentions': { user_ids: [bob.userId] } });
  const requests = await gateway.waitFor('bob', (r) => r.length >= 2, 'two notifications');
  const [plain, mention] = requests.map((r) => r.body.notification);
  assert.equal(plain.prio, 'low');
  assert.deepEqual(plain.devices[0].tweaks, {});
  assert.equal(mention.prio, 'high');
  assert.deepEqual(mention.devices[0].tweaks, { sound: 'default', highlight: true });
  assert.deepEqual(mention.counts, { unread: 2 });
});

// sytest: Test that rejected pushers are removed.
test('delivery: a failing gateway is retried until it answers; a rejected pushkey loses its pusher', async (t) => {
  const { alice, bob } = await setup(t);
  const gateway = await startPushGateway(t);
  const roomId = await sharedRoom(alice, bob);
  await bob.ok('POST', `${V3}/pushers/set`, httpPusher(gateway, 'flaky'));
  await gateway.behave('flaky', { fail: 2 });
  const first = await alice.say(roomId, 'one');
  const second = await alice.say(roomId, 'two');
  // 500, retry after 1 s: 500, retry after 2 s: 200; then the second notification, in order.
  const requests = await gateway.waitFor('flaky', (r) => r.filter((x) => x.status === 200).length >= 2, 'retried delivery', 15_000);
  assert.deepEqual(requests.map((r) => [r.status, r.body.notification.event_id]), [
    [500, first],
    [500, first],
    [200, first],
    [200, second],
  ]);
  const gap1 = (requests[1]?.ts ?? 0) - (requests[0]?.ts ?? 0);
  const gap2 = (requests[2]?.ts ?? 0) - (requests[1]?.ts ?? 0);
  assert.ok(gap1 >= 900, `first retry after ~1 s (${gap1} ms)`);
  assert.ok(gap2 >= 1_800, `backoff doubles (${gap2} ms)`);

  await bob.ok('POST', `${V3}/pushers/set`, httpPusher(gateway, 'doomed', { app_id: 'org.example.doomed' }));
  await gateway.behave('doomed', { reject: true });
  await alice.say(roomId, 'three');
  await gateway.waitFor('doomed', (r) => r.length === 1, 'the rejected notification');
  const deadline = Date.now() + 5_000;
  while ((await pushers(bob)).some((p) => p.pushkey === 'doomed')) {
    assert.ok(Date.now() < deadline, 'the rejected pusher is removed');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.deepEqual((await pushers(bob)).map((p) => p.pushkey), ['flaky']);
  await alice.say(roomId, 'four');
  await gateway.waitFor('flaky', (r) => r.filter((x) => x.status === 200).length >= 4, 'flaky still served');
  assert.equal((await gateway.receivedFor('doomed')).length, 1);
});

// Spec push-gateway-api: a notification with only `counts` (and `devices`) updates the badge; Synapse sends one on a read receipt.
test('delivery: a read receipt sends a counts-only badge update; a receipt that does not move sends none', async (t) => {
  const { alice, bob } = await setup(t);
  const gateway = await startPushGateway(t);
  const roomId = await sharedRoom(alice, bob);
  await bob.ok('POST', `${V3}/pushers/set`, httpPusher(gateway, 'bob'));
  const eventId = await alice.say(roomId, 'read me');
  const [message] = await gateway.waitFor('bob', (r) => r.length >= 1, 'the message notification');
  assert.deepEqual(message?.body.notification.counts, { unread: 1 });

  const receipt = `${V3}/rooms/${encodeURIComponent(roomId)}/receipt/m.read/${encodeURIComponent(eventId)}`;
  await bob.ok('POST', receipt, {});
  const requests = await gateway.waitFor('bob', (r) => r.length >= 2, 'the badge update');
  const badge = requests[1]?.body.notification;
  assert.deepEqual(Object.keys(badge).sort(), ['counts', 'devices']);
  assert.deepEqual(badge.counts, { unread: 0 });
  assert.equal(badge.devices[0].pushkey, 'bob');
  assert.equal(badge.devices[0].app_id, 'org.example.app');

  // The same receipt again stores nothing: no badge update. The next message (unread 1 again) is the next request.
  await bob.ok('POST', receipt, {});
  await alice.say(roomId, 'and me');
  const after = await gateway.waitFor('bob', (r) => r.some((x) => x.body.notification.content?.body === 'and me'), 'the second message');
  assert.deepEqual(after.map((r) => r.body.notification.event_id === undefined ? `badge ${r.body.notification.counts.unread}` : r.body.notification.content.body), [
    'read me',
    'badge 0',
    'and me',
  ]);
});

// The server answers sends at once whatever the gateway does.
test('delivery: sending never waits for the gateway', async (t) => {
  const { alice, bob } = await setup(t);
  const roomId = await sharedRoom(alice, bob);
  // A gateway that never answers (a port that accepts and says nothing): a listening socket we never read.
  const { createServer } = await import('node:net');
  const sockets: Array<import('node:net').Socket> = [];
  const silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  const port = (silent.address() as { port: number }).port;
  await bob.ok('POST', `${V3}/pushers/set`, httpPusher({ notifyUrl: `http://127.0.0.1:${port}/_matrix/push/v1/notify` }, 'silent'));
  const started = Date.now();
  for (let i = 0; i < 5; i++) await alice.say(roomId, `m${i}`);
  assert.ok(Date.now() - started < 2_000, 'sends are not held up by the gateway');
});
