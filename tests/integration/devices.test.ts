// complement: TestDeviceManagement; sytest: tests/10apidoc/35devices.pl (DELETE /device/{deviceId} and friends)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer, type RegisteredUser, type TestServer } from '../helpers/test-server.js';

const V3 = '/_matrix/client/v3';
const PASSWORD_FLOWS = [{ stages: ['m.login.password'] }];

/** The m.login.password UIA stage for `user`, identified with an m.id.user identifier. */
function passwordAuth(user: RegisteredUser, session: string, password = user.password): Record<string, unknown> {
  return { type: 'm.login.password', identifier: { type: 'm.id.user', user: user.userId }, password, session };
}

/** Logs `user` in again on a named device; returns that device's access token. */
async function loginDevice(hs: TestServer, user: RegisteredUser, deviceId: string, displayName?: string): Promise<string> {
  const localpart = user.userId.slice(1, user.userId.indexOf(':'));
  const extra: Record<string, unknown> = { device_id: deviceId };
  if (displayName !== undefined) extra.initial_device_display_name = displayName;
  const res = await hs.login(localpart, user.password, extra);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.device_id, deviceId);
  return res.body.access_token as string;
}

async function whoami(hs: TestServer, token: string) {
  return hs.request('GET', `${V3}/account/whoami`, { token });
}

/** Starts a UIA session for deleting `deviceId` (first step, no body). */
async function startDeleteSession(hs: TestServer, user: RegisteredUser, deviceId: string): Promise<string> {
  const first = await hs.request('DELETE', `${V3}/devices/${deviceId}`, { token: user.accessToken });
  assert.equal(first.status, 401, JSON.stringify(first.body));
  assert.equal(typeof first.body.session, 'string');
  return first.body.session as string;
}

test('GET /devices lists every device of the user with display name and last-seen data', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const bob = await hs.register('bob');
  const phoneToken = await loginDevice(hs, alice, 'PHONE', 'Alice phone');
  await loginDevice(hs, alice, 'LAPTOP');

  const before = Date.now();
  assert.equal((await whoami(hs, phoneToken)).status, 200);

  const res = await hs.request('GET', `${V3}/devices`, { token: alice.accessToken });
  assert.equal(res.status, 200);
  const devices = res.body.devices as Array<Record<string, unknown>>;
  assert.deepEqual(devices.map((d) => d.device_id).sort(), [alice.deviceId, 'LAPTOP', 'PHONE'].sort());
  assert.ok(!devices.some((d) => d.device_id === bob.deviceId), "another user's device is never listed");

  const phone = devices.find((d) => d.device_id === 'PHONE');
  assert.equal(phone?.display_name, 'Alice phone');
  assert.equal(phone?.last_seen_ip, '127.0.0.1');
  assert.equal(typeof phone?.last_seen_ts, 'number');
  assert.ok((phone?.last_seen_ts as number) >= before - 1000 && (phone?.last_seen_ts as number) <= Date.now() + 1000);

  // A device without a display name has no display_name key (not null).
  const laptop = devices.find((d) => d.device_id === 'LAPTOP');
  assert.ok(laptop && !('display_name' in laptop), JSON.stringify(laptop));
  // The requesting device has been seen by this very request.
  const current = devices.find((d) => d.device_id === alice.deviceId);
  assert.equal(current?.last_seen_ip, '127.0.0.1');
});

test('last-seen data survives a restart (it is written to the database, not only kept in memory)', async (t) => {
  const first = await startTestServer(t);
  const alice = await first.register('alice');
  assert.equal((await whoami(first, alice.accessToken)).status, 200);
  const seen = await first.request('GET', `${V3}/devices/${alice.deviceId}`, { token: alice.accessToken });
  assert.equal(seen.status, 200);
  const lastSeenTs = seen.body.last_seen_ts as number;
  assert.equal(typeof lastSeenTs, 'number');

  // Close the server but keep its data directory, then start a new server on it.
  await first.hs.close();
  const second = await startTestServer(t, { dataDir: first.dataDir });
  const admin = await second.request('GET', `${V3}/devices`, {
    token: alice.accessToken,
    headers: { 'user-agent': 'hearth-test' },
  });
  assert.equal(admin.status, 200, JSON.stringify(admin.body));
  const device = (admin.body.devices as Array<Record<string, unknown>>).find((d) => d.device_id === alice.deviceId);
  assert.equal(device?.last_seen_ip, '127.0.0.1');
  assert.ok((device?.last_seen_ts as number) >= lastSeenTs);
  await second.close();
  await first.close();
});

