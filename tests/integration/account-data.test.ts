// Account data, room tags, read markers, ignored users and m.direct over HTTP against a real server.
// complement: TestAddAccountData, TestRoomTags, TestIgnoredUsers...; sytest: tests/44account_data.pl, tests/45tags.pl,
// tests/31sync/13-read-markers.pl, tests/31sync/ignore-user tests, tests/30rooms/60version_upgrade.pl.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enc, roomClient, V3, type RoomClient } from '../helpers/room-client.js';
import { startTestServer } from '../helpers/test-server.js';

interface Event {
  type: string;
  content: Record<string, unknown>;
  sender?: string;
  state_key?: string;
  event_id?: string;
}

async function setup(t: Parameters<typeof startTestServer>[0]) {
  const hs = await startTestServer(t);
  const [alice, bob] = await Promise.all([hs.register('alice'), hs.register('bob')]);
  return { hs, a: roomClient(hs, alice), b: roomClient(hs, bob) };
}

const globalPath = (c: RoomClient, type: string, userId = c.userId) => `${V3}/user/${enc(userId)}/account_data/${enc(type)}`;
const roomPath = (c: RoomClient, roomId: string, type: string, userId = c.userId) =>
  `${V3}/user/${enc(userId)}/rooms/${enc(roomId)}/account_data/${enc(type)}`;
const tagsPath = (c: RoomClient, roomId: string, tag?: string, userId = c.userId) =>
  `${V3}/user/${enc(userId)}/rooms/${enc(roomId)}/tags${tag === undefined ? '' : `/${enc(tag)}`}`;

const globalData = (sync: { account_data?: { events: Event[] } }) => sync.account_data?.events ?? [];
const roomData = (sync: { rooms?: { join?: Record<string, { account_data?: { events: Event[] } }> } }, roomId: string) =>
  sync.rooms?.join?.[roomId]?.account_data?.events ?? [];
const ofType = (events: Event[], type: string) => events.filter((event) => event.type === type);

async function expectError(c: RoomClient, method: string, path: string, body: unknown, status: number, errcode: string) {
  const res = await c.raw(method, path, body);
  assert.equal(res.status, status, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.errcode, errcode, JSON.stringify(res.body));
  return res;
}

// complement: TestAddAccountData; sytest: Can add account data, Can get account data without syncing
test('global and room account data: set, get, replace; no fallback between room and global', async (t) => {
  const { a } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  await a.ok('PUT', globalPath(a, 'org.example.config'), { theme: 'dark', nested: { list: [1, 'two', null] } });
  assert.deepEqual(await a.ok('GET', globalPath(a, 'org.example.config')), { theme: 'dark', nested: { list: [1, 'two', null] } });
  await a.ok('PUT', globalPath(a, 'org.example.config'), { theme: 'light' });
  assert.deepEqual(await a.ok('GET', globalPath(a, 'org.example.config')), { theme: 'light' }, 'replaced, not merged');

  await a.ok('PUT', roomPath(a, roomId, 'org.example.config'), { pinned: true });
  assert.deepEqual(await a.ok('GET', roomPath(a, roomId, 'org.example.config')), { pinned: true });
  assert.deepEqual(await a.ok('GET', globalPath(a, 'org.example.config')), { theme: 'light' }, 'room data is separate from global');
  await expectError(a, 'GET', roomPath(a, '!other:hearth.test', 'org.example.config'), undefined, 404, 'M_NOT_FOUND');
  await expectError(a, 'GET', roomPath(a, roomId, 'org.example.unset'), undefined, 404, 'M_NOT_FOUND');
  await expectError(a, 'GET', globalPath(a, 'org.example.unset'), undefined, 404, 'M_NOT_FOUND');
  // An empty object is data like any other.
  await a.ok('PUT', globalPath(a, 'org.example.empty'), {});
  assert.deepEqual(await a.ok('GET', globalPath(a, 'org.example.empty')), {});
  // The r0 prefix serves the same data.
  assert.deepEqual(await a.ok('GET', `/_matrix/client/r0/user/${enc(a.userId)}/account_data/org.example.config`), { theme: 'light' });
});

