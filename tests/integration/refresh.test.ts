// sytest: none (refresh tokens postdate sytest, and complement has no test); behaviour as Synapse tests/rest/client/test_auth.py RefreshAuthTests
/**
 * Refresh tokens and expiring access tokens, black-box over HTTP. Spec: client-server-api "Refreshing
 * access tokens", "Soft logout", refresh.yaml (v1.3+, v1.19).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { startTestServer, type HttpResult, type TestServer } from '../helpers/test-server.js';

const REFRESH = '/_matrix/client/v3/refresh';
const WHOAMI = '/_matrix/client/v3/account/whoami';

interface Tokens {
  access: string;
  refresh: string;
  deviceId: string;
}

function assertUnknownToken(res: HttpResult, softLogout: boolean): void {
  assert.equal(res.status, 401, JSON.stringify(res.body));
  assert.equal(res.body.errcode, 'M_UNKNOWN_TOKEN');
  assert.equal(typeof res.body.error, 'string');
  assert.equal(res.body.soft_logout, softLogout);
}

async function loginWithRefresh(hs: TestServer, localpart: string, password: string, extra: Record<string, unknown> = {}): Promise<Tokens> {
  const res = await hs.login(localpart, password, { refresh_token: true, ...extra });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(typeof res.body.refresh_token, 'string');
  assert.equal(typeof res.body.expires_in_ms, 'number');
  return { access: res.body.access_token, refresh: res.body.refresh_token, deviceId: res.body.device_id };
}

async function refresh(hs: TestServer, refreshToken: string): Promise<HttpResult> {
  return hs.request('POST', REFRESH, { body: { refresh_token: refreshToken } });
}

test('login with refresh_token: true returns a refresh token and the access token lifetime', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const res = await hs.login('alice', alice.password, { refresh_token: true });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(typeof res.body.refresh_token, 'string');
  assert.notEqual(res.body.refresh_token, res.body.access_token);
  assert.equal(res.body.expires_in_ms, 5 * 60 * 1000);
  // Without it: a non-expiring token and no refresh token (refresh_token: false alike).
  for (const extra of [{}, { refresh_token: false }]) {
    const plain = await hs.login('alice', alice.password, extra);
    assert.equal(plain.status, 200);
    assert.equal(plain.body.refresh_token, undefined);
    assert.equal(plain.body.expires_in_ms, undefined);
  }
});

test('POST /refresh returns new tokens for the same device', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const first = await loginWithRefresh(hs, 'alice', alice.password, { device_id: 'REFRESHER' });
  const res = await refresh(hs, first.refresh);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in_ms', 'refresh_token']);
  assert.notEqual(res.body.access_token, first.access);
  assert.notEqual(res.body.refresh_token, first.refresh);
  assert.equal(res.body.expires_in_ms, 5 * 60 * 1000);

  const me = await hs.request('GET', WHOAMI, { token: res.body.access_token });
  assert.deepEqual([me.status, me.body], [200, { user_id: alice.userId, device_id: 'REFRESHER', is_guest: false }]);
  const devices = await hs.request('GET', '/_matrix/client/v3/devices', { token: alice.accessToken });
  assert.equal(devices.body.devices.length, 2);

  // The new refresh token refreshes in turn; the legacy prefix serves the endpoint too.
  const again = await hs.request('POST', '/_matrix/client/r0/refresh', { body: { refresh_token: res.body.refresh_token } });
  assert.equal(again.status, 200, JSON.stringify(again.body));
});

test('the old refresh token is revoked once the new access token is used: 401 M_UNKNOWN_TOKEN', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const start = await loginWithRefresh(hs, 'alice', alice.password);
  const second = await refresh(hs, start.refresh);
  assert.equal(second.status, 200, JSON.stringify(second.body));

  assert.equal((await hs.request('GET', WHOAMI, { token: second.body.access_token })).status, 200);
  assertUnknownToken(await refresh(hs, start.refresh), false);
  // The refresh token that came with the used access token carries on.
  const next = await refresh(hs, second.body.refresh_token);
  assert.equal(next.status, 200, JSON.stringify(next.body));
});

// Spec (refresh.yaml): "The old refresh token remains valid until the new access token or refresh token
// is used": a retry (say the reply was lost) must work.
test(
  'the old refresh token may be used again while the new pair is unused',
  async (t) => {
    const hs = await startTestServer(t);
    const alice = await hs.register('alice');
    const start = await loginWithRefresh(hs, 'alice', alice.password);
    const second = await refresh(hs, start.refresh);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const retry = await refresh(hs, start.refresh);
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.equal((await hs.request('GET', WHOAMI, { token: retry.body.access_token })).status, 200);
    assertUnknownToken(await refresh(hs, start.refresh), false);
  },
);

test('using the new refresh token also revokes the old one', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const start = await loginWithRefresh(hs, 'alice', alice.password);
  const second = await refresh(hs, start.refresh);
  assert.equal(second.status, 200);
  const third = await refresh(hs, second.body.refresh_token);
  assert.equal(third.status, 200, JSON.stringify(third.body));
  assertUnknownToken(await refresh(hs, start.refresh), false);
  // Used once and its successor used: gone too.
  assert.equal((await hs.request('GET', WHOAMI, { token: third.body.access_token })).status, 200);
  assertUnknownToken(await refresh(hs, second.body.refresh_token), false);
});

test('unknown, malformed and revoked refresh tokens', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice', { refreshToken: true });
  assertUnknownToken(await refresh(hs, 'hrt_unknown'), false);
  assertUnknownToken(await refresh(hs, ''), false);
  // An access token is not a refresh token.
  assertUnknownToken(await refresh(hs, alice.accessToken), false);

  const missing = await hs.request('POST', REFRESH, { body: {} });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
  const wrongType = await hs.request('POST', REFRESH, { body: { refresh_token: 42 } });
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.body.errcode, 'M_BAD_JSON');
  const noBody = await hs.request('POST', REFRESH);
  assert.equal(noBody.status, 400);
  assert.equal(noBody.body.errcode, 'M_NOT_JSON');

  // The registration's refresh token works, and dies with its device on logout.
  assert.ok(alice.refreshToken);
  const ok = await refresh(hs, alice.refreshToken);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal((await hs.request('POST', '/_matrix/client/v3/logout', { token: ok.body.access_token })).status, 200);
  assertUnknownToken(await refresh(hs, ok.body.refresh_token), false);
  assertUnknownToken(await refresh(hs, alice.refreshToken), false);
});

test('a login on the same device_id revokes the device\'s refresh tokens', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const first = await loginWithRefresh(hs, 'alice', alice.password, { device_id: 'SHARED' });
  await loginWithRefresh(hs, 'alice', alice.password, { device_id: 'SHARED' });
  assertUnknownToken(await refresh(hs, first.refresh), false);
});

test('an expired access token is 401 M_UNKNOWN_TOKEN with soft_logout; refresh and logout still work', async (t) => {
  const hs = await startTestServer(t, { config: { session: { refreshable_access_token_lifetime: 1000 } } });
  const alice = await hs.register('alice');
  const a = await loginWithRefresh(hs, 'alice', alice.password, { device_id: 'DEVICE_A' });
  const b = await loginWithRefresh(hs, 'alice', alice.password, { device_id: 'DEVICE_B' });
  const plain = await hs.login('alice', alice.password);
  assert.equal((await hs.request('GET', WHOAMI, { token: a.access })).status, 200);
  assert.equal(
    (await hs.login('alice', alice.password, { refresh_token: true })).body.expires_in_ms,
    1000,
  );

  await sleep(1200);

  const expired = await hs.request('GET', WHOAMI, { token: a.access });
  assertUnknownToken(expired, true);
  // Tokens issued without a refresh token don't expire.
  assert.equal((await hs.request('GET', WHOAMI, { token: plain.body.access_token })).status, 200);

  const refreshed = await refresh(hs, a.refresh);
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
  const me = await hs.request('GET', WHOAMI, { token: refreshed.body.access_token });
  assert.deepEqual([me.status, me.body.device_id], [200, 'DEVICE_A']);
  assertUnknownToken(await hs.request('GET', WHOAMI, { token: a.access }), true);

  // Logging out with an expired token works (Synapse allows it) and ends the device with its refresh token.
  const logout = await hs.request('POST', '/_matrix/client/v3/logout', { token: b.access });
  assert.deepEqual([logout.status, logout.body], [200, {}]);
  assertUnknownToken(await refresh(hs, b.refresh), false);
  assertUnknownToken(await hs.request('GET', WHOAMI, { token: b.access }), false);
  const devices = await hs.request('GET', '/_matrix/client/v3/devices', { token: refreshed.body.access_token });
  assert.ok(!devices.body.devices.some((d: { device_id: string }) => d.device_id === 'DEVICE_B'));

  // logout/all with an expired token too.
  const c = await loginWithRefresh(hs, 'alice', alice.password);
  hs.hs.storage.db.prepare('UPDATE access_tokens SET expires_ts = ? WHERE expires_ts IS NOT NULL').run(Date.now() - 1);
  assertUnknownToken(await hs.request('GET', WHOAMI, { token: c.access }), true);
  assert.equal((await hs.request('POST', '/_matrix/client/v3/logout/all', { token: c.access })).status, 200);
  assertUnknownToken(await hs.request('GET', WHOAMI, { token: plain.body.access_token }), false);
});

test('refresh_token_lifetime: an unused refresh token expires', async (t) => {
  const hs = await startTestServer(t, {
    config: { session: { refreshable_access_token_lifetime: 1000, refresh_token_lifetime: 1000 } },
  });
  const alice = await hs.register('alice');
  const a = await loginWithRefresh(hs, 'alice', alice.password);
  const b = await loginWithRefresh(hs, 'alice', alice.password);
  // Before it expires it works.
  const renewed = await refresh(hs, b.refresh);
  assert.equal(renewed.status, 200);

  await sleep(1200);
  assertUnknownToken(await refresh(hs, a.refresh), false);
  assertUnknownToken(await refresh(hs, renewed.body.refresh_token), false);
  // The session can still be ended.
  assert.equal((await hs.request('POST', '/_matrix/client/v3/logout', { token: a.access })).status, 200);
});
