// complement: TestLogin, TestLogout, TestDeactivateAccount; sytest: tests/10apidoc/02login.pl
/**
 * POST /login, /logout, /logout/all, access-token handling and the login rate limits, black-box over
 * HTTP. Spec: client-server-api "Login", "Logout", "Using access tokens", "Rate limiting",
 * login.yaml, logout.yaml (v1.19). Synapse's behaviour where the spec is silent.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { test } from 'node:test';
import { RELAXED_RATE_LIMITS, startTestServer, type HttpResult, type TestServer } from '../helpers/test-server.js';

const LOGIN = '/_matrix/client/v3/login';
const WHOAMI = '/_matrix/client/v3/account/whoami';

const passwordLogin = (identifier: unknown, password: string, extra: Record<string, unknown> = {}) => ({
  type: 'm.login.password',
  identifier,
  password,
  ...extra,
});

function assertError(res: HttpResult, status: number, errcode: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.errcode, errcode, JSON.stringify(res.body));
  assert.equal(typeof res.body.error, 'string');
}

async function whoami(hs: TestServer, token: string): Promise<HttpResult> {
  return hs.request('GET', WHOAMI, { token });
}

/** Deactivates the account through the UIA m.login.password flow. */
async function deactivate(hs: TestServer, localpart: string, token: string, password: string): Promise<void> {
  const first = await hs.request('POST', '/_matrix/client/v3/account/deactivate', { token, body: {} });
  assert.equal(first.status, 401, JSON.stringify(first.body));
  assert.deepEqual(first.body.flows, [{ stages: ['m.login.password'] }]);
  const auth = { type: 'm.login.password', identifier: { type: 'm.id.user', user: localpart }, session: first.body.session };
  const wrong = await hs.request('POST', '/_matrix/client/v3/account/deactivate', { token, body: { auth: { ...auth, password: 'wrong' } } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.errcode, 'M_FORBIDDEN');
  assert.equal(wrong.body.session, first.body.session);
  // Complement's form: the legacy `user` field with a full user ID and no session.
  const legacy = await hs.request('POST', '/_matrix/client/v3/account/deactivate', {
    token,
    body: { auth: { type: 'm.login.password', user: `@${localpart}:hearth.test`, password: 'wrong_password' } },
  });
  assert.equal(legacy.status, 401);
  assert.equal(legacy.body.errcode, 'M_FORBIDDEN');
  const done = await hs.request('POST', '/_matrix/client/v3/account/deactivate', { token, body: { auth: { ...auth, password } } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
}

test('GET /login offers m.login.password', async (t) => {
  const hs = await startTestServer(t);
  for (const path of [LOGIN, '/_matrix/client/r0/login']) {
    const res = await hs.request('GET', path);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(res.body, { flows: [{ type: 'm.login.password' }] });
  }
  // Complement sends a body with its GET (fetch can't); it is ignored.
  const withBody = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(new URL(LOGIN, hs.baseUrl), { method: 'GET', headers: { 'content-type': 'application/json', 'content-length': '2' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end('{}');
  });
  assert.equal(withBody, 200);
});

test('POST /login with m.id.user: localpart, full user ID, any case; the legacy top-level user', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('test_login_user');
  const forms: unknown[] = [
    { type: 'm.id.user', user: 'test_login_user' },
    { type: 'm.id.user', user: '@test_login_user:hearth.test' },
    { type: 'm.id.user', user: '@Test_login_user:hearth.test' },
    { type: 'm.id.user', user: 'TEST_LOGIN_USER' },
    { type: 'm.id.user', user: '@test_login_user:HEARTH.TEST' },
  ];
  for (const identifier of forms) {
    const res = await hs.request('POST', LOGIN, { body: passwordLogin(identifier, alice.password) });
    assert.equal(res.status, 200, `${JSON.stringify(identifier)}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.user_id, alice.userId);
    assert.equal(res.body.home_server, 'hearth.test');
    assert.equal(typeof res.body.access_token, 'string');
    assert.equal(typeof res.body.device_id, 'string');
    assert.equal(res.body.refresh_token, undefined);
    const me = await whoami(hs, res.body.access_token);
    assert.deepEqual(me.body, { user_id: alice.userId, device_id: res.body.device_id, is_guest: false });
  }
  for (const user of ['test_login_user', '@TEST_login_user:hearth.test']) {
    const legacy = await hs.request('POST', LOGIN, { body: { type: 'm.login.password', user, password: alice.password } });
    assert.equal(legacy.status, 200, JSON.stringify(legacy.body));
    assert.equal(legacy.body.user_id, alice.userId);
  }
  const r0 = await hs.request('POST', '/_matrix/client/r0/login', {
    body: passwordLogin({ type: 'm.id.user', user: 'test_login_user' }, alice.password),
  });
  assert.equal(r0.status, 200);
  // Each login is a new device.
  const devices = await hs.request('GET', '/_matrix/client/v3/devices', { token: alice.accessToken });
  assert.equal(devices.body.devices.length, 1 + forms.length + 2 + 1);
});

test('wrong password and unknown users get the same 403 M_FORBIDDEN', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const wrong = await hs.login('alice', 'wrong_password');
  assertError(wrong, 403, 'M_FORBIDDEN');
  const unknown = await hs.login('i-dont-exist', 'superuser');
  assertError(unknown, 403, 'M_FORBIDDEN');
  assert.equal(unknown.body.error, wrong.body.error);
  for (const user of ['@alice:other.example', '@alice', 'alice:hearth.test', '', '@:hearth.test', `@${'a'.repeat(300)}:hearth.test`]) {
    const res = await hs.request('POST', LOGIN, { body: passwordLogin({ type: 'm.id.user', user }, alice.password) });
    assertError(res, 403, 'M_FORBIDDEN');
    assert.equal(res.body.error, wrong.body.error);
  }
  // An empty or over-long password is simply wrong.
  for (const password of ['', 'x'.repeat(10_000)]) assertError(await hs.login('alice', password), 403, 'M_FORBIDDEN');
});

test('login types and identifiers that are not offered', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  for (const type of ['m.login.token', 'm.login.sso', 'm.login.dummy', 'org.example.custom']) {
    const res = await hs.request('POST', LOGIN, { body: { type, identifier: { type: 'm.id.user', user: 'alice' }, password: alice.password, token: 'x' } });
    assertError(res, 400, 'M_UNKNOWN');
  }
  // No third-party ID can be bound here, so none logs in: the same answer as a wrong password.
  const threepid = await hs.request('POST', LOGIN, {
    body: passwordLogin({ type: 'm.id.thirdparty', medium: 'email', address: 'alice@example.org' }, alice.password),
  });
  assertError(threepid, 403, 'M_FORBIDDEN');
  const phone = await hs.request('POST', LOGIN, {
    body: passwordLogin({ type: 'm.id.phone', country: 'GB', phone: '07700900001' }, alice.password),
  });
  assertError(phone, 403, 'M_FORBIDDEN');
  const unknownIdentifier = await hs.request('POST', LOGIN, { body: passwordLogin({ type: 'org.example.id', user: 'alice' }, alice.password) });
  assertError(unknownIdentifier, 400, 'M_UNKNOWN');
});

test('malformed login bodies are 400s with the matching errcode', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const cases: Array<[unknown, string]> = [
    [{ identifier: { type: 'm.id.user', user: 'alice' }, password: alice.password }, 'M_MISSING_PARAM'],
    [{ type: 'm.login.password', password: alice.password }, 'M_MISSING_PARAM'],
    [{ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' } }, 'M_MISSING_PARAM'],
    [{ type: 'm.login.password', identifier: { type: 'm.id.user' }, password: alice.password }, 'M_MISSING_PARAM'],
    [{ type: 'm.login.password', identifier: {}, password: alice.password }, 'M_MISSING_PARAM'],
    [{ type: 'm.login.password', identifier: { type: 'm.id.user', user: 42 }, password: alice.password }, 'M_BAD_JSON'],
    [{ type: 'm.login.password', identifier: 'alice', password: alice.password }, 'M_BAD_JSON'],
    [{ type: 'm.login.password', user: 'alice', password: 42 }, 'M_BAD_JSON'],
    [{ type: 42, user: 'alice', password: alice.password }, 'M_BAD_JSON'],
    [{ type: 'm.login.password', user: 'alice', password: alice.password, device_id: 7 }, 'M_BAD_JSON'],
    [{ type: 'm.login.password', user: 'alice', password: alice.password, refresh_token: 'yes' }, 'M_BAD_JSON'],
    [[], 'M_BAD_JSON'],
    ['login', 'M_BAD_JSON'],
    [null, 'M_BAD_JSON'],
  ];
  for (const [body, errcode] of cases) {
    const res = await hs.request('POST', LOGIN, { rawBody: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.errcode, errcode, JSON.stringify(body));
  }
  assertError(await hs.request('POST', LOGIN), 400, 'M_NOT_JSON');
  assertError(await hs.request('POST', LOGIN, { rawBody: '{"type":', headers: { 'content-type': 'application/json' } }), 400, 'M_NOT_JSON');
});

test('a deactivated account gets 403 M_USER_DEACTIVATED and its tokens stop working', async (t) => {
  const hs = await startTestServer(t);
  const bob = await hs.register('bob');
  const second = await hs.login('bob', bob.password);
  await deactivate(hs, 'bob', bob.accessToken, bob.password);
  for (const token of [bob.accessToken, second.body.access_token as string]) {
    const me = await whoami(hs, token);
    assertError(me, 401, 'M_UNKNOWN_TOKEN');
    assert.equal(me.body.soft_logout, false);
  }
  assertError(await hs.login('bob', bob.password), 403, 'M_USER_DEACTIVATED');
  assertError(await hs.login('@BOB:hearth.test', 'any password'), 403, 'M_USER_DEACTIVATED');
  // The name stays taken.
  const again = await hs.request('POST', '/_matrix/client/v3/register', { body: { username: 'bob', password: 'new password' } });
  assertError(again, 400, 'M_USER_IN_USE');
});

test('device_id: login returns it, and reusing it takes the device over and revokes its old token', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const first = await hs.login('alice', alice.password, { device_id: 'test_device_id', initial_device_display_name: 'Laptop' });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.device_id, 'test_device_id');
  assert.equal((await whoami(hs, first.body.access_token)).body.device_id, 'test_device_id');

  const second = await hs.login('alice', alice.password, { device_id: 'test_device_id' });
  assert.equal(second.status, 200, JSON.stringify(second.body));
  assert.equal(second.body.device_id, 'test_device_id');
  assert.notEqual(second.body.access_token, first.body.access_token);
  const old = await whoami(hs, first.body.access_token);
  assertError(old, 401, 'M_UNKNOWN_TOKEN');
  assert.equal(old.body.soft_logout, false);
  assert.equal((await whoami(hs, second.body.access_token)).status, 200);

  const devices = await hs.request('GET', '/_matrix/client/v3/devices', { token: alice.accessToken });
  const ids = devices.body.devices.map((d: { device_id: string }) => d.device_id).sort();
  assert.deepEqual(ids, [alice.deviceId, 'test_device_id'].sort());
  // The display name survives a takeover that doesn't name one.
  const taken = devices.body.devices.find((d: { device_id: string }) => d.device_id === 'test_device_id');
  assert.equal(taken.display_name, 'Laptop');

  // Device IDs are per user: another user may use the same one.
  const bob = await hs.register('bob');
  const bobLogin = await hs.login('bob', bob.password, { device_id: 'test_device_id' });
  assert.equal(bobLogin.status, 200);
  assert.equal((await whoami(hs, second.body.access_token)).status, 200);
});

test('logout deletes the device and the token stops working', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const phone = await hs.login('alice', alice.password, { device_id: 'PHONE' });
  const out = await hs.request('POST', '/_matrix/client/v3/logout', { token: phone.body.access_token, body: {} });
  assert.deepEqual([out.status, out.body], [200, {}]);
  const after = await whoami(hs, phone.body.access_token);
  assertError(after, 401, 'M_UNKNOWN_TOKEN');
  assert.equal(after.body.soft_logout, false);
  assertError(await hs.request('POST', '/_matrix/client/v3/logout', { token: phone.body.access_token }), 401, 'M_UNKNOWN_TOKEN');

  const devices = await hs.request('GET', '/_matrix/client/v3/devices', { token: alice.accessToken });
  assert.deepEqual(
    devices.body.devices.map((d: { device_id: string }) => d.device_id),
    [alice.deviceId],
  );
  // Logout without a body, on r0.
  const tablet = await hs.login('alice', alice.password);
  const r0 = await hs.request('POST', '/_matrix/client/r0/logout', { token: tablet.body.access_token });
  assert.equal(r0.status, 200, JSON.stringify(r0.body));
  assertError(await whoami(hs, tablet.body.access_token), 401, 'M_UNKNOWN_TOKEN');
});

test('logout/all ends every session of the user, and only theirs', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const bob = await hs.register('bob');
  const sessions = await Promise.all([hs.login('alice', alice.password), hs.login('alice', alice.password)]);
  const res = await hs.request('POST', '/_matrix/client/v3/logout/all', { token: sessions[0].body.access_token });
  assert.deepEqual([res.status, res.body], [200, {}]);
  for (const token of [alice.accessToken, ...sessions.map((s) => s.body.access_token as string)]) {
    assertError(await whoami(hs, token), 401, 'M_UNKNOWN_TOKEN');
  }
  assert.deepEqual(await hs.hs.storage.devices.listDevices(alice.userId as never), []);
  assert.equal((await whoami(hs, bob.accessToken)).status, 200);
  // The account itself still works.
  assert.equal((await hs.login('alice', alice.password)).status, 200);
});

test('access tokens: missing, garbage, malformed header, query parameter', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  assertError(await hs.request('GET', WHOAMI), 401, 'M_MISSING_TOKEN');
  assertError(await hs.request('POST', '/_matrix/client/v3/logout'), 401, 'M_MISSING_TOKEN');

  for (const token of ['garbage', 'hat_' + 'A'.repeat(43), alice.accessToken + 'x', alice.accessToken.slice(0, -1)]) {
    const res = await whoami(hs, token);
    assertError(res, 401, 'M_UNKNOWN_TOKEN');
    assert.equal(res.body.soft_logout, false);
  }
  // An Authorization header that isn't a bearer token carries no access token (Synapse: M_MISSING_TOKEN).
  for (const authorization of ['Basic YWxpY2U6cGFzc3dvcmQ=', 'Bearer', 'Bearer ', `Token ${alice.accessToken}`, `Bearer ${alice.accessToken} extra`]) {
    const res = await hs.request('GET', WHOAMI, { headers: { authorization } });
    assertError(res, 401, 'M_MISSING_TOKEN');
  }
  // Scheme names are case-insensitive (RFC 9110).
  assert.equal((await hs.request('GET', WHOAMI, { headers: { authorization: `bearer ${alice.accessToken}` } })).status, 200);

  const viaQuery = await hs.request('GET', `${WHOAMI}?access_token=${encodeURIComponent(alice.accessToken)}`);
  assert.equal(viaQuery.status, 200, JSON.stringify(viaQuery.body));
  assert.equal(viaQuery.body.user_id, alice.userId);
  assertError(await hs.request('GET', `${WHOAMI}?access_token=nope`), 401, 'M_UNKNOWN_TOKEN');
  assertError(await hs.request('GET', `${WHOAMI}?access_token=`), 401, 'M_UNKNOWN_TOKEN');
  const logout = await hs.request('POST', `/_matrix/client/v3/logout?access_token=${encodeURIComponent(alice.accessToken)}`);
  assert.equal(logout.status, 200);
  assertError(await whoami(hs, alice.accessToken), 401, 'M_UNKNOWN_TOKEN');
});

test('rc_login_address: the third attempt from one address is 429 with retry_after_ms and Retry-After', async (t) => {
  const hs = await startTestServer(t, {
    config: { rate_limits: { ...RELAXED_RATE_LIMITS, rc_login_address: { per_second: 0.1, burst_count: 2 } } },
  });
  const alice = await hs.register('alice');
  assert.equal((await hs.login('alice', alice.password)).status, 200);
  assertError(await hs.login('nobody', 'wrong'), 403, 'M_FORBIDDEN');
  const limited = await hs.login('alice', alice.password);
  assertError(limited, 429, 'M_LIMIT_EXCEEDED');
  assert.equal(typeof limited.body.retry_after_ms, 'number');
  assert.ok(limited.body.retry_after_ms > 0 && limited.body.retry_after_ms <= 10_000, String(limited.body.retry_after_ms));
  const retryAfter = Number(limited.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 10, String(retryAfter));
  assert.equal(limited.headers.get('access-control-allow-origin'), '*');
  assert.match(limited.headers.get('access-control-expose-headers') ?? '', /retry-after/i);
  // A limited request doesn't reach the account: the registered session still works.
  assert.equal((await whoami(hs, alice.accessToken)).status, 200);
});

test('rc_login_failed_attempts: after too many wrong passwords the account is limited, others are not', async (t) => {
  const hs = await startTestServer(t, {
    config: { rate_limits: { ...RELAXED_RATE_LIMITS, rc_login_failed_attempts: { per_second: 0.1, burst_count: 2 } } },
  });
  const alice = await hs.register('alice');
  const bob = await hs.register('bob');
  // Successes don't count.
  for (let i = 0; i < 3; i++) assert.equal((await hs.login('alice', alice.password)).status, 200);
  assertError(await hs.login('alice', 'wrong-1'), 403, 'M_FORBIDDEN');
  assertError(await hs.login('@ALICE:hearth.test', 'wrong-2'), 403, 'M_FORBIDDEN');
  // Now even the right password is refused for alice, whichever way she is named.
  for (const user of ['alice', '@alice:hearth.test', 'Alice']) {
    const limited = await hs.login(user, alice.password);
    assertError(limited, 429, 'M_LIMIT_EXCEEDED');
    assert.ok(limited.body.retry_after_ms > 0);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  }
  assert.equal((await hs.login('bob', bob.password)).status, 200);
});

test('rc_login_failed_attempts holds for concurrent guesses: at most burst_count are checked', async (t) => {
  const hs = await startTestServer(t, {
    config: { rate_limits: { ...RELAXED_RATE_LIMITS, rc_login_failed_attempts: { per_second: 0.1, burst_count: 3 } } },
  });
  await hs.register('alice');
  const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => hs.login('alice', `guess-${i}`)));
  const statuses = replies.map((reply) => reply.status).sort();
  assert.equal(statuses.filter((status) => status === 403).length, 3, statuses.join(','));
  assert.equal(statuses.filter((status) => status === 429).length, 9, statuses.join(','));
});

test('rc_login_account: logins to one account are limited', async (t) => {
  const hs = await startTestServer(t, {
    config: { rate_limits: { ...RELAXED_RATE_LIMITS, rc_login_account: { per_second: 0.1, burst_count: 2 } } },
  });
  const alice = await hs.register('alice');
  const bob = await hs.register('bob');
  assert.equal((await hs.login('alice', alice.password)).status, 200);
  assert.equal((await hs.login('alice', alice.password)).status, 200);
  assertError(await hs.login('alice', alice.password), 429, 'M_LIMIT_EXCEEDED');
  assert.equal((await hs.login('bob', bob.password)).status, 200);
});