test('GET /devices/{deviceId}: own device, unknown device, another user\'s device', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const bob = await hs.register('bob');
  await loginDevice(hs, alice, 'login_device', 'device display');

  const own = await hs.request('GET', `${V3}/devices/login_device`, { token: alice.accessToken });
  assert.equal(own.status, 200);
  assert.equal(own.body.device_id, 'login_device');
  assert.equal(own.body.display_name, 'device display');

  const unknown = await hs.request('GET', `${V3}/devices/unknown_device`, { token: alice.accessToken });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errcode, 'M_NOT_FOUND');

  const others = await hs.request('GET', `${V3}/devices/${bob.deviceId}`, { token: alice.accessToken });
  assert.equal(others.status, 404);
  assert.equal(others.body.errcode, 'M_NOT_FOUND');

  const anonymous = await hs.request('GET', `${V3}/devices`);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.errcode, 'M_MISSING_TOKEN');
});

test('PUT /devices/{deviceId} renames a device; unknown → 404, too long → 400, no name given → unchanged', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const bob = await hs.register('bob', { deviceId: 'BOBDEVICE' });
  await loginDevice(hs, alice, 'login_device', 'device display');
  const path = `${V3}/devices/login_device`;

  const renamed = await hs.request('PUT', path, { token: alice.accessToken, body: { display_name: 'new device display' } });
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
  assert.deepEqual(renamed.body, {});
  assert.equal((await hs.request('GET', path, { token: alice.accessToken })).body.display_name, 'new device display');

  // Spec: "If not given, the display name is unchanged."
  const noName = await hs.request('PUT', path, { token: alice.accessToken, body: {} });
  assert.equal(noName.status, 200, JSON.stringify(noName.body));
  assert.equal((await hs.request('GET', path, { token: alice.accessToken })).body.display_name, 'new device display');

  const unknown = await hs.request('PUT', `${V3}/devices/unknown_device`, { token: alice.accessToken, body: { display_name: 'x' } });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errcode, 'M_NOT_FOUND');

  // Another user's device is unknown to alice, and stays as it was.
  const others = await hs.request('PUT', `${V3}/devices/BOBDEVICE`, { token: alice.accessToken, body: { display_name: 'pwned' } });
  assert.equal(others.status, 404);
  assert.equal(others.body.errcode, 'M_NOT_FOUND');
  const bobsDevice = await hs.request('GET', `${V3}/devices/BOBDEVICE`, { token: bob.accessToken });
  assert.equal(bobsDevice.status, 200);
  assert.notEqual(bobsDevice.body.display_name, 'pwned');

  const tooLong = await hs.request('PUT', path, { token: alice.accessToken, body: { display_name: 'x'.repeat(101) } });
  assert.equal(tooLong.status, 400);
  assert.equal(typeof tooLong.body.errcode, 'string');
  assert.equal((await hs.request('GET', path, { token: alice.accessToken })).body.display_name, 'new device display');

  const wrongType = await hs.request('PUT', path, { token: alice.accessToken, body: { display_name: 42 } });
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.body.errcode, 'M_BAD_JSON');
});

