// Reporting content black-box over HTTP (spec "Reporting Content", report_content.yaml): events (joined
// members who can see them), rooms (anyone, v1.13) and users (anyone, v1.14, 200 even for unknown users);
// reports land in storage for the admin API. Plus matrix-js-sdk's reportEvent / reportRoom.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { RoomId, UserId } from '../../server/src/core/ids.js';
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

const reportEvent = (client: RoomClient, roomId: string, eventId: string, body: unknown) =>
  client.raw('POST', `${client.room(roomId)}/report/${enc(eventId)}`, body);

// sytest: POST /rooms/:room_id/report/:event_id can report an event
test('a joined member reports an event; the report is stored with reporter, time, reason, score', async (t) => {
  const { hs, a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.join(roomId);
  const eventId = await a.say(roomId, 'something nasty');
  const startedAt = Date.now();

  const reply = await reportEvent(b, roomId, eventId, { reason: 'this makes me sad', score: -100 });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  assert.deepEqual(reply.body, {});
  // Reason and score are optional (score was removed in v1.18).
  assert.equal((await reportEvent(b, roomId, eventId, {})).status, 200);

  const reports = await hs.hs.storage.reports.list({ before: null, limit: 10 });
  assert.equal(reports.length, 2);
  const [second, first] = reports;
  assert.deepEqual({ ...first, id: 0, receivedTs: 0 }, {
    id: 0,
    kind: 'event',
    reporter: b.userId,
    receivedTs: 0,
    reason: 'this makes me sad',
    score: -100,
    roomId,
    eventId,
    targetUserId: null,
  });
  assert.ok(first!.receivedTs >= startedAt && first!.receivedTs <= Date.now());
  assert.equal(second!.reason, null);
  assert.equal(second!.score, null);
  assert.deepEqual(await hs.hs.storage.reports.get(first!.id), first);
});

// sytest: POST /rooms/:room_id/report/:event_id fails when not joined / unknown event
test('event reports: 404 for unknown events and rooms, other rooms, non-members and invisible events; 400 for bad input', async (t) => {
  const { hs, a, b, e } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  const other = await a.createRoom({ preset: 'public_chat' });
  const eventId = await a.say(roomId, 'hello');
  const inOther = await a.say(other, 'elsewhere');

  const notFound = async (client: RoomClient, room: string, event: string, why: string) => {
    const reply = await reportEvent(client, room, event, { reason: 'x' });
    assert.equal(reply.status, 404, `${why}: ${reply.status}`);
    assert.equal(reply.body.errcode, 'M_NOT_FOUND', why);
  };
  await notFound(e, roomId, eventId, 'not joined (public room, could peek)');
  await notFound(a, roomId, '$unknown', 'unknown event');
  await notFound(a, '!unknown:hearth.test', eventId, 'unknown room');
  await notFound(a, roomId, inOther, 'event of another room');

  // Joined, but the event was sent before they joined a joined-only room.
  const joinedOnly = await a.createRoom({ preset: 'public_chat', initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'joined' } }] });
  const early = await a.say(joinedOnly, 'before bob');
  await b.join(joinedOnly);
  await notFound(b, joinedOnly, early, 'invisible to the reporter');
  // After leaving, no longer joined.
  const late = await a.say(joinedOnly, 'after bob');
  assert.equal((await reportEvent(b, joinedOnly, late, {})).status, 200);
  await b.leave(joinedOnly);
  await notFound(b, joinedOnly, late, 'left the room');

  for (const [body, errcode] of [
    [{ reason: 5 }, 'M_BAD_JSON'],
    [{ score: 'bad' }, 'M_BAD_JSON'],
    [{ score: 1.5 }, 'M_BAD_JSON'],
    [{ score: 1 }, 'M_INVALID_PARAM'],
    [{ score: -101 }, 'M_INVALID_PARAM'],
    [{ reason: 'x'.repeat(1001) }, 'M_BAD_JSON'],
  ] as const) {
    const reply = await reportEvent(a, roomId, eventId, body);
    assert.equal(reply.status, 400, JSON.stringify(body));
    assert.equal(reply.body.errcode, errcode, JSON.stringify(body));
  }
  assert.equal((await hs.hs.storage.reports.list({ before: null, limit: 100 })).length, 1, 'only the one accepted report');
  const noToken = await hs.request('POST', `${a.room(roomId)}/report/${enc(eventId)}`, { body: {} });
  assert.equal(noToken.status, 401);
});

