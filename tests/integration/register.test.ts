// complement: TestRegistration, Test11Register, TestRequestEncodingFails; sytest: tests/10apidoc/01register.pl, tests/10apidoc/01request-encoding.pl
/**
 * POST /register (token, open and closed modes, guests), /register/available and the registration-token
 * validity endpoint, black-box over HTTP. Spec: client-server-api "Account registration", registration.yaml,
 * "Token-authenticated registration", registration_tokens.yaml, "Guest access" (v1.19).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RELAXED_RATE_LIMITS, startTestServer, type HttpResult, type TestServer } from '../helpers/test-server.js';

const REGISTER = '/_matrix/client/v3/register';
const PASSWORD = 'correct horse battery staple';

/** Starts a registration (the 401 UIA challenge) and returns its session ID. */
async function startSession(hs: TestServer, body: Record<string, unknown> = {}): Promise<string> {
  const res = await hs.request('POST', REGISTER, { body });
  assert.equal(res.status, 401, JSON.stringify(res.body));
  assert.equal(typeof res.body.session, 'string');
  return res.body.session as string;
}

/** Completes the m.login.registration_token stage in `session` (a fresh one if not given). */
async function registerWithToken(
  hs: TestServer,
  token: string,
  body: Record<string, unknown>,
  session?: string,
): Promise<HttpResult> {
  const sessionId = session ?? (await startSession(hs, body));
  return hs.request('POST', REGISTER, {
    body: { ...body, auth: { type: 'm.login.registration_token', token, session: sessionId } },
  });
}

function assertUiaFailure(res: HttpResult, errcode: string, flows: string[][]): void {
  assert.equal(res.status, 401, JSON.stringify(res.body));
  assert.equal(res.body.errcode, errcode);
  assert.equal(typeof res.body.error, 'string');
  assert.deepEqual(
    res.body.flows.map((flow: { stages: string[] }) => flow.stages),
    flows,
  );
  assert.equal(typeof res.body.session, 'string');
}

test('token mode: POST {} is answered with the registration-token flow and a session', async (t) => {
  const hs = await startTestServer(t);
  for (const body of [{}, { username: 'alice', password: PASSWORD }, { initial_device_display_name: 'Element' }]) {
    const res = await hs.request('POST', REGISTER, { body });
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(res.body.flows, [{ stages: ['m.login.registration_token'] }]);
    assert.deepEqual(res.body.params, {});
    assert.equal(typeof res.body.session, 'string');
    assert.ok(res.body.session.length > 0);
    assert.equal(res.body.errcode, undefined, 'the first challenge is not an error');
  }
  // The legacy prefix behaves the same (sytest drives r0).
  const r0 = await hs.request('POST', '/_matrix/client/r0/register', { body: {} });
  assert.equal(r0.status, 401);
  assert.deepEqual(r0.body.flows, [{ stages: ['m.login.registration_token'] }]);
});

test('token mode: a valid token registers the account and logs it in', async (t) => {
  const hs = await startTestServer(t);
  const token = await hs.createRegistrationToken(1);
  const res = await registerWithToken(hs, token, { username: 'alice', password: PASSWORD });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.user_id, '@alice:hearth.test');
  assert.equal(res.body.home_server, 'hearth.test');
  assert.equal(typeof res.body.access_token, 'string');
  assert.equal(typeof res.body.device_id, 'string');
  assert.equal(res.body.refresh_token, undefined);
  assert.equal(res.body.expires_in_ms, undefined);

  const whoami = await hs.request('GET', '/_matrix/client/v3/account/whoami', { token: res.body.access_token });
  assert.equal(whoami.status, 200);
  assert.deepEqual(whoami.body, { user_id: '@alice:hearth.test', device_id: res.body.device_id, is_guest: false });
  const login = await hs.login('alice', PASSWORD);
  assert.equal(login.status, 200, JSON.stringify(login.body));

  const record = await hs.hs.services.registrationTokens.get(token);
  assert.equal(record?.completed, 1);
  assert.equal(record?.pending, 0);
});

