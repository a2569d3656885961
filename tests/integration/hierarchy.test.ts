// GET /_matrix/client/v1/rooms/{roomId}/hierarchy over HTTP: a space with nested subspaces walked depth
// first in the spec's child order, per-user visibility, suggested_only, max_depth, paging, loops, errors.
// Spec: client-server-api "Spaces" (v1.19), space_hierarchy.yaml.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { enc, roomClient, type RoomClient } from '../helpers/room-client.js';
import { startTestServer } from '../helpers/test-server.js';

const V1 = '/_matrix/client/v1';

function hierarchyPath(roomId: string, query: Record<string, string | number | boolean> = {}) {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
  return `${V1}/rooms/${enc(roomId)}/hierarchy?${params}`;
}

interface Entry {
  room_id: string;
  children_state: Array<{ type: string; state_key: string; content: Record<string, unknown>; sender: string; origin_server_ts: number }>;
  [key: string]: unknown;
}

const space = (c: RoomClient, name: string, preset = 'public_chat') => c.createRoom({ preset, name, creation_content: { type: 'm.space' } });
const addChild = (c: RoomClient, parent: string, child: string, content: Record<string, unknown> = {}) =>
  c.setState(parent, 'm.space.child', child, { via: ['hearth.test'], ...content });

/** Every room of a walk, following next_batch. */
async function walk(c: RoomClient, roomId: string, query: Record<string, string | number | boolean> = {}): Promise<string[]> {
  const seen: string[] = [];
  let from: string | undefined;
  for (let page = 0; page < 20; page++) {
    const body = await c.ok('GET', hierarchyPath(roomId, { ...query, ...(from ? { from } : {}) }));
    seen.push(...body.rooms.map((room: Entry) => room.room_id));
    from = body.next_batch;
    if (!from) return seen;
  }
  throw new Error('no end to the walk');
}

/**
 * space (public)            children in order: a ("a", suggested), sub ("b", suggested), d ("c")
 *   a: public room
 *   sub: public space       children: b (suggested), c
 *     b: public room
 *     c: invite-only room of alice's
 *   d: invite-only room of bob's
 */
async function setup(t: TestContext) {
  const hs = await startTestServer(t);
  const [alice, bob, eve] = await Promise.all([hs.register('alice'), hs.register('bob'), hs.register('eve')]);
  const a = roomClient(hs, alice!);
  const b = roomClient(hs, bob!);
  const e = roomClient(hs, eve!);
  const root = await space(a, 'Root space');
  const roomA = await a.createRoom({ preset: 'public_chat', name: 'A', topic: 'about A' });
  const sub = await space(a, 'Sub space');
  const roomB = await a.createRoom({ preset: 'public_chat', name: 'B' });
  const roomC = await a.createRoom({ preset: 'private_chat', name: 'C' });
  const roomD = await b.createRoom({ preset: 'private_chat', name: 'D' });
  await addChild(a, root, roomA, { order: 'a', suggested: true });
  await addChild(a, root, sub, { order: 'b', suggested: true });
  await addChild(a, root, roomD, { order: 'c' });
  await addChild(a, sub, roomB, { suggested: true });
  await addChild(a, sub, roomC);
  return { hs, a, b, e, root, roomA, sub, roomB, roomC, roomD };
}

// complement: TestClientSpacesSummary
test('a nested space is walked depth first in child order, each user seeing the rooms they may', async (t) => {
  const { a, b, e, root, roomA, sub, roomB, roomC, roomD } = await setup(t);
  const body = await a.ok('GET', hierarchyPath(root));
  assert.deepEqual(body.rooms.map((room: Entry) => room.room_id), [root, roomA, sub, roomB, roomC]);
  assert.equal(body.next_batch, undefined);

  const [rootEntry, aEntry] = body.rooms as Entry[];
  assert.equal(rootEntry!.room_type, 'm.space');
  assert.equal(rootEntry!.name, 'Root space');
  assert.equal(rootEntry!.num_joined_members, 1);
  assert.equal(rootEntry!.join_rule, 'public');
  assert.equal(rootEntry!.world_readable, false);
  assert.equal(rootEntry!.guest_can_join, false);
  assert.equal(typeof rootEntry!.room_version, 'string');
  assert.deepEqual(rootEntry!.children_state.map((child) => child.state_key), [roomA, sub, roomD]);
  for (const child of rootEntry!.children_state) {
    assert.equal(child.type, 'm.space.child');
    assert.equal(child.sender, a.userId);
    assert.equal(typeof child.origin_server_ts, 'number');
    assert.deepEqual(child.content.via, ['hearth.test']);
    assert.equal('event_id' in child, false, 'stripped state');
  }
  assert.equal(aEntry!.topic, 'about A');
  assert.equal(aEntry!.room_type, undefined);
  assert.deepEqual(aEntry!.children_state, []);

  // Bob isn't in C but is D's creator; Eve is in nothing but sees the public rooms.
  assert.deepEqual(await walk(b, root), [root, roomA, sub, roomB, roomD]);
  assert.deepEqual(await walk(e, root), [root, roomA, sub, roomB]);
  // An invite makes a room visible.
  await b.invite(roomD, e.userId);
  assert.deepEqual(await walk(e, root), [root, roomA, sub, roomB, roomD]);
});

