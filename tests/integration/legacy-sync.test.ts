// The legacy endpoints (old_sync.yaml, peeking_events.yaml, room_initial_sync.yaml): the /events stream with
// from/timeout and room-scoped peeking, /initialSync, /rooms/{roomId}/initialSync and /events/{eventId}.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enc, roomClient, V3 } from '../helpers/room-client.js';
import { startTestServer } from '../helpers/test-server.js';

interface ClientEvent {
  type: string;
  room_id?: string;
  event_id?: string;
  state_key?: string;
  content: Record<string, unknown>;
}

async function setup(t: Parameters<typeof startTestServer>[0]) {
  const hs = await startTestServer(t);
  const [alice, bob, carol] = await Promise.all([hs.register('alice'), hs.register('bob'), hs.register('carol')]);
  return { hs, a: roomClient(hs, alice!), b: roomClient(hs, bob!), c: roomClient(hs, carol!) };
}

const bodies = (events: ClientEvent[]) => events.filter((e) => e.type === 'm.room.message').map((e) => e.content.body);

// sytest: GET /events initially; GET /events with non-numeric 'timeout'; New room members see their own join event
test('GET /events streams new events with room_id from a token, long-polls, and its end token continues /sync', async (t) => {
  const { a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.ok('POST', `${V3}/join/${enc(roomId)}`, {});
  const first = await a.ok('GET', `${V3}/events?timeout=0`);
  assert.equal(typeof first.start, 'string');
  assert.equal(typeof first.end, 'string');

  const poll = a.ok('GET', `${V3}/events?from=${enc(first.end)}&timeout=10000`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await b.say(roomId, 'wake up');
  const woken = await poll;
  assert.deepEqual(bodies(woken.chunk), ['wake up']);
  assert.equal(woken.chunk[0].room_id, roomId);
  assert.equal(woken.start, first.end);

  // Nothing new: an empty chunk after the timeout, the same position.
  const idle = await a.ok('GET', `${V3}/events?from=${enc(woken.end)}&timeout=50`);
  assert.deepEqual(idle.chunk, []);
  await a.say(roomId, 'and again');
  // The stream's token works with /sync (one token format).
  const sync = await a.sync({ since: idle.end });
  assert.deepEqual(bodies(sync.rooms.join[roomId].timeline.events), ['and again']);

  const bad = await a.raw('GET', `${V3}/events?from=nonsense`);
  assert.equal(bad.status, 400);
  const badTimeout = await a.raw('GET', `${V3}/events?timeout=soon`);
  assert.equal(badTimeout.status, 400);
});

test('GET /events does not acknowledge to-device messages: a /sync with its token still gets them', async (t) => {
  const { a, b } = await setup(t);
  const stream = await b.ok('GET', `${V3}/events?timeout=0`);
  await a.ok('PUT', `${V3}/sendToDevice/org.example.ping/txn1`, { messages: { [b.userId]: { '*': { n: 1 } } } });
  const next = await b.ok('GET', `${V3}/events?from=${enc(stream.end)}&timeout=0`);
  const sync = await b.sync({ since: next.end });
  assert.deepEqual(sync.to_device.events.map((e: ClientEvent) => e.type), ['org.example.ping']);
});

// sytest: Anonymous user cannot view non-world-readable rooms; Can get rooms/{roomId}/initialSync for a world_readable room
test('GET /events?room_id= lets a non-member peek into a world-readable room, and only that', async (t) => {
  const { a, c } = await setup(t);
  const open = await a.createRoom({ preset: 'public_chat', initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'world_readable' } }] });
  const closed = await a.createRoom({ preset: 'private_chat' });
  const start = await c.ok('GET', `${V3}/events?room_id=${enc(open)}&timeout=0`);
  const poll = c.ok('GET', `${V3}/events?room_id=${enc(open)}&from=${enc(start.end)}&timeout=10000`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await a.say(open, 'for everyone');
  const seen = await poll;
  assert.deepEqual(bodies(seen.chunk), ['for everyone']);
  const refused = await c.raw('GET', `${V3}/events?room_id=${enc(closed)}&timeout=0`);
  assert.equal(refused.status, 403);
  assert.equal((refused.body as { errcode: string }).errcode, 'M_FORBIDDEN');
});

