// complement: TestRegistration, TestLogin, TestChangePassword, TestDeviceManagement, TestLogout (driven by matrix-js-sdk)
// A real client nobody here wrote (CONVENTIONS §8): matrix-js-sdk against the real server over HTTP.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSdk, refused as refusedBy, type Sdk } from '../helpers/js-sdk.js';
import { startTestServer } from '../helpers/test-server.js';

let sdk: Sdk;
before(async () => {
  sdk = await loadSdk();
});

const refused = (promise: Promise<unknown>) => refusedBy(sdk, promise);

test('matrix-js-sdk: register with a token (UIA), login, refresh, whoami, devices, password change, logout', async (t) => {
  const hs = await startTestServer(t);
  const token = await hs.createRegistrationToken(1);
  const anonymous = sdk.createClient({ baseUrl: hs.baseUrl });

  // Registration: the first request learns the flows and the session.
  const registration = { username: 'alice', password: 'first password', refresh_token: true, initial_device_display_name: 'js-sdk' };
  const challenge = await refused(anonymous.registerRequest(registration));
  assert.equal(challenge.httpStatus, 401);
  const session = challenge.data.session as string;
  assert.equal(typeof session, 'string');
  const flows = challenge.data.flows as { stages: string[] }[];
  assert.ok(flows.some((flow) => flow.stages.includes('m.login.registration_token')), JSON.stringify(flows));

  // A wrong token is refused and the session survives it.
  const wrong = await refused(anonymous.registerRequest({ ...registration, auth: { type: 'm.login.registration_token', token: 'nope', session } }));
  assert.equal(wrong.httpStatus, 401);
  assert.equal(wrong.errcode, 'M_UNAUTHORIZED');
  assert.equal(wrong.data.session, session);

  const registered = await anonymous.registerRequest({ ...registration, auth: { type: 'm.login.registration_token', token, session } });
  assert.equal(registered.user_id, '@alice:hearth.test');
  assert.equal(typeof registered.access_token, 'string');
  assert.equal(typeof registered.device_id, 'string');
  assert.equal(typeof registered.refresh_token, 'string');
  assert.ok(typeof registered.expires_in_ms === 'number' && registered.expires_in_ms > 0, `expires_in_ms ${registered.expires_in_ms}`);
  // The token had one use.
  assert.deepEqual(await anonymous.isUsernameAvailable('bob'), true);
  assert.equal((await hs.hs.services.registrationTokens.get(token))?.completed, 1);

  const first = sdk.createClient({
    baseUrl: hs.baseUrl,
    userId: registered.user_id,
    deviceId: registered.device_id,
    accessToken: registered.access_token,
  });
  assert.deepEqual(await first.whoami(), { user_id: '@alice:hearth.test', device_id: registered.device_id, is_guest: false });

  // Refresh: new tokens that work; the old refresh token is spent once the new access token is used.
  const refreshed = await first.refreshToken(registered.refresh_token!);
  assert.notEqual(refreshed.access_token, registered.access_token);
  assert.notEqual(refreshed.refresh_token, registered.refresh_token);
  assert.ok(refreshed.expires_in_ms && refreshed.expires_in_ms > 0);
  first.setAccessToken(refreshed.access_token);
  assert.deepEqual(await first.whoami(), { user_id: '@alice:hearth.test', device_id: registered.device_id, is_guest: false });
  const reused = await refused(anonymous.refreshToken(registered.refresh_token!));
  assert.equal(reused.httpStatus, 401);
  assert.equal(reused.errcode, 'M_UNKNOWN_TOKEN');

  // Login (a second device), asking for a refresh token.
  const login = await anonymous.loginRequest({
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: 'alice' },
    password: 'first password',
    refresh_token: true,
    initial_device_display_name: 'laptop',
  });
  assert.equal(login.user_id, '@alice:hearth.test');
  assert.notEqual(login.device_id, registered.device_id);
  assert.equal(typeof login.refresh_token, 'string');
  assert.ok(login.expires_in_ms && login.expires_in_ms > 0);
  const second = sdk.createClient({ baseUrl: hs.baseUrl, userId: login.user_id, deviceId: login.device_id, accessToken: login.access_token });
  assert.equal((await second.whoami()).device_id, login.device_id);
  // A wrong password is refused with M_FORBIDDEN.
  const badLogin = await refused(anonymous.loginRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: 'nope' }));
  assert.equal(badLogin.httpStatus, 403);
  assert.equal(badLogin.errcode, 'M_FORBIDDEN');

  // Devices: both are listed with their names; renaming one shows.
  const { devices } = await first.getDevices();
  assert.deepEqual(devices.map((d) => d.device_id).sort(), [registered.device_id, login.device_id].sort());
  assert.equal(devices.find((d) => d.device_id === registered.device_id)?.display_name, 'js-sdk');
  assert.equal(devices.find((d) => d.device_id === login.device_id)?.display_name, 'laptop');
  assert.ok(devices.every((d) => typeof d.last_seen_ts === 'number'), JSON.stringify(devices));
  await first.setDeviceDetails(login.device_id, { display_name: 'Renamed laptop' });
  assert.equal((await second.getDevice(login.device_id)).display_name, 'Renamed laptop');
  assert.equal((await first.getDevices()).devices.find((d) => d.device_id === login.device_id)?.display_name, 'Renamed laptop');

  // Password change with UIA: the first call returns the flows and a session.
  const passwordChallenge = await refused(first.setPassword(undefined as never, 'second password', true));
  assert.equal(passwordChallenge.httpStatus, 401);
  const pwSession = passwordChallenge.data.session as string;
  assert.ok((passwordChallenge.data.flows as { stages: string[] }[]).some((flow) => flow.stages.includes('m.login.password')));
  const wrongPassword = await refused(
    first.setPassword({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: 'not it', session: pwSession }, 'second password', true),
  );
  assert.equal(wrongPassword.httpStatus, 401);
  assert.equal(wrongPassword.errcode, 'M_FORBIDDEN');
  await first.setPassword(
    { type: 'm.login.password', identifier: { type: 'm.id.user', user: '@alice:hearth.test' }, password: 'first password', session: pwSession },
    'second password',
    true,
  );
  // logout_devices: the other device is logged out, this one is not.
  assert.equal((await first.whoami()).device_id, registered.device_id);
  const loggedOut = await refused(second.whoami());
  assert.equal(loggedOut.httpStatus, 401);
  assert.equal(loggedOut.errcode, 'M_UNKNOWN_TOKEN');
  assert.deepEqual((await first.getDevices()).devices.map((d) => d.device_id), [registered.device_id]);

  const oldPassword = await refused(anonymous.loginRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: 'first password' }));
  assert.equal(oldPassword.errcode, 'M_FORBIDDEN');
  const relogin = await anonymous.loginRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: 'second password' });
  assert.equal(relogin.user_id, '@alice:hearth.test');
  assert.equal(relogin.refresh_token, undefined, 'no refresh token unless asked');

  // Logout: the token stops working, for good (not a soft logout).
  const third = sdk.createClient({ baseUrl: hs.baseUrl, userId: relogin.user_id, deviceId: relogin.device_id, accessToken: relogin.access_token });
  assert.deepEqual(await third.logout(), {});
  const after = await refused(third.whoami());
  assert.equal(after.httpStatus, 401);
  assert.equal(after.errcode, 'M_UNKNOWN_TOKEN');
  assert.equal(after.data.soft_logout, false);
  assert.equal((await first.getDevices()).devices.some((d) => d.device_id === relogin.device_id), false, 'logout deletes the device');
});

