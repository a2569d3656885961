/**
 * RegistrationTokensStore contract (storage/types.ts), with Synapse's use accounting: a token is usable while
 * pending + completed < uses_allowed and it hasn't expired; UIA sessions hold pending uses.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NewRegistrationToken } from '../types.js';
import { T0, account, registerOk, storages, type StorageFactory } from './fixtures.js';

const token = (name: string, overrides: Partial<NewRegistrationToken> = {}): NewRegistrationToken => ({
  token: name,
  usesAllowed: null,
  expiryTime: null,
  grantsAdmin: false,
  now: T0,
  ...overrides,
});

export function registrationTokensContract(factory: StorageFactory): void {
  describe('RegistrationTokensStore contract', () => {
    const { shared, fresh } = storages(factory);

    test('create, get, list (oldest first) and delete', async () => {
      const s = await fresh();
      assert.equal(await s.registrationTokens.create(token('second', { now: T0 + 1, usesAllowed: 3, expiryTime: T0 + 1000 })), true);
      assert.equal(await s.registrationTokens.create(token('first', { grantsAdmin: true })), true);
      assert.equal(await s.registrationTokens.create(token('first', { usesAllowed: 9 })), false, 'an existing token is not replaced');

      assert.deepEqual(await s.registrationTokens.get('first'), {
        token: 'first',
        usesAllowed: null,
        pending: 0,
        completed: 0,
        expiryTime: null,
        grantsAdmin: true,
      });
      assert.deepEqual(await s.registrationTokens.get('second'), {
        token: 'second',
        usesAllowed: 3,
        pending: 0,
        completed: 0,
        expiryTime: T0 + 1000,
        grantsAdmin: false,
      });
      assert.equal(await s.registrationTokens.get('none'), null);
      assert.deepEqual((await s.registrationTokens.list()).map((t) => t.token), ['first', 'second']);

      assert.equal(await s.registrationTokens.delete('first'), true);
      assert.equal(await s.registrationTokens.delete('first'), false);
      assert.deepEqual((await s.registrationTokens.list()).map((t) => t.token), ['second']);
    });

    test('tokens are case-sensitive', async () => {
      const s = shared();
      await s.registrationTokens.create(token('CaseToken'));
      assert.equal(await s.registrationTokens.get('casetoken'), null);
    });

    test('uses_allowed counts pending and completed uses', async () => {
      const s = shared();
      await s.registrationTokens.create(token('two-uses', { usesAllowed: 2 }));
      for (const id of ['u1', 'u2', 'u3']) await s.uia.createSession(id, 'register', T0);
      assert.equal(await s.uia.completeRegistrationTokenStage('u1', 'two-uses', T0), true);
      assert.equal(await s.uia.completeRegistrationTokenStage('u2', 'two-uses', T0), true);
      assert.equal(await s.uia.completeRegistrationTokenStage('u3', 'two-uses', T0), false, 'both uses are pending');
      assert.equal((await s.registrationTokens.get('two-uses'))?.pending, 2);

      // One registration completes: still no use left for u3.
      await registerOk(s, account('rt-user1', { registrationToken: 'two-uses', uiaSessionId: 'u1' }));
      assert.deepEqual(
        { pending: (await s.registrationTokens.get('two-uses'))?.pending, completed: (await s.registrationTokens.get('two-uses'))?.completed },
        { pending: 1, completed: 1 },
      );
      assert.equal(await s.uia.completeRegistrationTokenStage('u3', 'two-uses', T0), false);

      // The other session is abandoned: its pending use comes back, and u3 can take it.
      await s.uia.deleteSession('u2');
      assert.equal((await s.registrationTokens.get('two-uses'))?.pending, 0);
      assert.equal(await s.uia.completeRegistrationTokenStage('u3', 'two-uses', T0), true);
      await registerOk(s, account('rt-user2', { registrationToken: 'two-uses', uiaSessionId: 'u3' }));
      const spent = await s.registrationTokens.get('two-uses');
      assert.equal(spent?.completed, 2);
      assert.equal(spent?.pending, 0);

      await s.uia.createSession('u4', 'register', T0);
      assert.equal(await s.uia.completeRegistrationTokenStage('u4', 'two-uses', T0), false);
    });

    test('zero uses allowed never works; null uses allowed is unlimited', async () => {
      const s = shared();
      await s.registrationTokens.create(token('zero-uses', { usesAllowed: 0 }));
      await s.registrationTokens.create(token('unlimited'));
      for (let i = 0; i < 5; i++) {
        await s.uia.createSession(`unl-${i}`, 'register', T0);
        assert.equal(await s.uia.completeRegistrationTokenStage(`unl-${i}`, 'unlimited', T0), true);
      }
      assert.equal((await s.registrationTokens.get('unlimited'))?.pending, 5);
      await s.uia.createSession('zero', 'register', T0);
      assert.equal(await s.uia.completeRegistrationTokenStage('zero', 'zero-uses', T0), false);
    });

    test('an expired token can\'t be used; expiry is exclusive', async () => {
      const s = shared();
      await s.registrationTokens.create(token('expiring', { expiryTime: T0 + 1000 }));
      await s.uia.createSession('exp-1', 'register', T0);
      await s.uia.createSession('exp-2', 'register', T0);
      assert.equal(await s.uia.completeRegistrationTokenStage('exp-1', 'expiring', T0 + 999), true);
      assert.equal(await s.uia.completeRegistrationTokenStage('exp-2', 'expiring', T0 + 1000), false);
      assert.equal((await s.registrationTokens.get('expiring'))?.pending, 1);
    });

    test('a deleted token can\'t be used', async () => {
      const s = shared();
      await s.registrationTokens.create(token('deleted'));
      await s.registrationTokens.delete('deleted');
      await s.uia.createSession('del-1', 'register', T0);
      assert.equal(await s.uia.completeRegistrationTokenStage('del-1', 'deleted', T0), false);
    });
  });
}
