/** Shaping stored unread rows into sync's unread_notifications / unread_thread_notifications. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoomId, UserId } from '../core/ids.js';
import type { UnreadCountRow } from '../storage/types.js';
import { createUnreadCounts } from './unread-counts.js';

const one = '!one:hs' as RoomId;
const two = '!two:hs' as RoomId;
const quiet = '!quiet:hs' as RoomId;
const rows: UnreadCountRow[] = [
  { roomId: one, threadId: 'main', notifications: 2, highlights: 0 },
  { roomId: one, threadId: '$root', notifications: 3, highlights: 1 },
  { roomId: two, threadId: '$other', notifications: 1, highlights: 1 },
];
const counts = createUnreadCounts({ pushActions: { unreadCounts: async () => rows } });
const user = '@u:hs' as UserId;

test('without thread counts, a room sums its main timeline and threads; quiet rooms get zeros', async () => {
  const result = await counts(user, [one, two, quiet], false);
  assert.deepEqual(result.get(one), { unread_notifications: { notification_count: 5, highlight_count: 1 } });
  assert.deepEqual(result.get(two), { unread_notifications: { notification_count: 1, highlight_count: 1 } });
  assert.deepEqual(result.get(quiet), { unread_notifications: { notification_count: 0, highlight_count: 0 } });
});

test('with thread counts, the main timeline and each thread root are apart (an empty object when none)', async () => {
  const result = await counts(user, [one, two, quiet], true);
  assert.deepEqual(result.get(one), {
    unread_notifications: { notification_count: 2, highlight_count: 0 },
    unread_thread_notifications: { $root: { notification_count: 3, highlight_count: 1 } },
  });
  assert.deepEqual(result.get(two), {
    unread_notifications: { notification_count: 0, highlight_count: 0 },
    unread_thread_notifications: { $other: { notification_count: 1, highlight_count: 1 } },
  });
  assert.deepEqual(result.get(quiet), { unread_notifications: { notification_count: 0, highlight_count: 0 }, unread_thread_notifications: {} });
});
