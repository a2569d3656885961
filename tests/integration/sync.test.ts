// /sync black-box over HTTP: initial and incremental syncs, gaps (limited + prev_batch with /messages), full_state,
// long-polling, invites and leaves, tokens across a restart, profile changes, filters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enc, roomClient, V3 } from '../helpers/room-client.js';
import { tempDir, writeConfig } from '../helpers/spawn-server.js';
import { RELAXED_RATE_LIMITS, startTestServer } from '../helpers/test-server.js';

interface ClientEvent {
  type: string;
  state_key?: string;
  event_id: string;
  sender: string;
  content: Record<string, unknown>;
}

async function setup(t: Parameters<typeof startTestServer>[0]) {
  const hs = await startTestServer(t);
  const [alice, bob] = await Promise.all([hs.register('alice'), hs.register('bob')]);
  return { hs, a: roomClient(hs, alice!), b: roomClient(hs, bob!) };
}

const bodies = (events: ClientEvent[]) => events.filter((event) => event.type === 'm.room.message').map((event) => event.content.body);
const types = (events: ClientEvent[]) => events.map((event) => event.type);

// complement: TestSync/Initial sync shows joined room; sytest: Can sync a joined room
test('initial sync shows a joined room with its state and timeline; an incremental sync only what is new', async (t) => {
  const { a } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat', name: 'Den', topic: 'cosy' });
  const first = await a.say(roomId, 'one');

  const initial = await a.sync();
  assert.equal(typeof initial.next_batch, 'string');
  const joined = initial.rooms.join[roomId];
  assert.ok(joined, 'the room is in rooms.join');
  const all: ClientEvent[] = [...joined.state.events, ...joined.timeline.events];
  for (const type of ['m.room.create', 'm.room.member', 'm.room.power_levels', 'm.room.join_rules', 'm.room.name', 'm.room.topic']) {
    assert.ok(types(all).includes(type), `${type} in state or timeline`);
  }
  assert.equal(joined.timeline.events.at(-1).event_id, first);
  assert.equal(all.find((event) => event.type === 'm.room.name')?.content.name, 'Den');

  // Nothing new: an immediate incremental sync has no timeline for the room.
  const idle = await a.sync({ since: initial.next_batch, timeout: 0 });
  assert.equal(idle.rooms?.join?.[roomId]?.timeline?.events?.length ?? 0, 0);

  await a.say(roomId, 'two');
  await a.say(roomId, 'three');
  const next = await a.sync({ since: idle.next_batch, timeout: 0 });
  const room = next.rooms.join[roomId];
  assert.deepEqual(bodies(room.timeline.events), ['two', 'three']);
  assert.equal(room.timeline.events.length, 2, 'only the new events');
  assert.equal(room.timeline.limited, false);
  assert.deepEqual(room.state?.events ?? [], []);
});

// complement: TestSync/limited timeline gap is fetchable with /messages; sytest: A prev_batch token can be used in the v1 messages API
test('a limited timeline gives a prev_batch from which /messages fetches exactly the gap', async (t) => {
  const { a } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  const start = await a.sync();
  for (let i = 1; i <= 10; i++) await a.say(roomId, `m${i}`);

  const filter = JSON.stringify({ room: { timeline: { limit: 3 } } });
  const next = await a.sync({ since: start.next_batch, timeout: 0, filter });
  const room = next.rooms.join[roomId];
  assert.equal(room.timeline.limited, true);
  assert.deepEqual(bodies(room.timeline.events), ['m8', 'm9', 'm10']);
  assert.equal(typeof room.timeline.prev_batch, 'string');

  // Backwards from prev_batch down to the old sync token: m7 .. m1 and nothing else.
  const gap = await a.messages(roomId, { from: room.timeline.prev_batch, to: start.next_batch, dir: 'b', limit: 50 });
  assert.deepEqual(bodies(gap.chunk), ['m7', 'm6', 'm5', 'm4', 'm3', 'm2', 'm1']);
  assert.equal(gap.chunk.length, 7, 'no events from before the old token');
  // Without `to`, paging on from prev_batch also continues exactly where the timeline began.
  const page = await a.messages(roomId, { from: room.timeline.prev_batch, dir: 'b', limit: 2 });
  assert.deepEqual(bodies(page.chunk), ['m7', 'm6']);
  const more = await a.messages(roomId, { from: page.end, dir: 'b', limit: 2 });
  assert.deepEqual(bodies(more.chunk), ['m5', 'm4']);
});

