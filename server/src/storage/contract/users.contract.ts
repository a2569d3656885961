/**
 * UsersStore contract: what every backend must do (storage/types.ts). Run by each backend's test file.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { T0, account, deviceId, issue, registerOk, storages, userId, type StorageFactory } from './fixtures.js';

export function usersContract(factory: StorageFactory): void {
  describe('UsersStore contract', () => {
    const { shared, fresh } = storages(factory);

    test('register creates the user, its profile, its first device and its tokens together', async () => {
      const s = shared();
      const issued = issue({ refresh: true });
      const result = await s.users.register(
        account('reg-alice', {
          session: { deviceId: deviceId('ALICEDEV'), deviceDisplayName: 'Alice phone', tokens: issued.tokens },
          displayName: 'Alice',
          now: T0 + 5,
        }),
      );
      assert.deepEqual(result, { ok: true, userId: userId('reg-alice') });

      const user = await s.users.getUser(userId('reg-alice'));
      assert.deepEqual(user, {
        userId: userId('reg-alice'),
        passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$fake$hash',
        isAdmin: false,
        isGuest: false,
        deactivated: false,
        createdTs: T0 + 5,
      });
      assert.deepEqual(await s.profiles.getProfile(userId('reg-alice')), { displayname: 'Alice' });

      const device = await s.devices.getDevice(userId('reg-alice'), deviceId('ALICEDEV'));
      assert.equal(device?.displayName, 'Alice phone');
      assert.equal(device?.createdTs, T0 + 5);
      assert.equal(device?.lastSeenTs, null);

      const info = await s.sessions.lookupAccessToken(issued.access);
      assert.ok(info);
      assert.equal(info.userId, userId('reg-alice'));
      assert.equal(info.deviceId, 'ALICEDEV');
      assert.equal(info.expiresTs, T0 + 300_000);
      assert.equal(info.used, false);
      assert.equal(typeof info.refreshTokenId, 'number');
      assert.equal(info.isGuest, false);
      assert.equal(info.isAdmin, false);
      assert.equal(info.deactivated, false);
    });

    test('register with inhibited login creates no device or token; no display name leaves the profile empty', async () => {
      const s = shared();
      const id = await registerOk(s, account('reg-inhibit', { session: null, displayName: null }));
      assert.deepEqual(await s.devices.listDevices(id), []);
      assert.deepEqual(await s.profiles.getProfile(id), {});
      assert.ok(await s.users.getUser(id));
    });

    test('register completes the registration token\'s pending use and deletes the UIA session', async () => {
      const s = shared();
      assert.equal(await s.registrationTokens.create({ token: 'reg-token', usesAllowed: 2, expiryTime: null, grantsAdmin: false, now: T0 }), true);
      await s.uia.createSession('reg-session', 'register', T0);
      assert.equal(await s.uia.completeRegistrationTokenStage('reg-session', 'reg-token', T0), true);
      assert.equal((await s.registrationTokens.get('reg-token'))?.pending, 1);

      await registerOk(s, account('reg-token-user', { registrationToken: 'reg-token', uiaSessionId: 'reg-session' }));
      const token = await s.registrationTokens.get('reg-token');
      assert.equal(token?.pending, 0);
      assert.equal(token?.completed, 1);
      assert.equal(await s.uia.getSession('reg-session'), null);
    });

    test('register refuses a taken user ID and changes nothing', async () => {
      const s = shared();
      await registerOk(s, account('reg-taken', { device: 'FIRST' }));
      await s.registrationTokens.create({ token: 'taken-token', usesAllowed: 1, expiryTime: null, grantsAdmin: false, now: T0 });
      await s.uia.createSession('taken-session', 'register', T0);
      assert.equal(await s.uia.completeRegistrationTokenStage('taken-session', 'taken-token', T0), true);
      const count = await s.users.countUsers();

      const issued = issue();
      const result = await s.users.register(
        account('reg-taken', {
          passwordHash: 'other',
          registrationToken: 'taken-token',
          uiaSessionId: 'taken-session',
          session: { deviceId: deviceId('SECOND'), deviceDisplayName: null, tokens: issued.tokens },
        }),
      );
      assert.deepEqual(result, { ok: false, reason: 'user_in_use' });
      assert.equal(await s.users.countUsers(), count);
      assert.equal((await s.users.getUser(userId('reg-taken')))?.passwordHash, '$argon2id$v=19$m=19456,t=2,p=1$fake$hash');
      assert.equal(await s.sessions.lookupAccessToken(issued.access), null);
      assert.deepEqual((await s.devices.listDevices(userId('reg-taken'))).map((d) => d.deviceId), ['FIRST']);
      // The token's use stays pending and the session stays: the client may pick another name.
      const token = await s.registrationTokens.get('taken-token');
      assert.equal(token?.pending, 1);
      assert.equal(token?.completed, 0);
      assert.ok(await s.uia.getSession('taken-session'));
    });

    test('a registration whose auth session expired meanwhile is refused and completes no token use', async () => {
      const s = await fresh();
      await s.registrationTokens.create({ token: 'late-token', usesAllowed: 1, expiryTime: null, grantsAdmin: false, now: T0 });
      await s.uia.createSession('late-session', 'register', T0);
      assert.equal(await s.uia.completeRegistrationTokenStage('late-session', 'late-token', T0), true);
      // The session times out (its pending use goes back) before the registration is written.
      assert.equal(await s.uia.expireSessions(T0 + 1), 1);
      const result = await s.users.register(account('reg-late', { registrationToken: 'late-token', uiaSessionId: 'late-session' }));
      assert.deepEqual(result, { ok: false, reason: 'uia_session_gone' });
      assert.equal(await s.users.getUser(userId('reg-late')), null);
      const token = await s.registrationTokens.get('late-token');
      assert.equal(token?.pending, 0);
      assert.equal(token?.completed, 0);
    });

    test('guests get the next free numeric localpart, skipping numbers other accounts hold', async () => {
      const s = await fresh();
      const guest = (n: string) => account(null, { isGuest: true, passwordHash: null, displayName: null, device: `G${n}` });
      const firstGuest = guest('1');
      const first = await s.users.register(firstGuest);
      const second = await s.users.register(guest('2'));
      assert.deepEqual(first, { ok: true, userId: userId('1') });
      assert.deepEqual(second, { ok: true, userId: userId('2') });
      await registerOk(s, account('3'));
      const third = await s.users.register(guest('3'));
      assert.deepEqual(third, { ok: true, userId: userId('4') });

      const record = await s.users.getUser(userId('4'));
      assert.equal(record?.isGuest, true);
      assert.equal(record?.passwordHash, null);
      const info = await s.sessions.lookupAccessToken(firstGuest.session!.tokens.accessTokenHash);
      assert.equal(info?.userId, userId('1'));
      assert.equal(info?.isGuest, true);
    });

    test('getUser, countUsers, hasAdmin and setAdmin', async () => {
      const s = await fresh();
      assert.equal(await s.users.getUser(userId('nobody')), null);
      assert.equal(await s.users.countUsers(), 0);
      assert.equal(await s.users.hasAdmin(), false);

      await registerOk(s, account('plain'));
      assert.equal(await s.users.hasAdmin(), false);
      await registerOk(s, account('boss', { isAdmin: true }));
      assert.equal(await s.users.countUsers(), 2);
      assert.equal(await s.users.hasAdmin(), true);
      assert.equal((await s.users.getUser(userId('boss')))?.isAdmin, true);

      assert.equal(await s.users.setAdmin(userId('boss'), false), true);
      assert.equal(await s.users.hasAdmin(), false);
      assert.equal(await s.users.setAdmin(userId('plain'), true), true);
      assert.equal((await s.users.getUser(userId('plain')))?.isAdmin, true);
      assert.equal(await s.users.setAdmin(userId('nobody'), true), false);

      // A deactivated admin no longer counts.
      await s.users.deactivate(userId('plain'));
      assert.equal(await s.users.hasAdmin(), false);
      assert.equal(await s.users.countUsers(), 2, 'deactivated accounts still exist');
    });

    test('setPasswordHash without logout keeps every device', async () => {
      const s = shared();
      const id = await registerOk(s, account('pw-keep', { device: 'A' }));
      const b = issue();
      await s.sessions.createSession({ userId: id, deviceId: deviceId('B'), deviceDisplayName: null, tokens: b.tokens, now: T0 });
      assert.deepEqual(await s.users.setPasswordHash(id, 'new-hash', null), []);
      assert.equal((await s.users.getUser(id))?.passwordHash, 'new-hash');
      assert.equal((await s.devices.listDevices(id)).length, 2);
      assert.ok(await s.sessions.lookupAccessToken(b.access));
    });

    test('setPasswordHash with logout except one device deletes the others and their tokens', async () => {
      const s = shared();
      const keepIssued = issue();
      const id = await registerOk(
        s,
        account('pw-logout', { session: { deviceId: deviceId('KEEP'), deviceDisplayName: null, tokens: keepIssued.tokens } }),
      );
      const others = [issue({ refresh: true }), issue()];
      for (const [i, other] of others.entries()) {
        await s.sessions.createSession({ userId: id, deviceId: deviceId(`OTHER${i}`), deviceDisplayName: null, tokens: other.tokens, now: T0 });
      }
      const bystander = await registerOk(s, account('pw-bystander', { device: 'OTHER0' }));

      const deleted = await s.users.setPasswordHash(id, 'new-hash', { except: deviceId('KEEP') });
      assert.deepEqual([...deleted].sort(), ['OTHER0', 'OTHER1']);
      assert.deepEqual((await s.devices.listDevices(id)).map((d) => d.deviceId), ['KEEP']);
      assert.ok(await s.sessions.lookupAccessToken(keepIssued.access));
      for (const other of others) assert.equal(await s.sessions.lookupAccessToken(other.access), null);
      const refreshed = await s.sessions.refresh(others[0]!.refresh!, { ...issue({ refresh: true }).tokens, refresh: { tokenHash: Buffer.alloc(32, 1), expiresTs: null } }, T0);
      assert.equal(refreshed.ok, false);
      // Another user's device with the same ID is untouched.
      assert.equal((await s.devices.listDevices(bystander)).length, 1);

      // except: null logs out every device.
      const all = await s.users.setPasswordHash(id, 'newer-hash', { except: null });
      assert.deepEqual(all, ['KEEP']);
      assert.equal(await s.sessions.lookupAccessToken(keepIssued.access), null);
      assert.equal((await s.users.getUser(id))?.passwordHash, 'newer-hash');
    });

    test('deactivate removes password, devices, tokens and profile, and the user ID stays taken', async () => {
      const s = shared();
      const issued = issue({ refresh: true });
      const id = await registerOk(
        s,
        account('deact', { session: { deviceId: deviceId('D1'), deviceDisplayName: 'phone', tokens: issued.tokens }, displayName: 'Deact' }),
      );
      await s.profiles.setField(id, 'org.example.job', 'Engineer');
      const second = issue();
      await s.sessions.createSession({ userId: id, deviceId: deviceId('D2'), deviceDisplayName: null, tokens: second.tokens, now: T0 });

      await s.users.deactivate(id);
      const user = await s.users.getUser(id);
      assert.equal(user?.deactivated, true);
      assert.equal(user?.passwordHash, null);
      assert.deepEqual(await s.devices.listDevices(id), []);
      assert.equal(await s.sessions.lookupAccessToken(issued.access), null);
      assert.equal(await s.sessions.lookupAccessToken(second.access), null);
      assert.deepEqual(await s.profiles.getProfile(id), {});
      assert.deepEqual(await s.users.register(account('deact')), { ok: false, reason: 'user_in_use' });
    });
  });
}
