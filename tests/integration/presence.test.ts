// Presence over HTTP and matrix-js-sdk: PUT/GET status, who may see it, sync delivery to room sharers,
// set_presence on /sync, long-poll wake-up, bad input.
import assert from 'node:assert/strict';
import { before, test, type TestContext } from 'node:test';
import { loadSdk, startClients, until, type Sdk, type SdkClient } from '../helpers/js-sdk.js';
import { enc, roomClient, V3, type RoomClient } from '../helpers/room-client.js';
import { startTestServer } from '../helpers/test-server.js';

let sdk: Sdk;
before(async () => {
  sdk = await loadSdk();
});

interface PresenceEvent {
  type: string;
  sender: string;
  content: { presence: string; status_msg?: string; last_active_ago?: number; currently_active?: boolean };
}

const status = (c: RoomClient, userId: string) => `${V3}/presence/${enc(userId)}/status`;
const presenceOf = (sync: { presence?: { events: PresenceEvent[] } }, userId: string) =>
  (sync.presence?.events ?? []).filter((event) => event.sender === userId);

async function setup(t: TestContext) {
  const hs = await startTestServer(t);
  const [alice, bob, carol] = await Promise.all([hs.register('alice'), hs.register('bob'), hs.register('carol')]);
  const a = roomClient(hs, alice!);
  const b = roomClient(hs, bob!);
  const c = roomClient(hs, carol!);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.join(roomId);
  return { hs, a, b, c, roomId };
}

// sytest: PUT /presence/:user_id/status updates my presence; GET /presence/:user_id/status fetches initial status
test('PUT and GET status: your own, and of someone you share a room with; others are refused', async (t) => {
  const { a, b, c } = await setup(t);
  assert.equal((await a.raw('PUT', status(a, a.userId), { presence: 'online', status_msg: 'Making tea' })).status, 200);
  const own = await a.ok('GET', status(a, a.userId));
  assert.equal(own.presence, 'online');
  assert.equal(own.status_msg, 'Making tea');
  assert.equal(own.currently_active, true);
  assert.equal(typeof own.last_active_ago, 'number');
  const seenByBob = await b.ok('GET', status(b, a.userId));
  assert.equal(seenByBob.status_msg, 'Making tea');

  const stranger = await c.raw('GET', status(c, a.userId));
  assert.equal(stranger.status, 403);
  assert.equal(stranger.body.errcode, 'M_FORBIDDEN');
  const other = await b.raw('PUT', status(b, a.userId), { presence: 'offline' });
  assert.equal(other.status, 403);
  const unknown = await a.raw('GET', status(a, '@nobody:hearth.test'));
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errcode, 'M_NOT_FOUND');
  const invalidUser = await a.raw('GET', status(a, 'nobody'));
  assert.equal(invalidUser.status, 400);
  assert.equal(invalidUser.body.errcode, 'M_INVALID_PARAM');
  const badState = await a.raw('PUT', status(a, a.userId), { presence: 'busy-ish' });
  assert.equal(badState.status, 400);
  assert.equal(badState.body.errcode, 'M_BAD_JSON');
  const missing = await a.raw('PUT', status(a, a.userId), { status_msg: 'hi' });
  assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
  const badMsg = await a.raw('PUT', status(a, a.userId), { presence: 'online', status_msg: 5 });
  assert.equal(badMsg.body.errcode, 'M_BAD_JSON');

  // Set offline with a message: offline is kept, without currently_active.
  assert.equal((await a.raw('PUT', status(a, a.userId), { presence: 'unavailable' })).status, 200);
  const away = await b.ok('GET', status(b, a.userId));
  assert.equal(away.presence, 'unavailable');
  assert.equal(away.status_msg, undefined, 'a PUT without status_msg clears it');
  assert.equal(away.currently_active, undefined);
});

