// complement: TestChangePassword, TestDeactivateAccount; sytest: tests/10apidoc/33account-password.pl, 38account-deactivate.pl
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer, type RegisteredUser, type TestServer } from '../helpers/test-server.js';

const V3 = '/_matrix/client/v3';
const PASSWORD_FLOWS = [{ stages: ['m.login.password'] }];

function passwordAuth(user: RegisteredUser, session?: string, password = user.password): Record<string, unknown> {
  const auth: Record<string, unknown> = { type: 'm.login.password', identifier: { type: 'm.id.user', user: user.userId }, password };
  if (session !== undefined) auth.session = session;
  return auth;
}

const localpartOf = (user: RegisteredUser) => user.userId.slice(1, user.userId.indexOf(':'));

async function loginToken(hs: TestServer, user: RegisteredUser, password = user.password): Promise<string> {
  const res = await hs.login(localpartOf(user), password);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.access_token as string;
}

const whoamiStatus = async (hs: TestServer, token: string) => (await hs.request('GET', `${V3}/account/whoami`, { token })).status;

/** Runs POST /account/password through UIA: the 401 first, then the password stage. */
async function changePassword(hs: TestServer, user: RegisteredUser, body: Record<string, unknown>) {
  const first = await hs.request('POST', `${V3}/account/password`, { token: user.accessToken, body });
  assert.equal(first.status, 401, JSON.stringify(first.body));
  assert.deepEqual(first.body.flows, PASSWORD_FLOWS);
  return hs.request('POST', `${V3}/account/password`, {
    token: user.accessToken,
    body: { ...body, auth: passwordAuth(user, first.body.session as string) },
  });
}

test('changing the password: the old one stops working, the new one works, other devices are logged out', async (t) => {
  // complement: TestChangePassword (default logout_devices)
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const other = await loginToken(hs, alice);
  const bob = await hs.register('bob');

  const res = await changePassword(hs, alice, { new_password: 'a-brand-new-password' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body, {});

  const oldLogin = await hs.login('alice', alice.password);
  assert.equal(oldLogin.status, 403);
  assert.equal(oldLogin.body.errcode, 'M_FORBIDDEN');
  assert.equal((await hs.login('alice', 'a-brand-new-password')).status, 200);

  // Spec: "The homeserver SHOULD NOT revoke the access token provided in the request."
  assert.equal(await whoamiStatus(hs, alice.accessToken), 200);
  assert.equal(await whoamiStatus(hs, other), 401, 'the other session is logged out by default');
  const devices = await hs.request('GET', `${V3}/devices`, { token: alice.accessToken });
  const ids = (devices.body.devices as Array<{ device_id: string }>).map((d) => d.device_id);
  assert.ok(ids.includes(alice.deviceId));
  assert.equal(ids.length, 2, 'the current device and the one the new-password login made');

  // Nobody else is affected.
  assert.equal(await whoamiStatus(hs, bob.accessToken), 200);
});

test('logout_devices: false keeps the other sessions', async (t) => {
  // complement: TestChangePassword/After changing password, different sessions can optionally be kept
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const other = await loginToken(hs, alice);
  const res = await changePassword(hs, alice, { new_password: 'a-brand-new-password', logout_devices: false });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(await whoamiStatus(hs, other), 200);
  assert.equal(await whoamiStatus(hs, alice.accessToken), 200);
  assert.equal((await hs.login('alice', alice.password)).status, 403);
  assert.equal((await hs.login('alice', 'a-brand-new-password')).status, 200);
});

test('changing the password with a wrong current password fails and changes nothing', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const other = await loginToken(hs, alice);
  const first = await hs.request('POST', `${V3}/account/password`, { token: alice.accessToken, body: { new_password: 'new-password-1' } });
  assert.equal(first.status, 401);
  const wrong = await hs.request('POST', `${V3}/account/password`, {
    token: alice.accessToken,
    body: { new_password: 'new-password-1', auth: passwordAuth(alice, first.body.session as string, 'wrong-password') },
  });
  assert.equal(wrong.status, 401, JSON.stringify(wrong.body));
  assert.equal(wrong.body.errcode, 'M_FORBIDDEN');
  assert.deepEqual(wrong.body.flows, PASSWORD_FLOWS);
  assert.equal((await hs.login('alice', alice.password)).status, 200);
  assert.equal(await whoamiStatus(hs, other), 200);

  // Another user's credentials don't authorise alice's change either.
  const bob = await hs.register('bob');
  const asBob = await hs.request('POST', `${V3}/account/password`, {
    token: alice.accessToken,
    body: { new_password: 'new-password-1', auth: passwordAuth(bob, first.body.session as string) },
  });
  assert.equal(asBob.status, 401);
  assert.equal(asBob.body.errcode, 'M_FORBIDDEN');
  assert.equal((await hs.login('alice', alice.password)).status, 200);
});