test('DELETE /devices/{deviceId} with no body answers 401 with the password flow and a session', async (t) => {
  // sytest: DELETE /device/{deviceId} with no body gives a 401
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  await loginDevice(hs, alice, 'OTHER');

  const noBody = await hs.request('DELETE', `${V3}/devices/OTHER`, { token: alice.accessToken });
  assert.equal(noBody.status, 401, JSON.stringify(noBody.body));
  assert.deepEqual(noBody.body.flows, PASSWORD_FLOWS);
  assert.equal(typeof noBody.body.session, 'string');
  assert.deepEqual(noBody.body.params, {});
  assert.equal(noBody.body.errcode, undefined, 'the first challenge carries no error');

  // An empty JSON object, and an empty body sent with a JSON content type, behave the same.
  const emptyObject = await hs.request('DELETE', `${V3}/devices/OTHER`, { token: alice.accessToken, body: {} });
  assert.equal(emptyObject.status, 401);
  assert.deepEqual(emptyObject.body.flows, PASSWORD_FLOWS);
  const emptyJson = await hs.request('DELETE', `${V3}/devices/OTHER`, {
    token: alice.accessToken,
    rawBody: '',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(emptyJson.status, 401, JSON.stringify(emptyJson.body));
  assert.deepEqual(emptyJson.body.flows, PASSWORD_FLOWS);

  const anonymous = await hs.request('DELETE', `${V3}/devices/OTHER`);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.errcode, 'M_MISSING_TOKEN');
});

test('DELETE /devices/{deviceId} with password auth deletes the device and its access token', async (t) => {
  // sytest: DELETE /device/{deviceId}
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const otherToken = await loginDevice(hs, alice, 'OTHER', 'to be deleted');
  const session = await startDeleteSession(hs, alice, 'OTHER');

  const done = await hs.request('DELETE', `${V3}/devices/OTHER`, { token: alice.accessToken, body: { auth: passwordAuth(alice, session) } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.deepEqual(done.body, {});

  const gone = await hs.request('GET', `${V3}/devices/OTHER`, { token: alice.accessToken });
  assert.equal(gone.status, 404);
  const deadToken = await whoami(hs, otherToken);
  assert.equal(deadToken.status, 401);
  assert.equal(deadToken.body.errcode, 'M_UNKNOWN_TOKEN');
  // The current device is untouched.
  assert.equal((await whoami(hs, alice.accessToken)).status, 200);

  // The session is spent: it can't authorise anything again.
  const replay = await hs.request('DELETE', `${V3}/devices/OTHER`, { token: alice.accessToken, body: { auth: { session } } });
  assert.notEqual(replay.status, 200);
  assert.ok(replay.status >= 400 && replay.status < 500, JSON.stringify(replay.body));

  // Spec: 200 "The device was successfully removed, or had been removed previously."
  const again = await startDeleteSession(hs, alice, 'OTHER');
  const twice = await hs.request('DELETE', `${V3}/devices/OTHER`, { token: alice.accessToken, body: { auth: passwordAuth(alice, again) } });
  assert.equal(twice.status, 200, JSON.stringify(twice.body));
});

test('a device can delete itself, which logs it out', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const session = await startDeleteSession(hs, alice, alice.deviceId);
  const done = await hs.request('DELETE', `${V3}/devices/${alice.deviceId}`, {
    token: alice.accessToken,
    body: { auth: passwordAuth(alice, session) },
  });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal((await whoami(hs, alice.accessToken)).status, 401);
});

test('a wrong password fails the stage with 401 M_FORBIDDEN and the flows; the session can then be completed', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  await loginDevice(hs, alice, 'OTHER');
  const session = await startDeleteSession(hs, alice, 'OTHER');

  const wrong = await hs.request('DELETE', `${V3}/devices/OTHER`, {
    token: alice.accessToken,
    body: { auth: passwordAuth(alice, session, 'not-the-password') },
  });
  assert.equal(wrong.status, 401, JSON.stringify(wrong.body));
  assert.equal(wrong.body.errcode, 'M_FORBIDDEN');
  assert.equal(typeof wrong.body.error, 'string');
  assert.deepEqual(wrong.body.flows, PASSWORD_FLOWS);
  assert.equal(wrong.body.session, session);
  assert.equal((await hs.request('GET', `${V3}/devices/OTHER`, { token: alice.accessToken })).status, 200);

  const right = await hs.request('DELETE', `${V3}/devices/OTHER`, { token: alice.accessToken, body: { auth: passwordAuth(alice, session) } });
  assert.equal(right.status, 200, JSON.stringify(right.body));
  assert.equal((await hs.request('GET', `${V3}/devices/OTHER`, { token: alice.accessToken })).status, 404);
});

test('the deprecated top-level "user" and an identifier without the server name are accepted', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  await loginDevice(hs, alice, 'ONE');
  await loginDevice(hs, alice, 'TWO');

  const s1 = await startDeleteSession(hs, alice, 'ONE');
  const viaUser = await hs.request('DELETE', `${V3}/devices/ONE`, {
    token: alice.accessToken,
    body: { auth: { type: 'm.login.password', user: 'alice', password: alice.password, session: s1 } },
  });
  assert.equal(viaUser.status, 200, JSON.stringify(viaUser.body));

  const s2 = await startDeleteSession(hs, alice, 'TWO');
  const localpart = await hs.request('DELETE', `${V3}/devices/TWO`, {
    token: alice.accessToken,
    body: { auth: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: alice.password, session: s2 } },
  });
  assert.equal(localpart.status, 200, JSON.stringify(localpart.body));
});

