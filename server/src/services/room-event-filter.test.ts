import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MatrixError } from '../core/errors.js';
import type { StoredEvent } from '../storage/types.js';
import { eventMatches, parseRoomEventFilter, roomExcluded, storageFilter } from './room-event-filter.js';

const event = (type: string, sender: string, content: Record<string, unknown> = {}) => ({ roomId: '!r:hs', pdu: { type, sender, content } }) as unknown as StoredEvent;
const badJson = (error: unknown) => error instanceof MatrixError && error.errcode === 'M_BAD_JSON';

test('parses inline JSON, also encoded twice; absent or empty is no filter', () => {
  assert.deepEqual(parseRoomEventFilter(undefined), {});
  assert.deepEqual(parseRoomEventFilter(''), {});
  assert.deepEqual(parseRoomEventFilter('{"types":["m.room.message"],"limit":5}'), { types: ['m.room.message'], limit: 5 });
  assert.deepEqual(parseRoomEventFilter(encodeURIComponent('{"lazy_load_members":true}')), { lazy_load_members: true });
});

test('refuses malformed filters with M_BAD_JSON', () => {
  for (const bad of ['{', '[]', '"x"', '{"types":"m.room.message"}', '{"senders":[1]}', '{"limit":0}', '{"limit":1.5}', '{"contains_url":"yes"}']) {
    assert.throws(() => parseRoomEventFilter(bad), badJson, bad);
  }
});

test('types with trailing wildcards, exact senders, contains_url', () => {
  const message = event('m.room.message', '@a:hs', { body: 'x' });
  const image = event('m.room.message', '@b:hs', { url: 'mxc://hs/x' });
  const custom = event('org.example.thing', '@a:hs');
  assert.equal(eventMatches({ types: ['m.room.*'] }, message), true);
  assert.equal(eventMatches({ types: ['m.room.*'] }, custom), false);
  assert.equal(eventMatches({ not_types: ['org.*'] }, custom), false);
  assert.equal(eventMatches({ senders: ['@b:hs'] }, message), false);
  assert.equal(eventMatches({ not_senders: ['@b:hs'] }, image), false);
  assert.equal(eventMatches({ contains_url: true }, image), true);
  assert.equal(eventMatches({ contains_url: true }, message), false);
  assert.equal(eventMatches({ contains_url: false }, image), false);
  assert.equal(eventMatches({ types: [] }, message), false);
  assert.equal(eventMatches({}, custom), true);
  assert.equal(eventMatches({ not_rooms: ['!r:hs'] }, custom), false);
});

test('storage gets only what SQL can apply exactly', () => {
  assert.deepEqual(storageFilter({ types: ['a', 'b*'], not_types: ['c', 'd*'], senders: ['@x:hs'] }), {
    types: undefined,
    notTypes: ['c'],
    senders: ['@x:hs'],
    notSenders: undefined,
  });
  assert.deepEqual(storageFilter({ types: ['a'] }).types, ['a']);
});

test('rooms and not_rooms', () => {
  assert.equal(roomExcluded({ rooms: ['!a:hs'] }, '!b:hs'), true);
  assert.equal(roomExcluded({ not_rooms: ['!a:hs'] }, '!a:hs'), true);
  assert.equal(roomExcluded({}, '!a:hs'), false);
});
