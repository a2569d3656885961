import assert from 'node:assert/strict';
import test from 'node:test';
import { keepOnlyFields, splitDottedPath } from './dotted-path.js';

test('dotted paths split on dots and unescape \\. and \\\\ only (spec appendix examples)', () => {
  assert.deepEqual(splitDottedPath('content.body'), ['content', 'body']);
  assert.deepEqual(splitDottedPath('content.m\\.relates_to'), ['content', 'm.relates_to']);
  assert.deepEqual(splitDottedPath('content.m\\\\foo'), ['content', 'm\\foo']);
  assert.deepEqual(splitDottedPath('content.\\x'), ['content', '\\x']);
  assert.deepEqual(splitDottedPath('type'), ['type']);
});

test('keepOnlyFields keeps the named properties, nested, and skips missing ones', () => {
  const event = { type: 'm.room.message', sender: '@a:x', content: { body: 'hi', msgtype: 'm.text', 'm.relates_to': { rel_type: 'm.thread' } } };
  const paths = ['type', 'content.body', 'content.m\\.relates_to', 'content.missing.deeper', 'unsigned.age'].map(splitDottedPath);
  assert.deepEqual(keepOnlyFields(event, paths), { type: 'm.room.message', content: { body: 'hi', 'm.relates_to': { rel_type: 'm.thread' } } });
  assert.deepEqual(keepOnlyFields(event, [['content']]), { content: event.content });
  // A path through a non-object stops there.
  assert.deepEqual(keepOnlyFields(event, [['type', 'length']]), {});
});
