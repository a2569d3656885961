import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareChildren, hasValidVia, type ChildState } from './space-hierarchy.js';

// Spec: client-server-api "Spaces": m.space.child validity and "Ordering of children within a space" (v1.19).

test('a child counts only with a non-empty via of strings', () => {
  assert.equal(hasValidVia({ via: ['example.org'] }), true);
  assert.equal(hasValidVia({ via: ['a.org', 'b.org'], suggested: true }), true);
  for (const content of [{}, { via: [] }, { via: 'example.org' }, { via: [1] }, { via: ['ok', null] }, { via: null }]) {
    assert.equal(hasValidVia(content), false, JSON.stringify(content));
  }
});

const child = (stateKey: string, ts: number, order?: unknown): ChildState => ({
  type: 'm.space.child',
  state_key: stateKey,
  sender: '@a:example.org',
  origin_server_ts: ts,
  content: { via: ['example.org'], ...(order === undefined ? {} : { order }) },
});

test("the spec's ordering example: valid orders first by code point, then timestamps, then room IDs", () => {
  const children = [
    child('!b:example.org', 1640341000000, ' '),
    child('!a:example.org', 1640141000000, 'aaaa'),
    child('!c:example.org', 1640841000000, 'first'),
    child('!e:example.org', 1640641000000),
    child('!d:example.org', 1640741000000),
  ];
  const shuffled = [children[3], children[0], children[4], children[2], children[1]] as ChildState[];
  assert.deepEqual(shuffled.sort(compareChildren).map((c) => c.state_key), ['!b:example.org', '!a:example.org', '!c:example.org', '!e:example.org', '!d:example.org']);
});

test('invalid orders (not a string, too long, outside \\x20-\\x7E) count as none; ties fall to timestamp then room ID', () => {
  const sorted = [
    child('!z', 5, 'x'.repeat(51)),
    child('!y', 5, 7),
    child('!x', 5, 'é'),
    child('!w', 9, 'm'),
    child('!v', 1, 'm'),
    child('!u', 5),
  ].sort(compareChildren);
  assert.deepEqual(sorted.map((c) => c.state_key), ['!v', '!w', '!u', '!x', '!y', '!z']);
});