// sytest: Presence changes are reported to local room members; Presence changes to UNAVAILABLE are reported to local room members
test('sync delivers presence to room sharers once per change, and never to strangers', async (t) => {
  const { a, b, c } = await setup(t);
  const bStart = await b.sync();
  assert.equal(presenceOf(bStart, b.userId)[0]?.content.presence, 'online', 'syncing made bob online, and he sees himself');
  await a.sync();
  const bNext = await b.sync({ since: bStart.next_batch, timeout: 0 });
  assert.equal(presenceOf(bNext, a.userId)[0]?.content.presence, 'online', "alice's sync made her online");

  await a.ok('PUT', status(a, a.userId), { presence: 'online', status_msg: 'Out to lunch' });
  const changed = await b.sync({ since: bNext.next_batch, timeout: 0 });
  assert.deepEqual(presenceOf(changed, a.userId).map((e) => e.content.status_msg), ['Out to lunch']);
  // Nothing changed since: nothing delivered (alice syncing again while active isn't news).
  await a.sync();
  const quiet = await b.sync({ since: changed.next_batch, timeout: 0 });
  assert.deepEqual(presenceOf(quiet, a.userId), []);

  const cSync = await c.sync();
  assert.deepEqual(presenceOf(cSync, a.userId), [], 'carol shares no room with alice');
  // An initial sync shows the current state.
  assert.equal(presenceOf(await b.sync(), a.userId)[0]?.content.status_msg, 'Out to lunch');
  // The presence filter applies.
  const filtered = await b.sync({ filter: JSON.stringify({ presence: { not_types: ['m.presence'] } }) });
  assert.deepEqual(filtered.presence.events, []);
});

test('set_presence on /sync: unavailable sets it, offline leaves presence alone', async (t) => {
  const { a, b } = await setup(t);
  await b.sync({ set_presence: 'offline' });
  assert.equal((await a.ok('GET', status(a, b.userId))).presence, 'offline');
  await b.sync({ set_presence: 'unavailable' });
  assert.equal((await a.ok('GET', status(a, b.userId))).presence, 'unavailable');
  await b.sync();
  assert.equal((await a.ok('GET', status(a, b.userId))).presence, 'online');
});

test('a long-polling sync wakes when a room sharer changes presence', async (t) => {
  const { a, b } = await setup(t);
  await a.sync();
  const start = await b.sync();
  const waiting = b.sync({ since: start.next_batch, timeout: 10_000 });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const began = Date.now();
  await a.ok('PUT', status(a, a.userId), { presence: 'unavailable', status_msg: 'brb' });
  const woke = await waiting;
  assert.ok(Date.now() - began < 5_000);
  assert.deepEqual(presenceOf(woke, a.userId).map((e) => [e.content.presence, e.content.status_msg]), [['unavailable', 'brb']]);
});

// complement: TestPresence (driven by matrix-js-sdk's real sync loop)
test('matrix-js-sdk: the other client sees presence and the status message', async (t: TestContext) => {
  const hs = await startTestServer(t);
  const [alice, bob] = (await startClients(t, sdk, hs, 'alice', 'bob')) as [SdkClient, SdkClient];
  const aliceId = alice.getUserId()!;
  const { room_id: roomId } = await alice.createRoom({ preset: sdk.Preset.PublicChat });
  await bob.joinRoom(roomId);
  await until(sdk, bob, () => bob.getUser(aliceId)?.presence === 'online', 'alice online');
  // And the other way round: the joiner is announced to the members already there.
  await until(sdk, alice, () => alice.getUser(bob.getUserId()!)?.presence === 'online', 'bob online for alice');
  // Alice's client syncs as unavailable from now on (a sync marks its user as its set_presence says).
  await alice.setSyncPresence(sdk.SetPresence.Unavailable);
  await alice.setPresence({ presence: 'unavailable', status_msg: 'In a meeting' });
  await until(sdk, bob, () => bob.getUser(aliceId)?.presence === 'unavailable' && bob.getUser(aliceId)?.presenceStatusMsg === 'In a meeting', 'alice in a meeting');
  const fetched = await bob.getPresence(aliceId);
  assert.equal(fetched.presence, 'unavailable');
  assert.equal(fetched.status_msg, 'In a meeting');
});

// Synapse: sending an event bumps the sender's presence (last active now; unavailable → online).
test('sending a message is activity: an unavailable sender becomes online and currently active', async (t) => {
  const { a, b, roomId } = await setup(t);
  await a.ok('PUT', status(a, a.userId), { presence: 'unavailable', status_msg: 'away' });
  const away = await b.ok('GET', status(b, a.userId));
  assert.equal(away.presence, 'unavailable');
  const start = await b.sync();
  await a.say(roomId, 'back now');
  const seen = await b.ok('GET', status(b, a.userId));
  assert.equal(seen.presence, 'online');
  assert.equal(seen.currently_active, true);
  assert.equal(seen.status_msg, 'away', 'the status message is kept');
  assert.ok((seen.last_active_ago as number) < 5_000);
  const next = await b.sync({ since: start.next_batch, timeout: 0 });
  assert.deepEqual(presenceOf(next, a.userId).map((e) => [e.content.presence, e.content.currently_active]), [['online', true]]);
});