test('UIA naming a different user fails, even with that user\'s correct password', async (t) => {
  // sytest: DELETE /device/{deviceId} requires UI auth user to match device owner
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const bob = await hs.register('bob');
  await loginDevice(hs, alice, 'OTHER');
  const session = await startDeleteSession(hs, alice, 'OTHER');

  const asBob = await hs.request('DELETE', `${V3}/devices/OTHER`, { token: alice.accessToken, body: { auth: passwordAuth(bob, session) } });
  assert.equal(asBob.status, 401, JSON.stringify(asBob.body));
  assert.equal(asBob.body.errcode, 'M_FORBIDDEN');
  assert.deepEqual(asBob.body.flows, PASSWORD_FLOWS);
  assert.equal((await hs.request('GET', `${V3}/devices/OTHER`, { token: alice.accessToken })).status, 200);

  // Bob can't use his own session and password to delete alice's device either: to him it doesn't exist.
  const bobSession = await hs.request('DELETE', `${V3}/devices/OTHER`, { token: bob.accessToken });
  assert.equal(bobSession.status, 401);
  const bobTries = await hs.request('DELETE', `${V3}/devices/OTHER`, {
    token: bob.accessToken,
    body: { auth: passwordAuth(bob, bobSession.body.session as string) },
  });
  assert.equal(bobTries.status, 200, JSON.stringify(bobTries.body));
  assert.equal((await hs.request('GET', `${V3}/devices/OTHER`, { token: alice.accessToken })).status, 200);

  // ...and alice's session means nothing to bob.
  const stolen = await hs.request('DELETE', `${V3}/devices/${bob.deviceId}`, { token: bob.accessToken, body: { auth: passwordAuth(bob, session) } });
  assert.equal(stolen.status, 403, JSON.stringify(stolen.body));
  assert.equal(stolen.body.errcode, 'M_FORBIDDEN');
});

test('a UIA session started for one device can neither delete another device nor change the password', async (t) => {
  // sytest: The deleted device must be consistent through an interactive auth session
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  await loginDevice(hs, alice, 'FIRST');
  await loginDevice(hs, alice, 'SECOND');
  const session = await startDeleteSession(hs, alice, 'FIRST');

  const other = await hs.request('DELETE', `${V3}/devices/SECOND`, { token: alice.accessToken, body: { auth: passwordAuth(alice, session) } });
  assert.equal(other.status, 403, JSON.stringify(other.body));
  assert.equal(other.body.errcode, 'M_FORBIDDEN');
  assert.equal((await hs.request('GET', `${V3}/devices/SECOND`, { token: alice.accessToken })).status, 200);

  const bulk = await hs.request('POST', `${V3}/delete_devices`, {
    token: alice.accessToken,
    body: { devices: ['FIRST', 'SECOND'], auth: passwordAuth(alice, session) },
  });
  assert.equal(bulk.status, 403, JSON.stringify(bulk.body));

  const password = await hs.request('POST', `${V3}/account/password`, {
    token: alice.accessToken,
    body: { new_password: 'hijacked-password', auth: passwordAuth(alice, session) },
  });
  assert.equal(password.status, 403, JSON.stringify(password.body));
  assert.equal(password.body.errcode, 'M_FORBIDDEN');
  assert.equal((await hs.login('alice', alice.password)).status, 200, 'the password is unchanged');

  // The session still works for what it was started for.
  const first = await hs.request('DELETE', `${V3}/devices/FIRST`, { token: alice.accessToken, body: { auth: passwordAuth(alice, session) } });
  assert.equal(first.status, 200, JSON.stringify(first.body));
});

test('a completed UIA session can\'t be replayed without auth for another device', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  await loginDevice(hs, alice, 'FIRST');
  await loginDevice(hs, alice, 'SECOND');
  const session = await startDeleteSession(hs, alice, 'FIRST');
  // Complete the stage with a wrong device in the URL: refused before the password is even checked.
  const wrongDevice = await hs.request('DELETE', `${V3}/devices/SECOND`, { token: alice.accessToken, body: { auth: { session } } });
  assert.equal(wrongDevice.status, 403);
  assert.equal((await hs.request('GET', `${V3}/devices/SECOND`, { token: alice.accessToken })).status, 200);
});

