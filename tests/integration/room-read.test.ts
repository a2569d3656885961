// Reading rooms: /event, /state, /messages, /context, /timestamp_to_event, /members, /joined_members and
// history visibility, black-box against a real server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer, type HttpResult, type RegisteredUser, type TestServer } from '../helpers/test-server.js';

const V3 = '/_matrix/client/v3';
const V1 = '/_matrix/client/v1';
const enc = encodeURIComponent;
let txn = 0;

function client(hs: TestServer, user: RegisteredUser) {
  const get = (path: string): Promise<HttpResult> => hs.request('GET', path, { token: user.accessToken });
  const ok = async (result: Promise<HttpResult>) => {
    const response = await result;
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body;
  };
  const room = (roomId: string) => `${V3}/rooms/${enc(roomId)}`;
  return {
    get,
    async createRoom(body: Record<string, unknown> = {}): Promise<string> {
      return (await ok(hs.request('POST', `${V3}/createRoom`, { token: user.accessToken, body }))).room_id;
    },
    async send(roomId: string, content: Record<string, unknown>, type = 'm.room.message'): Promise<string> {
      return (await ok(hs.request('PUT', `${room(roomId)}/send/${enc(type)}/t${++txn}`, { token: user.accessToken, body: content }))).event_id;
    },
    async say(roomId: string, body: string): Promise<string> {
      return this.send(roomId, { msgtype: 'm.text', body });
    },
    async setState(roomId: string, type: string, stateKey: string, content: Record<string, unknown>): Promise<string> {
      return (await ok(hs.request('PUT', `${room(roomId)}/state/${enc(type)}/${enc(stateKey)}`, { token: user.accessToken, body: content }))).event_id;
    },
    async join(roomId: string) {
      await ok(hs.request('POST', `${room(roomId)}/join`, { token: user.accessToken, body: {} }));
    },
    async invite(roomId: string, userId: string) {
      await ok(hs.request('POST', `${room(roomId)}/invite`, { token: user.accessToken, body: { user_id: userId } }));
    },
    async leave(roomId: string) {
      await ok(hs.request('POST', `${room(roomId)}/leave`, { token: user.accessToken, body: {} }));
    },
    hsForget(roomId: string) {
      return hs.request('POST', `${room(roomId)}/forget`, { token: user.accessToken, body: {} });
    },
    messages(roomId: string, query: Record<string, string | number>) {
      const params = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
      return get(`${room(roomId)}/messages?${params}`);
    },
    room,
  };
}

async function setup(t: Parameters<typeof startTestServer>[0]) {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const bob = await hs.register('bob');
  return { hs, alice, bob, a: client(hs, alice), b: client(hs, bob) };
}

const bodiesOf = (chunk: Array<{ type: string; content: { body?: string } }>): string[] =>
  chunk.filter((event) => event.type === 'm.room.message').map((event) => String(event.content.body));