test('token mode: an invalid token is refused with M_UNAUTHORIZED, and the session can still be completed', async (t) => {
  const hs = await startTestServer(t);
  const body = { username: 'bob', password: PASSWORD };
  const session = await startSession(hs, body);
  for (const bad of ['not-a-token', 'x'.repeat(64)]) {
    const res = await registerWithToken(hs, bad, body, session);
    assertUiaFailure(res, 'M_UNAUTHORIZED', [['m.login.registration_token']]);
    assert.equal(res.body.session, session);
    assert.equal(res.body.completed, undefined);
  }
  // A missing or over-long token is a malformed stage, not a wrong one.
  for (const auth of [{ type: 'm.login.registration_token', session }, { type: 'm.login.registration_token', token: 'y'.repeat(65), session }]) {
    const res = await hs.request('POST', REGISTER, { body: { ...body, auth } });
    assertUiaFailure(res, 'M_MISSING_PARAM', [['m.login.registration_token']]);
  }
  // A stage that isn't offered.
  const dummy = await hs.request('POST', REGISTER, { body: { ...body, auth: { type: 'm.login.dummy', session } } });
  assertUiaFailure(dummy, 'M_UNRECOGNIZED', [['m.login.registration_token']]);

  const good = await registerWithToken(hs, await hs.createRegistrationToken(1), body, session);
  assert.equal(good.status, 200, JSON.stringify(good.body));
  assert.equal(good.body.user_id, '@bob:hearth.test');
});

test('token mode: an unknown UIA session is refused', async (t) => {
  const hs = await startTestServer(t);
  const token = await hs.createRegistrationToken(1);
  const res = await registerWithToken(hs, token, { username: 'carol', password: PASSWORD }, 'no-such-session');
  assert.equal(res.status, 400);
  assert.equal(res.body.errcode, 'M_UNKNOWN');
  assert.equal((await hs.hs.services.registrationTokens.get(token))?.pending, 0);
});

test('token mode: a token whose uses are exhausted is refused', async (t) => {
  const hs = await startTestServer(t);
  const token = await hs.createRegistrationToken(1);
  const first = await registerWithToken(hs, token, { username: 'first', password: PASSWORD });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const second = await registerWithToken(hs, token, { username: 'second', password: PASSWORD });
  assertUiaFailure(second, 'M_UNAUTHORIZED', [['m.login.registration_token']]);
  assert.equal((await hs.hs.storage.users.getUser('@second:hearth.test' as never)), null);

  const validity = await hs.request('GET', `/_matrix/client/v1/register/m.login.registration_token/validity?token=${token}`);
  assert.equal(validity.status, 200);
  assert.deepEqual(validity.body, { valid: false });

  // uses_allowed: 0 is a token that was never usable.
  const zero = await hs.createRegistrationToken(0);
  assertUiaFailure(await registerWithToken(hs, zero, { username: 'third', password: PASSWORD }), 'M_UNAUTHORIZED', [
    ['m.login.registration_token'],
  ]);
});

test('token mode: an expired token is refused and reported invalid', async (t) => {
  const hs = await startTestServer(t);
  const token = await hs.createRegistrationToken(null);
  const validityUrl = `/_matrix/client/v1/register/m.login.registration_token/validity?token=${token}`;
  assert.deepEqual((await hs.request('GET', validityUrl)).body, { valid: true });
  // Back-date the expiry (the service refuses to create a token that is already expired).
  hs.hs.storage.db.prepare('UPDATE registration_tokens SET expiry_time = ? WHERE token = ?').run(Date.now() - 1000, token);

  assert.deepEqual((await hs.request('GET', validityUrl)).body, { valid: false });
  const res = await registerWithToken(hs, token, { username: 'late', password: PASSWORD });
  assertUiaFailure(res, 'M_UNAUTHORIZED', [['m.login.registration_token']]);
});

