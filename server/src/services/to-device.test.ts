import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import pino from 'pino';
import { createFakeClock } from '../core/clock.js';
import type { MatrixError } from '../core/errors.js';
import type { DeviceId, UserId } from '../core/ids.js';
import { account, deviceId, issue, registerOk } from '../storage/contract/fixtures.js';
import { openSqliteStorage } from '../storage/sqlite/index.js';
import type { Requester } from './requester.js';
import type { SyncContext, SyncPosition } from './sync-sources.js';
import { createToDeviceService } from './to-device.js';

const position = (toDevice: number): SyncPosition => ({ room: 0, accountData: 0, receipts: 0, toDevice, presence: 0, typing: 0 });

async function setup(t: TestContext) {
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-to-device-'));
  const storage = openSqliteStorage(path.join(dir, 'hs.db'), { synchronous: 'NORMAL' });
  t.after(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const alice = await registerOk(storage, account('alice', { device: 'A1' }));
  const bob = await registerOk(storage, account('bob', { device: 'B1' }));
  await storage.sessions.createSession({ userId: bob, deviceId: deviceId('B2'), deviceDisplayName: null, tokens: issue().tokens, now: 0 });
  const woken: UserId[] = [];
  const open = async (limit?: number) =>
    createToDeviceService({
      toDevice: storage.toDevice,
      notifier: { users: (ids) => woken.push(...ids) },
      clock: createFakeClock(),
      serverName: 'contract.test',
      log: pino({ level: 'silent' }),
      initial: await storage.toDevice.streamPositions(),
      limit,
    });
  return { storage, alice, bob, woken, open };
}

const requester = (userId: UserId, device = 'A1'): Requester => ({ userId, deviceId: device as DeviceId, isGuest: false, isAdmin: false, accessTokenId: 1 });
const ctx = (userId: UserId, device: string, since: number | null, upTo: number): SyncContext => ({
  userId,
  deviceId: device as DeviceId,
  since: since === null ? null : position(since),
  upTo: position(upTo),
  filter: {},
  fullState: false,
  ignored: new Set(),
});

test('delivered to each device until a later token acknowledges it; retransmissions are ignored', async (t) => {
  const { alice, bob, woken, open } = await setup(t);
  const service = await open();
  await service.send(requester(alice), 'm.key', 't1', { [bob]: { '*': { secret: 1 } }, '@carol:elsewhere': { X: { dropped: true } } });
  assert.deepEqual(woken, [bob]);
  assert.equal(service.source.current(), 2);
  await service.send(requester(alice), 'm.key', 't1', { [bob]: { '*': { secret: 1 } } });
  assert.equal(service.source.current(), 2, 'same transaction: nothing more');

  const first = await service.source.global!(ctx(bob, 'B1', null, 2));
  assert.deepEqual(first, { sections: { to_device: [{ sender: alice, type: 'm.key', content: { secret: 1 } }] } });
  // The same token again (the response was lost): delivered again.
  assert.deepEqual((await service.source.global!(ctx(bob, 'B1', 0, 2)))?.sections.to_device?.length, 1);
  // The next token acknowledges it: gone, also after a restart.
  assert.equal(await service.source.global!(ctx(bob, 'B1', 2, 2)), null);
  const restarted = await open();
  assert.equal(await restarted.source.global!(ctx(bob, 'B1', 0, 2)), null);
  assert.deepEqual((await restarted.source.global!(ctx(bob, 'B2', 0, 2)))?.sections.to_device?.length, 1, 'the other device still has its copy');
  assert.equal(await service.source.global!(ctx(alice, 'A1', null, 2)), null, 'nothing for the sender');
});

test('more than a page: the token stops at the last message listed', async (t) => {
  const { alice, bob, open } = await setup(t);
  const service = await open(2);
  for (let i = 0; i < 5; i++) await service.send(requester(alice), 'm.n', `n${i}`, { [bob]: { B1: { i } } });
  const upTo = service.source.current();
  const seen: number[] = [];
  let since: number | null = null;
  for (let round = 0; round < 5; round++) {
    const result = await service.source.global!(ctx(bob, 'B1', since, upTo));
    if (!result) break;
    seen.push(...(result.sections.to_device ?? []).map((event) => (event.content as { i: number }).i));
    since = result.position ?? upTo;
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
});

test('a recipient that is not a user ID is refused', async (t) => {
  const { alice, open } = await setup(t);
  const service = await open();
  await assert.rejects(service.send(requester(alice), 'm.x', 'bad', { 'not-a-user': { D: {} } }), (error: MatrixError) => error.errcode === 'M_INVALID_PARAM');
  assert.equal(service.source.current(), 0);
});
