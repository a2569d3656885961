import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeClock } from '../core/clock.js';
import { MatrixError } from '../core/errors.js';
import { createRateLimiter } from './rate-limiter.js';

const limited = (fn: () => void): MatrixError => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof MatrixError, String(error));
    return error;
  }
  assert.fail('expected M_LIMIT_EXCEEDED');
};

test('a burst of burst_count actions is allowed, the next one is refused with 429 M_LIMIT_EXCEEDED', () => {
  const clock = createFakeClock();
  const limiter = createRateLimiter({ perSecond: 1, burstCount: 3 }, clock);
  for (let i = 0; i < 3; i++) limiter.take('1.2.3.4');
  const error = limited(() => limiter.take('1.2.3.4'));
  assert.equal(error.errcode, 'M_LIMIT_EXCEEDED');
  assert.equal(error.status, 429);
  assert.equal(error.extras.retry_after_ms, 1000);
});

test('the bucket refills at per_second', () => {
  const clock = createFakeClock();
  const limiter = createRateLimiter({ perSecond: 2, burstCount: 2 }, clock);
  limiter.take('k');
  limiter.take('k');
  assert.equal(limiter.check('k').allowed, false);
  clock.advance(499);
  assert.equal(limiter.check('k').allowed, false);
  clock.advance(1);
  assert.equal(limiter.check('k').allowed, true, 'half a second refills one action at 2/s');
  limiter.take('k');
  assert.equal(limiter.check('k').allowed, false);
  clock.advance(10_000);
  // A long pause refills to the burst, never beyond it.
  limiter.take('k');
  limiter.take('k');
  assert.equal(limiter.check('k').allowed, false);
});

test('retry_after_ms says when the next action will be allowed', () => {
  const clock = createFakeClock();
  const limiter = createRateLimiter({ perSecond: 0.5, burstCount: 2 }, clock);
  limiter.take('k');
  limiter.take('k');
  assert.deepEqual(limiter.check('k'), { allowed: false, retryAfterMs: 2000 });
  clock.advance(500);
  assert.deepEqual(limiter.check('k'), { allowed: false, retryAfterMs: 1500 });
  clock.advance(1500);
  assert.deepEqual(limiter.check('k'), { allowed: true });

  // Synapse's default login limit (0.17/s): the wait is rounded up to whole milliseconds in the error.
  const slow = createRateLimiter({ perSecond: 0.17, burstCount: 1 }, clock);
  slow.take('k');
  const error = limited(() => slow.take('k'));
  assert.equal(error.extras.retry_after_ms, Math.ceil(1000 / 0.17));
});

test('keys have separate buckets', () => {
  const clock = createFakeClock();
  const limiter = createRateLimiter({ perSecond: 1, burstCount: 1 }, clock);
  limiter.take('@alice:hs');
  assert.equal(limiter.check('@alice:hs').allowed, false);
  assert.equal(limiter.check('@bob:hs').allowed, true);
  limiter.take('@bob:hs');
});

test('check takes nothing; record counts even past the limit (failures counted after the fact)', () => {
  const clock = createFakeClock();
  const limiter = createRateLimiter({ perSecond: 1, burstCount: 2 }, clock);
  for (let i = 0; i < 10; i++) assert.equal(limiter.check('k').allowed, true);
  limiter.record('k');
  limiter.record('k');
  limiter.record('k');
  // Three recorded against a burst of two: two seconds until one more is allowed.
  assert.deepEqual(limiter.check('k'), { allowed: false, retryAfterMs: 2000 });
  clock.advance(2000);
  assert.equal(limiter.check('k').allowed, true);
});

test('a refused take doesn\'t count against the bucket', () => {
  const clock = createFakeClock();
  const limiter = createRateLimiter({ perSecond: 1, burstCount: 1 }, clock);
  limiter.take('k');
  for (let i = 0; i < 5; i++) limited(() => limiter.take('k'));
  clock.advance(1000);
  limiter.take('k');
});

test('many keys (past the sweep threshold) keep working', () => {
  const clock = createFakeClock();
  const limiter = createRateLimiter({ perSecond: 1, burstCount: 1 }, clock);
  for (let i = 0; i < 10_050; i++) limiter.take(`ip-${i}`);
  clock.advance(500);
  // Half refilled buckets must not be forgotten by the sweep.
  for (let i = 10_050; i < 10_100; i++) limiter.take(`ip-${i}`);
  assert.equal(limiter.check('ip-10099').allowed, false);
  assert.equal(limiter.check('ip-5').allowed, false);
  clock.advance(500);
  assert.equal(limiter.check('ip-5').allowed, true);
});

test('refund gives back an action taken earlier', () => {
  const clock = createFakeClock();
  const limiter = createRateLimiter({ perSecond: 0.001, burstCount: 2 }, clock);
  limiter.take('k');
  limiter.take('k');
  assert.equal(limiter.check('k').allowed, false);
  limiter.refund('k');
  assert.equal(limiter.check('k').allowed, true);
  limiter.refund('k');
  limiter.refund('k'); // never below empty
  limiter.take('k');
  limiter.take('k');
  assert.equal(limiter.check('k').allowed, false);
});