// spec v1.13: POST /rooms/{roomId}/report
test('room reports: anyone may report a known room (no membership needed); unknown rooms 404; reason required', async (t) => {
  const { hs, a, e } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  const reply = await e.raw('POST', `${a.room(roomId)}/report`, { reason: 'spam room' });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  assert.deepEqual(reply.body, {});
  assert.equal((await e.raw('POST', `${a.room(roomId)}/report`, { reason: '' })).status, 200, 'a blank reason');

  const unknown = await e.raw('POST', `${V3}/rooms/${enc('!nope:hearth.test')}/report`, { reason: 'x' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errcode, 'M_NOT_FOUND');
  const missing = await e.raw('POST', `${a.room(roomId)}/report`, {});
  assert.equal(missing.status, 400);
  assert.equal(missing.body.errcode, 'M_MISSING_PARAM');

  const reports = await hs.hs.storage.reports.list({ kind: 'room', before: null, limit: 10 });
  assert.deepEqual(reports.map((r) => [r.kind, r.reporter, r.roomId, r.eventId, r.reason]), [
    ['room', e.userId, roomId, null, ''],
    ['room', e.userId, roomId, null, 'spam room'],
  ]);
  assert.equal(await hs.hs.storage.reports.count({ kind: 'room' }), 2);
  assert.equal(await hs.hs.storage.reports.count({ kind: 'event' }), 0);
});

// spec v1.14: POST /users/{userId}/report
test('user reports: 200 for any user (existence not disclosed), stored only for an existing local user', async (t) => {
  const { hs, a, e } = await setup(t);
  for (const target of [e.userId, '@nobody:hearth.test', '@someone:elsewhere.example']) {
    const reply = await a.raw('POST', `${V3}/users/${enc(target)}/report`, { reason: 'abusive' });
    assert.equal(reply.status, 200, `${target}: ${JSON.stringify(reply.body)}`);
    assert.deepEqual(reply.body, {});
  }
  const reports = await hs.hs.storage.reports.list({ kind: 'user', before: null, limit: 10 });
  assert.deepEqual(reports.map((r) => [r.reporter, r.targetUserId, r.reason]), [[a.userId, e.userId, 'abusive']]);

  const bad = await a.raw('POST', `${V3}/users/${enc('not-a-user')}/report`, { reason: 'x' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errcode, 'M_INVALID_PARAM');
  const noReason = await a.raw('POST', `${V3}/users/${enc(e.userId)}/report`, {});
  assert.equal(noReason.status, 400);
});

test('the reports port lists newest first with paging and filters, and deletes', async (t) => {
  const { hs, a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.join(roomId);
  const eventId = await a.say(roomId, 'x');
  for (let i = 0; i < 3; i++) assert.equal((await reportEvent(b, roomId, eventId, { reason: `r${i}` })).status, 200);
  assert.equal((await a.raw('POST', `${a.room(roomId)}/report`, { reason: 'room' })).status, 200);

  const store = hs.hs.storage.reports;
  const page1 = await store.list({ before: null, limit: 2 });
  assert.deepEqual(page1.map((r) => r.reason), ['room', 'r2']);
  const page2 = await store.list({ before: page1.at(-1)!.id, limit: 2 });
  assert.deepEqual(page2.map((r) => r.reason), ['r1', 'r0']);
  assert.deepEqual((await store.list({ reporter: b.userId as UserId, roomId: roomId as RoomId, before: null, limit: 10 })).map((r) => r.reason), ['r2', 'r1', 'r0']);
  assert.equal(await store.count({ roomId: roomId as RoomId }), 4);
  assert.equal(await store.delete(page2[0]!.id), true);
  assert.equal(await store.delete(page2[0]!.id), false);
  assert.equal(await store.get(page2[0]!.id), null);
  assert.equal(await store.count({}), 3);
});

test('matrix-js-sdk reportEvent and reportRoom', async (t) => {
  const hs = await startTestServer(t);
  const client = await startClient(sdk, hs, 'alice');
  t.after(() => client.stopClient());
  const { room_id: roomId } = await client.createRoom({});
  const { event_id: eventId } = await client.sendTextMessage(roomId, 'reported');
  await client.reportEvent(roomId, eventId, -50, 'test');
  await client.reportRoom(roomId, 'test room');
  const error = await refused(sdk, client.reportEvent(roomId, '$missing', -50, 'test'));
  assert.equal(error.httpStatus, 404);
  const kinds = (await hs.hs.storage.reports.list({ before: null, limit: 10 })).map((r) => [r.kind, r.score]);
  assert.deepEqual(kinds, [['room', null], ['event', -50]]);
});
