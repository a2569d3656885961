// Send-to-device messaging over HTTP and matrix-js-sdk: exactly-once delivery per device, acknowledgement by
// the next token (also across a restart), `*`, paging beyond 100, transaction idempotency, bad input.
import assert from 'node:assert/strict';
import { before, test, type TestContext } from 'node:test';
import { loadSdk, startClients, until, type Sdk, type SdkClient } from '../helpers/js-sdk.js';
import { enc, roomClient, V3, type RoomClient } from '../helpers/room-client.js';
import { tempDir, writeConfig } from '../helpers/spawn-server.js';
import { RELAXED_RATE_LIMITS, startTestServer } from '../helpers/test-server.js';

let sdk: Sdk;
before(async () => {
  sdk = await loadSdk();
});

interface ToDeviceEvent {
  sender: string;
  type: string;
  content: Record<string, unknown>;
}

const send = (c: RoomClient, type: string, txnId: string, messages: unknown) =>
  c.raw('PUT', `${V3}/sendToDevice/${enc(type)}/${enc(txnId)}`, { messages });
const toDevice = (sync: { to_device?: { events: ToDeviceEvent[] } }): ToDeviceEvent[] => sync.to_device?.events ?? [];

async function setup(t: TestContext) {
  const hs = await startTestServer(t);
  const [alice, bob] = await Promise.all([hs.register('alice'), hs.register('bob')]);
  return { hs, a: roomClient(hs, alice!), b: roomClient(hs, bob!) };
}

// sytest: Can send a message directly to a device using PUT /sendToDevice; Can recv a device message using /sync;
// Can send a to-device message to two users which both receive it using /sync
test('a message is delivered to the device once, until the next token acknowledges it', async (t) => {
  const { a, b } = await setup(t);
  const start = await b.sync();
  assert.deepEqual(toDevice(start), []);
  assert.equal((await send(a, 'm.room_key_request', 'txn1', { [b.userId]: { [b.user.deviceId]: { hello: 'bob' } } })).status, 200);

  const got = await b.sync({ since: start.next_batch, timeout: 0 });
  assert.deepEqual(toDevice(got), [{ sender: a.userId, type: 'm.room_key_request', content: { hello: 'bob' } }]);
  // The same token again (as if the response were lost): delivered again, never lost.
  assert.equal(toDevice(await b.sync({ since: start.next_batch, timeout: 0 })).length, 1);
  // The next token acknowledges it.
  const next = await b.sync({ since: got.next_batch, timeout: 0 });
  assert.deepEqual(toDevice(next), []);
  assert.deepEqual(toDevice(await b.sync({ since: start.next_batch, timeout: 0 })), [], 'acknowledged messages are gone');
  assert.deepEqual(toDevice(await b.sync()), []);
  // The sender got nothing.
  assert.deepEqual(toDevice(await a.sync()), []);
});

// sytest: Can recv device messages until they are acknowledged
test('a long-polling sync wakes for a message; `*` reaches every device of the user', async (t) => {
  const { hs, a, b } = await setup(t);
  const login = await hs.login('bob', b.user.password, { device_id: 'SECOND' });
  assert.equal(login.status, 200);
  const b2 = roomClient(hs, { ...b.user, accessToken: login.body.access_token, deviceId: 'SECOND' });
  const [s1, s2] = await Promise.all([b.sync(), b2.sync()]);
  const waiting = b.sync({ since: s1.next_batch, timeout: 10_000 });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = Date.now();
  assert.equal((await send(a, 'm.test', 'all', { [b.userId]: { '*': { n: 1 } } })).status, 200);
  const woke = await waiting;
  assert.ok(Date.now() - started < 5_000, 'answered at once');
  assert.deepEqual(toDevice(woke).map((e) => e.content), [{ n: 1 }]);
  assert.deepEqual(toDevice(await b2.sync({ since: s2.next_batch, timeout: 0 })).map((e) => e.content), [{ n: 1 }]);
});

