// OpenID tokens over in-memory SQLite with a fake clock: issue, exchange, expiry, other users, deactivation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeClock } from '../core/clock.js';
import { MatrixError } from '../core/errors.js';
import type { DeviceId, UserId } from '../core/ids.js';
import { openSqliteStorage } from '../storage/sqlite/index.js';
import { createOpenIdService, OPENID_TOKEN_LIFETIME_MS } from './openid.js';
import type { Requester } from './requester.js';

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const storage = openSqliteStorage(':memory:', { synchronous: 'NORMAL' });
  t.after(() => storage.close());
  const clock = createFakeClock();
  const result = await storage.users.register({
    localpart: 'alice', serverName: 'hs', passwordHash: null, isAdmin: false, isGuest: false, displayName: null,
    registrationToken: null, uiaSessionId: null, session: null, now: clock.now(),
  });
  assert.ok(result.ok);
  const requester: Requester = { userId: result.userId, deviceId: 'D' as DeviceId, isGuest: false, isAdmin: false, accessTokenId: 1 };
  return { storage, clock, requester, openId: createOpenIdService({ tokens: storage.openIdTokens, users: storage.users, serverName: 'hs', clock }) };
}

const errcode = (code: string) => (error: unknown) => error instanceof MatrixError && error.errcode === code;

test('a token is issued for one hour and exchanged for its user until then', async (t) => {
  const { clock, requester, openId } = await setup(t);
  const reply = await openId.requestToken(requester, requester.userId);
  assert.equal(reply.token_type, 'Bearer');
  assert.equal(reply.matrix_server_name, 'hs');
  assert.equal(reply.expires_in, 3600);
  assert.deepEqual(await openId.userInfo(reply.access_token), { sub: requester.userId });
  clock.advance(OPENID_TOKEN_LIFETIME_MS - 1);
  assert.deepEqual(await openId.userInfo(reply.access_token), { sub: requester.userId });
  clock.advance(1);
  await assert.rejects(openId.userInfo(reply.access_token), errcode('M_UNKNOWN_TOKEN'));
});

test('only for yourself; unknown tokens and deactivated users are refused', async (t) => {
  const { storage, requester, openId } = await setup(t);
  await assert.rejects(openId.requestToken(requester, '@bob:hs'), errcode('M_FORBIDDEN'));
  await assert.rejects(openId.userInfo('hoi_nope'), errcode('M_UNKNOWN_TOKEN'));
  const token = (await openId.requestToken(requester, requester.userId)).access_token;
  await storage.users.deactivate(requester.userId as UserId);
  await assert.rejects(openId.userInfo(token), errcode('M_UNKNOWN_TOKEN'));
});