test('POST /delete_devices deletes several devices with UIA', async (t) => {
  // sytest: DELETE /delete_devices
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const t1 = await loginDevice(hs, alice, 'ONE');
  const t2 = await loginDevice(hs, alice, 'TWO');
  await loginDevice(hs, alice, 'KEEP');

  const first = await hs.request('POST', `${V3}/delete_devices`, { token: alice.accessToken, body: { devices: ['ONE', 'TWO', 'NEVER_EXISTED'] } });
  assert.equal(first.status, 401, JSON.stringify(first.body));
  assert.deepEqual(first.body.flows, PASSWORD_FLOWS);
  const session = first.body.session as string;

  // The same session can't be used for a different set of devices.
  const otherSet = await hs.request('POST', `${V3}/delete_devices`, {
    token: alice.accessToken,
    body: { devices: ['ONE', 'TWO', 'KEEP'], auth: passwordAuth(alice, session) },
  });
  assert.equal(otherSet.status, 403);

  const done = await hs.request('POST', `${V3}/delete_devices`, {
    token: alice.accessToken,
    body: { devices: ['TWO', 'NEVER_EXISTED', 'ONE'], auth: passwordAuth(alice, session) },
  });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.deepEqual(done.body, {});

  const list = await hs.request('GET', `${V3}/devices`, { token: alice.accessToken });
  assert.deepEqual((list.body.devices as Array<{ device_id: string }>).map((d) => d.device_id).sort(), [alice.deviceId, 'KEEP'].sort());
  assert.equal((await whoami(hs, t1)).status, 401);
  assert.equal((await whoami(hs, t2)).status, 401);

  const missing = await hs.request('POST', `${V3}/delete_devices`, { token: alice.accessToken, body: {} });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
  const notArray = await hs.request('POST', `${V3}/delete_devices`, { token: alice.accessToken, body: { devices: 'ONE' } });
  assert.equal(notArray.status, 400);
  assert.equal(notArray.body.errcode, 'M_BAD_JSON');
});

test('a UIA session for one device whose ID contains a comma can\'t delete the two devices it resembles', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  await loginDevice(hs, alice, 'A,B');
  await loginDevice(hs, alice, 'A');
  await loginDevice(hs, alice, 'B');
  const first = await hs.request('POST', `${V3}/delete_devices`, { token: alice.accessToken, body: { devices: ['A,B'] } });
  assert.equal(first.status, 401);
  const other = await hs.request('POST', `${V3}/delete_devices`, {
    token: alice.accessToken,
    body: { devices: ['A', 'B'], auth: passwordAuth(alice, first.body.session as string) },
  });
  assert.equal(other.status, 403, JSON.stringify(other.body));
  const list = await hs.request('GET', `${V3}/devices`, { token: alice.accessToken });
  assert.equal(list.body.devices.length, 4);

  // The same set, in another order or with repeats, is the same operation.
  const same = await hs.request('POST', `${V3}/delete_devices`, {
    token: alice.accessToken,
    body: { devices: ['A,B', 'A,B'], auth: passwordAuth(alice, first.body.session as string) },
  });
  assert.equal(same.status, 200, JSON.stringify(same.body));
  assert.equal((await hs.request('GET', `${V3}/devices/${encodeURIComponent('A,B')}`, { token: alice.accessToken })).status, 404);
});

test('malformed auth objects are client errors, never 500', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  await loginDevice(hs, alice, 'OTHER');
  const session = await startDeleteSession(hs, alice, 'OTHER');
  const cases: unknown[] = [
    'a string',
    [],
    { type: 'm.login.password', session: 42 },
    { type: 'm.login.password', session, password: 7, identifier: { type: 'm.id.user', user: alice.userId } },
    { type: 'm.login.password', session, password: alice.password, identifier: 'alice' },
    { type: 'm.login.password', session, password: alice.password, identifier: { type: 'm.id.user' } },
    { type: 'm.login.password', session, password: alice.password, identifier: { type: 'm.id.thirdparty', medium: 'email', address: 'a@b.c' } },
    { type: 'm.login.dummy', session },
    { type: 42, session },
    { type: 'm.login.password', session: 'no-such-session', password: alice.password },
  ];
  for (const auth of cases) {
    const res = await hs.request('DELETE', `${V3}/devices/OTHER`, { token: alice.accessToken, body: { auth } });
    assert.ok(res.status >= 400 && res.status < 500, `${JSON.stringify(auth)} → ${res.status} ${JSON.stringify(res.body)}`);
    assert.equal(typeof res.body.errcode, 'string', `${JSON.stringify(auth)} → ${JSON.stringify(res.body)}`);
  }
  assert.equal((await hs.request('GET', `${V3}/devices/OTHER`, { token: alice.accessToken })).status, 200);
});
