import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMoreRecent, isValidReplacement, relationOf, threadIdOf, threadParentProblem, type RelatedEventFacts } from './relations.js';

// Spec: client-server-api "Forming relationships between events", "Event replacements", "Threading" (v1.19).

test('relationOf reads rel_type, event_id and an annotation key; ignores what breaks the schema', () => {
  assert.deepEqual(relationOf({ 'm.relates_to': { rel_type: 'm.thread', event_id: '$root' } }), { relType: 'm.thread', eventId: '$root', key: null });
  assert.deepEqual(relationOf({ 'm.relates_to': { rel_type: 'm.annotation', event_id: '$e', key: '👍' } }), {
    relType: 'm.annotation',
    eventId: '$e',
    key: '👍',
  });
  // A key only counts for annotations.
  assert.equal(relationOf({ 'm.relates_to': { rel_type: 'm.reference', event_id: '$e', key: 'k' } })?.key, null);
  assert.equal(relationOf({ 'm.relates_to': { rel_type: 'org.example', event_id: '$e' } })?.relType, 'org.example');
  for (const bad of [
    undefined,
    {},
    { 'm.relates_to': null },
    { 'm.relates_to': [] },
    { 'm.relates_to': 'x' },
    { 'm.relates_to': { event_id: '$e' } },
    { 'm.relates_to': { rel_type: 'm.thread' } },
    { 'm.relates_to': { rel_type: '', event_id: '$e' } },
    { 'm.relates_to': { rel_type: 'm.thread', event_id: 'e' } },
    { 'm.relates_to': { rel_type: 'm.thread', event_id: 5 } },
    { 'm.relates_to': { rel_type: 7, event_id: '$e' } },
    { 'm.relates_to': { rel_type: 'm.thread', event_id: `$${'x'.repeat(300)}` } },
    // A rich reply alone is not a relationship with a rel_type.
    { 'm.relates_to': { 'm.in_reply_to': { event_id: '$e' } } },
  ]) {
    assert.equal(relationOf(bad as Record<string, unknown> | undefined), null, JSON.stringify(bad));
  }
});

test('threadIdOf: the m.thread target, and nothing for other relations', () => {
  assert.equal(threadIdOf({ 'm.relates_to': { rel_type: 'm.thread', event_id: '$root', is_falling_back: true, 'm.in_reply_to': { event_id: '$x' } } }), '$root');
  assert.equal(threadIdOf({ 'm.relates_to': { rel_type: 'm.replace', event_id: '$root' } }), null);
  assert.equal(threadIdOf({ body: 'hi' }), null);
});

const original: RelatedEventFacts = { roomId: '!r', sender: '@a', type: 'm.room.message', content: { body: 'hi', msgtype: 'm.text' } };
const edit = (overrides: Partial<RelatedEventFacts> = {}, content: Record<string, unknown> = {}): RelatedEventFacts => ({
  roomId: '!r',
  sender: '@a',
  type: 'm.room.message',
  content: {
    body: '* hello',
    'm.new_content': { body: 'hello', msgtype: 'm.text' },
    'm.relates_to': { rel_type: 'm.replace', event_id: '$orig' },
    ...content,
  },
  ...overrides,
});

test('a replacement is valid only under every rule of "Validity of replacement events"', () => {
  assert.equal(isValidReplacement(original, edit()), true);
  // msgtype may change.
  assert.equal(isValidReplacement(original, edit({}, { 'm.new_content': { body: 'waves', msgtype: 'm.emote' } })), true);
  assert.equal(isValidReplacement(original, edit({ roomId: '!other' })), false, 'another room');
  assert.equal(isValidReplacement(original, edit({ sender: '@b' })), false, 'another sender');
  assert.equal(isValidReplacement(original, edit({ type: 'm.sticker' })), false, 'another type');
  assert.equal(isValidReplacement({ ...original, stateKey: '' }, edit()), false, 'original is state');
  assert.equal(isValidReplacement(original, edit({ stateKey: '' })), false, 'replacement is state');
  assert.equal(
    isValidReplacement({ ...original, content: { 'm.relates_to': { rel_type: 'm.replace', event_id: '$x' } } }, edit()),
    false,
    'an edit of an edit',
  );
  assert.equal(isValidReplacement(original, edit({}, { 'm.new_content': undefined })), false, 'no m.new_content');
  assert.equal(isValidReplacement(original, edit({}, { 'm.new_content': 'text' })), false, 'm.new_content not an object');
  assert.equal(isValidReplacement(original, edit({}, { 'm.relates_to': { rel_type: 'm.thread', event_id: '$orig' } })), false, 'not m.replace');
  // A thread reply may be edited (its own relation is not m.replace).
  assert.equal(isValidReplacement({ ...original, content: { 'm.relates_to': { rel_type: 'm.thread', event_id: '$root' } } }, edit()), true);
});

test('an encrypted replacement is accepted without a cleartext m.new_content', () => {
  const encrypted: RelatedEventFacts = { ...original, type: 'm.room.encrypted', content: { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'x' } };
  const replacement = edit({ type: 'm.room.encrypted' }, { 'm.new_content': undefined, ciphertext: 'y' });
  assert.equal(isValidReplacement(encrypted, replacement), true);
});

test('the most recent replacement: larger origin_server_ts, then the larger event ID', () => {
  assert.equal(isMoreRecent({ originServerTs: 2, eventId: '$a' }, { originServerTs: 1, eventId: '$z' }), true);
  assert.equal(isMoreRecent({ originServerTs: 1, eventId: '$z' }, { originServerTs: 2, eventId: '$a' }), false);
  assert.equal(isMoreRecent({ originServerTs: 5, eventId: '$b' }, { originServerTs: 5, eventId: '$a' }), true);
  assert.equal(isMoreRecent({ originServerTs: 5, eventId: '$a' }, { originServerTs: 5, eventId: '$b' }), false);
});

test('a thread may not start from an event that has a relation', () => {
  assert.equal(threadParentProblem({ body: 'root' }), null);
  assert.match(threadParentProblem({ 'm.relates_to': { rel_type: 'm.thread', event_id: '$r' } }) ?? '', /relation/);
  // A plain rich reply can be a root.
  assert.equal(threadParentProblem({ 'm.relates_to': { 'm.in_reply_to': { event_id: '$r' } } }), null);
});
