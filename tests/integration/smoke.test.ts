// complement: TestVersionStructure, TestRegistration (smoke)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer } from '../helpers/test-server.js';

test('a user registers with a token, logs in and asks who they are', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  assert.equal(alice.userId, '@alice:hearth.test');
  const whoami = await hs.request('GET', '/_matrix/client/v3/account/whoami', { token: alice.accessToken });
  assert.equal(whoami.status, 200);
  assert.deepEqual(whoami.body, { user_id: alice.userId, device_id: alice.deviceId, is_guest: false });
  const login = await hs.login('alice', alice.password);
  assert.equal(login.status, 200, JSON.stringify(login.body));
  assert.equal(login.body.user_id, alice.userId);
});
