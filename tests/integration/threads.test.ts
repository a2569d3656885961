// Threads over HTTP: the m.thread bundled aggregation (latest_event, count, current_user_participated)
// and GET /threads (order, include=participated, paging, access), and matrix-js-sdk's thread list.
// Spec: client-server-api "Threading" (v1.19), threads_list.yaml.
import assert from 'node:assert/strict';
import { before, test, type TestContext } from 'node:test';
import { loadSdk, type Sdk } from '../helpers/js-sdk.js';
import { enc, roomClient, type RoomClient } from '../helpers/room-client.js';
import { startTestServer } from '../helpers/test-server.js';

const V1 = '/_matrix/client/v1';

interface Ev {
  event_id: string;
  sender: string;
  content: Record<string, unknown>;
  // Tests read fields of the bundle freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  unsigned?: { 'm.relations'?: Record<string, any> };
}

let sdk: Sdk;
before(async () => {
  sdk = await loadSdk();
});

async function setup(t: TestContext) {
  const hs = await startTestServer(t);
  const [alice, bob, carol] = await Promise.all([hs.register('alice'), hs.register('bob'), hs.register('carol')]);
  const a = roomClient(hs, alice!);
  const b = roomClient(hs, bob!);
  const c = roomClient(hs, carol!);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.join(roomId);
  await c.join(roomId);
  return { hs, a, b, c, roomId };
}

const reply = (c: RoomClient, roomId: string, root: string, body: string) =>
  c.send(roomId, { msgtype: 'm.text', body, 'm.relates_to': { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } } });

function threadsPath(roomId: string, query: Record<string, string | number> = {}) {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
  return `${V1}/rooms/${enc(roomId)}/threads?${params}`;
}