test('suggested_only, max_depth and limit with next_batch; a token is bound to its parameters', async (t) => {
  const { a, root, roomA, sub, roomB, roomC } = await setup(t);
  assert.deepEqual(await walk(a, root, { suggested_only: true }), [root, roomA, sub, roomB]);
  const suggested = await a.ok('GET', hierarchyPath(root, { suggested_only: true }));
  assert.deepEqual((suggested.rooms[0] as Entry).children_state.map((child) => child.state_key), [roomA, sub]);
  assert.deepEqual(await walk(a, root, { max_depth: 0 }), [root]);
  assert.deepEqual(await walk(a, root, { max_depth: 1 }), [root, roomA, sub]);

  const page1 = await a.ok('GET', hierarchyPath(root, { limit: 2 }));
  assert.deepEqual(page1.rooms.map((room: Entry) => room.room_id), [root, roomA]);
  assert.equal(typeof page1.next_batch, 'string');
  const page2 = await a.ok('GET', hierarchyPath(root, { limit: 2, from: page1.next_batch }));
  assert.deepEqual(page2.rooms.map((room: Entry) => room.room_id), [sub, roomB]);
  assert.deepEqual(await walk(a, root, { limit: 1 }), [root, roomA, sub, roomB, roomC]);

  for (const changed of [{ suggested_only: true }, { max_depth: 3 }] as Array<Record<string, boolean | number>>) {
    const response = await a.raw('GET', hierarchyPath(root, { limit: 2, from: page1.next_batch, ...changed }));
    assert.equal(response.status, 400, JSON.stringify(changed));
    assert.equal(response.body.errcode, 'M_INVALID_PARAM');
  }
  // Another room's walk or another user can't use the token.
  assert.equal((await a.raw('GET', hierarchyPath(sub, { from: page1.next_batch }))).status, 400);
});

test('children without a valid via are ignored, loops are broken, restricted rooms show to members of an allowed room', async (t) => {
  const { a, e, root, roomA, sub, roomB, roomC } = await setup(t);
  // A loop back to the root, a child with an empty via and one whose content was cleared.
  await addChild(a, sub, root);
  const gone = await a.createRoom({ preset: 'public_chat' });
  await a.setState(root, 'm.space.child', gone, { via: [] });
  const removed = await a.createRoom({ preset: 'public_chat' });
  await addChild(a, root, removed);
  await a.setState(root, 'm.space.child', removed, {});
  await a.setState(root, 'm.space.child', '!unknown:elsewhere.example', { via: ['elsewhere.example'] });
  assert.deepEqual(await walk(a, root), [root, roomA, sub, roomB, roomC]);

  // A restricted room allowing members of the root space.
  await e.join(root);
  const restricted = await a.createRoom({
    preset: 'private_chat',
    room_version: '10',
    initial_state: [{ type: 'm.room.join_rules', state_key: '', content: { join_rule: 'restricted', allow: [{ type: 'm.room_membership', room_id: root }] } }],
  });
  await addChild(a, sub, restricted);
  const walked = await e.ok('GET', hierarchyPath(root));
  const entry = (walked.rooms as Entry[]).find((room) => room.room_id === restricted);
  assert.ok(entry, 'restricted room visible to a member of an allowed room');
  assert.equal(entry.join_rule, 'restricted');
  assert.deepEqual(entry.allowed_room_ids, [root]);
  await e.leave(root);
  assert.equal((await e.ok('GET', hierarchyPath(root))).rooms.some((room: Entry) => room.room_id === restricted), false);
});

test('errors: a room the user may not see or that does not exist 403, bad limit/max_depth/from 400', async (t) => {
  const { hs, a, e, root, roomC } = await setup(t);
  const status = async (path: string, client = a) => {
    const response = await client.raw('GET', path);
    return [response.status, response.body.errcode];
  };
  assert.deepEqual(await status(hierarchyPath(roomC), e), [403, 'M_FORBIDDEN']);
  assert.deepEqual(await status(hierarchyPath('!nowhere:hearth.test')), [403, 'M_FORBIDDEN']);
  for (const query of [{ limit: 0 }, { limit: -3 }, { max_depth: -1 }, { limit: 'ten' }, { suggested_only: 'maybe' }, { from: 'not-a-token' }] as Array<Record<string, string | number>>) {
    assert.deepEqual(await status(hierarchyPath(root, query)), [400, 'M_INVALID_PARAM'], JSON.stringify(query));
  }
  // A room that isn't a space lists just itself.
  const plain = await a.createRoom({ preset: 'public_chat' });
  const body = await a.ok('GET', hierarchyPath(plain));
  assert.deepEqual(body.rooms.map((room: Entry) => room.room_id), [plain]);
  assert.equal(hs.serverName, 'hearth.test');
});
