/**
 * UiaStore contract (storage/types.ts): sessions bound to an operation, completed stages, and the
 * registration-token stage's pending use (reserved, released, given back on expiry).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Storage } from '../types.js';
import { T0, storages, type StorageFactory } from './fixtures.js';

const pendingOf = async (s: Storage, token: string) => (await s.registrationTokens.get(token))?.pending;

export function uiaContract(factory: StorageFactory): void {
  describe('UiaStore contract', () => {
    const { shared, fresh } = storages(factory);

    test('createSession and getSession', async () => {
      const s = shared();
      await s.uia.createSession('uia-basic', 'delete_devices:@a:contract.test:DEV', T0 + 3);
      assert.deepEqual(await s.uia.getSession('uia-basic'), {
        sessionId: 'uia-basic',
        operation: 'delete_devices:@a:contract.test:DEV',
        createdTs: T0 + 3,
        completed: [],
        registrationToken: null,
      });
      assert.equal(await s.uia.getSession('uia-none'), null);
    });

    test('completeStage records each stage once, in order; an unknown session is ignored', async () => {
      const s = shared();
      await s.uia.createSession('uia-stages', 'register', T0);
      await s.uia.completeStage('uia-stages', 'm.login.dummy');
      await s.uia.completeStage('uia-stages', 'm.login.password');
      await s.uia.completeStage('uia-stages', 'm.login.dummy');
      assert.deepEqual((await s.uia.getSession('uia-stages'))?.completed, ['m.login.dummy', 'm.login.password']);
      await s.uia.completeStage('uia-missing', 'm.login.dummy');
      assert.equal(await s.uia.getSession('uia-missing'), null);
    });

    test('completeRegistrationTokenStage reserves one pending use per session', async () => {
      const s = shared();
      await s.registrationTokens.create({ token: 'uia-tok', usesAllowed: 5, expiryTime: null, grantsAdmin: false, now: T0 });
      await s.uia.createSession('uia-reserve', 'register', T0);
      assert.equal(await s.uia.completeRegistrationTokenStage('uia-reserve', 'uia-tok', T0), true);
      const session = await s.uia.getSession('uia-reserve');
      assert.equal(session?.registrationToken, 'uia-tok');
      assert.deepEqual(session?.completed, ['m.login.registration_token']);
      assert.equal(await pendingOf(s, 'uia-tok'), 1);

      // Again with the same token: still one use.
      assert.equal(await s.uia.completeRegistrationTokenStage('uia-reserve', 'uia-tok', T0), true);
      assert.equal(await pendingOf(s, 'uia-tok'), 1);
      assert.deepEqual((await s.uia.getSession('uia-reserve'))?.completed, ['m.login.registration_token']);
    });

    test('switching to another token releases the first; an invalid token or session takes nothing', async () => {
      const s = shared();
      await s.registrationTokens.create({ token: 'uia-a', usesAllowed: null, expiryTime: null, grantsAdmin: false, now: T0 });
      await s.registrationTokens.create({ token: 'uia-b', usesAllowed: null, expiryTime: null, grantsAdmin: false, now: T0 });
      await s.uia.createSession('uia-switch', 'register', T0);
      assert.equal(await s.uia.completeRegistrationTokenStage('uia-switch', 'uia-a', T0), true);
      assert.equal(await s.uia.completeRegistrationTokenStage('uia-switch', 'uia-b', T0), true);
      assert.equal(await pendingOf(s, 'uia-a'), 0);
      assert.equal(await pendingOf(s, 'uia-b'), 1);
      assert.equal((await s.uia.getSession('uia-switch'))?.registrationToken, 'uia-b');

      // An unknown token fails and the session keeps the use it holds.
      assert.equal(await s.uia.completeRegistrationTokenStage('uia-switch', 'uia-unknown', T0), false);
      assert.equal((await s.uia.getSession('uia-switch'))?.registrationToken, 'uia-b');
      assert.equal(await pendingOf(s, 'uia-b'), 1);

      // An unknown session takes no use.
      assert.equal(await s.uia.completeRegistrationTokenStage('uia-no-session', 'uia-a', T0), false);
      assert.equal(await pendingOf(s, 'uia-a'), 0);
    });

    test('deleteSession gives the pending use back', async () => {
      const s = shared();
      await s.registrationTokens.create({ token: 'uia-release', usesAllowed: 1, expiryTime: null, grantsAdmin: false, now: T0 });
      await s.uia.createSession('uia-r1', 'register', T0);
      assert.equal(await s.uia.completeRegistrationTokenStage('uia-r1', 'uia-release', T0), true);
      await s.uia.deleteSession('uia-r1');
      assert.equal(await s.uia.getSession('uia-r1'), null);
      assert.equal(await pendingOf(s, 'uia-release'), 0);
      await s.uia.deleteSession('uia-r1'); // twice: nothing more is given back
      assert.equal(await pendingOf(s, 'uia-release'), 0);
    });

    test('expireSessions deletes sessions created before the cutoff and gives their pending uses back', async () => {
      const s = await fresh();
      await s.registrationTokens.create({ token: 'exp-tok', usesAllowed: 2, expiryTime: null, grantsAdmin: false, now: T0 });
      await s.uia.createSession('old-1', 'register', T0);
      await s.uia.createSession('old-2', 'password:@a:contract.test', T0 + 10);
      await s.uia.createSession('new-1', 'register', T0 + 100);
      assert.equal(await s.uia.completeRegistrationTokenStage('old-1', 'exp-tok', T0), true);
      assert.equal(await s.uia.completeRegistrationTokenStage('new-1', 'exp-tok', T0 + 100), true);
      assert.equal(await pendingOf(s, 'exp-tok'), 2);

      assert.equal(await s.uia.expireSessions(T0 + 100), 2, 'strictly before the cutoff');
      assert.equal(await s.uia.getSession('old-1'), null);
      assert.equal(await s.uia.getSession('old-2'), null);
      assert.ok(await s.uia.getSession('new-1'));
      assert.equal(await pendingOf(s, 'exp-tok'), 1);
      assert.equal(await s.uia.expireSessions(T0 + 100), 0);

      // The use given back can be taken by a new session.
      await s.uia.createSession('new-2', 'register', T0 + 200);
      assert.equal(await s.uia.completeRegistrationTokenStage('new-2', 'exp-tok', T0 + 200), true);
    });

    test('a token deleted while a session holds a use doesn\'t break the session\'s end', async () => {
      const s = shared();
      await s.registrationTokens.create({ token: 'uia-gone', usesAllowed: 1, expiryTime: null, grantsAdmin: false, now: T0 });
      await s.uia.createSession('uia-gone-s', 'register', T0);
      assert.equal(await s.uia.completeRegistrationTokenStage('uia-gone-s', 'uia-gone', T0), true);
      await s.registrationTokens.delete('uia-gone');
      await s.uia.deleteSession('uia-gone-s');
      assert.equal(await s.uia.getSession('uia-gone-s'), null);
    });
  });
}
