// POST /search black-box over HTTP (spec "Server Side Search"): finding messages, names and topics, rank vs
// recent, context and profiles, groupings, next_batch paging, filters, redactions, visibility, and term
// syntax that must never break the query. Plus matrix-js-sdk's searchRoomEvents against the real server.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { loadSdk, refused, startClient, type Sdk } from '../helpers/js-sdk.js';
import { enc, roomClient, V3, type RoomClient } from '../helpers/room-client.js';
import { startTestServer } from '../helpers/test-server.js';

let sdk: Sdk;
before(async () => {
  sdk = await loadSdk();
});

async function setup(t: Parameters<typeof startTestServer>[0]) {
  const hs = await startTestServer(t);
  const [alice, bob, eve] = await Promise.all([hs.register('alice'), hs.register('bob'), hs.register('eve')]);
  return { hs, a: roomClient(hs, alice), b: roomClient(hs, bob), e: roomClient(hs, eve) };
}

type Criteria = Record<string, unknown>;

const search = (client: RoomClient, criteria: Criteria, nextBatch?: string) =>
  client.ok('POST', `${V3}/search${nextBatch ? `?next_batch=${enc(nextBatch)}` : ''}`, { search_categories: { room_events: criteria } });

// Tests read fields freely from replies.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const eventIds = (reply: any): string[] => reply.search_categories.room_events.results.map((r: any) => r.result.event_id);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const bodiesOf = (reply: any): string[] => reply.search_categories.room_events.results.map((r: any) => r.result.content.body);

// sytest: Can search for an event by body
test('a message is found by a word of its body, as a prefix, without accents and in any case', async (t) => {
  const { a } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  const hit = await a.say(roomId, 'Meet me at the Café Élysée tomorrow');
  await a.say(roomId, 'something else entirely');

  const reply = await search(a, { search_term: 'cafe' });
  const events = reply.search_categories.room_events;
  assert.deepEqual(eventIds(reply), [hit]);
  assert.equal(events.count, 1);
  assert.deepEqual(events.highlights, ['cafe']);
  const first = events.results[0];
  assert.equal(typeof first.rank, 'number');
  assert.equal(first.result.room_id, roomId);
  assert.equal(first.result.type, 'm.room.message');
  assert.equal(first.result.sender, a.userId);
  assert.equal(events.next_batch, undefined, 'no more results');

  assert.deepEqual(eventIds(await search(a, { search_term: 'TOMOR' })), [hit], 'prefix, case-insensitive');
  assert.deepEqual(eventIds(await search(a, { search_term: 'elysee meet' })), [hit], 'every word, any order');
  assert.deepEqual(eventIds(await search(a, { search_term: 'elysee missing' })), [], 'all words must match');
  assert.deepEqual(eventIds(await search(a, { search_term: '"me at the"' })), [hit], 'a quoted phrase');
  assert.deepEqual(eventIds(await search(a, { search_term: '"at me"' })), [], 'a phrase in order only');
  assert.deepEqual(eventIds(await search(a, { search_term: 'entirely OR tomorrow' })).length, 2, 'OR');
  assert.deepEqual(bodiesOf(await search(a, { search_term: 'entirely OR tomorrow -cafe' })), ['something else entirely'], 'exclusion');
});

// sytest: Can search for an event by name / topic (keys)
test('room names and topics are searched under their keys; keys limits the search', async (t) => {
  const { a } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat', name: 'Gardening club', topic: 'Tomatoes and basil' });
  const message = await a.say(roomId, 'tomatoes are ripe');
  await a.setState(roomId, 'm.room.topic', '', {
    topic: 'plain topic',
    'm.topic': { 'm.text': [{ mimetype: 'text/html', body: '<b>html words</b>' }, { body: 'cucumbers in text' }] },
  });

  const names = await search(a, { search_term: 'gardening' });
  assert.equal(names.search_categories.room_events.results[0].result.type, 'm.room.name');
  const topics = eventIds(await search(a, { search_term: 'tomatoes', keys: ['content.topic'] }));
  assert.equal(topics.length, 1);
  assert.notEqual(topics[0], message);
  assert.deepEqual(eventIds(await search(a, { search_term: 'tomatoes', keys: ['content.body'] })), [message]);
  assert.equal(eventIds(await search(a, { search_term: 'tomatoes' })).length, 2, 'all keys by default');
  assert.equal(eventIds(await search(a, { search_term: 'cucumbers' })).length, 1, 'the text/plain body of m.topic');
  assert.equal(eventIds(await search(a, { search_term: 'html' })).length, 0, 'not the html body');
  assert.equal(eventIds(await search(a, { search_term: 'gardening', keys: [] })).length, 0, 'no keys, nothing searched');
});