test('token mode: a use reserved by an unfinished session is not available to another session', async (t) => {
  const hs = await startTestServer(t);
  const token = await hs.createRegistrationToken(1);
  const validityUrl = `/_matrix/client/v1/register/m.login.registration_token/validity?token=${token}`;
  assert.deepEqual((await hs.request('GET', validityUrl)).body, { valid: true });

  // Session A completes the token stage but leaves out the password: the stage stays done, holding the use.
  const sessionA = await startSession(hs, { username: 'holder' });
  const unfinished = await registerWithToken(hs, token, { username: 'holder' }, sessionA);
  assert.equal(unfinished.status, 400, JSON.stringify(unfinished.body));
  assert.equal(unfinished.body.errcode, 'M_MISSING_PARAM');
  assert.deepEqual(await hs.hs.services.registrationTokens.get(token).then((r) => [r?.pending, r?.completed]), [1, 0]);

  // The token now looks used up to everyone else.
  assert.deepEqual((await hs.request('GET', validityUrl)).body, { valid: false });
  const other = await registerWithToken(hs, token, { username: 'other', password: PASSWORD });
  assertUiaFailure(other, 'M_UNAUTHORIZED', [['m.login.registration_token']]);

  // Session A finishes without presenting the token again: the completed stage carries over.
  const finished = await hs.request('POST', REGISTER, {
    body: { username: 'holder', password: PASSWORD, auth: { session: sessionA } },
  });
  assert.equal(finished.status, 200, JSON.stringify(finished.body));
  assert.equal(finished.body.user_id, '@holder:hearth.test');
  assert.deepEqual(await hs.hs.services.registrationTokens.get(token).then((r) => [r?.pending, r?.completed]), [0, 1]);
});

test('registration-token validity: valid, unknown, malformed and not-in-token-mode', async (t) => {
  const hs = await startTestServer(t);
  const path = '/_matrix/client/v1/register/m.login.registration_token/validity';
  const token = await hs.createRegistrationToken(3);
  assert.deepEqual(await hs.request('GET', `${path}?token=${token}`).then((r) => [r.status, r.body]), [200, { valid: true }]);
  assert.deepEqual(await hs.request('GET', `${path}?token=unknown`).then((r) => [r.status, r.body]), [200, { valid: false }]);
  assert.deepEqual(await hs.request('GET', `${path}?token=${'%F0%9F%94%91'.repeat(40)}`).then((r) => [r.status, r.body]), [
    200,
    { valid: false },
  ]);
  const missing = await hs.request('GET', path);
  assert.equal(missing.status, 400);
  assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
  // Only under v1 (it was added in v1.2 there).
  assert.equal((await hs.request('GET', `/_matrix/client/v3/register/m.login.registration_token/validity?token=${token}`)).status, 404);

  const closed = await startTestServer(t, { config: { registration: { mode: 'closed' } } });
  const refused = await closed.request('GET', `${path}?token=${token}`);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.errcode, 'M_FORBIDDEN');
});

test('registration-token validity is rate limited per address', async (t) => {
  const hs = await startTestServer(t, {
    config: { rate_limits: { ...RELAXED_RATE_LIMITS, rc_registration_token_validity: { per_second: 0.1, burst_count: 2 } } },
  });
  const path = '/_matrix/client/v1/register/m.login.registration_token/validity?token=abc';
  assert.equal((await hs.request('GET', path)).status, 200);
  assert.equal((await hs.request('GET', path)).status, 200);
  const limited = await hs.request('GET', path);
  assert.equal(limited.status, 429);
  assert.equal(limited.body.errcode, 'M_LIMIT_EXCEEDED');
  assert.ok(limited.body.retry_after_ms > 0);
});

