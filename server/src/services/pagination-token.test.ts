import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MatrixError } from '../core/errors.js';
import { parsePaginationToken, requirePaginationToken, START_TOKEN, streamToken, tokenBefore, topologicalToken } from './pagination-token.js';

test('topological tokens round-trip', () => {
  assert.equal(topologicalToken(12, 345), 't12_345');
  assert.deepEqual(parsePaginationToken('t12_345'), { kind: 'topological', depth: 12, stream: 345 });
  assert.deepEqual(parsePaginationToken(START_TOKEN), { kind: 'topological', depth: 0, stream: 0 });
});

test('the token before an event is the position after (depth, stream - 1)', () => {
  assert.equal(tokenBefore(7, 40), 't7_39');
  assert.equal(tokenBefore(1, 0), 't1_0');
});

test('stream tokens, also the first part of a multi-part sync token', () => {
  assert.equal(streamToken(99), 's99');
  assert.deepEqual(parsePaginationToken('s99'), { kind: 'stream', stream: 99 });
  assert.deepEqual(parsePaginationToken('s99_3_7'), { kind: 'stream', stream: 99 });
});

test('anything else is refused', () => {
  for (const bad of ['', 't', 't1', 't1_', 't-1_2', 'x12', 's', 'sx', 's12x', 't1_2_3', 't1234567890123456_1', ' s1']) {
    assert.equal(parsePaginationToken(bad), null, bad);
  }
  assert.throws(() => requirePaginationToken('nope', 'from'), (error: unknown) => error instanceof MatrixError && error.errcode === 'M_INVALID_PARAM');
});