// sytest: Can send a to-device message using PUT /sendToDevice with the same txnId twice
test('a retransmitted transaction is delivered once; the same txnId from another device is a new message', async (t) => {
  const { hs, a, b } = await setup(t);
  const start = await b.sync();
  const messages = { [b.userId]: { [b.user.deviceId]: { once: true } } };
  assert.equal((await send(a, 'm.test', 'same', messages)).status, 200);
  assert.equal((await send(a, 'm.test', 'same', messages)).status, 200);
  const login = await hs.login('alice', a.user.password, { device_id: 'OTHER' });
  const a2 = roomClient(hs, { ...a.user, accessToken: login.body.access_token, deviceId: 'OTHER' });
  assert.equal((await send(a2, 'm.test', 'same', messages)).status, 200);
  assert.equal(toDevice(await b.sync({ since: start.next_batch, timeout: 0 })).length, 2);
});

test('more than 100 messages arrive over several syncs, each exactly once and in order', async (t) => {
  const { a, b } = await setup(t);
  let { next_batch: since } = await b.sync();
  for (let i = 0; i < 130; i++) assert.equal((await send(a, 'm.n', `n${i}`, { [b.userId]: { [b.user.deviceId]: { i } } })).status, 200);
  const seen: number[] = [];
  for (let round = 0; round < 5; round++) {
    const sync = await b.sync({ since, timeout: 0 });
    const events = toDevice(sync);
    if (round === 0) assert.equal(events.length, 100, 'at most 100 per response');
    seen.push(...events.map((e) => e.content.i as number));
    since = sync.next_batch;
    if (events.length === 0) break;
  }
  assert.deepEqual(seen, Array.from({ length: 130 }, (_, i) => i));
});

test('bad input: not a user ID, missing or malformed messages; remote users are skipped; unknown devices get nothing', async (t) => {
  const { a, b } = await setup(t);
  const start = await b.sync();
  const notUser = await send(a, 'm.test', 'bad1', { 'not-a-user': { D: {} } });
  assert.equal(notUser.status, 400);
  assert.equal(notUser.body.errcode, 'M_INVALID_PARAM');
  const missing = await a.raw('PUT', `${V3}/sendToDevice/m.test/bad2`, {});
  assert.equal(missing.status, 400);
  assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
  for (const [i, messages] of [[1], { [b.userId]: 'x' }, { [b.userId]: { D: 'not an object' } }].entries()) {
    const bad = await send(a, 'm.test', `bad3-${i}`, messages);
    assert.equal(bad.status, 400, JSON.stringify(messages));
    assert.equal(bad.body.errcode, 'M_BAD_JSON');
  }
  const noBody = await a.raw('PUT', `${V3}/sendToDevice/m.test/bad4`);
  assert.equal(noBody.body.errcode, 'M_NOT_JSON');
  // No federation yet: the remote part is dropped, the local part delivered.
  const mixed = await send(a, 'm.test', 'mixed', { '@carol:elsewhere.example': { X: { r: 1 } }, [b.userId]: { [b.user.deviceId]: { local: 1 }, NOSUCH: { ghost: 1 } } });
  assert.equal(mixed.status, 200);
  assert.deepEqual(toDevice(await b.sync({ since: start.next_batch, timeout: 0 })).map((e) => e.content), [{ local: 1 }]);
  const empty = await b.raw('PUT', `${V3}/sendToDevice/m.test/x`, { messages: {} });
  assert.equal(empty.status, 200, 'an empty message map is fine');
});

