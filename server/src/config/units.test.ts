import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DURATION_PATTERN, SIZE_PATTERN, parseDuration, parseSize } from './units.js';

test('durations: a bare number is milliseconds, suffixes ms s m h d w y', () => {
  assert.equal(parseDuration(1500), 1500);
  assert.equal(parseDuration('1500'), 1500);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('12h'), 43_200_000);
  assert.equal(parseDuration('7d'), 604_800_000);
  assert.equal(parseDuration('1w'), 604_800_000);
  assert.equal(parseDuration('1y'), 31_536_000_000);
  assert.equal(parseDuration('0s'), 0);
  assert.equal(parseDuration(' 2m '), 120_000);
});

test('bad durations throw', () => {
  for (const bad of ['', 'm', '5 minutes', '1.5h', '-1s', '5M', '5mm', '10x']) {
    assert.throws(() => parseDuration(bad), /not a duration/, bad);
  }
});

test('sizes: a bare number is bytes, K M G are powers of 1024', () => {
  assert.equal(parseSize(2048), 2048);
  assert.equal(parseSize('2048'), 2048);
  assert.equal(parseSize('512K'), 512 * 1024);
  assert.equal(parseSize('50M'), 50 * 1024 * 1024);
  assert.equal(parseSize('1G'), 1024 ** 3);
  for (const bad of ['', 'M', '1.5M', '10k', '10MB', '-1', '10T']) {
    assert.throws(() => parseSize(bad), /not a size/, bad);
  }
});

test('the schema patterns accept exactly what the parsers accept', () => {
  const duration = new RegExp(DURATION_PATTERN);
  const size = new RegExp(SIZE_PATTERN);
  for (const ok of ['1', '250ms', '30s', '5m', '12h', '7d', '1w', '1y']) {
    assert.ok(duration.test(ok), ok);
    assert.doesNotThrow(() => parseDuration(ok));
  }
  for (const bad of ['m', '5 minutes', '1.5h', '5M']) assert.equal(duration.test(bad), false, bad);
  for (const ok of ['1', '512K', '50M', '1G']) {
    assert.ok(size.test(ok), ok);
    assert.doesNotThrow(() => parseSize(ok));
  }
  for (const bad of ['10k', '10MB', '1.5M']) assert.equal(size.test(bad), false, bad);
});