test('POST /account/password validates its body and needs a token', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const missing = await hs.request('POST', `${V3}/account/password`, { token: alice.accessToken, body: {} });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
  const empty = await hs.request('POST', `${V3}/account/password`, { token: alice.accessToken, body: { new_password: '' } });
  assert.equal(empty.status, 400);
  const tooLong = await hs.request('POST', `${V3}/account/password`, { token: alice.accessToken, body: { new_password: 'x'.repeat(513) } });
  assert.equal(tooLong.status, 400);
  const wrongType = await hs.request('POST', `${V3}/account/password`, { token: alice.accessToken, body: { new_password: 'x1', logout_devices: 'no' } });
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.body.errcode, 'M_BAD_JSON');
  const anonymous = await hs.request('POST', `${V3}/account/password`, { body: { new_password: 'whatever-password' } });
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.errcode, 'M_MISSING_TOKEN');
});

test('a password-change UIA session can\'t deactivate the account', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const first = await hs.request('POST', `${V3}/account/password`, { token: alice.accessToken, body: { new_password: 'new-password-1' } });
  assert.equal(first.status, 401);
  const deactivate = await hs.request('POST', `${V3}/account/deactivate`, {
    token: alice.accessToken,
    body: { auth: passwordAuth(alice, first.body.session as string) },
  });
  assert.equal(deactivate.status, 403, JSON.stringify(deactivate.body));
  assert.equal(deactivate.body.errcode, 'M_FORBIDDEN');
  assert.equal(await whoamiStatus(hs, alice.accessToken), 200);
});

test('deactivation: UIA, tokens die, login is refused, the name stays taken, the profile is cleared', async (t) => {
  // complement: TestDeactivateAccount
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const other = await loginToken(hs, alice);
  await hs.request('PUT', `${V3}/profile/${encodeURIComponent(alice.userId)}/org.example.job`, {
    token: alice.accessToken,
    body: { 'org.example.job': 'Engineer' },
  });

  const first = await hs.request('POST', `${V3}/account/deactivate`, { token: alice.accessToken, body: {} });
  assert.equal(first.status, 401, JSON.stringify(first.body));
  assert.deepEqual(first.body.flows, PASSWORD_FLOWS);
  assert.equal(typeof first.body.session, 'string');

  // sytest: Can't deactivate account with wrong password
  const wrong = await hs.request('POST', `${V3}/account/deactivate`, {
    token: alice.accessToken,
    body: { auth: passwordAuth(alice, first.body.session as string, 'wrong-password') },
  });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.errcode, 'M_FORBIDDEN');
  assert.equal(await whoamiStatus(hs, alice.accessToken), 200);

  const done = await hs.request('POST', `${V3}/account/deactivate`, {
    token: alice.accessToken,
    body: { auth: passwordAuth(alice, first.body.session as string) },
  });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  // Spec: id_server_unbind_result "must be `success` if the homeserver has no identifiers to unbind".
  assert.deepEqual(done.body, { id_server_unbind_result: 'success' });

  for (const token of [alice.accessToken, other]) {
    const res = await hs.request('GET', `${V3}/account/whoami`, { token });
    assert.equal(res.status, 401);
    assert.equal(res.body.errcode, 'M_UNKNOWN_TOKEN');
  }

  // sytest: After deactivating account, can't log in with password
  const login = await hs.login('alice', alice.password);
  assert.equal(login.status, 403, JSON.stringify(login.body));
  assert.equal(login.body.errcode, 'M_USER_DEACTIVATED');

  const available = await hs.request('GET', `${V3}/register/available?username=alice`);
  assert.equal(available.status, 400);
  assert.equal(available.body.errcode, 'M_USER_IN_USE');
  const again = await hs.request('POST', `${V3}/register`, { body: { username: 'alice', password: 'another-password' } });
  assert.equal(again.status, 400, JSON.stringify(again.body));
  assert.equal(again.body.errcode, 'M_USER_IN_USE');

  const profile = await hs.request('GET', `${V3}/profile/${encodeURIComponent(alice.userId)}`);
  if (profile.status === 200) assert.deepEqual(profile.body, {});
  else assert.equal(profile.status, 404);
  assert.equal((await hs.request('GET', `${V3}/profile/${encodeURIComponent(alice.userId)}/displayname`)).status, 404);
});

