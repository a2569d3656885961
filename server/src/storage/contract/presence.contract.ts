/**
 * PresenceStore contract: what every backend must do (storage/types.ts). Run by each backend's test file.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PresenceRecord } from '../types.js';
import { storages, T0, userId, type StorageFactory } from './fixtures.js';

export function presenceContract(factory: StorageFactory): void {
  describe('PresenceStore contract', () => {
    const { fresh, reopen } = storages(factory);

    test('a user has one row, replaced by each write; all rows come back in stream order', async () => {
      const s = await fresh();
      assert.deepEqual(await s.presence.allPresence(), []);
      const alice: PresenceRecord = {
        userId: userId('presence-alice'),
        state: 'online',
        statusMsg: 'here',
        lastActiveTs: T0,
        lastUserSyncTs: T0,
        currentlyActive: true,
        streamId: 1,
      };
      const bob: PresenceRecord = { ...alice, userId: userId('presence-bob'), statusMsg: null, currentlyActive: false, state: 'unavailable', streamId: 2 };
      await s.presence.setPresence(alice);
      await s.presence.setPresence(bob);
      const aliceLater: PresenceRecord = { ...alice, state: 'offline', statusMsg: null, currentlyActive: false, lastUserSyncTs: T0 + 5, streamId: 3 };
      await s.presence.setPresence(aliceLater);
      assert.deepEqual(await s.presence.allPresence(), [bob, aliceLater]);
      if (!factory.reopen) return;
      assert.deepEqual(await (await reopen(s)).presence.allPresence(), [bob, aliceLater]);
    });
  });
}
