// The pure parts of the search service: next_batch tokens and highlights.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MatrixError } from '../core/errors.js';
import { decodeBatchToken, encodeBatchToken, highlightsOf } from './search.js';

test('next_batch tokens round-trip, with and without a group', () => {
  const plain = { order: 'recent', after: { rank: 0.5, streamOrdering: 42 } } as const;
  assert.deepEqual(decodeBatchToken(encodeBatchToken(plain)), plain);
  const grouped = { order: 'rank', after: { rank: -1.25e-7, streamOrdering: 7 }, group: { key: 'room_id', value: '!r:hs' } } as const;
  assert.deepEqual(decodeBatchToken(encodeBatchToken(grouped)), grouped);
  assert.match(encodeBatchToken(grouped), /^[A-Za-z0-9_-]+$/, 'URL-safe');
});

test('malformed next_batch tokens are 400 M_INVALID_PARAM', () => {
  const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  for (const token of [
    '',
    'not base64!',
    b64('not json'),
    b64(null),
    b64([]),
    b64({ o: 'sideways', r: 0, s: 1 }),
    b64({ o: 'rank', r: 'x', s: 1 }),
    b64({ o: 'rank', r: 0, s: -1 }),
    b64({ o: 'rank', r: 0, s: 1.5 }),
    b64({ o: 'rank', r: 0, s: 1, g: 'type', v: 'x' }),
    b64({ o: 'rank', r: 0, s: 1, g: 'room_id' }),
    'a'.repeat(2001),
  ]) {
    assert.throws(() => decodeBatchToken(token), (error: unknown) => error instanceof MatrixError && error.errcode === 'M_INVALID_PARAM', token);
  }
});

test('highlights are the words looked for, lower-cased, without operators or excluded terms', () => {
  assert.deepEqual(highlightsOf('Martians and MEN'), ['martians', 'and', 'men']);
  assert.deepEqual(highlightsOf('"red planet" OR mars -venus AND -"jupiter moon"'), ['red', 'planet', 'mars']);
  assert.deepEqual(highlightsOf('café (crème)*'), ['café', 'crème']);
  assert.deepEqual(highlightsOf('a a A'), ['a']);
  assert.deepEqual(highlightsOf('* ( )'), []);
});
