/**
 * AccountDataStore contract: what every backend must do (storage/types.ts). Run by each backend's test file.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RoomId } from '../../core/ids.js';
import type { AccountDataEntry } from '../types.js';
import { storages, userId, type StorageFactory } from './fixtures.js';

const roomId = (name: string): RoomId => `!${name}:contract.test` as RoomId;
const summary = (entries: readonly AccountDataEntry[]) =>
  entries
    .map((entry) => ({ roomId: entry.roomId, type: entry.type, content: entry.content }))
    .sort((a, b) => (`${a.roomId ?? ''}|${a.type}` < `${b.roomId ?? ''}|${b.type}` ? -1 : 1));

export function accountDataContract(factory: StorageFactory): void {
  describe('AccountDataStore contract', () => {
    const { shared, fresh, reopen } = storages(factory);

    test('a fresh store is at position 0 and has nothing', async () => {
      const s = await fresh();
      const alice = userId('ad-empty');
      assert.equal(await s.accountData.maxStreamId(), 0);
      assert.equal(await s.accountData.lastStreamIdOf(alice), 0);
      assert.equal(await s.accountData.get(alice, null, 'm.direct'), null);
      assert.deepEqual(await s.accountData.globalEntries(alice, 100), []);
      assert.deepEqual(await s.accountData.changedSince(alice, 0, 100), []);
    });

    test('global and room entries are separate; a put replaces the content and moves the entry to a new position', async () => {
      const s = shared();
      const alice = userId('ad-alice');
      const room = roomId('ad-room');
      const p1 = await s.accountData.put(alice, null, 'org.example.x', { a: 1 });
      const p2 = await s.accountData.put(alice, room, 'org.example.x', { b: 2 });
      assert.ok(p2 > p1, 'positions grow');
      assert.deepEqual(await s.accountData.get(alice, null, 'org.example.x'), { a: 1 });
      assert.deepEqual(await s.accountData.get(alice, room, 'org.example.x'), { b: 2 });
      assert.equal(await s.accountData.get(alice, roomId('ad-other'), 'org.example.x'), null, 'no fallback between rooms');

      const p3 = await s.accountData.put(alice, null, 'org.example.x', { a: 3, nested: { deep: [1, 'two', null] } });
      assert.ok(p3 > p2);
      assert.deepEqual(await s.accountData.get(alice, null, 'org.example.x'), { a: 3, nested: { deep: [1, 'two', null] } });
      assert.equal(await s.accountData.lastStreamIdOf(alice), p3);
      assert.ok((await s.accountData.maxStreamId()) >= p3);
      const global = await s.accountData.globalEntries(alice, p3);
      assert.deepEqual(summary(global), [{ roomId: null, type: 'org.example.x', content: { a: 3, nested: { deep: [1, 'two', null] } } }]);
      assert.equal(global[0]?.streamId, p3);
    });

    test('changedSince returns the entries written in (after, upTo], each once, in stream order', async () => {
      const s = shared();
      const bob = userId('ad-bob');
      const room = roomId('ad-bob-room');
      const p1 = await s.accountData.put(bob, null, 'm.direct', {});
      const p2 = await s.accountData.put(bob, room, 'm.tag', { tags: {} });
      const p3 = await s.accountData.put(bob, null, 'org.example.y', { y: true });
      const p4 = await s.accountData.put(bob, room, 'm.tag', { tags: { 'u.work': {} } });
      assert.deepEqual(summary(await s.accountData.changedSince(bob, 0, p4)), [
        { roomId: room, type: 'm.tag', content: { tags: { 'u.work': {} } } },
        { roomId: null, type: 'm.direct', content: {} },
        { roomId: null, type: 'org.example.y', content: { y: true } },
      ]);
      assert.deepEqual((await s.accountData.changedSince(bob, p1, p3)).map((entry) => entry.type), ['org.example.y'], 'm.tag moved past upTo');
      assert.deepEqual((await s.accountData.changedSince(bob, p2, p4)).map((entry) => entry.streamId), [p3, p4]);
      assert.deepEqual(await s.accountData.changedSince(bob, p4, p4 + 10), []);
      // Another user's writes never show up.
      await s.accountData.put(userId('ad-bob-neighbour'), null, 'm.direct', { x: [] });
      assert.deepEqual(await s.accountData.changedSince(bob, p4, Number.MAX_SAFE_INTEGER), []);
    });

    test('globalEntries and roomEntries leave out entries written after upTo', async () => {
      const s = shared();
      const carol = userId('ad-carol');
      const rooms = Array.from({ length: 20 }, (_, i) => roomId(`ad-carol-${i}`));
      const before = await s.accountData.put(carol, null, 'a', { n: 1 });
      for (const room of rooms) await s.accountData.put(carol, room, 'm.fully_read', { event_id: `$${room}` });
      const after = await s.accountData.put(carol, null, 'b', { n: 2 });
      assert.deepEqual((await s.accountData.globalEntries(carol, before)).map((entry) => entry.type), ['a']);
      assert.deepEqual((await s.accountData.globalEntries(carol, after)).map((entry) => entry.type).sort(), ['a', 'b']);

      // Few rooms (point queries) and many rooms (one scan) give the same answer.
      const few = await s.accountData.roomEntries(carol, rooms.slice(0, 3), after);
      assert.deepEqual(few.map((entry) => entry.roomId).sort(), rooms.slice(0, 3).sort());
      const many = await s.accountData.roomEntries(carol, [...rooms, roomId('ad-carol-none')], after);
      assert.equal(many.length, 20);
      assert.ok(many.every((entry) => entry.type === 'm.fully_read' && entry.content.event_id === `$${entry.roomId}`));
      const early = await s.accountData.roomEntries(carol, rooms, before + 5);
      assert.deepEqual(early.map((entry) => entry.roomId).sort(), rooms.slice(0, 5).sort());
      assert.deepEqual(await s.accountData.roomEntries(carol, [], after), []);
    });

    test('update reads and writes atomically; returning null leaves the entry and the stream alone', async () => {
      const s = shared();
      const dave = userId('ad-dave');
      const room = roomId('ad-dave-room');
      const first = await s.accountData.update(dave, room, 'm.tag', (current) => {
        assert.equal(current, null);
        return { tags: { 'm.favourite': { order: 0.5 } } };
      });
      assert.ok(first);
      assert.deepEqual(first.content, { tags: { 'm.favourite': { order: 0.5 } } });
      const position = await s.accountData.maxStreamId();
      assert.equal(await s.accountData.update(dave, room, 'm.tag', () => null), null);
      assert.equal(await s.accountData.maxStreamId(), position, 'no position taken');

      // Concurrent read-modify-writes each see the previous one's result.
      const addTag = (tag: string) =>
        s.accountData.update(dave, room, 'm.tag', (current) => {
          const tags = { ...((current?.tags as Record<string, unknown> | undefined) ?? {}) };
          tags[tag] = {};
          return { tags };
        });
      await Promise.all(['u.a', 'u.b', 'u.c', 'u.d'].map(addTag));
      const tags = (await s.accountData.get(dave, room, 'm.tag'))?.tags as Record<string, unknown>;
      assert.deepEqual(Object.keys(tags).sort(), ['m.favourite', 'u.a', 'u.b', 'u.c', 'u.d']);
    });

    test('concurrent puts get distinct positions and the stream position is the last one given', async () => {
      const s = shared();
      const erin = userId('ad-erin');
      const positions = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => s.accountData.put(erin, null, `t${i}`, { i })));
      assert.equal(new Set(positions).size, positions.length);
      assert.equal(await s.accountData.maxStreamId(), Math.max(...positions));
      assert.equal(await s.accountData.lastStreamIdOf(erin), Math.max(...positions));
    });

    test('entries and the stream position survive reopening', async (t) => {
      if (!factory.reopen) return t.skip('backend cannot reopen');
      const s = await fresh();
      const frank = userId('ad-frank');
      await s.accountData.put(frank, null, 'm.ignored_user_list', { ignored_users: { '@x:contract.test': {} } });
      const last = await s.accountData.put(frank, roomId('ad-frank-room'), 'm.tag', { tags: {} });
      const again = await reopen(s);
      assert.equal(await again.accountData.maxStreamId(), last);
      assert.deepEqual(await again.accountData.get(frank, null, 'm.ignored_user_list'), { ignored_users: { '@x:contract.test': {} } });
      assert.ok((await again.accountData.put(frank, null, 'x', {})) > last, 'positions keep growing after a restart');
    });
  });
}