/** Polls: the sdk loads thread lists and roots in the background, not only on a sync. */
async function waitFor(predicate: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const threadOf = (event: Ev | undefined) => event?.unsigned?.['m.relations']?.['m.thread'];

// complement: TestThreadedReceipts (aggregation part); sytest: Thread summary is bundled
test('the root carries the m.thread summary: latest_event (with its edit bundled), count, current_user_participated', async (t) => {
  const { a, b, c, roomId } = await setup(t);
  const root = await a.say(roomId, 'root');
  await reply(b, roomId, root, 'one');
  const latest = await reply(b, roomId, root, 'two');
  const editOfLatest = await b.send(roomId, {
    msgtype: 'm.text',
    body: '* two!',
    'm.new_content': { msgtype: 'm.text', body: 'two!' },
    'm.relates_to': { rel_type: 'm.replace', event_id: latest },
  });

  const asSeenBy = async (client: RoomClient) => threadOf(await client.ok('GET', `${client.room(roomId)}/event/${enc(root)}`));
  const forBob = await asSeenBy(b);
  assert.equal(forBob.count, 2);
  assert.equal(forBob.current_user_participated, true);
  assert.equal(forBob.latest_event.event_id, latest);
  assert.equal(forBob.latest_event.room_id, roomId);
  assert.equal(forBob.latest_event.unsigned['m.relations']['m.replace'].event_id, editOfLatest);
  assert.equal((await asSeenBy(a)).current_user_participated, true, 'the root sender participated');
  assert.equal((await asSeenBy(c)).current_user_participated, false);

  // In /sync (a limited timeline) the root's latest event has the timeline's form: no room_id.
  const sync = await c.sync({ filter: JSON.stringify({ room: { timeline: { limit: 4 } } }) });
  const timeline = sync.rooms.join[roomId].timeline;
  assert.equal(timeline.limited, true);
  const rootInSync = threadOf((timeline.events as Ev[]).find((event) => event.event_id === root));
  assert.equal(rootInSync.count, 2);
  assert.equal(rootInSync.latest_event.event_id, latest);
  assert.equal('room_id' in rootInSync.latest_event, false);

  // Carol replies: she participates now, and the count follows.
  await reply(c, roomId, root, 'three');
  const forCarol = await asSeenBy(c);
  assert.equal(forCarol.count, 3);
  assert.equal(forCarol.current_user_participated, true);

  // Redacting a reply de-aggregates it.
  await b.ok('PUT', `${b.room(roomId)}/redact/${enc(latest)}/r1`, {});
  const after = await asSeenBy(a);
  assert.equal(after.count, 2);
  assert.notEqual(after.latest_event.event_id, latest);
});

// sytest: GET /threads lists thread roots ordered by latest activity
test('GET /threads: roots by latest activity with their summaries, include=participated, paging, errors', async (t) => {
  const { hs, a, b, c, roomId } = await setup(t);
  const first = await a.say(roomId, 'first root');
  const second = await b.say(roomId, 'second root');
  const third = await a.say(roomId, 'third root');
  await reply(b, roomId, first, 'f1');
  await reply(a, roomId, second, 's1');
  await reply(a, roomId, third, 't1');
  await reply(b, roomId, first, 'f2'); // `first` is now the most recently active
  await a.say(roomId, 'not a thread');

  const all = await c.ok('GET', threadsPath(roomId, { limit: 10 }));
  assert.deepEqual(all.chunk.map((event: Ev) => event.event_id), [first, third, second]);
  assert.equal(all.next_batch, undefined);
  assert.equal(threadOf(all.chunk[0]).count, 2);
  assert.equal(threadOf(all.chunk[0]).latest_event.content.body, 'f2');

  // Paging with limit 1 walks the same order.
  const walked: string[] = [];
  let from: string | undefined;
  for (let i = 0; i < 5; i++) {
    const page = await c.ok('GET', threadsPath(roomId, { limit: 1, ...(from ? { from } : {}) }));
    walked.push(...page.chunk.map((event: Ev) => event.event_id));
    from = page.next_batch;
    if (!from) break;
  }
  assert.deepEqual(walked, [first, third, second]);

  // Participation: bob sent `second` and replied in `first`; carol nothing.
  const bobs = await b.ok('GET', threadsPath(roomId, { include: 'participated' }));
  assert.deepEqual(bobs.chunk.map((event: Ev) => event.event_id), [first, second]);
  assert.deepEqual((await c.ok('GET', threadsPath(roomId, { include: 'participated' }))).chunk, []);
  // Default limit (5) lists all three.
  assert.equal((await a.ok('GET', threadsPath(roomId))).chunk.length, 3);

  const status = async (client: RoomClient, path: string) => {
    const response = await client.raw('GET', path);
    return [response.status, response.body.errcode];
  };
  const stranger = roomClient(hs, await hs.register('stranger'));
  const privateRoom = await a.createRoom({ preset: 'private_chat' });
  assert.deepEqual(await status(stranger, threadsPath(privateRoom)), [403, 'M_FORBIDDEN']);
  assert.deepEqual(await status(a, threadsPath('!nowhere:localhost')), [403, 'M_FORBIDDEN']);
  assert.deepEqual(await status(a, threadsPath(roomId, { from: 'nonsense' })), [400, 'M_INVALID_PARAM']);
  assert.deepEqual(await status(a, threadsPath(roomId, { include: 'some' })), [400, 'M_INVALID_PARAM']);
  assert.deepEqual(await status(a, threadsPath(roomId, { limit: 0 })), [400, 'M_INVALID_PARAM']);
});

test('GET /threads leaves out roots the user may not see (history visibility)', async (t) => {
  const { hs, a } = await setup(t);
  const roomId = await a.createRoom({
    preset: 'public_chat',
    initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'joined' } }],
  });
  const hidden = await a.say(roomId, 'before dave');
  await reply(a, roomId, hidden, 'h1');
  const dave = roomClient(hs, await hs.register('dave'));
  await dave.join(roomId);
  const shown = await a.say(roomId, 'after dave');
  await reply(a, roomId, shown, 's1');
  await reply(a, roomId, hidden, 'h2');
  assert.deepEqual((await dave.ok('GET', threadsPath(roomId))).chunk.map((event: Ev) => event.event_id), [shown]);
  assert.deepEqual((await a.ok('GET', threadsPath(roomId))).chunk.map((event: Ev) => event.event_id), [hidden, shown]);
});

// Real client: matrix-js-sdk 37.5 with threadSupport lists threads from GET /threads and the bundles.
test('matrix-js-sdk with threadSupport: a thread reply shows in room.getThreads() with its length and latest reply', async (t) => {
  const { hs, a, b, roomId } = await setup(t);
  const root = await a.say(roomId, 'thread root');
  await reply(b, roomId, root, 'first reply');
  await reply(a, roomId, root, 'second reply');

  const user = await hs.register('threader');
  await roomClient(hs, user).join(roomId);
  const client = sdk.createClient({ baseUrl: hs.baseUrl, accessToken: user.accessToken, userId: user.userId, deviceId: user.deviceId });
  t.after(() => client.stopClient());
  const prepared = new Promise<void>((resolve) => client.on(sdk.ClientEvent.Sync, (state: string) => state === 'PREPARED' && resolve()));
  await client.startClient({ threadSupport: true, initialSyncLimit: 2 });
  await prepared;
  const room = client.getRoom(roomId);
  assert.ok(room);
  const threadFor = () => room.getThreads().find((thread) => thread.id === root);
  await waitFor(() => threadFor() !== undefined, 'the thread in the list');
  const thread = threadFor();
  assert.ok(thread);
  await waitFor(() => thread.length === 2, 'the thread length');
  assert.equal(thread.rootEvent?.getContent().body, 'thread root');
  assert.equal(thread.replyToEvent?.getContent().body, 'second reply');

  // A new reply arrives live through /sync and updates the thread.
  await reply(b, roomId, root, 'third reply');
  await waitFor(() => thread.length === 3 && thread.replyToEvent?.getContent().body === 'third reply', 'the live reply');
});
