// The storage indexer's m.relates_to parser must read relationships exactly as the protocol core does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { relationOf } from '../../rooms/relations.js';
import { createParentFilter, parseRelatesTo } from './relations.js';

test('parseRelatesTo agrees with rooms/relations relationOf on every shape', () => {
  const cases: Array<Record<string, unknown> | undefined> = [
    undefined,
    {},
    { body: 'x' },
    { 'm.relates_to': null },
    { 'm.relates_to': [] },
    { 'm.relates_to': 'x' },
    { 'm.relates_to': {} },
    { 'm.relates_to': { rel_type: 'm.thread', event_id: '$root' } },
    { 'm.relates_to': { rel_type: 'm.thread', event_id: '$root', is_falling_back: true, 'm.in_reply_to': { event_id: '$x' } } },
    { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$e', key: '👍' } },
    { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$e', key: 3 } },
    { 'm.relates_to': { rel_type: 'm.reference', event_id: '$e', key: 'k' } },
    { 'm.relates_to': { rel_type: 'm.replace', event_id: '$e' } },
    { 'm.relates_to': { rel_type: '', event_id: '$e' } },
    { 'm.relates_to': { rel_type: 'x'.repeat(256), event_id: '$e' } },
    { 'm.relates_to': { rel_type: 'm.thread', event_id: 'e' } },
    { 'm.relates_to': { rel_type: 'm.thread', event_id: `$${'x'.repeat(255)}` } },
    { 'm.relates_to': { rel_type: 'm.thread', event_id: `$${'x'.repeat(254)}` } },
    { 'm.relates_to': { rel_type: 7, event_id: '$e' } },
    { 'm.relates_to': { 'm.in_reply_to': { event_id: '$e' } } },
  ];
  for (const content of cases) assert.deepEqual(parseRelatesTo(content), relationOf(content), JSON.stringify(content));
});

test('the parent filter never forgets an added ID and rarely claims an unknown one', () => {
  const filter = createParentFilter();
  const added = Array.from({ length: 20_000 }, (_, i) => `$added${i}:example.org`);
  for (const id of added) filter.add(id);
  for (const id of added) assert.equal(filter.mightContain(id), true, id);
  let falsePositives = 0;
  for (let i = 0; i < 20_000; i++) if (filter.mightContain(`$other${i}:example.org`)) falsePositives++;
  assert.ok(falsePositives < 20, `${falsePositives} false positives in 20000`);
  // A small filter still has no false negatives.
  const small = createParentFilter(1 << 10);
  for (const id of added.slice(0, 500)) small.add(id);
  for (const id of added.slice(0, 500)) assert.equal(small.mightContain(id), true);
});
