import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoomId, UserId } from '../core/ids.js';
import { createNotifier } from './notifier.js';

test('wakes listeners of the room, and the user a membership event targets', () => {
  const notifier = createNotifier(0);
  const woken: string[] = [];
  const listen = (name: string, userId: string, rooms: string[]) =>
    notifier.listen({ userId: userId as UserId, rooms: new Set(rooms as RoomId[]), wake: () => woken.push(name) });
  const stopAlice = listen('alice', '@alice:hs', ['!r1']);
  listen('bob', '@bob:hs', ['!r2']);
  notifier.roomEvent({ roomId: '!r1' as RoomId, streamOrdering: 5 });
  assert.deepEqual(woken, ['alice']);
  notifier.roomEvent({ roomId: '!r1' as RoomId, streamOrdering: 6, memberStateKey: '@bob:hs' });
  assert.deepEqual(woken, ['alice', 'alice', 'bob']);
  assert.equal(notifier.position, 6);
  stopAlice();
  notifier.roomEvent({ roomId: '!r1' as RoomId, streamOrdering: 7 });
  assert.deepEqual(woken, ['alice', 'alice', 'bob']);
  notifier.users(['@bob:hs' as UserId]);
  assert.deepEqual(woken.at(-1), 'bob');
});

test('latestFor reports the newest position of the watched rooms and the user', () => {
  const notifier = createNotifier(0);
  notifier.roomEvent({ roomId: '!a' as RoomId, streamOrdering: 3 });
  notifier.roomEvent({ roomId: '!b' as RoomId, streamOrdering: 4, memberStateKey: '@u:hs' });
  notifier.roomEvent({ roomId: '!c' as RoomId, streamOrdering: 9 });
  assert.equal(notifier.latestFor(['!a' as RoomId], '@x:hs' as UserId), 3);
  assert.equal(notifier.latestFor(['!a' as RoomId], '@u:hs' as UserId), 4);
  assert.equal(notifier.latestFor([], '@x:hs' as UserId), 0);
});

test('roomChangedSince knows rooms quiet since startup have nothing new', () => {
  const notifier = createNotifier(10);
  notifier.roomEvent({ roomId: '!a' as RoomId, streamOrdering: 12 });
  assert.equal(notifier.roomChangedSince('!a' as RoomId, 11), true);
  assert.equal(notifier.roomChangedSince('!a' as RoomId, 12), false);
  assert.equal(notifier.roomChangedSince('!quiet' as RoomId, 10), false);
  assert.equal(notifier.roomChangedSince('!quiet' as RoomId, 9), true);
});
