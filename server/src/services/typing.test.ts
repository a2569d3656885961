import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MatrixError } from '../core/errors.js';
import type { DeviceId, RoomId, UserId } from '../core/ids.js';
import { createNotifier } from './notifier.js';
import type { Requester } from './requester.js';
import type { LiveRoom } from './room-events.js';
import type { SyncContext, SyncPosition } from './sync-sources.js';
import { createTypingService } from './typing.js';

const ROOM = '!room:hs' as RoomId;
const alice = '@alice:hs' as UserId;
const bob = '@bob:hs' as UserId;
const requester = (userId: UserId): Requester => ({ userId, deviceId: 'D' as DeviceId, isGuest: false, isAdmin: false, accessTokenId: 1 });
const position = (typing: number): SyncPosition => ({ room: 0, accountData: 0, receipts: 0, toDevice: 0, presence: 0, typing });
const ctx = (since: number | null, ignored: UserId[] = []): SyncContext => ({
  userId: bob,
  deviceId: 'B' as DeviceId,
  since: since === null ? null : position(since),
  upTo: position(1000),
  filter: {},
  fullState: false,
  ignored: new Set(ignored),
});

function setup(joined: UserId[] = [alice, bob]) {
  const notifier = createNotifier(0);
  const woken: RoomId[][] = [];
  const active: UserId[] = [];
  const wrapped = { ...notifier, rooms: (ids: Iterable<RoomId>) => woken.push([...ids]) };
  const typing = createTypingService({
    events: {
      loadRoom: async (roomId) => (roomId === ROOM ? ({ roomId } as LiveRoom) : null),
      membershipIn: async (_room, userId) => (joined.includes(userId) ? 'join' : null),
    },
    notifier: wrapped,
    onActive: (userId) => active.push(userId),
  });
  return { typing, woken, active };
}

const typists = async (service: ReturnType<typeof setup>['typing'], c: SyncContext) =>
  (await service.source.rooms!(c, [ROOM])).get(ROOM)?.ephemeral?.[0]?.content;

test('a change moves the stream and wakes the room; a repeat only extends the timer', async (t) => {
  const { typing, woken, active } = setup();
  t.after(() => typing.close());
  assert.equal(typing.source.current(), 0);
  assert.equal(await typists(typing, ctx(null)), undefined, 'nobody typing: nothing for a new room');
  await typing.setTyping(requester(alice), ROOM, alice, true, 10_000);
  assert.equal(typing.source.current(), 1);
  assert.deepEqual(woken, [[ROOM]]);
  assert.deepEqual(active, [alice]);
  assert.deepEqual(await typists(typing, ctx(null)), { user_ids: [alice] });
  assert.deepEqual(await typists(typing, ctx(0)), { user_ids: [alice] });
  assert.equal(await typists(typing, ctx(1)), undefined, 'nothing since the token');
  await typing.setTyping(requester(alice), ROOM, alice, true, 10_000);
  assert.equal(typing.source.current(), 1, 'still typing: no news');
  await typing.setTyping(requester(bob), ROOM, bob, true, 10_000);
  assert.deepEqual(await typists(typing, ctx(1)), { user_ids: [alice, bob] });
  assert.deepEqual(await typists(typing, ctx(1, [alice])), { user_ids: [bob] }, 'ignored users are left out');
  await typing.setTyping(requester(alice), ROOM, alice, false, undefined);
  assert.deepEqual(await typists(typing, ctx(2)), { user_ids: [bob] });
  await typing.setTyping(requester(alice), ROOM, alice, false, undefined);
  assert.equal(typing.source.current(), 3, 'stopping when not typing is no news');
});

test('typing expires after its timeout', async (t) => {
  const { typing } = setup();
  t.after(() => typing.close());
  await typing.setTyping(requester(alice), ROOM, alice, true, 30);
  assert.deepEqual(typing.typingIn(ROOM), [alice]);
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.deepEqual(typing.typingIn(ROOM), []);
  assert.equal(typing.source.current(), 2);
  assert.deepEqual(await typists(typing, ctx(1)), { user_ids: [] });
});

test('only for yourself, only when joined', async (t) => {
  const { typing } = setup([alice]);
  t.after(() => typing.close());
  await assert.rejects(typing.setTyping(requester(alice), ROOM, bob, true, 1000), (error: MatrixError) => error.errcode === 'M_FORBIDDEN' && error.status === 400);
  await assert.rejects(typing.setTyping(requester(bob), ROOM, bob, true, 1000), (error: MatrixError) => error.status === 403);
  await assert.rejects(typing.setTyping(requester(alice), '!other:hs' as RoomId, alice, true, 1000), (error: MatrixError) => error.status === 403);
  assert.equal(typing.source.current(), 0);
});
