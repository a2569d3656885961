import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoomId } from '../core/ids.js';
import { MatrixError } from '../core/errors.js';
import { pagePublicRooms, type PublicRoomEntry } from './public-rooms.js';

const entry = (id: string, members: number, extra: Partial<PublicRoomEntry> = {}): PublicRoomEntry => ({
  room_id: `!${id}:hs` as RoomId,
  num_joined_members: members,
  world_readable: false,
  guest_can_join: false,
  ...extra,
});

// Directory order: members descending, then room ID descending.
const rooms = [entry('a', 1), entry('b', 5), entry('c', 3), entry('d', 3), entry('e', 1), entry('f', 2)];
const ids = (page: { chunk: PublicRoomEntry[] }) => page.chunk.map((room) => room.room_id.slice(1, 2)).join('');

test('largest rooms first, ties by room ID descending; no tokens when everything fits', () => {
  const page = pagePublicRooms(rooms, {});
  assert.equal(ids(page), 'bdcfea');
  assert.equal(page.total_room_count_estimate, 6);
  assert.equal(page.next_batch, undefined);
  assert.equal(page.prev_batch, undefined);
});

test('pages forwards to the end and back again', () => {
  const first = pagePublicRooms(rooms, { limit: 4 });
  assert.equal(ids(first), 'bdcf');
  assert.equal(first.prev_batch, undefined);
  const second = pagePublicRooms(rooms, { limit: 4, since: first.next_batch });
  assert.equal(ids(second), 'ea');
  assert.equal(second.next_batch, undefined);
  const back = pagePublicRooms(rooms, { limit: 4, since: second.prev_batch });
  assert.equal(ids(back), 'bdcf');
  assert.equal(back.prev_batch, undefined);
  assert.equal(ids(pagePublicRooms(rooms, { limit: 4, since: back.next_batch })), 'ea');

  // Smaller pages: a backwards page has both tokens when rooms remain on both sides.
  const p1 = pagePublicRooms(rooms, { limit: 2 });
  const p2 = pagePublicRooms(rooms, { limit: 2, since: p1.next_batch });
  const p3 = pagePublicRooms(rooms, { limit: 2, since: p2.next_batch });
  assert.deepEqual([ids(p1), ids(p2), ids(p3)], ['bd', 'cf', 'ea']);
  const b2 = pagePublicRooms(rooms, { limit: 2, since: p3.prev_batch });
  assert.equal(ids(b2), 'cf');
  assert.ok(b2.prev_batch && b2.next_batch);
  assert.equal(ids(pagePublicRooms(rooms, { limit: 2, since: b2.prev_batch })), 'bd');
});

test('limit 0 or above the cap means 100', () => {
  const many = Array.from({ length: 150 }, (_, i) => entry(`r${String(i).padStart(3, '0')}`, 1));
  assert.equal(pagePublicRooms(many, { limit: 0 }).chunk.length, 100);
  assert.equal(pagePublicRooms(many, { limit: 500 }).chunk.length, 100);
  assert.equal(pagePublicRooms(many, { limit: 7 }).chunk.length, 7);
});

test('filters: search term over name, topic and alias; room types with null for untyped', () => {
  const list = [
    entry('a', 1, { name: 'Frog Pond' }),
    entry('b', 1, { topic: 'all about FROGS' }),
    entry('c', 1, { canonical_alias: '#frogs:hs', room_type: 'm.space' }),
    entry('d', 1, { name: 'Toads' }),
  ];
  assert.equal(ids(pagePublicRooms(list, { filter: { generic_search_term: 'frog' } })), 'cba');
  assert.equal(ids(pagePublicRooms(list, { filter: { room_types: ['m.space'] } })), 'c');
  assert.equal(ids(pagePublicRooms(list, { filter: { room_types: [null] } })), 'dba');
  assert.equal(ids(pagePublicRooms(list, { filter: { room_types: [] } })), 'dcba');
  // The estimate counts the room types filter only (Synapse).
  assert.equal(pagePublicRooms(list, { filter: { generic_search_term: 'toad', room_types: [null] } }).total_room_count_estimate, 3);
});

test('a token this server did not issue is M_INVALID_PARAM', () => {
  for (const since of ['garbage', Buffer.from('{"m":"x"}').toString('base64url')]) {
    assert.throws(() => pagePublicRooms(rooms, { since }), (error: unknown) => error instanceof MatrixError && error.errcode === 'M_INVALID_PARAM');
  }
});