// complement: TestAddAccountData (other users, server-managed types)
test('account data refusals: other users 403, server-managed types 405 M_BAD_JSON, bad content 400, bad room ID 400', async (t) => {
  const { hs, a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  await a.ok('PUT', globalPath(a, 'org.example.secret'), { s: 1 });
  await expectError(b, 'GET', globalPath(b, 'org.example.secret', a.userId), undefined, 403, 'M_FORBIDDEN');
  await expectError(b, 'PUT', globalPath(b, 'org.example.secret', a.userId), { s: 2 }, 403, 'M_FORBIDDEN');
  await expectError(b, 'GET', roomPath(b, roomId, 'x', a.userId), undefined, 403, 'M_FORBIDDEN');
  await expectError(b, 'PUT', roomPath(b, roomId, 'x', a.userId), {}, 403, 'M_FORBIDDEN');
  assert.deepEqual(await a.ok('GET', globalPath(a, 'org.example.secret')), { s: 1 }, 'unchanged');

  for (const type of ['m.fully_read', 'm.push_rules']) {
    await expectError(a, 'PUT', globalPath(a, type), { event_id: '$x' }, 405, 'M_BAD_JSON');
    await expectError(a, 'PUT', roomPath(a, roomId, type), { event_id: '$x' }, 405, 'M_BAD_JSON');
  }
  await expectError(a, 'GET', roomPath(a, roomId, 'm.fully_read'), undefined, 404, 'M_NOT_FOUND');

  for (const body of [[1, 2], 'text', 42, null]) {
    await expectError(a, 'PUT', globalPath(a, 'org.example.bad'), body, 400, 'M_BAD_JSON');
    await expectError(a, 'PUT', roomPath(a, roomId, 'org.example.bad'), body, 400, 'M_BAD_JSON');
  }
  const notJson = await hs.request('PUT', globalPath(a, 'org.example.bad'), {
    token: a.user.accessToken,
    rawBody: '{not json',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(notJson.status, 400);
  assert.equal(notJson.body.errcode, 'M_NOT_JSON');
  await expectError(a, 'GET', globalPath(a, 'org.example.bad'), undefined, 404, 'M_NOT_FOUND');

  await expectError(a, 'PUT', roomPath(a, '@not-a-room:hearth.test', 'x'), {}, 400, 'M_INVALID_PARAM');
  await expectError(a, 'GET', roomPath(a, 'nonsense', 'x'), undefined, 400, 'M_INVALID_PARAM');
  const anonymous = await hs.request('GET', globalPath(a, 'org.example.secret'));
  assert.equal(anonymous.status, 401);
});

// complement: TestAddAccountData (sync delivery); sytest: Latest account data comes down in /initialSync, ...in room initialSync
test('/sync delivers global and room account data initially, then each change once', async (t) => {
  const { a } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  const other = await a.createRoom({ preset: 'private_chat' });
  await a.ok('PUT', globalPath(a, 'org.example.g'), { v: 1 });
  await a.ok('PUT', roomPath(a, roomId, 'org.example.r'), { v: 1 });

  const initial = await a.sync();
  assert.deepEqual(ofType(globalData(initial), 'org.example.g'), [{ type: 'org.example.g', content: { v: 1 } }]);
  assert.deepEqual(ofType(roomData(initial, roomId), 'org.example.r'), [{ type: 'org.example.r', content: { v: 1 } }]);
  assert.deepEqual(ofType(roomData(initial, other), 'org.example.r'), [], 'room data only in its own room');
  assert.match(initial.next_batch, /^s\d+_\d+/);

  const idle = await a.sync({ since: initial.next_batch, timeout: 0 });
  assert.deepEqual(globalData(idle), [], 'nothing new');
  assert.equal(idle.rooms?.join?.[roomId], undefined, 'an idle room is not listed');

  await a.ok('PUT', globalPath(a, 'org.example.g'), { v: 2 });
  await a.ok('PUT', roomPath(a, roomId, 'org.example.r'), { v: 2 });
  const changed = await a.sync({ since: idle.next_batch, timeout: 0 });
  assert.deepEqual(globalData(changed), [{ type: 'org.example.g', content: { v: 2 } }], 'only the changed entry');
  assert.deepEqual(roomData(changed, roomId), [{ type: 'org.example.r', content: { v: 2 } }]);
  assert.deepEqual(changed.rooms.join[roomId].timeline.events, [], 'no timeline: only account data changed');
  assert.equal(changed.rooms.join[other], undefined);

  const after = await a.sync({ since: changed.next_batch, timeout: 0 });
  assert.deepEqual(globalData(after), [], 'delivered once');
  assert.equal(after.rooms?.join?.[roomId], undefined);

  // A fresh initial sync has the latest values; an account_data filter drops them.
  const again = await a.sync();
  assert.deepEqual(ofType(globalData(again), 'org.example.g'), [{ type: 'org.example.g', content: { v: 2 } }]);
  const filtered = await a.sync({ filter: JSON.stringify({ account_data: { not_types: ['org.example.*'] }, room: { account_data: { types: [] } } }) });
  assert.deepEqual(ofType(globalData(filtered), 'org.example.g'), []);
  assert.deepEqual(roomData(filtered, roomId), []);
});

// complement: TestSync long-poll for account data; sytest: Account data is synced with /sync long-polling
test('a long-polling /sync wakes up as soon as account data changes', async (t) => {
  const { a } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  const { next_batch: since } = await a.sync();
  const started = Date.now();
  const poll = a.sync({ since, timeout: 10_000 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await a.ok('PUT', globalPath(a, 'org.example.wake'), { now: true });
  const woken = await poll;
  assert.ok(Date.now() - started < 8_000, `returned after ${Date.now() - started} ms`);
  assert.deepEqual(globalData(woken), [{ type: 'org.example.wake', content: { now: true } }]);

  const roomPoll = a.sync({ since: woken.next_batch, timeout: 10_000 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await a.ok('PUT', roomPath(a, roomId, 'org.example.wake'), { room: true });
  const roomWoken = await roomPoll;
  assert.deepEqual(roomData(roomWoken, roomId), [{ type: 'org.example.wake', content: { room: true } }]);
});

test("another user's account data change does not end a long poll", async (t) => {
  const { a, b } = await setup(t);
  const { next_batch: since } = await a.sync();
  const started = Date.now();
  const poll = a.sync({ since, timeout: 1_200 });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await b.ok('PUT', globalPath(b, 'org.example.bob'), { mine: true });
  const result = await poll;
  assert.ok(Date.now() - started >= 1_000, `returned after ${Date.now() - started} ms`);
  assert.deepEqual(globalData(result), []);
});

// complement: TestRoomTags; sytest: Can add tag, Can remove tag, Can list tags for a room, Tags appear in an initial v2 /sync,
// Newly updated tags appear in an incremental v2 /sync, Deleted tags appear in an incremental v2 /sync
test('room tags: add, list, remove; delivered in /sync as m.tag room account data', async (t) => {
  const { a } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  assert.deepEqual(await a.ok('GET', tagsPath(a, roomId)), { tags: {} });
  const start = await a.sync();

  await a.ok('PUT', tagsPath(a, roomId, 'm.favourite'), { order: 0.25 });
  await a.ok('PUT', tagsPath(a, roomId, 'u.work'), {});
  assert.deepEqual(await a.ok('GET', tagsPath(a, roomId)), { tags: { 'm.favourite': { order: 0.25 }, 'u.work': {} } });
  // The tags are the m.tag room account data.
  assert.deepEqual(await a.ok('GET', roomPath(a, roomId, 'm.tag')), { tags: { 'm.favourite': { order: 0.25 }, 'u.work': {} } });

  const added = await a.sync({ since: start.next_batch, timeout: 0 });
  assert.deepEqual(ofType(roomData(added, roomId), 'm.tag'), [{ type: 'm.tag', content: { tags: { 'm.favourite': { order: 0.25 }, 'u.work': {} } } }]);

  await a.ok('PUT', tagsPath(a, roomId, 'm.favourite'), { order: 0.5 });
  await a.ok('DELETE', tagsPath(a, roomId, 'u.work'));
  assert.deepEqual(await a.ok('GET', tagsPath(a, roomId)), { tags: { 'm.favourite': { order: 0.5 } } });
  const changed = await a.sync({ since: added.next_batch, timeout: 0 });
  assert.deepEqual(ofType(roomData(changed, roomId), 'm.tag'), [{ type: 'm.tag', content: { tags: { 'm.favourite': { order: 0.5 } } } }]);

  // Deleting a tag that isn't there is fine and changes nothing.
  await a.ok('DELETE', tagsPath(a, roomId, 'u.never'));
  const quiet = await a.sync({ since: changed.next_batch, timeout: 0 });
  assert.equal(quiet.rooms?.join?.[roomId], undefined);

  const initial = await a.sync();
  assert.deepEqual(ofType(roomData(initial, roomId), 'm.tag'), [{ type: 'm.tag', content: { tags: { 'm.favourite': { order: 0.5 } } } }]);
});

test('room tag refusals: other users, rooms without membership, long names, non-numeric order', async (t) => {
  const { a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  await expectError(b, 'GET', tagsPath(b, roomId, undefined, a.userId), undefined, 403, 'M_FORBIDDEN');
  await expectError(b, 'PUT', tagsPath(b, roomId, 'u.x', a.userId), {}, 403, 'M_FORBIDDEN');
  await expectError(b, 'DELETE', tagsPath(b, roomId, 'u.x', a.userId), undefined, 403, 'M_FORBIDDEN');
  await expectError(b, 'PUT', tagsPath(b, roomId, 'u.x'), {}, 403, 'M_FORBIDDEN');
  await expectError(a, 'PUT', tagsPath(a, roomId, 'u.' + 'x'.repeat(254)), {}, 400, 'M_INVALID_PARAM');
  await a.ok('PUT', tagsPath(a, roomId, 'u.' + 'x'.repeat(253)), {});
  await expectError(a, 'PUT', tagsPath(a, roomId, 'u.y'), { order: 'first' }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', tagsPath(a, roomId, 'u.y'), [], 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', tagsPath(a, 'not-a-room', 'u.y'), {}, 400, 'M_INVALID_PARAM');
  assert.deepEqual(Object.keys((await a.ok('GET', tagsPath(a, roomId))).tags), ['u.' + 'x'.repeat(253)]);
  // A user who left may still tag the room (any membership, as Synapse).
  const publicRoom = await a.createRoom({ preset: 'public_chat' });
  await b.join(publicRoom);
  await b.leave(publicRoom);
  await b.ok('PUT', tagsPath(b, publicRoom, 'm.lowpriority'), {});
});

// sytest: Read markers appear in incremental v2 /sync, Read markers can be updated; complement: TestReadMarkers
test('read_markers sets m.fully_read (forward only), sent in /sync; m.read becomes a receipt', async (t) => {
  const { a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.join(roomId);
  const first = await b.say(roomId, 'one');
  const second = await b.say(roomId, 'two');
  const start = await a.sync();

  await a.ok('POST', `${a.room(roomId)}/read_markers`, { 'm.fully_read': second, 'm.read': second });
  assert.deepEqual(await a.ok('GET', roomPath(a, roomId, 'm.fully_read')), { event_id: second });
  const next = await a.sync({ since: start.next_batch, timeout: 0 });
  assert.deepEqual(ofType(roomData(next, roomId), 'm.fully_read'), [{ type: 'm.fully_read', content: { event_id: second } }]);
  const receipts = (next.rooms.join[roomId].ephemeral.events as Event[]).filter((event) => event.type === 'm.receipt');
  assert.ok(
    receipts.some((event) => Object.keys(((event.content[second] as Record<string, Record<string, unknown>>)?.['m.read']) ?? {}).includes(a.userId)),
    `an m.read receipt for ${second}: ${JSON.stringify(receipts)}`,
  );

  // Backwards is ignored (200, unchanged), forwards moves it.
  await a.ok('POST', `${a.room(roomId)}/read_markers`, { 'm.fully_read': first });
  assert.deepEqual(await a.ok('GET', roomPath(a, roomId, 'm.fully_read')), { event_id: second });
  const third = await b.say(roomId, 'three');
  await a.ok('POST', `${a.room(roomId)}/read_markers`, { 'm.fully_read': third, 'm.read.private': third });
  assert.deepEqual(await a.ok('GET', roomPath(a, roomId, 'm.fully_read')), { event_id: third });
  // Unknown receipt types are ignored, as Synapse does.
  await a.ok('POST', `${a.room(roomId)}/read_markers`, { 'org.example.marker': third });
});

test('read_markers refusals: not joined 403, events of another room or unknown 404, non-string 400', async (t) => {
  const { a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  const elsewhere = await a.createRoom({ preset: 'private_chat' });
  const event = await a.say(roomId, 'hello');
  const foreign = await a.say(elsewhere, 'elsewhere');
  await expectError(b, 'POST', `${b.room(roomId)}/read_markers`, { 'm.fully_read': event }, 403, 'M_FORBIDDEN');
  await expectError(a, 'POST', `${a.room(roomId)}/read_markers`, { 'm.fully_read': foreign }, 404, 'M_NOT_FOUND');
  await expectError(a, 'POST', `${a.room(roomId)}/read_markers`, { 'm.fully_read': '$nope' }, 404, 'M_NOT_FOUND');
  await expectError(a, 'POST', `${a.room(roomId)}/read_markers`, { 'm.fully_read': 12 }, 400, 'M_BAD_JSON');
  await expectError(a, 'POST', `${a.room(roomId)}/read_markers`, { 'm.read': ['x'] }, 400, 'M_BAD_JSON');
  await expectError(a, 'POST', `${a.room(roomId)}/read_markers`, [], 400, 'M_BAD_JSON');
  await expectError(a, 'GET', roomPath(a, roomId, 'm.fully_read'), undefined, 404, 'M_NOT_FOUND');
});

// complement: TestIgnoredUsers...; sytest: Ignore user in existing room, Ignore invite in full sync, Ignore invite in incremental sync
test('ignoring a user hides their messages and invites in /sync, /messages and /context, not their state events', async (t) => {
  const { hs, a, b } = await setup(t);
  const carol = roomClient(hs, await hs.register('carol'));
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.join(roomId);
  await carol.join(roomId);
  const before = await b.say(roomId, 'before ignoring');
  const start = await a.sync();

  await a.ok('PUT', globalPath(a, 'm.ignored_user_list'), { ignored_users: { [b.userId]: {} } });
  const anchor = await carol.say(roomId, 'carol 1');
  await b.say(roomId, 'bob hidden');
  await b.setState(roomId, 'm.room.member', b.userId, { membership: 'join', displayname: 'Bobby' });
  await carol.say(roomId, 'carol 2');

  const next = await a.sync({ since: start.next_batch, timeout: 0 });
  assert.deepEqual(ofType(globalData(next), 'm.ignored_user_list'), [{ type: 'm.ignored_user_list', content: { ignored_users: { [b.userId]: {} } } }]);
  const timeline: Event[] = next.rooms.join[roomId].timeline.events;
  const bodies = timeline.filter((event) => event.type === 'm.room.message').map((event) => event.content.body);
  assert.deepEqual(bodies, ['carol 1', 'carol 2']);
  assert.ok(
    timeline.some((event) => event.type === 'm.room.member' && event.sender === b.userId && event.content.displayname === 'Bobby'),
    "the ignored user's state event is still sent",
  );

  const page = await a.messages(roomId, { dir: 'b', limit: 50 });
  const pageBodies = (page.chunk as Event[]).filter((event) => event.type === 'm.room.message').map((event) => event.content.body);
  assert.deepEqual(pageBodies, ['carol 2', 'carol 1'], 'old and new messages of the ignored user are left out');
  assert.ok(
    (page.chunk as Event[]).some((event) => event.type === 'm.room.member' && event.content.displayname === 'Bobby'),
    'state events stay in /messages',
  );

  const context = await a.ok('GET', `${a.room(roomId)}/context/${enc(anchor)}?limit=10`);
  const around = [...context.events_before, ...context.events_after] as Event[];
  assert.ok(!around.some((event) => event.type === 'm.room.message' && event.sender === b.userId), '/context leaves them out');
  assert.ok(around.some((event) => event.type === 'm.room.message' && event.content.body === 'carol 2'));
  await expectError(a, 'GET', `${a.room(roomId)}/context/${enc(before)}`, undefined, 403, 'M_FORBIDDEN');
  await expectError(a, 'GET', `${a.room(roomId)}/event/${enc(before)}`, undefined, 404, 'M_NOT_FOUND');

  // Invites from the ignored user don't reach the client.
  const invitedTo = await b.createRoom({ preset: 'private_chat' });
  await b.invite(invitedTo, a.userId);
  const afterInvite = await a.sync({ since: next.next_batch, timeout: 0 });
  assert.equal(afterInvite.rooms?.invite?.[invitedTo], undefined);
  assert.equal((await a.sync()).rooms?.invite?.[invitedTo], undefined, 'not in a full sync either');

  // Un-ignoring: new messages arrive again (the missed ones are not replayed).
  await a.ok('PUT', globalPath(a, 'm.ignored_user_list'), { ignored_users: {} });
  await b.say(roomId, 'visible again');
  const resumed = await a.sync({ since: afterInvite.next_batch, timeout: 0 });
  const resumedBodies = (resumed.rooms.join[roomId].timeline.events as Event[]).filter((event) => event.type === 'm.room.message').map((event) => event.content.body);
  assert.deepEqual(resumedBodies, ['visible again']);
  assert.ok((await a.sync()).rooms.invite[invitedTo], 'the invite shows again');
});

test('m.ignored_user_list is validated: an object of user IDs, never yourself', async (t) => {
  const { a, b } = await setup(t);
  await expectError(a, 'PUT', globalPath(a, 'm.ignored_user_list'), { ignored_users: [b.userId] }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', globalPath(a, 'm.ignored_user_list'), { ignored_users: 'x' }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', globalPath(a, 'm.ignored_user_list'), { ignored_users: { [a.userId]: {} } }, 400, 'M_INVALID_PARAM');
  await expectError(a, 'GET', globalPath(a, 'm.ignored_user_list'), undefined, 404, 'M_NOT_FOUND');
  await a.ok('PUT', globalPath(a, 'm.ignored_user_list'), { ignored_users: { [b.userId]: {} } });
  assert.deepEqual(await a.ok('GET', globalPath(a, 'm.ignored_user_list')), { ignored_users: { [b.userId]: {} } });
});

// sytest: tests/30rooms/60version_upgrade.pl "Tags are copied over on room upgrade", "m.direct is updated on room upgrade"
test('a room upgrade carries each local member\'s tags and m.direct entries over to the new room', async (t) => {
  const { a, b } = await setup(t);
  const oldRoom = await a.createRoom({ preset: 'public_chat', room_version: '10' });
  await b.join(oldRoom);
  await a.ok('PUT', tagsPath(a, oldRoom, 'm.favourite'), { order: 0.1 });
  await b.ok('PUT', tagsPath(b, oldRoom, 'u.friends'), {});
  await a.ok('PUT', globalPath(a, 'm.direct'), { [b.userId]: [oldRoom, '!unrelated:hearth.test'] });
  await b.ok('PUT', globalPath(b, 'm.direct'), { [a.userId]: ['!unrelated:hearth.test'] });

  const { replacement_room: newRoom } = await a.ok('POST', `${a.room(oldRoom)}/upgrade`, { new_version: '11' });
  assert.deepEqual(await a.ok('GET', tagsPath(a, newRoom)), { tags: { 'm.favourite': { order: 0.1 } } });
  assert.deepEqual(await b.ok('GET', tagsPath(b, newRoom)), { tags: { 'u.friends': {} } });
  assert.deepEqual(await a.ok('GET', globalPath(a, 'm.direct')), { [b.userId]: [oldRoom, '!unrelated:hearth.test', newRoom] });
  assert.deepEqual(await b.ok('GET', globalPath(b, 'm.direct')), { [a.userId]: ['!unrelated:hearth.test'] }, 'untouched without the old room');
  // Bob joins the new room: its tags arrive with it in /sync.
  const since = (await b.sync()).next_batch;
  await b.join(newRoom);
  const joined = await b.sync({ since, timeout: 0 });
  assert.deepEqual(ofType(roomData(joined, newRoom), 'm.tag'), [{ type: 'm.tag', content: { tags: { 'u.friends': {} } } }]);
});