// sytest: Search results with rank ordering / recent ordering
test('order_by rank puts the closest match first; recent the newest first', async (t) => {
  const { a } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  const weak = await a.say(roomId, 'banana bread recipe with many other words to dilute the match of banana here');
  const strong = await a.say(roomId, 'banana banana banana');
  const newest = await a.say(roomId, 'one banana and a long sentence about lots of different things unrelated to fruit at all');

  const ranked = await search(a, { search_term: 'banana', order_by: 'rank' });
  assert.equal(eventIds(ranked)[0], strong);
  const ranks = ranked.search_categories.room_events.results.map((r: { rank: number }) => r.rank);
  assert.deepEqual([...ranks].sort((x, y) => y - x), ranks, 'ranks descending');
  assert.deepEqual(eventIds(await search(a, { search_term: 'banana', order_by: 'recent' })), [newest, strong, weak]);
  // rank is the default.
  assert.equal(eventIds(await search(a, { search_term: 'banana' }))[0], strong);
});

// sytest: Search works with event_context (before/after, include_profile)
test('event_context gives events before and after with tokens, and the senders profiles', async (t) => {
  const { a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.join(roomId);
  await b.ok('PUT', `${V3}/profile/${enc(b.userId)}/displayname`, { displayname: 'Bobby' });
  await a.say(roomId, 'before three');
  await a.say(roomId, 'before two');
  await b.say(roomId, 'before one');
  const hit = await a.say(roomId, 'the needle');
  await b.say(roomId, 'after one');
  await a.say(roomId, 'after two');
  await a.say(roomId, 'after three');

  const reply = await search(a, { search_term: 'needle', event_context: { before_limit: 2, after_limit: 2, include_profile: true } });
  const [result] = reply.search_categories.room_events.results;
  assert.equal(result.result.event_id, hit);
  const context = result.context;
  assert.deepEqual(context.events_before.map((e: { content: { body: string } }) => e.content.body), ['before one', 'before two'], 'newest first');
  assert.deepEqual(context.events_after.map((e: { content: { body: string } }) => e.content.body), ['after one', 'after two']);
  assert.equal(context.profile_info[b.userId].displayname, 'Bobby');
  assert.ok(context.profile_info[a.userId], 'the result sender has a profile entry');
  // The tokens continue in /messages.
  const older = await a.messages(roomId, { from: context.start, dir: 'b', limit: 1 });
  assert.equal(older.chunk[0].content.body, 'before three');
  const newer = await a.messages(roomId, { from: context.end, dir: 'f', limit: 1 });
  assert.equal(newer.chunk[0].content.body, 'after three');

  // Defaults: 5 before and after; no profile_info without include_profile.
  const plain = await search(a, { search_term: 'needle', event_context: {} });
  assert.equal(plain.search_categories.room_events.results[0].context.events_after.length, 3);
  assert.equal(plain.search_categories.room_events.results[0].context.profile_info, undefined);
  // No event_context: no context.
  assert.equal((await search(a, { search_term: 'needle' })).search_categories.room_events.results[0].context, undefined);
});

// sytest: Search results are grouped by room_id / sender
test('groupings by room_id and sender list each group results with an order', async (t) => {
  const { a, b } = await setup(t);
  const one = await a.createRoom({ preset: 'public_chat' });
  const two = await a.createRoom({ preset: 'public_chat' });
  await b.join(one);
  const a1 = await a.say(one, 'kiwi one');
  const b1 = await b.say(one, 'kiwi two');
  const a2 = await a.say(two, 'kiwi three');

  const reply = await search(a, { search_term: 'kiwi', order_by: 'recent', groupings: { group_by: [{ key: 'room_id' }, { key: 'sender' }] } });
  const groups = reply.search_categories.room_events.groups;
  assert.deepEqual(groups.room_id[two], { results: [a2], order: 1 });
  assert.deepEqual(groups.room_id[one], { results: [b1, a1], order: 2 });
  assert.deepEqual(groups.sender[a.userId], { results: [a2, a1], order: 1 });
  assert.deepEqual(groups.sender[b.userId], { results: [b1], order: 2 });
  assert.equal((await search(a, { search_term: 'kiwi' })).search_categories.room_events.groups, undefined);
});

// sytest: Search results with pagination (next_batch)
test('next_batch pages through every result exactly once, for recent and rank orders, and within a group', async (t) => {
  const { a } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  const other = await a.createRoom({ preset: 'private_chat' });
  const sent: string[] = [];
  for (let i = 0; i < 7; i++) sent.push(await a.say(roomId, `lemon number ${i}${' lemon'.repeat(i % 3)}`));
  const elsewhere = await a.say(other, 'lemon elsewhere');

  for (const order of ['recent', 'rank'] as const) {
    const seen: string[] = [];
    let batch: string | undefined;
    let pages = 0;
    do {
      const reply = await search(a, { search_term: 'lemon', order_by: order, filter: { limit: 3 } }, batch);
      const events = reply.search_categories.room_events;
      assert.ok(events.results.length <= 3);
      assert.equal(events.count, 8);
      seen.push(...eventIds(reply));
      batch = events.next_batch;
      pages++;
    } while (batch && pages < 10);
    assert.equal(seen.length, 8, `${order}: every result once`);
    assert.deepEqual(new Set(seen), new Set([...sent, elsewhere]));
    if (order === 'recent') assert.deepEqual(seen, [elsewhere, ...[...sent].reverse()]);
  }

  // Paging within a group stays in the group.
  const grouped = await search(a, { search_term: 'lemon', order_by: 'recent', filter: { limit: 3 }, groupings: { group_by: [{ key: 'room_id' }] } });
  const group = grouped.search_categories.room_events.groups.room_id[roomId];
  assert.equal(typeof group.next_batch, 'string');
  assert.equal(grouped.search_categories.room_events.groups.room_id[other].next_batch, undefined, 'nothing more in that room');
  const inGroup = await search(a, { search_term: 'lemon', order_by: 'recent', filter: { limit: 10 }, groupings: { group_by: [{ key: 'room_id' }] } }, group.next_batch);
  assert.deepEqual(eventIds(inGroup), [...sent].reverse().slice(2));
  assert.deepEqual(Object.keys(inGroup.search_categories.room_events.groups.room_id), [roomId]);
});

// sytest: Search works with a filter (rooms, senders, types)
test('the filter narrows by room, sender and type', async (t) => {
  const { a, b } = await setup(t);
  const one = await a.createRoom({ preset: 'public_chat' });
  const two = await a.createRoom({ preset: 'public_chat' });
  await b.join(one);
  const fromA = await a.say(one, 'grape from alice');
  const fromB = await b.say(one, 'grape from bob');
  const inTwo = await a.say(two, 'grape in two');
  const notice = await a.send(one, { msgtype: 'm.notice', body: 'grape notice', url: 'mxc://hearth.test/x' });

  const ids = async (filter: Record<string, unknown>) => new Set(eventIds(await search(a, { search_term: 'grape', filter })));
  assert.deepEqual(await ids({ rooms: [two] }), new Set([inTwo]));
  assert.deepEqual(await ids({ not_rooms: [one] }), new Set([inTwo]));
  assert.deepEqual(await ids({ senders: [b.userId] }), new Set([fromB]));
  assert.deepEqual(await ids({ not_senders: [a.userId] }), new Set([fromB]));
  assert.deepEqual(await ids({ contains_url: true }), new Set([notice]));
  assert.deepEqual(await ids({ types: ['m.room.name'] }), new Set());
  assert.deepEqual(await ids({ types: ['m.room.*'], rooms: [one] }), new Set([fromA, fromB, notice]));
  assert.deepEqual(await ids({ limit: 1 }).then((s) => s.size), 1);
});

// sytest: Search doesn't return redacted events
test('a redacted event disappears from the results', async (t) => {
  const { a } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  const gone = await a.say(roomId, 'secret mango plan');
  const kept = await a.say(roomId, 'public mango plan');
  await a.ok('PUT', `${a.room(roomId)}/redact/${enc(gone)}/redact-1`, { reason: 'oops' });
  const reply = await search(a, { search_term: 'mango' });
  assert.deepEqual(eventIds(reply), [kept]);
  assert.equal(reply.search_categories.room_events.count, 1);
  assert.deepEqual(eventIds(await search(a, { search_term: 'secret' })), []);
});

// sytest: Search only returns events the user may see
test('events of rooms the user is not in, or sent after they left, or before they joined a joined-only room, are not found', async (t) => {
  const { a, b, e } = await setup(t);
  const privateRoom = await a.createRoom({ preset: 'private_chat' });
  await a.say(privateRoom, 'papaya private');
  assert.deepEqual(eventIds(await search(e, { search_term: 'papaya' })), [], 'a stranger finds nothing');
  assert.equal((await search(e, { search_term: 'papaya' })).search_categories.room_events.count, 0);

  // Left rooms are searched up to the leave.
  const shared = await a.createRoom({ preset: 'public_chat' });
  await b.join(shared);
  const beforeLeave = await a.say(shared, 'papaya before leave');
  await b.leave(shared);
  await a.say(shared, 'papaya after leave');
  assert.deepEqual(eventIds(await search(b, { search_term: 'papaya' })), [beforeLeave]);
  // Forgotten rooms are not.
  await b.ok('POST', `${b.room(shared)}/forget`, {});
  assert.deepEqual(eventIds(await search(b, { search_term: 'papaya' })), []);

  // history_visibility joined: nothing from before the join.
  const joinedOnly = await a.createRoom({ preset: 'public_chat', initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'joined' } }] });
  await a.say(joinedOnly, 'papaya early');
  await e.join(joinedOnly);
  const late = await a.say(joinedOnly, 'papaya late');
  assert.deepEqual(eventIds(await search(e, { search_term: 'papaya' })), [late]);
});