test('open mode: m.login.dummy registers; a registration token is accepted too', async (t) => {
  const hs = await startTestServer(t, { config: { registration: { mode: 'open' } } });
  const challenge = await hs.request('POST', REGISTER, { body: {} });
  assert.equal(challenge.status, 401);
  assert.deepEqual(challenge.body.flows, [{ stages: ['m.login.dummy'] }, { stages: ['m.login.registration_token'] }]);

  // Complement's one-shot form: the dummy stage without a session.
  const oneShot = await hs.request('POST', REGISTER, {
    body: { username: 'post-can-create-a-user', password: 'sUp3rs3kr1t', auth: { type: 'm.login.dummy' } },
  });
  assert.equal(oneShot.status, 200, JSON.stringify(oneShot.body));
  assert.equal(oneShot.body.user_id, '@post-can-create-a-user:hearth.test');
  assert.equal(typeof oneShot.body.access_token, 'string');

  const withSession = await hs.request('POST', REGISTER, {
    body: { username: 'dana', password: PASSWORD, auth: { type: 'm.login.dummy', session: challenge.body.session } },
  });
  assert.equal(withSession.status, 200, JSON.stringify(withSession.body));

  const token = await hs.createRegistrationToken(1);
  const viaToken = await registerWithToken(hs, token, { username: 'erin', password: PASSWORD });
  assert.equal(viaToken.status, 200, JSON.stringify(viaToken.body));
  // Tokens are offered as a flow here, so the validity check answers.
  const validity = await hs.request('GET', `/_matrix/client/v1/register/m.login.registration_token/validity?token=${token}`);
  assert.deepEqual([validity.status, validity.body], [200, { valid: false }]);

  // Registration without a username gets a generated (numeric) localpart.
  const anonymous = await hs.request('POST', REGISTER, { body: { password: PASSWORD, auth: { type: 'm.login.dummy' } } });
  assert.equal(anonymous.status, 200, JSON.stringify(anonymous.body));
  assert.match(anonymous.body.user_id, /^@\d+:hearth\.test$/);
});

test('closed mode: registration is refused with 403 M_FORBIDDEN', async (t) => {
  const hs = await startTestServer(t, { config: { registration: { mode: 'closed' } } });
  for (const body of [{}, { username: 'alice', password: PASSWORD }, { username: 'alice', password: PASSWORD, auth: { type: 'm.login.dummy' } }]) {
    const res = await hs.request('POST', REGISTER, { body });
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal(res.body.errcode, 'M_FORBIDDEN');
  }
  const available = await hs.request('GET', `${REGISTER}/available?username=alice`);
  assert.equal(available.status, 403);
  assert.equal(available.body.errcode, 'M_FORBIDDEN');
});

test('usernames: upper case is lower-cased, the spec grammar is enforced before any auth', async (t) => {
  const hs = await startTestServer(t, { config: { registration: { mode: 'open' } } });
  const upper = await hs.request('POST', REGISTER, {
    body: { username: 'user-UPPER', password: 'sUp3rs3kr1t', auth: { type: 'm.login.dummy' } },
  });
  assert.equal(upper.status, 200, JSON.stringify(upper.body));
  assert.equal(upper.body.user_id, '@user-upper:hearth.test');

  const special = ['!', '"', ':', '?', '\\', '@', '[', ']', '{', '|', '}', '£', 'é', '\n', "'", ' ', '#', '\u0000', '😀'];
  const invalid = [
    ...special.map((ch) => `user-${ch}-reject-please`),
    '',
    '_underscore',
    '_',
    '12345',
    '0',
    'a'.repeat(256),
    // @ + localpart + :hearth.test must stay within 255 bytes: 255 - 1 - 12 = 242 is the longest localpart.
    'b'.repeat(243),
  ];
  for (const username of invalid) {
    // No auth: the name is checked before the UIA challenge.
    const res = await hs.request('POST', REGISTER, { body: { username, password: PASSWORD } });
    assert.equal(res.status, 400, `${JSON.stringify(username)}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.errcode, 'M_INVALID_USERNAME', JSON.stringify(username));
    const available = await hs.request('GET', `${REGISTER}/available?username=${encodeURIComponent(username)}`);
    assert.equal(available.body.errcode, 'M_INVALID_USERNAME', JSON.stringify(username));
  }

  for (const username of ['chrtestuserq', 'chrtestuser3', 'chrtestuser.', 'chrtestuser_', 'chrtestuser=', 'chrtestuser-', 'chrtestuser/', 'c+d', 'x'.repeat(242)]) {
    const res = await hs.request('POST', REGISTER, { body: { username, password: PASSWORD, auth: { type: 'm.login.dummy' } } });
    assert.equal(res.status, 200, `${username}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.user_id, `@${username}:hearth.test`);
  }
});