test('matrix-js-sdk: an expired access token is refreshed transparently by tokenRefreshFunction', async (t) => {
  const LIFETIME_MS = 1500;
  const hs = await startTestServer(t, { config: { session: { refreshable_access_token_lifetime: LIFETIME_MS } } });
  const user = await hs.register('bob', { refreshToken: true });
  assert.ok(user.refreshToken);

  const anonymous = sdk.createClient({ baseUrl: hs.baseUrl });
  const refreshes: string[] = [];
  const client = sdk.createClient({
    baseUrl: hs.baseUrl,
    userId: user.userId,
    deviceId: user.deviceId,
    accessToken: user.accessToken,
    refreshToken: user.refreshToken,
    tokenRefreshFunction: async (refreshToken) => {
      refreshes.push(refreshToken);
      const reply = await anonymous.refreshToken(refreshToken);
      return {
        accessToken: reply.access_token,
        refreshToken: reply.refresh_token,
        expiry: reply.expires_in_ms === undefined ? undefined : new Date(Date.now() + reply.expires_in_ms),
      };
    },
  });
  const loggedOut: unknown[] = [];
  client.on(sdk.HttpApiEvent.SessionLoggedOut, (error) => loggedOut.push(error));

  assert.equal((await client.whoami()).user_id, user.userId);
  assert.equal(refreshes.length, 0, 'a fresh token needs no refresh');

  // After expiry, the server answers M_UNKNOWN_TOKEN with soft_logout: true ...
  await sleep(LIFETIME_MS + 300);
  const expired = await hs.request('GET', '/_matrix/client/v3/account/whoami', { token: user.accessToken });
  assert.equal(expired.status, 401);
  assert.equal(expired.body.errcode, 'M_UNKNOWN_TOKEN');
  assert.equal(expired.body.soft_logout, true);

  // ... and the sdk refreshes and retries on its own.
  assert.deepEqual(await client.whoami(), { user_id: user.userId, device_id: user.deviceId, is_guest: false });
  assert.deepEqual(refreshes, [user.refreshToken]);
  const renewed = client.getAccessToken();
  assert.ok(renewed && renewed !== user.accessToken);
  assert.equal((await hs.request('GET', '/_matrix/client/v3/account/whoami', { token: renewed })).status, 200);

  // Now that it knows the expiry, the sdk refreshes ahead of time (with the rotated refresh token).
  await sleep(LIFETIME_MS);
  assert.equal((await client.getDevices()).devices[0]?.device_id, user.deviceId);
  assert.equal(refreshes.length, 2);
  assert.notEqual(refreshes[1], user.refreshToken);
  assert.notEqual(client.getAccessToken(), renewed);
  assert.deepEqual(loggedOut, [], 'never logged out');
});
