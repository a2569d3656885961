// Event relationships over HTTP: GET /relations (paging, filters, recursion, access), bundled
// aggregations (m.replace, m.reference) on every endpoint that serves events, edits as matrix-js-sdk sees them.
// Spec: client-server-api "Forming relationships between events", "Event replacements", "Reference relations" (v1.19).
import assert from 'node:assert/strict';
import { before, test, type TestContext } from 'node:test';
import { loadSdk, startClients, until, type Sdk, type SdkClient } from '../helpers/js-sdk.js';
import { enc, roomClient, type RoomClient } from '../helpers/room-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const V1 = '/_matrix/client/v1';

interface Ev {
  event_id: string;
  type: string;
  sender: string;
  content: Record<string, unknown>;
  // Tests read fields of the bundle freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  unsigned?: Record<string, unknown> & { 'm.relations'?: Record<string, any> };
}

let sdk: Sdk;
before(async () => {
  sdk = await loadSdk();
});

async function setup(t: TestContext) {
  const hs = await startTestServer(t);
  const [alice, bob, eve] = await Promise.all([hs.register('alice'), hs.register('bob'), hs.register('eve')]);
  const a = roomClient(hs, alice!);
  const b = roomClient(hs, bob!);
  const e = roomClient(hs, eve!);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.join(roomId);
  return { hs, a, b, e, roomId };
}

const rel = (relType: string, eventId: string, extra: Record<string, unknown> = {}) => ({ 'm.relates_to': { rel_type: relType, event_id: eventId, ...extra } });
const edit = (eventId: string, body: string) => ({ msgtype: 'm.text', body: `* ${body}`, 'm.new_content': { msgtype: 'm.text', body }, ...rel('m.replace', eventId) });

function relationsPath(roomId: string, eventId: string, suffix = '', query: Record<string, string | number | boolean> = {}) {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
  return `${V1}/rooms/${enc(roomId)}/relations/${enc(eventId)}${suffix}?${params}`;
}

const ids = (chunk: Ev[]) => chunk.map((event) => event.event_id);
const bundleOf = (event: Ev | undefined) => event?.unsigned?.['m.relations'];

async function getEvent(c: RoomClient, roomId: string, eventId: string): Promise<Ev> {
  return c.ok('GET', `${c.room(roomId)}/event/${enc(eventId)}`);
}

// sytest: Can paginate relations; complement: TestRelationsPagination
test('GET /relations pages children newest first (or oldest with dir=f), filters by rel_type and event type', async (t) => {
  const { a, b, roomId } = await setup(t);
  const root = await a.say(roomId, 'root');
  const replies: string[] = [];
  for (let i = 0; i < 5; i++) replies.push(await b.send(roomId, { msgtype: 'm.text', body: `r${i}`, ...rel('m.thread', root) }));
  const reaction = await b.send(roomId, rel('m.annotation', root, { key: '👍' }), 'm.reaction');
  const reference = await a.send(roomId, { body: 'ref', ...rel('m.reference', root) }, 'org.example.ref');
  await a.say(roomId, 'unrelated');

  const all = await a.ok('GET', relationsPath(roomId, root, '', { limit: 50 }));
  assert.deepEqual(ids(all.chunk), [reference, reaction, ...[...replies].reverse()]);
  assert.equal(all.next_batch, undefined);
  assert.equal(all.prev_batch, undefined);
  assert.equal('recursion_depth' in all, false);

  // Pages of 2 backwards, following next_batch to the end.
  const seen: string[] = [];
  let from: string | undefined;
  for (let page = 0; page < 10; page++) {
    const body = await a.ok('GET', relationsPath(roomId, root, '/m.thread', { limit: 2, ...(from ? { from } : {}) }));
    seen.push(...ids(body.chunk));
    if (from) assert.equal(body.prev_batch, from);
    from = body.next_batch;
    if (!from) break;
  }
  assert.deepEqual(seen, [...replies].reverse());

  const forwards = await a.ok('GET', relationsPath(roomId, root, '/m.thread', { dir: 'f', limit: 3 }));
  assert.deepEqual(ids(forwards.chunk), replies.slice(0, 3));
  const rest = await a.ok('GET', relationsPath(roomId, root, '/m.thread', { dir: 'f', from: forwards.next_batch }));
  assert.deepEqual(ids(rest.chunk), replies.slice(3));

  // `to` stops before a token from an earlier page.
  const firstPage = await a.ok('GET', relationsPath(roomId, root, '/m.thread', { limit: 1 }));
  const bounded = await a.ok('GET', relationsPath(roomId, root, '/m.thread', { limit: 10, to: firstPage.next_batch }));
  assert.deepEqual(ids(bounded.chunk), [replies[4]]);

  const reactions = await a.ok('GET', relationsPath(roomId, root, '/m.annotation/m.reaction'));
  assert.deepEqual(ids(reactions.chunk), [reaction]);
  assert.equal((reactions.chunk[0] as Ev).content['m.relates_to'] !== undefined, true);
  assert.deepEqual((await a.ok('GET', relationsPath(roomId, root, '/m.annotation/m.room.message'))).chunk, []);
  assert.deepEqual((await a.ok('GET', relationsPath(roomId, root, '/org.example.none'))).chunk, []);
  // Default limit is 5 (Synapse), with a next_batch for the rest.
  const defaults = await a.ok('GET', relationsPath(roomId, root));
  assert.equal(defaults.chunk.length, 5);
  assert.equal(typeof defaults.next_batch, 'string');
  // A /sync next_batch is a valid `from`.
  const sync = await a.sync({ timeout: 0 });
  const fromSync = await a.ok('GET', relationsPath(roomId, root, '/m.thread', { from: sync.next_batch, limit: 1 }));
  assert.deepEqual(ids(fromSync.chunk), [replies[4]]);
});