test('a taken username is refused with M_USER_IN_USE before auth is completed', async (t) => {
  const hs = await startTestServer(t);
  await hs.register('alice');
  for (const username of ['alice', 'ALICE', 'Alice']) {
    const res = await hs.request('POST', REGISTER, { body: { username, password: PASSWORD } });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.errcode, 'M_USER_IN_USE');
  }
  // Even with a valid token in hand, the token's use isn't taken.
  const token = await hs.createRegistrationToken(1);
  const res = await hs.request('POST', REGISTER, {
    body: { username: 'alice', password: PASSWORD, auth: { type: 'm.login.registration_token', token } },
  });
  assert.equal(res.status, 400);
  assert.equal(res.body.errcode, 'M_USER_IN_USE');
  assert.equal((await hs.hs.services.registrationTokens.get(token))?.pending, 0);
});

test('GET /register/available: true, M_USER_IN_USE, M_INVALID_USERNAME, M_MISSING_PARAM', async (t) => {
  const hs = await startTestServer(t);
  await hs.register('taken');
  const free = await hs.request('GET', `${REGISTER}/available?username=free`);
  assert.deepEqual([free.status, free.body], [200, { available: true }]);
  for (const username of ['taken', 'TAKEN']) {
    const res = await hs.request('GET', `${REGISTER}/available?username=${username}`);
    assert.equal(res.status, 400);
    assert.equal(res.body.errcode, 'M_USER_IN_USE');
  }
  const bad = await hs.request('GET', `${REGISTER}/available?username=${encodeURIComponent('no spaces')}`);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errcode, 'M_INVALID_USERNAME');
  const missing = await hs.request('GET', `${REGISTER}/available`);
  assert.equal(missing.status, 400);
  assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
  const r0 = await hs.request('GET', '/_matrix/client/r0/register/available?username=free');
  assert.deepEqual([r0.status, r0.body], [200, { available: true }]);
});