test('deactivation with auth but no session (complement\'s shape) works in one request', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const res = await hs.request('POST', `${V3}/account/deactivate`, {
    token: alice.accessToken,
    body: { auth: { type: 'm.login.password', user: alice.userId, password: alice.password } },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal((await hs.login('alice', alice.password)).status, 403);
});

test('deactivating needs a token, and another user\'s password doesn\'t do', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const bob = await hs.register('bob');
  const anonymous = await hs.request('POST', `${V3}/account/deactivate`, { body: { auth: passwordAuth(alice) } });
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.errcode, 'M_MISSING_TOKEN');
  const asBob = await hs.request('POST', `${V3}/account/deactivate`, { token: alice.accessToken, body: { auth: passwordAuth(bob) } });
  assert.equal(asBob.status, 401);
  assert.equal(asBob.body.errcode, 'M_FORBIDDEN');
  assert.equal(await whoamiStatus(hs, alice.accessToken), 200);
  assert.equal(await whoamiStatus(hs, bob.accessToken), 200);
});

test('GET /account/3pid lists no third-party identifiers', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const res = await hs.request('GET', `${V3}/account/3pid`, { token: alice.accessToken });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { threepids: [] });
  const anonymous = await hs.request('GET', `${V3}/account/3pid`);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.errcode, 'M_MISSING_TOKEN');
});

test('3pid add/bind/delete/unbind answer with their documented results, never 500', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const token = alice.accessToken;

  const add = await hs.request('POST', `${V3}/account/3pid/add`, { token, body: { sid: 'abc123', client_secret: 'd0nt-T3ll' } });
  assert.equal(add.status, 400, JSON.stringify(add.body));
  assert.equal(add.body.errcode, 'M_THREEPID_AUTH_FAILED');
  const addMissing = await hs.request('POST', `${V3}/account/3pid/add`, { token, body: { sid: 'abc123' } });
  assert.equal(addMissing.status, 400);
  assert.equal(addMissing.body.errcode, 'M_MISSING_PARAM');

  const bind = await hs.request('POST', `${V3}/account/3pid/bind`, {
    token,
    body: { id_server: 'id.example.org', id_access_token: 'x', sid: 'abc', client_secret: 'secret' },
  });
  assert.equal(bind.status, 403, JSON.stringify(bind.body));
  assert.equal(bind.body.errcode, 'M_SERVER_NOT_TRUSTED');

  for (const path of ['delete', 'unbind']) {
    const res = await hs.request('POST', `${V3}/account/3pid/${path}`, { token, body: { medium: 'email', address: 'alice@example.org' } });
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    assert.deepEqual(res.body, { id_server_unbind_result: 'no-support' });
    const missing = await hs.request('POST', `${V3}/account/3pid/${path}`, { token, body: { medium: 'email' } });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
    const noBody = await hs.request('POST', `${V3}/account/3pid/${path}`, { token });
    assert.equal(noBody.status, 400);
    assert.equal(noBody.body.errcode, 'M_NOT_JSON');
  }

  for (const path of ['add', 'bind', 'delete', 'unbind']) {
    const anonymous = await hs.request('POST', `${V3}/account/3pid/${path}`, { body: {} });
    assert.equal(anonymous.status, 401, path);
    assert.equal(anonymous.body.errcode, 'M_MISSING_TOKEN');
  }
});

test('requestToken endpoints refuse with M_THREEPID_DENIED, whatever the body', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const emailBody = { client_secret: 'monkeys_are_GREAT', email: 'alice@example.org', send_attempt: 1 };
  const msisdnBody = { client_secret: 'monkeys_are_GREAT', country: 'GB', phone_number: '07700900001', send_attempt: 1 };
  const endpoints: Array<[string, unknown]> = [
    ['/account/3pid/email/requestToken', emailBody],
    ['/account/3pid/msisdn/requestToken', msisdnBody],
    ['/register/email/requestToken', emailBody],
    ['/register/msisdn/requestToken', msisdnBody],
    ['/account/password/email/requestToken', emailBody],
    ['/account/password/msisdn/requestToken', msisdnBody],
  ];
  for (const [path, body] of endpoints) {
    for (const token of [alice.accessToken, undefined]) {
      const res = await hs.request('POST', `${V3}${path}`, { body, ...(token ? { token } : {}) });
      assert.equal(res.status, 403, `${path}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.errcode, 'M_THREEPID_DENIED', path);
    }
    const empty = await hs.request('POST', `${V3}${path}`, { body: {} });
    assert.ok(empty.status >= 400 && empty.status < 500, `${path} {}: ${empty.status}`);
    const garbage = await hs.request('POST', `${V3}${path}`, { rawBody: 'not json', headers: { 'content-type': 'application/json' } });
    assert.equal(garbage.status, 400, `${path} garbage: ${garbage.status}`);
    assert.equal(garbage.body.errcode, 'M_NOT_JSON');
  }
});