// sytest: include_state returns the state of each room in the results
test('include_state returns the state of each room with results', async (t) => {
  const { a } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat', name: 'Orchard' });
  await a.createRoom({ preset: 'private_chat', name: 'Empty' });
  await a.say(roomId, 'pear');
  const reply = await search(a, { search_term: 'pear', include_state: true });
  const state = reply.search_categories.room_events.state;
  assert.deepEqual(Object.keys(state), [roomId]);
  const name = state[roomId].find((event: { type: string }) => event.type === 'm.room.name');
  assert.equal(name.content.name, 'Orchard');
});

test('FTS syntax in the term never breaks the search', async (t) => {
  const { a } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  const hit = await a.say(roomId, 'quote "me" AND (parens) * star NEAR col:umn');
  const terms = ['"', '""', '"me', 'me"', '*', 'star*', 'AND', 'OR', 'NOT', '-', '--me', 'AND me', 'me AND', '(parens', 'parens)', '(', ')', 'NEAR(me star)',
    'col:umn', '{body}: me', '^me', 'me +star', "'", '\\', '\u0000', '💥', 'a'.repeat(200), 'OR OR OR', '-me', '- -', ':', '"me" OR', 'NOT me'];
  for (const term of terms) {
    const reply = await a.raw('POST', `${V3}/search`, { search_categories: { room_events: { search_term: term } } });
    assert.equal(reply.status, 200, `${JSON.stringify(term)}: ${reply.status} ${JSON.stringify(reply.body)}`);
  }
  assert.deepEqual(eventIds(await search(a, { search_term: '(parens)' })), [hit]);
  assert.deepEqual(eventIds(await search(a, { search_term: 'col:umn' })), [hit]);
  assert.deepEqual(eventIds(await search(a, { search_term: '"me" AND star' })), [hit]);
  assert.deepEqual(eventIds(await search(a, { search_term: '' })), [], 'an empty term finds nothing');
});

