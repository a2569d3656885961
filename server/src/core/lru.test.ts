import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLru } from './lru.js';

test('evicts the least recently used entry', () => {
  const lru = createLru<string, number>(2);
  lru.set('a', 1);
  lru.set('b', 2);
  assert.equal(lru.get('a'), 1); // a is now the most recent
  lru.set('c', 3);
  assert.equal(lru.get('b'), undefined);
  assert.equal(lru.get('a'), 1);
  assert.equal(lru.get('c'), 3);
  assert.equal(lru.size, 2);
  lru.delete('a');
  assert.equal(lru.get('a'), undefined);
  lru.clear();
  assert.equal(lru.size, 0);
});