// complement: TestRelationsPaginationSync / MSC3981 recursion
test('recurse=true follows relations of relations (3 levels), with recursion_depth; filters apply at every level', async (t) => {
  const { a, b, roomId } = await setup(t);
  const root = await a.say(roomId, 'root');
  const l1 = await b.send(roomId, { body: 'l1', ...rel('m.reference', root) });
  const l2 = await a.send(roomId, { body: 'l2', ...rel('m.reference', l1) });
  const l3 = await b.send(roomId, { body: 'l3', ...rel('m.reference', l2) });
  await a.send(roomId, { body: 'l4', ...rel('m.reference', l3) });
  const thread = await b.send(roomId, { body: 't', ...rel('m.thread', root) });
  const edited = await b.send(roomId, edit(thread, 't2'));

  const flat = await a.ok('GET', relationsPath(roomId, root, '', { dir: 'f', limit: 20, recurse: false }));
  assert.deepEqual(ids(flat.chunk), [l1, thread]);
  assert.equal(flat.recursion_depth, 1);
  const deep = await a.ok('GET', relationsPath(roomId, root, '', { dir: 'f', limit: 20, recurse: true }));
  assert.deepEqual(ids(deep.chunk), [l1, l2, l3, thread, edited]);
  assert.equal(deep.recursion_depth, 3);
  const refs = await a.ok('GET', relationsPath(roomId, root, '/m.reference', { dir: 'f', recurse: true, limit: 20 }));
  assert.deepEqual(ids(refs.chunk), [l1, l2, l3]);
});

