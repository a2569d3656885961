/**
 * ReportsStore contract: content reports kept for the admin API (storage/types.ts).
 * Spec: client-server-api "Reporting Content" (v1.19).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EventId, RoomId } from '../../core/ids.js';
import type { NewContentReport } from '../types.js';
import { SERVER_NAME, T0, storages, userId, type StorageFactory } from './fixtures.js';

const room = `!reported:${SERVER_NAME}` as RoomId;
const reporter = userId('reports-reporter');
const other = userId('reports-other');

const eventReport = (reason: string | null, score: number | null = null): NewContentReport => ({
  kind: 'event',
  reporter,
  receivedTs: T0,
  reason,
  score,
  roomId: room,
  eventId: '$event' as EventId,
  targetUserId: null,
});

export function reportsContract(factory: StorageFactory): void {
  describe('ReportsStore contract', () => {
    const { fresh } = storages(factory);

    test('reports are stored as given and read back by ID; IDs grow', async () => {
      const s = await fresh();
      const first = await s.reports.add(eventReport('spam', -100));
      const second = await s.reports.add({ kind: 'user', reporter: other, receivedTs: T0 + 1, reason: '', score: null, roomId: null, eventId: null, targetUserId: reporter });
      assert.ok(second > first);
      assert.deepEqual(await s.reports.get(first), { id: first, ...eventReport('spam', -100) });
      assert.deepEqual(await s.reports.get(second), {
        id: second, kind: 'user', reporter: other, receivedTs: T0 + 1, reason: '', score: null, roomId: null, eventId: null, targetUserId: reporter,
      });
      assert.equal(await s.reports.get(second + 100), null);
    });

    test('list is newest first, pages with before, filters by kind, room and reporter; count agrees; delete removes', async () => {
      const s = await fresh();
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) ids.push(await s.reports.add(eventReport(`r${i}`)));
      ids.push(await s.reports.add({ kind: 'room', reporter: other, receivedTs: T0, reason: 'room', score: null, roomId: room, eventId: null, targetUserId: null }));

      const reasons = async (query: Parameters<typeof s.reports.list>[0]) => (await s.reports.list(query)).map((r) => r.reason);
      assert.deepEqual(await reasons({ before: null, limit: 3 }), ['room', 'r3', 'r2']);
      assert.deepEqual(await reasons({ before: ids[2]!, limit: 3 }), ['r1', 'r0']);
      assert.deepEqual(await reasons({ kind: 'room', before: null, limit: 10 }), ['room']);
      assert.deepEqual(await reasons({ reporter: other, before: null, limit: 10 }), ['room']);
      assert.deepEqual(await reasons({ roomId: room, kind: 'event', before: null, limit: 2 }), ['r3', 'r2']);
      assert.deepEqual(await reasons({ roomId: '!elsewhere:x' as RoomId, before: null, limit: 10 }), []);
      assert.equal(await s.reports.count({}), 5);
      assert.equal(await s.reports.count({ kind: 'event', reporter }), 4);

      assert.equal(await s.reports.delete(ids[0]!), true);
      assert.equal(await s.reports.delete(ids[0]!), false);
      assert.equal(await s.reports.get(ids[0]!), null);
      assert.equal(await s.reports.count({}), 4);
    });
  });
}