test('bad requests get clear 400s; other categories are ignored', async (t) => {
  const { hs, a } = await setup(t);
  const post = (body: unknown, query = '') => a.raw('POST', `${V3}/search${query}`, body);
  const cases: Array<[unknown, string, string?]> = [
    [{}, 'M_MISSING_PARAM'],
    [{ search_categories: { room_events: {} } }, 'M_MISSING_PARAM'],
    [{ search_categories: { room_events: { search_term: 5 } } }, 'M_BAD_JSON'],
    [{ search_categories: { room_events: { search_term: 'x', keys: ['content.nope'] } } }, 'M_BAD_JSON'],
    [{ search_categories: { room_events: { search_term: 'x', order_by: 'sideways' } } }, 'M_BAD_JSON'],
    [{ search_categories: { room_events: { search_term: 'x', filter: { senders: 'me' } } } }, 'M_BAD_JSON'],
    [{ search_categories: { room_events: { search_term: 'x', filter: { limit: 0 } } } }, 'M_BAD_JSON'],
    [{ search_categories: { room_events: { search_term: 'x', event_context: { before_limit: -1 } } } }, 'M_BAD_JSON'],
    [{ search_categories: { room_events: { search_term: 'x', groupings: { group_by: [{ key: 'type' }] } } } }, 'M_BAD_JSON'],
    [{ search_categories: { room_events: { search_term: 'x'.repeat(1001) } } }, 'M_INVALID_PARAM'],
    [{ search_categories: { room_events: { search_term: 'x' } } }, 'M_INVALID_PARAM', '?next_batch=garbage!'],
    [{ search_categories: { room_events: { search_term: 'x' } } }, 'M_INVALID_PARAM', '?next_batch=e30'],
  ];
  for (const [body, errcode, query] of cases) {
    const reply = await post(body, query);
    assert.equal(reply.status, 400, `${JSON.stringify(body)} ${query ?? ''}: ${reply.status}`);
    assert.equal(reply.body.errcode, errcode, JSON.stringify(body));
  }
  // A token made for another order.
  const roomId = await a.createRoom({ preset: 'private_chat' });
  for (let i = 0; i < 3; i++) await a.say(roomId, `plum ${i}`);
  const page = await search(a, { search_term: 'plum', order_by: 'recent', filter: { limit: 1 } });
  const mismatch = await post({ search_categories: { room_events: { search_term: 'plum', order_by: 'rank' } } }, `?next_batch=${page.search_categories.room_events.next_batch}`);
  assert.equal(mismatch.status, 400);
  assert.equal(mismatch.body.errcode, 'M_INVALID_PARAM');

  assert.deepEqual(await a.ok('POST', `${V3}/search`, { search_categories: { future_things: { x: 1 } } }), { search_categories: {} });
  const noBody = await a.raw('POST', `${V3}/search`, undefined);
  assert.equal(noBody.status, 400);
  const noToken = await hs.request('POST', `${V3}/search`, { body: { search_categories: { room_events: { search_term: 'plum' } } } });
  assert.equal(noToken.status, 401);
  assert.equal(noToken.body.errcode, 'M_MISSING_TOKEN');
});