// complement: TestFetchEvent, TestFetchEventNonWorldReadable; sytest: tests/30rooms/51event.pl
test('GET /event returns a visible event and 404 for unknown, foreign or invisible ones', async (t) => {
  const { alice, bob, a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  const eventId = await a.say(roomId, 'hello');

  const fetched = await a.get(`${a.room(roomId)}/event/${enc(eventId)}`);
  assert.equal(fetched.status, 200);
  assert.equal(fetched.body.event_id, eventId);
  assert.equal(fetched.body.room_id, roomId);
  assert.equal(fetched.body.sender, alice.userId);
  assert.deepEqual(fetched.body.content, { msgtype: 'm.text', body: 'hello' });
  assert.equal(typeof fetched.body.unsigned.age, 'number');
  assert.equal(fetched.body.unsigned.transaction_id, `t${txn}`, 'the sending device sees its transaction ID');

  for (const [path, who] of [
    [`${a.room(roomId)}/event/${enc('$nope')}`, a],
    [`${b.room(roomId)}/event/${enc(eventId)}`, b], // bob is not in the room
  ] as const) {
    const missing = await who.get(path);
    assert.equal(missing.status, 404, path);
    assert.equal(missing.body.errcode, 'M_NOT_FOUND');
  }
  // The event exists, but not in that room.
  const otherRoom = await a.createRoom();
  const foreign = await a.get(`${a.room(otherRoom)}/event/${enc(eventId)}`);
  assert.equal(foreign.status, 404);
  assert.ok(bob.userId);
});

// complement: TestRoomState; sytest: tests/30rooms/01state.pl
test('GET /state and /state/{type}/{key}: current state, format=event, 404 for missing, 403 for non-members', async (t) => {
  const { alice, a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat', name: 'Room one', topic: 'first topic' });

  const state = await a.get(`${a.room(roomId)}/state`);
  assert.equal(state.status, 200);
  const types = new Set(state.body.map((event: { type: string }) => event.type));
  for (const type of ['m.room.create', 'm.room.member', 'm.room.power_levels', 'm.room.join_rules', 'm.room.name', 'm.room.topic']) {
    assert.ok(types.has(type), type);
  }
  for (const event of state.body) assert.equal(event.room_id, roomId);

  const name = await a.get(`${a.room(roomId)}/state/m.room.name/`);
  assert.equal(name.status, 200);
  assert.deepEqual(name.body, { name: 'Room one' });
  const noSlash = await a.get(`${a.room(roomId)}/state/m.room.name`);
  assert.deepEqual(noSlash.body, { name: 'Room one' });

  const member = await a.get(`${a.room(roomId)}/state/m.room.member/${enc(alice.userId)}?format=event`);
  assert.equal(member.status, 200);
  assert.equal(member.body.type, 'm.room.member');
  assert.equal(member.body.state_key, alice.userId);
  assert.equal(member.body.content.membership, 'join');
  assert.equal(typeof member.body.event_id, 'string');

  const badFormat = await a.get(`${a.room(roomId)}/state/m.room.name/?format=nope`);
  assert.equal(badFormat.status, 400);
  assert.equal(badFormat.body.errcode, 'M_INVALID_PARAM');

  const missing = await a.get(`${a.room(roomId)}/state/m.room.avatar/`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.errcode, 'M_NOT_FOUND');

  for (const path of [`${a.room(roomId)}/state`, `${a.room(roomId)}/state/m.room.name/`, `${a.room('!unknown:hearth.test')}/state`]) {
    const refused = await b.get(path);
    assert.equal(refused.status, 403, path);
    assert.equal(refused.body.errcode, 'M_FORBIDDEN');
  }
});

// complement: TestLeftRoomFixture, TestRoomForget; sytest: tests/30rooms/11leaving.pl, tests/30rooms/31forget.pl
test('a member who left reads the state as of their leave', async (t) => {
  const { bob, a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat', topic: 'old topic' });
  await b.join(roomId);
  await b.leave(roomId);
  await a.setState(roomId, 'm.room.topic', '', { topic: 'new topic' });

  const topic = await b.get(`${b.room(roomId)}/state/m.room.topic/`);
  assert.equal(topic.status, 200);
  assert.equal(topic.body.topic, 'old topic');
  const state = await b.get(`${b.room(roomId)}/state`);
  const own = state.body.find((event: { type: string; state_key: string }) => event.type === 'm.room.member' && event.state_key === bob.userId);
  assert.equal(own.content.membership, 'leave');
  assert.equal((await a.get(`${a.room(roomId)}/state/m.room.topic/`)).body.topic, 'new topic');

  assert.equal((await b.get(`${b.room(roomId)}/members`)).status, 200);
  assert.equal((await b.messages(roomId, { dir: 'b' })).status, 200);

  // Once forgotten, the room is closed to them.
  assert.equal((await b.hsForget(roomId)).status, 200);
  for (const path of [`${b.room(roomId)}/state`, `${b.room(roomId)}/members`, `${b.room(roomId)}/messages?dir=b`]) {
    const refused = await b.get(path);
    assert.equal(refused.status, 403, path);
  }
});

// complement: TestSendAndFetchMessage; sytest: tests/30rooms/04messages.pl
test('/messages pages 500 messages backwards and forwards in order, without gaps or repeats', async (t) => {
  const { a } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  const sent: string[] = [];
  for (let i = 0; i < 500; i++) {
    await a.say(roomId, `m${i}`);
    sent.push(`m${i}`);
  }

  // Backwards from the end (no `from`), 37 at a time.
  const back: string[] = [];
  let from: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await a.messages(roomId, { dir: 'b', limit: 37, ...(from ? { from } : {}) });
    assert.equal(page.status, 200, JSON.stringify(page.body));
    if (from) assert.equal(page.body.start, from, 'start echoes from');
    back.push(...bodiesOf(page.body.chunk));
    pages++;
    if (page.body.end === undefined) break;
    from = page.body.end;
    assert.ok(pages < 100, 'pagination terminates');
  }
  assert.deepEqual(back, [...sent].reverse());

  // Forwards from the start (no `from`), 100 at a time; the create event comes first.
  const forward: string[] = [];
  let first: string | undefined;
  from = undefined;
  for (;;) {
    const page = await a.messages(roomId, { dir: 'f', limit: 100, ...(from ? { from } : {}) });
    assert.equal(page.status, 200);
    first ??= page.body.chunk[0]?.type;
    forward.push(...bodiesOf(page.body.chunk));
    if (page.body.end === undefined) break;
    from = page.body.end;
  }
  assert.equal(first, 'm.room.create');
  assert.deepEqual(forward, sent);

  // Default limit 10; an oversized limit is capped rather than refused.
  const defaults = await a.messages(roomId, { dir: 'b' });
  assert.deepEqual(bodiesOf(defaults.body.chunk), sent.slice(-10).reverse());
  const capped = await a.messages(roomId, { dir: 'b', limit: 1_000_000 });
  assert.equal(capped.status, 200);
  assert.equal(bodiesOf(capped.body.chunk).length, 500);
  assert.equal(capped.body.chunk.at(-1).type, 'm.room.create');
  assert.equal(capped.body.end, undefined, 'everything fits: no end');

  // A page's `end` continues where it stopped; `to` stops a page early (exclusive).
  const newest = await a.messages(roomId, { dir: 'b', limit: 5 });
  const older = await a.messages(roomId, { dir: 'b', limit: 5, from: newest.body.end });
  assert.deepEqual(bodiesOf(older.body.chunk), ['m494', 'm493', 'm492', 'm491', 'm490']);
  const between = await a.messages(roomId, { dir: 'f', from: older.body.end, to: newest.body.end, limit: 50 });
  assert.deepEqual(bodiesOf(between.body.chunk), ['m490', 'm491', 'm492', 'm493', 'm494']);
  assert.equal(between.body.end, undefined);

  // Sync's stream tokens are accepted too: s0 is the start, a far stream position the end.
  const fromStream = await a.messages(roomId, { dir: 'f', from: 's0', limit: 1 });
  assert.equal(fromStream.body.chunk[0].type, 'm.room.create');
  const fromNow = await a.messages(roomId, { dir: 'b', from: 's999999999_0_0', limit: 1 });
  assert.deepEqual(bodiesOf(fromNow.body.chunk), ['m499']);
});

// sytest: tests/30rooms/04messages.pl (the parameter checks themselves are Hearth's)
test('/messages refuses bad tokens, directions, limits and filters with 400', async (t) => {
  const { a } = await setup(t);
  const roomId = await a.createRoom();
  for (const [query, errcode] of [
    [{ dir: 'b', from: 'garbage' }, 'M_INVALID_PARAM'],
    [{ dir: 'b', to: 'x1' }, 'M_INVALID_PARAM'],
    [{ dir: 'x' }, 'M_INVALID_PARAM'],
    [{ dir: 'b', limit: -1 }, 'M_INVALID_PARAM'],
    [{ dir: 'b', limit: 'ten' }, 'M_INVALID_PARAM'],
    [{ dir: 'b', filter: '{not json' }, 'M_BAD_JSON'],
    [{ dir: 'b', filter: '{"types":"m.room.message"}' }, 'M_BAD_JSON'],
    [{ dir: 'b', filter: '[1]' }, 'M_BAD_JSON'],
  ] as const) {
    const response = await a.messages(roomId, query);
    assert.equal(response.status, 400, JSON.stringify(query));
    assert.equal(response.body.errcode, errcode, JSON.stringify(query));
  }
});

// complement: TestRoomMessagesLazyLoading, TestRoomMessagesLazyLoadingLocalUser; sytest: tests/30rooms/04messages.pl
test('/messages filters: types (with wildcards), not_types, senders, not_senders, contains_url, limit, lazy_load_members', async (t) => {
  const { alice, bob, a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.join(roomId);
  await a.say(roomId, 'from alice');
  await b.say(roomId, 'from bob');
  await a.send(roomId, { msgtype: 'm.image', body: 'picture', url: 'mxc://hearth.test/abc' });
  await a.send(roomId, { answer: 42 }, 'org.example.custom');

  const run = async (filter: unknown) => {
    const response = await a.messages(roomId, { dir: 'b', limit: 50, filter: JSON.stringify(filter) });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body;
  };
  const typesOf = (body: { chunk: Array<{ type: string }> }) => body.chunk.map((event) => event.type);

  assert.deepEqual(bodiesOf((await run({ types: ['m.room.message'] })).chunk), ['picture', 'from bob', 'from alice']);
  assert.ok(typesOf(await run({ types: ['m.room.message'] })).every((type) => type === 'm.room.message'));
  assert.deepEqual(typesOf(await run({ types: ['org.example.*'] })), ['org.example.custom']);
  assert.ok(!typesOf(await run({ not_types: ['m.room.*'] })).some((type) => type.startsWith('m.room.')));
  assert.deepEqual(typesOf(await run({ not_types: ['m.room.*'] })), ['org.example.custom']);
  assert.deepEqual(bodiesOf((await run({ senders: [bob.userId] })).chunk), ['from bob']);
  assert.ok((await run({ not_senders: [alice.userId] })).chunk.every((event: { sender: string }) => event.sender !== alice.userId));
  assert.deepEqual(bodiesOf((await run({ contains_url: true })).chunk), ['picture']);
  assert.ok(!bodiesOf((await run({ contains_url: false })).chunk).includes('picture'));
  assert.deepEqual((await run({ types: [] })).chunk, []);

  const limited = await run({ types: ['m.room.message'], limit: 2 });
  assert.deepEqual(bodiesOf(limited.chunk), ['picture', 'from bob']);
  assert.ok(limited.end, 'more to come');

  const lazy = await run({ types: ['m.room.message'], lazy_load_members: true });
  const members = lazy.state.map((event: { type: string; state_key: string }) => `${event.type} ${event.state_key}`).sort();
  assert.deepEqual(members, [`m.room.member ${alice.userId}`, `m.room.member ${bob.userId}`].sort());
  assert.equal((await run({ types: ['m.room.message'] })).state, undefined, 'no state without lazy loading');
});

// sytest: tests/30rooms/50context.pl
test('/context returns the event, events around it, state, and tokens that continue in /messages', async (t) => {
  const { a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat', name: 'ctx' });
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) ids.push(await a.say(roomId, `c${i}`));

  const context = await a.get(`${a.room(roomId)}/context/${enc(ids[5] as string)}?limit=4`);
  assert.equal(context.status, 200, JSON.stringify(context.body));
  assert.equal(context.body.event.event_id, ids[5]);
  assert.deepEqual(bodiesOf(context.body.events_before), ['c4', 'c3']);
  assert.deepEqual(bodiesOf(context.body.events_after), ['c6', 'c7']);
  assert.ok(context.body.state.some((event: { type: string }) => event.type === 'm.room.name'));

  const older = await a.messages(roomId, { dir: 'b', from: context.body.start, limit: 2 });
  assert.deepEqual(bodiesOf(older.body.chunk), ['c2', 'c1']);
  const newer = await a.messages(roomId, { dir: 'f', from: context.body.end, limit: 2 });
  assert.deepEqual(bodiesOf(newer.body.chunk), ['c8', 'c9']);

  const zero = await a.get(`${a.room(roomId)}/context/${enc(ids[5] as string)}?limit=0`);
  assert.equal(zero.body.event.event_id, ids[5]);
  assert.deepEqual([zero.body.events_before, zero.body.events_after], [[], []]);

  const filtered = await a.get(`${a.room(roomId)}/context/${enc(ids[0] as string)}?limit=6&filter=${enc(JSON.stringify({ types: ['m.room.message'], lazy_load_members: true }))}`);
  assert.equal(filtered.status, 200);
  assert.deepEqual(filtered.body.events_before, []);
  assert.deepEqual(bodiesOf(filtered.body.events_after), ['c1', 'c2', 'c3']);

  const unknown = await a.get(`${a.room(roomId)}/context/${enc('$missing')}`);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errcode, 'M_NOT_FOUND');
  const stranger = await b.get(`${b.room(roomId)}/context/${enc(ids[5] as string)}`);
  assert.equal(stranger.status, 403);
});

// complement: TestJumpToDateEndpoint
test('timestamp_to_event finds the nearest event in either direction (v1 only)', async (t) => {
  const { a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  const first = await a.say(roomId, 'first');
  const firstTs = (await a.get(`${a.room(roomId)}/event/${enc(first)}`)).body.origin_server_ts as number;
  await new Promise((resolve) => setTimeout(resolve, 5));
  const second = await a.say(roomId, 'second');
  const secondTs = (await a.get(`${a.room(roomId)}/event/${enc(second)}`)).body.origin_server_ts as number;
  assert.ok(secondTs > firstTs);

  const path = (ts: number, dir: string) => `${V1}/rooms/${enc(roomId)}/timestamp_to_event?ts=${ts}&dir=${dir}`;
  const forward = await a.get(path(firstTs + 1, 'f'));
  assert.equal(forward.status, 200, JSON.stringify(forward.body));
  assert.deepEqual(forward.body, { event_id: second, origin_server_ts: secondTs });
  const backward = await a.get(path(secondTs - 1, 'b'));
  assert.equal(backward.body.event_id, first);
  assert.equal((await a.get(path(secondTs, 'b'))).body.event_id, second);

  const none = await a.get(path(secondTs + 60_000, 'f'));
  assert.equal(none.status, 404);
  assert.equal(none.body.errcode, 'M_NOT_FOUND');
  assert.equal((await a.get(path(0, 'b'))).status, 404);

  const missing = await a.get(`${V1}/rooms/${enc(roomId)}/timestamp_to_event?dir=f`);
  assert.equal(missing.status, 400);
  assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
  assert.equal((await a.get(`${V1}/rooms/${enc(roomId)}/timestamp_to_event?ts=1&dir=up`)).status, 400);
  assert.equal((await b.get(path(firstTs, 'f'))).status, 403);
  assert.equal((await a.get(`${V3}/rooms/${enc(roomId)}/timestamp_to_event?ts=1&dir=f`)).status, 404, 'not under v3');
});

// complement: TestGetRoomMembers, TestGetRoomMembersAtPoint, TestGetFilteredRoomMembers; sytest: tests/30rooms/52members.pl, tests/30rooms/40joinedapis.pl
test('/members with at, membership and not_membership; /joined_members with profiles', async (t) => {
  const { hs, alice, bob, a, b } = await setup(t);
  const carol = await hs.register('carol');
  const c = client(hs, carol);
  await hs.request('PUT', `${V3}/profile/${enc(alice.userId)}/displayname`, { token: alice.accessToken, body: { displayname: 'Alice A' } });
  const roomId = await a.createRoom({ preset: 'public_chat' });
  const beforeBob = (await a.messages(roomId, { dir: 'b', limit: 1 })).body.start as string;
  await b.join(roomId);
  await c.join(roomId);
  await c.leave(roomId);
  const dave = await hs.register('dave');
  await a.invite(roomId, dave.userId);

  const memberships = async (query: string) => {
    const response = await a.get(`${a.room(roomId)}/members${query}`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return Object.fromEntries(response.body.chunk.map((event: { state_key: string; content: { membership: string } }) => [event.state_key, event.content.membership]));
  };
  assert.deepEqual(await memberships(''), { [alice.userId]: 'join', [bob.userId]: 'join', [carol.userId]: 'leave', [dave.userId]: 'invite' });
  assert.deepEqual(await memberships('?membership=join'), { [alice.userId]: 'join', [bob.userId]: 'join' });
  assert.deepEqual(await memberships('?not_membership=leave'), { [alice.userId]: 'join', [bob.userId]: 'join', [dave.userId]: 'invite' });
  assert.deepEqual(await memberships('?membership=invite&not_membership=join'), { [dave.userId]: 'invite' });
  assert.deepEqual(await memberships(`?at=${enc(beforeBob)}`), { [alice.userId]: 'join' });
  assert.equal((await a.get(`${a.room(roomId)}/members?membership=nope`)).status, 400);
  assert.equal((await a.get(`${a.room(roomId)}/members?at=bogus`)).body.errcode, 'M_INVALID_PARAM');

  const joined = await b.get(`${b.room(roomId)}/joined_members`);
  assert.equal(joined.status, 200);
  assert.deepEqual(Object.keys(joined.body.joined).sort(), [alice.userId, bob.userId].sort());
  assert.equal(joined.body.joined[alice.userId].display_name, 'Alice A');
  assert.equal(joined.body.joined[bob.userId].display_name, 'bob');

  // Carol left: members (as of her leave) yes, joined_members no; dave (invited) neither.
  assert.equal((await c.get(`${c.room(roomId)}/members`)).status, 200);
  assert.equal((await c.get(`${c.room(roomId)}/joined_members`)).status, 403);
  const daveClient = client(hs, dave);
  assert.equal((await daveClient.get(`${daveClient.room(roomId)}/members`)).status, 403);
  assert.equal((await daveClient.get(`${daveClient.room(roomId)}/joined_members`)).status, 403);
});

// complement: TestFetchHistoricalJoinedEventDenied, TestFetchHistoricalSharedEvent, TestFetchHistoricalInvitedEventFromBetweenInvite, TestFetchHistoricalInvitedEventFromBeforeInvite; sytest: tests/30rooms/30history-visibility.pl
test('history visibility: joined, shared and invited decide what a later member sees', async (t) => {
  const { bob, a, b } = await setup(t);
  for (const visibility of ['joined', 'shared', 'invited'] as const) {
    const roomId = await a.createRoom({ preset: 'private_chat' });
    await a.setState(roomId, 'm.room.history_visibility', '', { history_visibility: visibility });
    const early = await a.say(roomId, 'before invite');
    await a.invite(roomId, bob.userId);
    await a.say(roomId, 'while invited');
    await b.join(roomId);
    await a.say(roomId, 'after join');

    const seen = bodiesOf((await b.messages(roomId, { dir: 'b', limit: 50 })).body.chunk);
    const expected = {
      joined: ['after join'],
      invited: ['after join', 'while invited'],
      shared: ['after join', 'while invited', 'before invite'],
    }[visibility];
    assert.deepEqual(seen, expected, visibility);
    const fetched = await b.get(`${b.room(roomId)}/event/${enc(early)}`);
    assert.equal(fetched.status, visibility === 'shared' ? 200 : 404, visibility);
    // The creator sees everything.
    assert.equal(bodiesOf((await a.messages(roomId, { dir: 'f', limit: 50 })).body.chunk).length, 3);
  }
});

// complement: TestLeftRoomFixture (messages for a departed room, forward paging limited); sytest: tests/30rooms/11leaving.pl
test('a member who left sees history up to their leave and nothing after', async (t) => {
  const { bob, a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.join(roomId);
  await a.say(roomId, 'while joined');
  await b.leave(roomId);
  const after = await a.say(roomId, 'after leave');

  const backwards = await b.messages(roomId, { dir: 'b', limit: 50 });
  assert.equal(backwards.status, 200);
  assert.deepEqual(bodiesOf(backwards.body.chunk), ['while joined']);
  const newestType = backwards.body.chunk[0];
  assert.equal(newestType.type, 'm.room.member');
  assert.equal(newestType.state_key, bob.userId);
  assert.equal(newestType.content.membership, 'leave');
  const forwards = await b.messages(roomId, { dir: 'f', limit: 50 });
  assert.deepEqual(bodiesOf(forwards.body.chunk), ['while joined']);
  assert.equal((await b.get(`${b.room(roomId)}/event/${enc(after)}`)).status, 404);
});

// complement: TestFetchEventWorldReadable, TestFetchMessagesFromNonExistentRoom; sytest: tests/30rooms/13anonymousaccess.pl
test('world_readable rooms can be read by anyone authenticated; others are 403', async (t) => {
  const { hs, a, b } = await setup(t);
  const open = await a.createRoom({ preset: 'public_chat' });
  await a.setState(open, 'm.room.history_visibility', '', { history_visibility: 'world_readable' });
  const message = await a.say(open, 'public words');
  assert.deepEqual(bodiesOf((await b.messages(open, { dir: 'b' })).body.chunk), ['public words']);
  assert.equal((await b.get(`${b.room(open)}/state`)).status, 200);
  assert.equal((await b.get(`${b.room(open)}/event/${enc(message)}`)).status, 200);
  assert.equal((await b.get(`${b.room(open)}/members`)).status, 200);
  assert.equal((await b.get(`${b.room(open)}/joined_members`)).status, 200);

  const closed = await a.createRoom({ preset: 'public_chat' });
  for (const path of [`${b.room(closed)}/messages?dir=b`, `${b.room(closed)}/members`, `${b.room(closed)}/joined_members`, `${b.room('!nowhere:hearth.test')}/messages?dir=b`]) {
    const refused = await b.get(path);
    assert.equal(refused.status, 403, path);
    assert.equal(refused.body.errcode, 'M_FORBIDDEN');
  }
  // "Anyone authenticated": without a token it is 401.
  const anonymous = await hs.request('GET', `${b.room(open)}/messages?dir=b`);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.errcode, 'M_MISSING_TOKEN');
});
