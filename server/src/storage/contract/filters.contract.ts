/**
 * FiltersStore contract: what every backend must do (storage/types.ts). Run by each backend's test file.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { storages, userId, type StorageFactory } from './fixtures.js';

export function filtersContract(factory: StorageFactory): void {
  describe('FiltersStore contract', () => {
    const { shared } = storages(factory);

    test('filter IDs are numbered per user from 0 and returned as stored', async () => {
      const s = shared();
      const alice = userId('filter-alice');
      const bob = userId('filter-bob');
      assert.equal(await s.filters.createFilter(alice, '{"room":{"timeline":{"limit":10}}}'), 0);
      assert.equal(await s.filters.createFilter(alice, '{"presence":{"types":[]}}'), 1);
      assert.equal(await s.filters.createFilter(bob, '{}'), 0);
      assert.equal(await s.filters.createFilter(alice, '{"a":1}'), 2);

      assert.equal(await s.filters.getFilter(alice, 0), '{"room":{"timeline":{"limit":10}}}');
      assert.equal(await s.filters.getFilter(alice, 1), '{"presence":{"types":[]}}');
      assert.equal(await s.filters.getFilter(alice, 2), '{"a":1}');
      assert.equal(await s.filters.getFilter(bob, 0), '{}');
    });

    test('a filter is visible only to its user; unknown IDs are null', async () => {
      const s = shared();
      const carol = userId('filter-carol');
      const dave = userId('filter-dave');
      const id = await s.filters.createFilter(carol, '{"carol":true}');
      assert.equal(await s.filters.getFilter(dave, id), null);
      assert.equal(await s.filters.getFilter(carol, id + 1), null);
      assert.equal(await s.filters.getFilter(userId('filter-nobody'), 0), null);
    });

    test('concurrent creates get distinct, consecutive IDs', async () => {
      const s = shared();
      const erin = userId('filter-erin');
      const ids = await Promise.all([0, 1, 2, 3, 4].map((i) => s.filters.createFilter(erin, `{"n":${i}}`)));
      assert.deepEqual([...ids].sort((a, b) => a - b), [0, 1, 2, 3, 4]);
      for (const [i, id] of ids.entries()) assert.equal(await s.filters.getFilter(erin, id), `{"n":${i}}`);
    });
  });
}