// sytest: Relations are not returned for events the user cannot see
test('access: unknown room or non-member 403, unknown or invisible parent 404, bad parameters 400', async (t) => {
  const { a, b, e, roomId } = await setup(t);
  const root = await a.say(roomId, 'root');
  await b.send(roomId, { body: 'x', ...rel('m.thread', root) });

  const status = async (c: RoomClient, path: string) => {
    const response = await c.raw('GET', path);
    return [response.status, response.body.errcode];
  };
  assert.deepEqual(await status(a, relationsPath('!nowhere:localhost', root)), [403, 'M_FORBIDDEN']);
  assert.deepEqual(await status(e, relationsPath(roomId, root)), [403, 'M_FORBIDDEN']);
  assert.deepEqual(await status(a, relationsPath(roomId, '$unknown')), [404, 'M_NOT_FOUND']);
  for (const query of [{ from: 'garbage' }, { to: 'x_y' }, { dir: 'sideways' }, { limit: -1 }, { limit: 'many' }, { recurse: 'perhaps' }] as Array<Record<string, string | number>>) {
    assert.deepEqual(await status(a, relationsPath(roomId, root, '', query)), [400, 'M_INVALID_PARAM'], JSON.stringify(query));
  }
  // An event of another room is not found here.
  const other = await a.createRoom({ preset: 'public_chat' });
  const elsewhere = await a.say(other, 'elsewhere');
  assert.deepEqual(await status(a, relationsPath(roomId, elsewhere)), [404, 'M_NOT_FOUND']);

  // history_visibility joined: a later joiner can't see the parent from before their join (404), nor its children.
  const closed = await a.createRoom({ preset: 'public_chat', initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'joined' } }] });
  const early = await a.say(closed, 'before eve');
  const earlyChild = await a.send(closed, { body: 'child', ...rel('m.reference', early) });
  await e.join(closed);
  assert.deepEqual(await status(e, relationsPath(closed, early)), [404, 'M_NOT_FOUND']);
  const later = await a.say(closed, 'after eve');
  await a.send(closed, { body: 'child2', ...rel('m.reference', later) });
  assert.equal((await e.ok('GET', relationsPath(closed, later))).chunk.length, 1);
  assert.deepEqual(ids((await a.ok('GET', relationsPath(closed, early))).chunk), [earlyChild]);
});

// complement: TestEventRelationships / bundled m.replace (MSC3925: content left intact)
test('edits: the most recent valid replacement is bundled in full on /event, /messages, /context, /relations and /sync; content stays', async (t) => {
  const { a, b, roomId } = await setup(t);
  const original = await a.say(roomId, 'original');
  const first = await a.send(roomId, edit(original, 'first edit'));
  const second = await a.send(roomId, edit(original, 'second edit'));
  // Invalid: another sender, no m.new_content, another event type.
  await b.send(roomId, edit(original, 'not yours'));
  await a.send(roomId, { body: '* nope', ...rel('m.replace', original) });
  await a.send(roomId, edit(original, 'sticker?'), 'm.sticker');

  const check = (event: Ev | undefined, where: string) => {
    assert.ok(event, where);
    assert.equal(event.content.body, 'original', `${where}: content intact`);
    const replace = bundleOf(event)?.['m.replace'];
    assert.equal(replace?.event_id, second, `${where}: latest valid edit`);
    assert.equal(replace?.content['m.new_content'].body, 'second edit', `${where}: edit in full`);
    assert.equal(replace?.sender, a.userId);
    assert.equal(typeof replace?.origin_server_ts, 'number');
  };
  check(await getEvent(b, roomId, original), '/event');
  const messages = await b.messages(roomId, { dir: 'b', limit: 50 });
  check((messages.chunk as Ev[]).find((event) => event.event_id === original), '/messages');
  assert.equal(bundleOf((messages.chunk as Ev[]).find((event) => event.event_id === first)), undefined, 'an edit has no bundle');
  const context = await b.ok('GET', `${b.room(roomId)}/context/${enc(original)}?limit=2`);
  check(context.event, '/context');
  // A limited sync timeline and an initial sync carry the bundle.
  const sync = await b.sync({ filter: JSON.stringify({ room: { timeline: { limit: 7 } } }) });
  check((sync.rooms.join[roomId].timeline.events as Ev[]).find((event) => event.event_id === original), '/sync');

  // Redacting the latest edit: the one before is bundled.
  await a.ok('PUT', `${a.room(roomId)}/redact/${enc(second)}/r1`, {});
  assert.equal(bundleOf(await getEvent(b, roomId, original))?.['m.replace']?.event_id, first);
  // Redacting the original: no bundle at all.
  await a.ok('PUT', `${a.room(roomId)}/redact/${enc(original)}/r2`, {});
  const redacted = await getEvent(b, roomId, original);
  assert.deepEqual(redacted.content, {});
  assert.equal(bundleOf(redacted), undefined);
});

