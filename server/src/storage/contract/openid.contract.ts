/**
 * OpenIdTokensStore contract: OpenID token digests with their user and expiry (storage/types.ts).
 * Spec: client-server-api "OpenID", server-server-api openid/userinfo (v1.19).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { T0, storages, tokenHash, userId, type StorageFactory } from './fixtures.js';

export function openIdTokensContract(factory: StorageFactory): void {
  describe('OpenIdTokensStore contract', () => {
    const { shared } = storages(factory);

    test('a token resolves to its user until it expires; unknown tokens resolve to nothing', async () => {
      const s = shared();
      const alice = userId('openid-alice');
      const token = tokenHash();
      await s.openIdTokens.add(token, alice, T0 + 1000, T0);
      assert.equal(await s.openIdTokens.lookup(token, T0), alice);
      assert.equal(await s.openIdTokens.lookup(Buffer.from(token), T0 + 999), alice, 'by value, not identity');
      assert.equal(await s.openIdTokens.lookup(token, T0 + 1000), null, 'expired at its expiry time');
      assert.equal(await s.openIdTokens.lookup(tokenHash(), T0), null);
    });

    test('adding a token deletes those expired by then', async () => {
      const s = shared();
      const bob = userId('openid-bob');
      const old = tokenHash();
      const live = tokenHash();
      await s.openIdTokens.add(old, bob, T0 + 10, T0);
      await s.openIdTokens.add(live, bob, T0 + 10_000, T0);
      await s.openIdTokens.add(tokenHash(), bob, T0 + 20_000, T0 + 5_000);
      // Looked up "in the past": the old row is gone, not just expired.
      assert.equal(await s.openIdTokens.lookup(old, T0), null);
      assert.equal(await s.openIdTokens.lookup(live, T0), bob);
    });
  });
}