// complement: matrix-js-sdk client.searchRoomEvents and client.search
test('matrix-js-sdk finds messages with searchRoomEvents, pages with backPaginateRoomEventsSearch', async (t) => {
  const hs = await startTestServer(t);
  const client = await startClient(sdk, hs, 'alice');
  t.after(() => client.stopClient());
  const { room_id: roomId } = await client.createRoom({ name: 'Fruit' });
  const sent: string[] = [];
  for (let i = 0; i < 12; i++) sent.push((await client.sendTextMessage(roomId, `cherry ${i}`)).event_id);

  const results = await client.searchRoomEvents({ term: 'cherry' });
  assert.equal(results.count, 12);
  assert.deepEqual(results.highlights, ['cherry']);
  assert.equal(results.results.length, 10, 'the default limit');
  assert.equal(results.results[0]?.context.getEvent().getId(), sent[11], 'recent first');
  assert.equal(results.results[0]?.context.getEvent().getContent().body, 'cherry 11');
  assert.ok((results.results[1]?.context.getTimeline().length ?? 0) >= 2, 'context before and after');
  const more = await client.backPaginateRoomEventsSearch(results);
  assert.equal(more.results.length, 12);
  assert.equal(more.next_batch, undefined);
  await assert.rejects(client.backPaginateRoomEventsSearch(more));

  const raw = await client.search({ body: { search_categories: { room_events: { search_term: 'cherry 3', order_by: sdk.SearchOrderBy.Rank } } } });
  assert.equal(raw.search_categories.room_events.results?.[0]?.result.event_id, sent[3]);
  const error = await refused(sdk, client.search({ body: { search_categories: { room_events: { search_term: 'x', order_by: 'nope' as never } } } }));
  assert.equal(error.errcode, 'M_BAD_JSON');
});