test('m.reference bundles a chunk of event IDs; annotations are not aggregated; state events get none', async (t) => {
  const { a, b, roomId } = await setup(t);
  const parent = await a.say(roomId, 'parent');
  const r1 = await b.send(roomId, { body: 'one', ...rel('m.reference', parent) });
  const r2 = await a.send(roomId, { body: 'two', ...rel('m.reference', parent) }, 'org.example.vote');
  await b.send(roomId, rel('m.annotation', parent, { key: 'x' }), 'm.reaction');
  const bundle = bundleOf(await getEvent(a, roomId, parent));
  assert.deepEqual(bundle, { 'm.reference': { chunk: [{ event_id: r1 }, { event_id: r2 }] } });

  const topic = await a.setState(roomId, 'm.room.topic', '', { topic: 't' });
  await b.send(roomId, { body: 'about the topic', ...rel('m.reference', topic) });
  assert.equal(bundleOf(await getEvent(a, roomId, topic)), undefined);
  // The relation itself is still listed.
  assert.equal((await a.ok('GET', relationsPath(roomId, topic))).chunk.length, 1);
  // An event with nothing related has no m.relations.
  assert.equal(bundleOf(await getEvent(a, roomId, r1)), undefined);
});

// Real client: matrix-js-sdk 37.5 applies the bundled or live edit (MatrixEvent.replacingEvent / getContent).
test('matrix-js-sdk: an edit reaches the other client live, and a fresh client sees it bundled after its initial sync', async (t) => {
  const hs: TestServer = await startTestServer(t);
  const [alice, bob] = (await startClients(t, sdk, hs, 'alice', 'bob')) as [SdkClient, SdkClient];
  const { room_id: roomId } = await alice.createRoom({ preset: sdk.Preset.PublicChat });
  await bob.joinRoom(roomId);
  const { event_id: original } = await alice.sendTextMessage(roomId, 'hello wrold');
  const eventOf = (client: typeof bob) => client.getRoom(roomId)?.findEventById(original);
  await until(sdk, bob, () => eventOf(bob) !== undefined, 'the original');
  await alice.sendEvent(roomId, sdk.EventType.RoomMessage, {
    msgtype: 'm.text',
    body: '* hello world',
    'm.new_content': { msgtype: 'm.text', body: 'hello world' },
    'm.relates_to': { rel_type: 'm.replace', event_id: original },
  } as never);
  await until(sdk, bob, () => eventOf(bob)?.getContent().body === 'hello world', 'the edit applied');
  assert.ok(eventOf(bob)?.replacingEvent());

  // A fresh client: its initial sync's window starts after the edit, so the original reaches it only
  // from the server, with the edit bundled (/context, as a permalink opens it, through the sdk's mapper).
  for (let i = 0; i < 6; i++) await alice.sendTextMessage(roomId, `filler ${i}`);
  const carol = await hs.register('carol');
  await roomClient(hs, carol).join(roomId);
  const fresh = sdk.createClient({ baseUrl: hs.baseUrl, accessToken: carol.accessToken, userId: carol.userId, deviceId: carol.deviceId, timelineSupport: true });
  t.after(() => fresh.stopClient());
  const prepared = new Promise<void>((resolve) => fresh.on(sdk.ClientEvent.Sync, (state: string) => state === 'PREPARED' && resolve()));
  await fresh.startClient({ initialSyncLimit: 3 });
  await prepared;
  const room = fresh.getRoom(roomId);
  assert.ok(room);
  assert.equal(room.findEventById(original), undefined, 'not in the initial window');
  const timeline = await fresh.getEventTimeline(room.getUnfilteredTimelineSet(), original);
  const seen = timeline?.getEvents().find((event) => event.getId() === original);
  assert.ok(seen, 'loaded through /context');
  assert.equal(seen.getContent().body, 'hello world');
  assert.ok(seen.replacingEvent(), 'replaced from the bundle');
  // The event alone (GET /event), mapped by the sdk: the bundle by itself carries the edit.
  const alone = fresh.getEventMapper()(await fresh.fetchRoomEvent(roomId, original));
  assert.equal(alone.getContent().body, 'hello world');
  assert.equal(alone.getOriginalContent().body, 'hello wrold');
  assert.equal(seen.getOriginalContent().body, 'hello wrold');
});