// sytest: GET /initialSync initially; GET /initialSync with limit; Can get rooms/{roomId}/initialSync
test('GET /initialSync lists rooms with messages, current state, visibility, and invites; archived adds left rooms', async (t) => {
  const { a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat', name: 'Legacy', visibility: 'public' });
  for (let i = 0; i < 5; i++) await a.say(roomId, `m${i}`);
  const invited = await b.createRoom({ invite: [a.userId] });
  const left = await a.createRoom({ name: 'Gone' });
  await a.ok('POST', `${V3}/rooms/${enc(left)}/leave`, {});

  const sync = await a.ok('GET', `${V3}/initialSync?limit=3`);
  assert.equal(typeof sync.end, 'string');
  const room = sync.rooms.find((r: { room_id: string }) => r.room_id === roomId);
  assert.equal(room.membership, 'join');
  assert.equal(room.visibility, 'public');
  assert.deepEqual(bodies(room.messages.chunk), ['m2', 'm3', 'm4']);
  assert.equal(typeof room.messages.start, 'string');
  assert.ok(room.state.some((e: ClientEvent) => e.type === 'm.room.name' && e.content.name === 'Legacy'), 'the current state');
  assert.ok(room.state.some((e: ClientEvent) => e.type === 'm.room.create'));
  const invite = sync.rooms.find((r: { room_id: string }) => r.room_id === invited);
  assert.equal(invite.membership, 'invite');
  assert.equal(invite.invite.type, 'm.room.member');
  assert.equal(invite.invite.content.membership, 'invite');
  assert.equal(sync.rooms.some((r: { room_id: string }) => r.room_id === left), false, 'left rooms only with archived');
  assert.ok(Array.isArray(sync.presence));
  assert.ok(Array.isArray(sync.account_data));

  const archived = await a.ok('GET', `${V3}/initialSync?archived=true`);
  const gone = archived.rooms.find((r: { room_id: string }) => r.room_id === left);
  assert.equal(gone.membership, 'leave');

  // messages.start pages back with /messages.
  const earlier = await a.messages(roomId, { from: room.messages.start, dir: 'b', limit: 2 });
  assert.deepEqual(bodies(earlier.chunk), ['m1', 'm0']);
});

test('GET /rooms/{roomId}/initialSync for a member, a peeker of a world-readable room, and a refused stranger', async (t) => {
  const { a, b, c } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat', name: 'Peekable', initial_state: [{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'world_readable' } }] });
  await b.ok('POST', `${V3}/join/${enc(roomId)}`, {});
  await a.say(roomId, 'hello');
  const member = await a.ok('GET', `${V3}/rooms/${enc(roomId)}/initialSync?limit=5`);
  assert.equal(member.room_id, roomId);
  assert.equal(member.membership, 'join');
  assert.deepEqual(bodies(member.messages.chunk), ['hello']);
  assert.ok(member.state.some((e: ClientEvent) => e.type === 'm.room.member' && e.state_key === b.userId));
  for (const event of member.messages.chunk as ClientEvent[]) assert.equal(event.room_id, roomId);

  const peeker = await c.ok('GET', `${V3}/rooms/${enc(roomId)}/initialSync`);
  assert.equal(peeker.membership, undefined);
  assert.deepEqual(bodies(peeker.messages.chunk), ['hello']);
  assert.ok(peeker.state.some((e: ClientEvent) => e.type === 'm.room.name'));

  const privateRoom = await a.createRoom({ preset: 'private_chat' });
  const refused = await c.raw('GET', `${V3}/rooms/${enc(privateRoom)}/initialSync`);
  assert.equal(refused.status, 403);
});

test('GET /events/{eventId} returns an event the user may see, 404 otherwise', async (t) => {
  const { a, c } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  const eventId = await a.say(roomId, 'secret');
  const event = await a.ok('GET', `${V3}/events/${enc(eventId)}`);
  assert.equal(event.event_id, eventId);
  assert.equal(event.room_id, roomId);
  assert.equal(event.content.body, 'secret');
  const hidden = await c.raw('GET', `${V3}/events/${enc(eventId)}`);
  assert.equal(hidden.status, 404);
  const missing = await a.raw('GET', `${V3}/events/${enc('$nope')}`);
  assert.equal(missing.status, 404);
  assert.equal((missing.body as { errcode: string }).errcode, 'M_NOT_FOUND');
  // r0 serves them too (older clients).
  const r0 = await a.raw('GET', `/_matrix/client/r0/events/${enc(eventId)}`);
  assert.equal(r0.status, 200);
});