test('inhibit_login registers the account without logging in', async (t) => {
  const hs = await startTestServer(t);
  const res = await registerWithToken(hs, await hs.createRegistrationToken(1), {
    username: 'quiet',
    password: PASSWORD,
    inhibit_login: true,
    refresh_token: true,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body, { user_id: '@quiet:hearth.test', home_server: 'hearth.test' });
  assert.deepEqual(await hs.hs.storage.devices.listDevices('@quiet:hearth.test' as never), []);
  const login = await hs.login('quiet', PASSWORD);
  assert.equal(login.status, 200, JSON.stringify(login.body));
});

test('device_id and initial_device_display_name are honoured', async (t) => {
  const hs = await startTestServer(t);
  const res = await registerWithToken(hs, await hs.createRegistrationToken(1), {
    username: 'test_user',
    password: 'übers3kr1t',
    device_id: 'xyzzy',
    initial_device_display_name: 'display_name',
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.device_id, 'xyzzy');
  const devices = await hs.request('GET', '/_matrix/client/v3/devices', { token: res.body.access_token });
  assert.equal(devices.status, 200);
  assert.equal(devices.body.devices.length, 1);
  assert.equal(devices.body.devices[0].device_id, 'xyzzy');
  assert.equal(devices.body.devices[0].display_name, 'display_name');
  // Non-ASCII passwords work for login afterwards.
  const login = await hs.login('test_user', 'übers3kr1t');
  assert.equal(login.status, 200, JSON.stringify(login.body));
});

test('refresh_token: true returns a refresh token and expires_in_ms', async (t) => {
  const hs = await startTestServer(t);
  const res = await registerWithToken(hs, await hs.createRegistrationToken(1), {
    username: 'fresh',
    password: PASSWORD,
    refresh_token: true,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(typeof res.body.refresh_token, 'string');
  assert.notEqual(res.body.refresh_token, res.body.access_token);
  assert.equal(res.body.expires_in_ms, 5 * 60 * 1000);
  const refreshed = await hs.request('POST', '/_matrix/client/v3/refresh', { body: { refresh_token: res.body.refresh_token } });
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
});

test('password: missing once auth is complete is M_MISSING_PARAM; wrong types and sizes are refused', async (t) => {
  const hs = await startTestServer(t);
  const token = await hs.createRegistrationToken(1);
  const noPassword = await registerWithToken(hs, token, { username: 'nopass' });
  assert.equal(noPassword.status, 400, JSON.stringify(noPassword.body));
  assert.equal(noPassword.body.errcode, 'M_MISSING_PARAM');
  assert.equal(await hs.hs.storage.users.getUser('@nopass:hearth.test' as never), null);

  const notString = await hs.request('POST', REGISTER, { body: { username: 'typed', password: 12345 } });
  assert.equal(notString.status, 400);
  assert.equal(notString.body.errcode, 'M_BAD_JSON');
  for (const password of ['', 'p'.repeat(513)]) {
    const res = await hs.request('POST', REGISTER, { body: { username: 'sized', password } });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.errcode, 'M_INVALID_PARAM');
  }
});

test('guests: refused by default with 403 M_GUEST_ACCESS_FORBIDDEN', async (t) => {
  const hs = await startTestServer(t);
  const res = await hs.request('POST', `${REGISTER}?kind=guest`, { body: {} });
  assert.equal(res.status, 403);
  assert.equal(res.body.errcode, 'M_GUEST_ACCESS_FORBIDDEN');
  const badKind = await hs.request('POST', `${REGISTER}?kind=admin`, { body: {} });
  assert.equal(badKind.status, 400);
  assert.equal(badKind.body.errcode, 'M_INVALID_PARAM');
});

test('guests: with allow_guests a guest gets a numeric ID and the restricted API', async (t) => {
  const hs = await startTestServer(t, { config: { registration: { allow_guests: true } } });
  const res = await hs.request('POST', `${REGISTER}?kind=guest`, {
    body: { initial_device_display_name: 'guest device', username: 'ignored', password: 'ignored' },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.match(res.body.user_id, /^@\d+:hearth\.test$/);
  assert.equal(typeof res.body.access_token, 'string');
  assert.equal(typeof res.body.device_id, 'string');
  const token = res.body.access_token as string;

  const whoami = await hs.request('GET', '/_matrix/client/v3/account/whoami', { token });
  assert.deepEqual([whoami.status, whoami.body], [200, { user_id: res.body.user_id, device_id: res.body.device_id, is_guest: true }]);
  const devices = await hs.request('GET', '/_matrix/client/v3/devices', { token });
  assert.equal(devices.status, 200);
  assert.equal(devices.body.devices[0].display_name, 'guest device');

  const password = await hs.request('POST', '/_matrix/client/v3/account/password', {
    token,
    body: { new_password: 'new-password-123' },
  });
  assert.equal(password.status, 403);
  assert.equal(password.body.errcode, 'M_GUEST_ACCESS_FORBIDDEN');
  const avatar = await hs.request('PUT', `/_matrix/client/v3/profile/${encodeURIComponent(res.body.user_id)}/avatar_url`, {
    token,
    body: { avatar_url: 'mxc://hearth.test/abc' },
  });
  assert.equal(avatar.status, 403);
  assert.equal(avatar.body.errcode, 'M_GUEST_ACCESS_FORBIDDEN');
  // Spec: guests may set their display name.
  const displayname = await hs.request('PUT', `/_matrix/client/v3/profile/${encodeURIComponent(res.body.user_id)}/displayname`, {
    token,
    body: { displayname: 'Visitor' },
  });
  assert.equal(displayname.status, 200, JSON.stringify(displayname.body));

  const second = await hs.request('POST', `${REGISTER}?kind=guest`, { body: {} });
  assert.equal(second.status, 200);
  assert.notEqual(second.body.user_id, res.body.user_id);
  assert.match(second.body.user_id, /^@\d+:hearth\.test$/);
});

test('the bootstrap admin token makes its user a server admin, once', async (t) => {
  const hs = await startTestServer(t);
  const bootstrap = await hs.hs.services.registrationTokens.bootstrapAdminToken();
  assert.ok(bootstrap);
  const admin = await registerWithToken(hs, bootstrap.token, { username: 'root', password: PASSWORD });
  assert.equal(admin.status, 200, JSON.stringify(admin.body));
  assert.equal((await hs.hs.storage.users.getUser('@root:hearth.test' as never))?.isAdmin, true);
  assert.equal(await hs.hs.services.registrationTokens.bootstrapAdminToken(), null);

  const again = await registerWithToken(hs, bootstrap.token, { username: 'root2', password: PASSWORD });
  assertUiaFailure(again, 'M_UNAUTHORIZED', [['m.login.registration_token']]);

  const plain = await hs.register('plain');
  assert.equal((await hs.hs.storage.users.getUser(plain.userId as never))?.isAdmin, false);
});

test('20 registrations racing for a token with 5 uses: exactly 5 succeed', async (t) => {
  const hs = await startTestServer(t);
  const token = await hs.createRegistrationToken(5);
  const sessions = await Promise.all(Array.from({ length: 20 }, (_, i) => startSession(hs, { username: `racer${i}` })));
  const results = await Promise.all(
    sessions.map((session, i) => registerWithToken(hs, token, { username: `racer${i}`, password: PASSWORD }, session)),
  );
  const ok = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status !== 200);
  assert.equal(ok.length, 5, JSON.stringify(results.map((r) => r.status)));
  for (const r of refused) assertUiaFailure(r, 'M_UNAUTHORIZED', [['m.login.registration_token']]);
  const record = await hs.hs.services.registrationTokens.get(token);
  assert.deepEqual([record?.pending, record?.completed], [0, 5]);
  assert.equal(await hs.hs.storage.users.countUsers(), 5);
});

test('registration is rate limited per address (rc_registration)', async (t) => {
  const hs = await startTestServer(t, {
    config: {
      registration: { mode: 'open' },
      rate_limits: { ...RELAXED_RATE_LIMITS, rc_registration: { per_second: 0.1, burst_count: 2 } },
    },
  });
  for (const username of ['one', 'two']) {
    const res = await hs.request('POST', REGISTER, { body: { username, password: PASSWORD, auth: { type: 'm.login.dummy' } } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  const limited = await hs.request('POST', REGISTER, { body: { username: 'three', password: PASSWORD, auth: { type: 'm.login.dummy' } } });
  assert.equal(limited.status, 429, JSON.stringify(limited.body));
  assert.equal(limited.body.errcode, 'M_LIMIT_EXCEEDED');
  assert.ok(limited.body.retry_after_ms > 0 && limited.body.retry_after_ms <= 10_000, String(limited.body.retry_after_ms));
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.equal(await hs.hs.storage.users.getUser('@three:hearth.test' as never), null);
});

test('rc_registration holds for concurrent registrations too', async (t) => {
  const hs = await startTestServer(t, {
    config: {
      registration: { mode: 'open' },
      rate_limits: { ...RELAXED_RATE_LIMITS, rc_registration: { per_second: 0.1, burst_count: 2 } },
    },
  });
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      hs.request('POST', REGISTER, { body: { username: `burst${i}`, password: PASSWORD, auth: { type: 'm.login.dummy' } } }),
    ),
  );
  assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 429, 429, 429, 429, 429, 429]);
  for (const r of results.filter((res) => res.status === 429)) assert.equal(r.body.errcode, 'M_LIMIT_EXCEEDED');
  assert.equal(await hs.hs.storage.users.countUsers(), 2);
});

test('a body that is not valid UTF-8 JSON is refused with M_NOT_JSON', async (t) => {
  const hs = await startTestServer(t);
  const res = await fetch(new URL(REGISTER, hs.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: Buffer.concat([Buffer.from('{ "test":"a'), Buffer.from([0x81]), Buffer.from('" }')]),
  });
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as { errcode: string }).errcode, 'M_NOT_JSON');
});