// Hearth durability: the inbox and stream positions survive a restart.
test('after a restart, an old token still acknowledges what it saw and nothing is repeated or lost', async (t) => {
  const dataDir = tempDir(t);
  writeConfig(dataDir, {
    server_name: 'restart.test',
    listeners: { public: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
    rate_limits: RELAXED_RATE_LIMITS,
    log: { level: 'warn' },
  });
  const first = await startTestServer(t, { dataDir });
  const [alice, bob] = [await first.register('alice'), await first.register('bob')];
  const a1 = roomClient(first, alice);
  const b1 = roomClient(first, bob);
  const start = await b1.sync();
  await send(a1, 'm.test', 'r1', { [bob.userId]: { [bob.deviceId]: { n: 1 } } });
  const got = await b1.sync({ since: start.next_batch, timeout: 0 });
  assert.equal(toDevice(got).length, 1);
  await send(a1, 'm.test', 'r2', { [bob.userId]: { [bob.deviceId]: { n: 2 } } });
  await first.close();

  const second = await startTestServer(t, { dataDir });
  const a2 = roomClient(second, alice);
  const b2 = roomClient(second, bob);
  const after = await b2.sync({ since: got.next_batch, timeout: 0 });
  assert.deepEqual(toDevice(after).map((e) => e.content), [{ n: 2 }], 'n=1 was acknowledged, n=2 waits');
  await send(a2, 'm.test', 'r3', { [bob.userId]: { [bob.deviceId]: { n: 3 } } });
  // The transaction ID from before the restart is still known.
  await send(a2, 'm.test', 'r2', { [bob.userId]: { [bob.deviceId]: { n: 2 } } });
  assert.deepEqual(toDevice(await b2.sync({ since: after.next_batch, timeout: 0 })).map((e) => e.content), [{ n: 3 }]);
});

test('deleting a device drops its waiting messages', async (t) => {
  const { hs, a, b } = await setup(t);
  const login = await hs.login('bob', b.user.password, { device_id: 'DOOMED' });
  await send(a, 'm.test', 'd1', { [b.userId]: { DOOMED: { n: 1 } } });
  const { session } = (await b.raw('DELETE', `${V3}/devices/DOOMED`, {})).body;
  const auth = { type: 'm.login.password', identifier: { type: 'm.id.user', user: b.userId }, password: b.user.password, session };
  const deleted = await b.raw('DELETE', `${V3}/devices/DOOMED`, { auth });
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
  const again = await hs.login('bob', b.user.password, { device_id: 'DOOMED' });
  assert.notEqual(again.body.access_token, login.body.access_token);
  const reborn = roomClient(hs, { ...b.user, accessToken: again.body.access_token, deviceId: 'DOOMED' });
  assert.deepEqual(toDevice(await reborn.sync()), []);
});

// complement: TestToDeviceMessages (driven by matrix-js-sdk's real sync loop)
test('matrix-js-sdk: a to-device event arrives exactly once', async (t: TestContext) => {
  const hs = await startTestServer(t);
  const [alice, bob] = (await startClients(t, sdk, hs, 'alice', 'bob')) as [SdkClient, SdkClient];
  const received: Array<{ type: string; sender: string; content: Record<string, unknown> }> = [];
  bob.on(sdk.ClientEvent.ToDeviceEvent, (event) => {
    if (event.getType() === 'org.example.ping') received.push({ type: event.getType(), sender: event.getSender()!, content: event.getContent() });
  });
  await alice.sendToDevice('org.example.ping', new Map([[bob.getUserId()!, new Map([[bob.getDeviceId()!, { seq: 1 }]])]]));
  await until(sdk, bob, () => received.length > 0, 'the to-device event');
  // A few more sync rounds (a message in a room makes the loop turn) deliver nothing again.
  const { room_id: roomId } = await bob.createRoom({});
  for (let i = 0; i < 3; i++) {
    const { event_id: eventId } = await bob.sendTextMessage(roomId, `tick ${i}`);
    await until(sdk, bob, () => !!bob.getRoom(roomId)?.findEventById(eventId), `tick ${i}`);
  }
  assert.deepEqual(received, [{ type: 'org.example.ping', sender: alice.getUserId(), content: { seq: 1 } }]);
});
