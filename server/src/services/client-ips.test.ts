import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { createFakeClock } from '../core/clock.js';
import type { DeviceId, UserId } from '../core/ids.js';
import { openSqliteStorage } from '../storage/sqlite/index.js';
import type { LastSeen } from '../storage/types.js';
import { createClientIps } from './client-ips.js';

const alice = '@alice:hs' as UserId;
const phone = 'PHONE' as DeviceId;
const laptop = 'LAPTOP' as DeviceId;

function recorder() {
  const batches: LastSeen[][] = [];
  return { batches, devices: { recordLastSeen: async (entries: readonly LastSeen[]) => void batches.push([...entries]) } };
}

test('a request is remembered in memory at once, with the clock\'s time', async () => {
  const clock = createFakeClock();
  const { devices, batches } = recorder();
  const ips = createClientIps({ devices, clock, flushIntervalMs: 60_000 });
  assert.equal(ips.pendingFor(alice, phone), undefined);
  ips.record(alice, phone, '10.0.0.1', 'Element/1.0');
  assert.deepEqual(ips.pendingFor(alice, phone), { userId: alice, deviceId: phone, ip: '10.0.0.1', userAgent: 'Element/1.0', ts: clock.now() });
  assert.equal(ips.pendingFor(alice, laptop), undefined);
  assert.deepEqual(batches, [], 'nothing is written on the request path');
  await ips.close();
});

test('flush writes one entry per device, the latest, in one batch, and forgets them', async () => {
  const clock = createFakeClock();
  const { devices, batches } = recorder();
  const ips = createClientIps({ devices, clock, flushIntervalMs: 60_000 });
  ips.record(alice, phone, '10.0.0.1', null);
  clock.advance(1000);
  ips.record(alice, phone, '10.0.0.2', 'ua');
  ips.record(alice, laptop, '::1', null);
  await ips.flush();
  assert.equal(batches.length, 1);
  assert.deepEqual(
    batches[0]?.map((e) => [e.deviceId, e.ip, e.ts]),
    [
      [phone, '10.0.0.2', clock.now()],
      [laptop, '::1', clock.now()],
    ],
  );
  assert.equal(ips.pendingFor(alice, phone), undefined);
  await ips.flush();
  assert.equal(batches.length, 1, 'an empty flush writes nothing');
  await ips.close();
});

test('the same device ID of two users is two entries', async () => {
  const { devices, batches } = recorder();
  const ips = createClientIps({ devices, clock: createFakeClock(), flushIntervalMs: 60_000 });
  ips.record(alice, phone, '10.0.0.1', null);
  ips.record('@bob:hs' as UserId, phone, '10.0.0.2', null);
  await ips.flush();
  assert.equal(batches[0]?.length, 2);
  await ips.close();
});

test('entries are flushed on a timer, and close() flushes what is left and stops the timer', async () => {
  const { devices, batches } = recorder();
  const ips = createClientIps({ devices, clock: createFakeClock(), flushIntervalMs: 10 });
  ips.record(alice, phone, '10.0.0.1', null);
  for (let i = 0; i < 50 && batches.length === 0; i++) await sleep(10);
  assert.equal(batches.length, 1, 'the timer flushed');
  ips.record(alice, laptop, '10.0.0.3', null);
  await ips.close();
  assert.equal(batches.length, 2, 'close flushed');
  ips.record(alice, laptop, '10.0.0.4', null);
  await sleep(40);
  assert.equal(batches.length, 2, 'no flush after close');
});

test('with SQLite storage: a flush updates the device\'s last-seen columns', async () => {
  const storage = openSqliteStorage(':memory:', { synchronous: 'NORMAL' });
  const clock = createFakeClock();
  const hash = Buffer.alloc(32, 1);
  await storage.users.register({
    localpart: 'alice',
    serverName: 'hs',
    passwordHash: null,
    isAdmin: false,
    isGuest: false,
    displayName: null,
    registrationToken: null,
    uiaSessionId: null,
    session: { deviceId: phone, deviceDisplayName: null, tokens: { accessTokenHash: hash, accessExpiresTs: null } },
    now: clock.now(),
  });
  const ips = createClientIps({ devices: storage.devices, clock, flushIntervalMs: 60_000 });
  clock.advance(5000);
  ips.record(alice, phone, '192.0.2.7', 'curl/8');
  await ips.close();
  const device = await storage.devices.getDevice(alice, phone);
  assert.equal(device?.lastSeenIp, '192.0.2.7');
  assert.equal(device?.lastSeenTs, clock.now());
  assert.equal(device?.lastSeenUserAgent, 'curl/8');
  await storage.close();
});

test('a failed write keeps its entries for the next flush, without overwriting newer sightings', async () => {
  const clock = createFakeClock();
  const written: LastSeen[][] = [];
  let fail = true;
  const devices = {
    recordLastSeen: async (entries: readonly LastSeen[]) => {
      if (fail) throw new Error('disk full');
      written.push([...entries]);
    },
  };
  const ips = createClientIps({ devices, clock, flushIntervalMs: 60_000 });
  ips.record(alice, phone, '10.0.0.1', null);
  ips.record(alice, laptop, '10.0.0.2', null);
  await assert.rejects(ips.flush(), /disk full/);
  clock.advance(1000);
  ips.record(alice, laptop, '10.0.0.3', null);
  fail = false;
  await ips.flush();
  assert.equal(written.length, 1);
  const byDevice = new Map(written[0]?.map((entry) => [entry.deviceId, entry.ip]));
  assert.deepEqual(Object.fromEntries(byDevice), { PHONE: '10.0.0.1', LAPTOP: '10.0.0.3' });
  await ips.close();
});