// complement: TestSync/full_state; sytest: Full state sync includes joined rooms
test('full_state=true returns the whole room state on an incremental sync', async (t) => {
  const { a } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat', name: 'Full' });
  const initial = await a.sync();
  await a.say(roomId, 'after');
  const full = await a.sync({ since: initial.next_batch, full_state: 'true', timeout: 0 });
  const room = full.rooms.join[roomId];
  const all: ClientEvent[] = [...room.state.events, ...room.timeline.events];
  for (const type of ['m.room.create', 'm.room.member', 'm.room.power_levels', 'm.room.name', 'm.room.history_visibility']) {
    assert.ok(types(all).includes(type), type);
  }
  assert.deepEqual(bodies(room.timeline.events), ['after']);
});

// complement: TestSync/long-poll wakes on new event; sytest: Can wait on an incremental sync
test('a long-poll with timeout=10000 returns with the event as soon as another user sends', async (t) => {
  const { a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.join(roomId);
  const { next_batch: since } = await b.sync();
  const started = Date.now();
  const poll = b.sync({ since, timeout: 10_000 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const eventId = await a.say(roomId, 'wake up');
  const woken = await poll;
  const elapsed = Date.now() - started;
  const timeline: ClientEvent[] = woken.rooms.join[roomId].timeline.events;
  assert.ok(timeline.some((event) => event.event_id === eventId), 'the long-poll returned with the new event');
  assert.ok(elapsed < 8000, `returned after ${elapsed} ms`);
  // With nothing to say, the server does hold the request (so the wake-up above was real).
  const quietStart = Date.now();
  const quiet = await b.sync({ since: woken.next_batch, timeout: 600 });
  assert.ok(Date.now() - quietStart >= 450, `an idle long-poll returned after ${Date.now() - quietStart} ms`);
  assert.equal(quiet.rooms?.join?.[roomId]?.timeline?.events?.length ?? 0, 0);
});

// complement: TestSync/invite_state, TestSync/leave section; sytest: Rooms a user is invited to appear in an initial sync
test('an invite appears in rooms.invite with invite_state; a leave in rooms.leave', async (t) => {
  const { a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat', name: 'Secret', topic: 'shh' });
  await a.say(roomId, 'hidden from invitees');
  const before = await b.sync();
  assert.equal(before.rooms?.invite?.[roomId], undefined);
  await a.invite(roomId, b.userId);

  const invited = await b.sync({ since: before.next_batch, timeout: 0 });
  const invite = invited.rooms.invite[roomId];
  assert.ok(invite, 'the room is in rooms.invite');
  const stripped: ClientEvent[] = invite.invite_state.events;
  const member = stripped.find((event) => event.type === 'm.room.member' && event.state_key === b.userId);
  assert.equal(member?.content.membership, 'invite');
  assert.equal(member?.sender, a.userId);
  assert.equal(stripped.find((event) => event.type === 'm.room.name')?.content.name, 'Secret');
  assert.ok(types(stripped).includes('m.room.create'));
  assert.ok(types(stripped).includes('m.room.join_rules'));
  assert.ok(!types(stripped).includes('m.room.message'), 'no timeline in invite_state');
  // An initial sync shows the invite too.
  assert.ok((await b.sync()).rooms.invite[roomId]);

  await b.join(roomId);
  const joined = await b.sync({ since: invited.next_batch, timeout: 0 });
  assert.ok(joined.rooms.join[roomId]);
  assert.equal(joined.rooms.invite?.[roomId], undefined);

  await b.leave(roomId);
  const left = await b.sync({ since: joined.next_batch, timeout: 0 });
  const leave = left.rooms.leave[roomId];
  assert.ok(leave, 'the room is in rooms.leave');
  const last: ClientEvent = leave.timeline.events.at(-1);
  assert.equal(last.type, 'm.room.member');
  assert.equal(last.state_key, b.userId);
  assert.equal(last.content.membership, 'leave');
  assert.equal(left.rooms.join?.[roomId], undefined);
  // After leaving, what alice says is not synced to bob.
  await a.say(roomId, 'after bob left');
  const later = await b.sync({ since: left.next_batch, timeout: 0 });
  assert.equal(later.rooms?.leave?.[roomId], undefined);
  assert.equal(later.rooms?.join?.[roomId], undefined);
});

// sytest: Sync tokens survive a restart (Hearth durability)
test('a sync token from before a restart still gives exactly the newer events', async (t) => {
  const dataDir = tempDir(t);
  writeConfig(dataDir, {
    server_name: 'restart.test',
    listeners: { public: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
    rate_limits: RELAXED_RATE_LIMITS,
    log: { level: 'warn' },
  });
  const first = await startTestServer(t, { dataDir });
  const alice = await first.register('alice');
  const a1 = roomClient(first, alice);
  const roomId = await a1.createRoom({ preset: 'private_chat' });
  await a1.say(roomId, 'before');
  const { next_batch: token } = await a1.sync();
  await a1.say(roomId, 'between');
  await first.close();

  const second = await startTestServer(t, { dataDir });
  const a2 = roomClient(second, alice);
  await a2.say(roomId, 'after');
  const next = await a2.sync({ since: token, timeout: 0 });
  assert.deepEqual(bodies(next.rooms.join[roomId].timeline.events), ['between', 'after']);
  assert.equal(next.rooms.join[roomId].timeline.limited, false);
  const idle = await a2.sync({ since: next.next_batch, timeout: 0 });
  assert.equal(idle.rooms?.join?.[roomId]?.timeline?.events?.length ?? 0, 0);
  await second.close();
});

// complement: TestProfileDisplayNameChangePropagates (Synapse: Displayname change propagates to rooms); sytest: Changing displayname updates member events
test('a profile change shows up as a new m.room.member event in every joined room', async (t) => {
  const { a, b } = await setup(t);
  const rooms = [await a.createRoom({ preset: 'public_chat' }), await a.createRoom({ preset: 'public_chat' })];
  for (const roomId of rooms) await b.join(roomId);
  const { next_batch: since } = await a.sync();
  await b.ok('PUT', `${V3}/profile/${enc(b.userId)}/displayname`, { displayname: 'Bobby' });
  await b.ok('PUT', `${V3}/profile/${enc(b.userId)}/avatar_url`, { avatar_url: 'mxc://hearth.test/bobface' });

  const next = await a.sync({ since, timeout: 0 });
  for (const roomId of rooms) {
    const members = (next.rooms.join[roomId].timeline.events as ClientEvent[]).filter(
      (event) => event.type === 'm.room.member' && event.state_key === b.userId,
    );
    assert.ok(members.length >= 1, `a member event in ${roomId}`);
    const last = members.at(-1)!;
    assert.equal(last.content.membership, 'join');
    assert.equal(last.content.displayname, 'Bobby');
    assert.equal(last.content.avatar_url, 'mxc://hearth.test/bobface');
    const state = await a.ok('GET', `${a.room(roomId)}/state/m.room.member/${enc(b.userId)}`);
    assert.equal(state.displayname, 'Bobby');
  }
});

// complement: TestFilter; sytest: Can create filter, Can download filter, Can sync with a filter
test('filters: upload, download, and sync with a stored or an inline filter', async (t) => {
  const { a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  for (let i = 1; i <= 5; i++) await a.say(roomId, `f${i}`);

  const definition = { room: { timeline: { limit: 1 } }, event_fields: ['type', 'content', 'sender', 'event_id'] };
  const { filter_id: filterId } = await a.ok('POST', `${V3}/user/${enc(a.userId)}/filter`, definition);
  assert.equal(typeof filterId, 'string');
  const stored = await a.ok('GET', `${V3}/user/${enc(a.userId)}/filter/${enc(filterId)}`);
  assert.deepEqual(stored.room, definition.room);
  // Another user cannot store or read filters for alice.
  const foreign = await b.raw('POST', `${V3}/user/${enc(a.userId)}/filter`, definition);
  assert.equal(foreign.status, 403);
  const unknown = await a.raw('GET', `${V3}/user/${enc(a.userId)}/filter/99999`);
  assert.equal(unknown.status, 404);

  const withStored = await a.sync({ filter: filterId });
  const storedTimeline = withStored.rooms.join[roomId].timeline;
  assert.deepEqual(bodies(storedTimeline.events), ['f5']);
  assert.equal(storedTimeline.events.length, 1);
  assert.equal(storedTimeline.limited, true);

  const inline = await a.sync({ filter: JSON.stringify({ room: { timeline: { limit: 2, types: ['m.room.message'] } } }) });
  assert.deepEqual(bodies(inline.rooms.join[roomId].timeline.events), ['f4', 'f5']);
  assert.equal(inline.rooms.join[roomId].timeline.events.length, 2);

  const bad = await a.raw('GET', `${V3}/sync?filter=${enc('{not json')}`);
  assert.equal(bad.status, 400);
});
