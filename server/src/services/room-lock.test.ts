import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRoomLock } from './room-lock.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('jobs for one room run one at a time, in order, even when one fails', async () => {
  const lock = createRoomLock();
  const log: string[] = [];
  const job = (name: string, fail = false) => async () => {
    log.push(`start ${name}`);
    await tick();
    log.push(`end ${name}`);
    if (fail) throw new Error(name);
    return name;
  };
  const results = await Promise.allSettled([lock.run('!a', job('1')), lock.run('!a', job('2', true)), lock.run('!a', job('3'))]);
  assert.deepEqual(log, ['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
});

test('different rooms run concurrently', async () => {
  const lock = createRoomLock();
  const log: string[] = [];
  const job = (name: string) => async () => {
    log.push(`start ${name}`);
    await tick();
    log.push(`end ${name}`);
  };
  await Promise.all([lock.run('!a', job('a')), lock.run('!b', job('b'))]);
  assert.deepEqual(log.slice(0, 2), ['start a', 'start b']);
});
