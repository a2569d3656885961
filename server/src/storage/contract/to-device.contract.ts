/**
 * ToDeviceStore contract: what every backend must do (storage/types.ts). Run by each backend's test file.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeviceId, UserId } from '../../core/ids.js';
import type { Storage, ToDeviceBatch } from '../types.js';
import { account, deviceId, issue, registerOk, storages, T0, type StorageFactory } from './fixtures.js';

async function withDevices(s: Storage, localpart: string, devices: string[]): Promise<UserId> {
  const user = await registerOk(s, account(localpart, { device: devices[0] }));
  for (const device of devices.slice(1)) {
    await s.sessions.createSession({ userId: user, deviceId: deviceId(device), deviceDisplayName: null, tokens: issue().tokens, now: T0 });
  }
  return user;
}

const batch = (sender: UserId, txnId: string, messages: ToDeviceBatch['messages'], type = 'm.test'): ToDeviceBatch => ({
  sender,
  senderDevice: deviceId('SENDER'),
  txnId,
  type,
  messages,
  now: T0,
});

export function toDeviceContract(factory: StorageFactory): void {
  describe('ToDeviceStore contract', () => {
    const { fresh, reopen } = storages(factory);

    test('enqueue: `*` is every device, unknown devices and users get nothing, a transaction ID is used once', async () => {
      const s = await fresh();
      const alice = await withDevices(s, 'td-alice', ['A1', 'A2']);
      const bob = await withDevices(s, 'td-bob', ['B1']);
      const queued = await s.toDevice.enqueue(
        batch(alice, 't1', [
          { userId: bob, deviceId: '*', content: { n: 1 } },
          { userId: alice, deviceId: deviceId('A2'), content: { n: 2 } },
          { userId: alice, deviceId: deviceId('GONE'), content: { n: 3 } },
          { userId: '@nobody:contract.test' as UserId, deviceId: '*', content: { n: 4 } },
        ]),
      );
      assert.deepEqual(queued, [
        { userId: bob, deviceId: 'B1', streamId: 1 },
        { userId: alice, deviceId: 'A2', streamId: 2 },
      ]);
      assert.equal(await s.toDevice.enqueue(batch(alice, 't1', [{ userId: bob, deviceId: '*', content: {} }])), null, 'same sender device and txn');
      assert.deepEqual(await s.toDevice.enqueue({ ...batch(alice, 't1', [{ userId: alice, deviceId: '*', content: { n: 5 } }]), senderDevice: deviceId('OTHER') }), [
        { userId: alice, deviceId: 'A1', streamId: 3 },
        { userId: alice, deviceId: 'A2', streamId: 4 },
      ]);
      assert.deepEqual(await s.toDevice.pending(bob, deviceId('B1'), 0, 100, 10), [{ streamId: 1, sender: alice, type: 'm.test', content: { n: 1 } }]);
      assert.deepEqual((await s.toDevice.pending(alice, deviceId('A2'), 0, 100, 10)).map((m) => m.content), [{ n: 2 }, { n: 5 }]);
    });

    test('pending pages through (after, upTo]; acknowledge deletes up to a position; positions are never reused', async () => {
      const s = await fresh();
      const carol = await withDevices(s, 'td-carol', ['C1']);
      const c1 = deviceId('C1');
      for (let i = 0; i < 5; i++) await s.toDevice.enqueue(batch(carol, `p${i}`, [{ userId: carol, deviceId: c1, content: { i } }]));
      const page = (after: number, upTo: number, limit: number) => s.toDevice.pending(carol, c1, after, upTo, limit).then((list) => list.map((m) => m.streamId));
      assert.deepEqual(await page(0, 5, 2), [1, 2]);
      assert.deepEqual(await page(2, 4, 10), [3, 4]);
      await s.toDevice.acknowledge(carol, c1, 3);
      assert.deepEqual(await page(0, 10, 10), [4, 5]);
      assert.deepEqual(await s.toDevice.streamPositions(), { position: 5, devices: [{ userId: carol, deviceId: c1, streamId: 5 }] });
      await s.toDevice.acknowledge(carol, c1, 5);
      assert.deepEqual(await page(0, 10, 10), []);
      if (!factory.reopen) return;
      const again = await reopen(s);
      assert.deepEqual(await again.toDevice.streamPositions(), { position: 5, devices: [] }, 'the position outlives the messages');
      assert.deepEqual(await again.toDevice.enqueue(batch(carol, 'p9', [{ userId: carol, deviceId: c1, content: {} }])), [{ userId: carol, deviceId: c1, streamId: 6 }]);
    });

    test('deleting a device deletes its inbox', async () => {
      const s = await fresh();
      const dave = await withDevices(s, 'td-dave', ['D1', 'D2']);
      await s.toDevice.enqueue(batch(dave, 'x', [{ userId: dave, deviceId: '*', content: {} }]));
      assert.deepEqual(await s.devices.deleteDevices(dave, [deviceId('D1')] as DeviceId[]), ['D1']);
      assert.deepEqual(await s.toDevice.pending(dave, deviceId('D1'), 0, 100, 10), []);
      assert.equal((await s.toDevice.pending(dave, deviceId('D2'), 0, 100, 10)).length, 1);
      assert.deepEqual((await s.toDevice.streamPositions()).devices.map((d) => d.deviceId), ['D2']);
    });
  });
}
