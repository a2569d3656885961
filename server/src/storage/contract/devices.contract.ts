/**
 * DevicesStore contract (storage/types.ts): per-user devices, deletion with their tokens, last-seen data.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { T0, account, deviceId, issue, registerOk, storages, type StorageFactory } from './fixtures.js';
import type { Storage } from '../types.js';
import type { UserId } from '../../core/ids.js';

async function addDevice(s: Storage, user: UserId, id: string, now: number, name: string | null = null) {
  const issued = issue({ refresh: true });
  await s.sessions.createSession({ userId: user, deviceId: deviceId(id), deviceDisplayName: name, tokens: issued.tokens, now });
  return issued;
}

export function devicesContract(factory: StorageFactory): void {
  describe('DevicesStore contract', () => {
    const { shared } = storages(factory);

    test('listDevices lists the user\'s devices oldest first; getDevice finds only the user\'s own', async () => {
      const s = shared();
      const alice = await registerOk(s, account('dev-alice', { device: 'FIRST', now: T0 }));
      const bob = await registerOk(s, account('dev-bob', { device: 'BOBDEV', now: T0 }));
      await addDevice(s, alice, 'THIRD', T0 + 20, 'third');
      await addDevice(s, alice, 'SECOND', T0 + 10);

      const devices = await s.devices.listDevices(alice);
      assert.deepEqual(devices.map((d) => d.deviceId), ['FIRST', 'SECOND', 'THIRD']);
      assert.deepEqual(devices[2], {
        userId: alice,
        deviceId: 'THIRD',
        displayName: 'third',
        createdTs: T0 + 20,
        lastSeenTs: null,
        lastSeenIp: null,
        lastSeenUserAgent: null,
      });
      assert.equal((await s.devices.getDevice(alice, deviceId('THIRD')))?.displayName, 'third');
      assert.equal(await s.devices.getDevice(alice, deviceId('BOBDEV')), null);
      assert.equal(await s.devices.getDevice(bob, deviceId('FIRST')), null);
      assert.deepEqual(await s.devices.listDevices('@nobody:contract.test' as UserId), []);
    });

    test('renameDevice sets or clears the name of an existing device only', async () => {
      const s = shared();
      const alice = await registerOk(s, account('ren-alice', { device: 'PHONE' }));
      const bob = await registerOk(s, account('ren-bob', { device: 'BOBDEV' }));
      assert.equal(await s.devices.renameDevice(alice, deviceId('PHONE'), 'My phone'), true);
      assert.equal((await s.devices.getDevice(alice, deviceId('PHONE')))?.displayName, 'My phone');
      assert.equal(await s.devices.renameDevice(alice, deviceId('PHONE'), null), true);
      assert.equal((await s.devices.getDevice(alice, deviceId('PHONE')))?.displayName, null);
      assert.equal(await s.devices.renameDevice(alice, deviceId('NOPE'), 'x'), false);
      assert.equal(await s.devices.renameDevice(alice, deviceId('BOBDEV'), 'stolen'), false);
      assert.equal((await s.devices.getDevice(bob, deviceId('BOBDEV')))?.displayName, null);
    });

    test('deleteDevices deletes the named devices with their access and refresh tokens, returning those that existed', async () => {
      const s = shared();
      const alice = await registerOk(s, account('del-alice', { device: 'KEEP' }));
      const bob = await registerOk(s, account('del-bob', { device: 'ONE' }));
      const one = await addDevice(s, alice, 'ONE', T0);
      const two = await addDevice(s, alice, 'TWO', T0);

      const deleted = await s.devices.deleteDevices(alice, [deviceId('ONE'), deviceId('TWO'), deviceId('GHOST')]);
      assert.deepEqual([...deleted].sort(), ['ONE', 'TWO']);
      assert.deepEqual((await s.devices.listDevices(alice)).map((d) => d.deviceId), ['KEEP']);
      for (const issued of [one, two]) {
        assert.equal(await s.sessions.lookupAccessToken(issued.access), null);
        const refreshed = await s.sessions.refresh(issued.refresh!, { ...issue({ refresh: true }).tokens, refresh: { tokenHash: Buffer.alloc(32, 7), expiresTs: null } }, T0);
        assert.deepEqual(refreshed, { ok: false, reason: 'unknown' });
      }
      // Bob's device of the same name is another device.
      assert.equal((await s.devices.listDevices(bob)).length, 1);
      assert.deepEqual(await s.devices.deleteDevices(alice, [deviceId('ONE')]), []);
    });

    test('deleteAllDevices logs the user out everywhere', async () => {
      const s = shared();
      const alice = await registerOk(s, account('delall-alice', { device: 'A' }));
      const b = await addDevice(s, alice, 'B', T0);
      const deleted = await s.devices.deleteAllDevices(alice);
      assert.deepEqual([...deleted].sort(), ['A', 'B']);
      assert.deepEqual(await s.devices.listDevices(alice), []);
      assert.equal(await s.sessions.lookupAccessToken(b.access), null);
      assert.deepEqual(await s.devices.deleteAllDevices(alice), []);
    });

    test('recordLastSeen keeps the newest entry and ignores unknown devices', async () => {
      const s = shared();
      const alice = await registerOk(s, account('seen-alice', { device: 'A' }));
      await addDevice(s, alice, 'B', T0);
      await s.devices.recordLastSeen([
        { userId: alice, deviceId: deviceId('A'), ts: T0 + 100, ip: '10.0.0.1', userAgent: 'Element/1.0' },
        { userId: alice, deviceId: deviceId('B'), ts: T0 + 50, ip: '::1', userAgent: null },
        { userId: alice, deviceId: deviceId('GHOST'), ts: T0 + 50, ip: '10.0.0.9', userAgent: null },
      ]);
      const a = await s.devices.getDevice(alice, deviceId('A'));
      assert.equal(a?.lastSeenTs, T0 + 100);
      assert.equal(a?.lastSeenIp, '10.0.0.1');
      assert.equal(a?.lastSeenUserAgent, 'Element/1.0');
      assert.equal((await s.devices.getDevice(alice, deviceId('B')))?.lastSeenIp, '::1');
      assert.equal(await s.devices.getDevice(alice, deviceId('GHOST')), null, 'last-seen data creates no device');

      // An older entry arriving late doesn't overwrite a newer one.
      await s.devices.recordLastSeen([{ userId: alice, deviceId: deviceId('A'), ts: T0 + 90, ip: '10.0.0.2', userAgent: null }]);
      assert.equal((await s.devices.getDevice(alice, deviceId('A')))?.lastSeenIp, '10.0.0.1');
      await s.devices.recordLastSeen([{ userId: alice, deviceId: deviceId('A'), ts: T0 + 200, ip: '10.0.0.3', userAgent: null }]);
      const updated = await s.devices.getDevice(alice, deviceId('A'));
      assert.equal(updated?.lastSeenIp, '10.0.0.3');
      assert.equal(updated?.lastSeenTs, T0 + 200);
      await s.devices.recordLastSeen([]);
    });
  });
}
