import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import pino from 'pino';
import { createFakeClock } from '../core/clock.js';
import type { MatrixError } from '../core/errors.js';
import type { DeviceId, EventId, RoomId, UserId } from '../core/ids.js';
import { openSqliteStorage } from '../storage/sqlite/index.js';
import type { UserMembership, UserRecord } from '../storage/types.js';
import { createPresenceService, DEFAULT_PRESENCE_TIMINGS } from './presence.js';
import type { Requester } from './requester.js';
import type { SyncContext, SyncPosition } from './sync-sources.js';

const alice = '@alice:hs' as UserId;
const bob = '@bob:hs' as UserId;
const carol = '@carol:hs' as UserId;
const SHARED = '!shared:hs' as RoomId;
const requester = (userId: UserId): Requester => ({ userId, deviceId: 'D' as DeviceId, isGuest: false, isAdmin: false, accessTokenId: 1 });
const position = (presence: number): SyncPosition => ({ room: 0, accountData: 0, receipts: 0, toDevice: 0, presence, typing: 0 });
const ctx = (userId: UserId, since: number | null): SyncContext => ({
  userId,
  deviceId: 'D' as DeviceId,
  since: since === null ? null : position(since),
  upTo: position(1000),
  filter: {},
  fullState: false,
  ignored: new Set(),
});

function setup(t: TestContext) {
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-presence-'));
  const storage = openSqliteStorage(path.join(dir, 'hs.db'), { synchronous: 'NORMAL' });
  const clock = createFakeClock();
  const rooms: Record<string, RoomId[]> = { [alice]: [SHARED], [bob]: [SHARED], [carol]: [] };
  const woken: string[] = [];
  const memberships = new Map<UserId, number>();
  const open = (initial: Awaited<ReturnType<typeof storage.presence.allPresence>>) =>
    createPresenceService({
      presence: storage.presence,
      rooms: {
        membershipsOf: async (userId) =>
          (rooms[userId] ?? []).map((roomId): UserMembership => ({ roomId, membership: 'join', eventId: '$m' as EventId, streamOrdering: 1, forgotten: false })),
        usersInRoom: async (roomId) => Object.keys(rooms).filter((userId) => rooms[userId]?.includes(roomId)) as UserId[],
      },
      users: { getUser: async (userId) => (userId in rooms ? ({ userId } as UserRecord) : null) },
      notifier: {
        users: (ids) => woken.push(...[...ids].map((id) => `user ${id}`)),
        rooms: (ids) => woken.push(...[...ids].map((id) => `room ${id}`)),
        latestFor: (_rooms, userId) => memberships.get(userId) ?? 0,
      },
      clock,
      serverName: 'hs',
      log: pino({ level: 'silent' }),
      initial,
      timings: { sweepMs: 3_600_000 },
    });
  const presence = open([]);
  t.after(async () => {
    await presence.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { storage, clock, presence, woken, open, memberships };
}

const events = async (service: ReturnType<typeof setup>['presence'], c: SyncContext) =>
  ((await service.source.global!(c))?.sections.presence ?? []) as Array<{ sender: string; content: Record<string, unknown> }>;

test('a sync marks the user online once; further syncs while active change nothing', async (t) => {
  const { presence, clock, woken, storage } = setup(t);
  await presence.syncing(alice, 'online');
  assert.equal(presence.source.current(), 1);
  assert.deepEqual(woken, [`user ${alice}`]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(woken, [`user ${alice}`, `room ${SHARED}`], 'everyone sharing a room is woken');
  clock.advance(10_000);
  await presence.syncing(alice, 'online');
  assert.equal(presence.source.current(), 1, 'no announcement, no write');
  await presence.close();
  const stored = await storage.presence.allPresence();
  assert.equal(stored.length, 1);
  assert.equal(stored[0]?.state, 'online');
  assert.equal(presence.stateOf(alice)?.lastActiveTs, clock.now(), 'memory keeps the latest activity');
  // set_presence=offline leaves presence alone.
  await presence.syncing(bob, 'offline');
  assert.equal(presence.stateOf(bob), null);
});

test('sync events: those sharing a room, self, changed since the token; initial syncs skip offline users', async (t) => {
  const { presence, clock } = setup(t);
  await presence.syncing(alice, 'online');
  await presence.setPresence(requester(bob), bob, 'unavailable', 'lunch');
  await presence.syncing(carol, 'online');
  clock.advance(1_000);
  const initial = await events(presence, ctx(alice, null));
  assert.deepEqual(initial.map((e) => e.sender).sort(), [alice, bob], 'carol shares no room');
  const bobs = initial.find((e) => e.sender === bob)?.content;
  assert.deepEqual(bobs, { presence: 'unavailable', status_msg: 'lunch' });
  const alices = initial.find((e) => e.sender === alice)?.content;
  assert.deepEqual(alices, { presence: 'online', last_active_ago: 1_000, currently_active: true });
  assert.deepEqual((await events(presence, ctx(alice, 1))).map((e) => e.sender), [bob]);
  assert.equal(await presence.source.global!(ctx(alice, 3)), null, 'nothing moved');
  assert.deepEqual((await events(presence, ctx(carol, 0))).map((e) => e.sender), [carol]);
});

test('syncs keep a user online; offline 30 s after the last sync ended or the last activity', async (t) => {
  const { presence, clock } = setup(t);
  // Syncs keep a user online and active.
  for (let i = 0; i < 4; i++) {
    await presence.syncing(alice, 'online');
    clock.advance(30_000);
    presence.syncEnded(alice, 'online');
    presence.sweep();
  }
  assert.equal(presence.stateOf(alice)?.state, 'online');
  assert.equal(presence.source.current(), 1);

  // A PUT online without syncs: offline 30 s after that activity.
  await presence.setPresence(requester(bob), bob, 'online', null);
  clock.advance(DEFAULT_PRESENCE_TIMINGS.syncOnlineMs);
  presence.sweep();
  assert.equal(presence.stateOf(bob)?.state, 'online');
  assert.equal(presence.stateOf(bob)?.currentlyActive, true);
  clock.advance(1);
  presence.sweep();
  assert.equal(presence.stateOf(bob)?.state, 'offline', 'no sync for over 30 s');
  assert.equal(presence.stateOf(bob)?.currentlyActive, false);

  // A syncing user who marked themself unavailable and whose syncs stop goes offline.
  await presence.syncing(carol, 'unavailable');
  clock.advance(30_000);
  presence.syncEnded(carol, 'unavailable');
  clock.advance(DEFAULT_PRESENCE_TIMINGS.syncOnlineMs - 1);
  presence.sweep();
  assert.equal(presence.stateOf(carol)?.state, 'unavailable');
  clock.advance(2);
  presence.sweep();
  assert.equal(presence.stateOf(carol)?.state, 'offline');
});

test('online with no activity for 5 minutes becomes unavailable; activity makes it online again', async (t) => {
  const { presence, clock } = setup(t);
  await presence.syncing(alice, 'online');
  for (let elapsed = 0; elapsed <= DEFAULT_PRESENCE_TIMINGS.idleMs; elapsed += 20_000) {
    clock.advance(20_000);
    // Syncing without counting as activity: set_presence=unavailable keeps the sync alive only.
    await presence.syncing(alice, 'unavailable');
    presence.syncEnded(alice, 'unavailable');
    presence.sweep();
  }
  assert.equal(presence.stateOf(alice)?.state, 'unavailable');
  presence.bumpActive(alice);
  assert.equal(presence.stateOf(alice)?.state, 'online');
  assert.equal(presence.stateOf(alice)?.currentlyActive, true);
});

test('GET and PUT: only your own is set; visible to yourself and room sharers; unknown users 404', async (t) => {
  const { presence } = setup(t);
  await presence.setPresence(requester(alice), alice, 'online', 'busy day');
  assert.deepEqual(await presence.getPresence(requester(bob), alice), { presence: 'online', last_active_ago: 0, status_msg: 'busy day', currently_active: true });
  assert.deepEqual(await presence.getPresence(requester(carol), carol), { presence: 'offline' });
  await assert.rejects(presence.getPresence(requester(carol), alice), (error: MatrixError) => error.status === 403);
  await assert.rejects(presence.getPresence(requester(alice), '@nobody:hs'), (error: MatrixError) => error.status === 404);
  await assert.rejects(presence.getPresence(requester(alice), '@someone:elsewhere'), (error: MatrixError) => error.status === 404);
  await assert.rejects(presence.getPresence(requester(alice), 'not-a-user'), (error: MatrixError) => error.errcode === 'M_INVALID_PARAM');
  await assert.rejects(presence.setPresence(requester(alice), bob, 'online', null), (error: MatrixError) => error.status === 403);
  // A PUT without status_msg clears it (as Synapse).
  await presence.setPresence(requester(alice), alice, 'unavailable', undefined);
  assert.deepEqual(await presence.getPresence(requester(alice), alice), { presence: 'unavailable', last_active_ago: 0 });
});

test('announced state is stored and loaded after a restart', async (t) => {
  const { presence, storage, open } = setup(t);
  await presence.setPresence(requester(alice), alice, 'unavailable', 'away');
  await presence.close();
  const restarted = open(await storage.presence.allPresence());
  t.after(() => restarted.close());
  assert.equal(restarted.source.current(), 1);
  assert.deepEqual((await restarted.getPresence(requester(alice), alice)).status_msg, 'away');
});

test('after a membership change, current presence is news: everyone for the joiner, the joiner for the others', async (t) => {
  const { presence, memberships, clock } = setup(t);
  await presence.syncing(alice, 'online');
  await presence.syncing(bob, 'online');
  await presence.setPresence(requester(carol), carol, 'offline', null);
  clock.advance(1_000);
  assert.equal(presence.source.current(), 2, 'carol offline from the start: no change');
  // Bob joins something (his member event at room position 7); nobody's presence stream moves.
  memberships.set(bob, 7);
  const beforeJoin = (userId: UserId) => ({ ...ctx(userId, 2), since: { ...position(2), room: 6 } });
  assert.deepEqual((await events(presence, beforeJoin(bob))).map((e) => e.sender).sort(), [alice, bob], 'the joiner gets everyone current (not offline carol)');
  assert.deepEqual((await events(presence, beforeJoin(alice))).map((e) => e.sender), [bob], 'the others get the joiner');
  assert.equal(presence.source.current(), 2, 'nothing was announced');
  const afterJoin = { ...ctx(alice, 2), since: { ...position(2), room: 7 } };
  assert.equal(await presence.source.global!(afterJoin), null, 'once: a token after the join has nothing');
});

test('a sync in flight keeps its user from going offline however long it polls; the timer starts when the last one ends', async (t) => {
  const { presence, clock } = setup(t);
  const { syncOnlineMs } = DEFAULT_PRESENCE_TIMINGS;
  // Two syncs at once (two devices): one long poll of 2 minutes, one short.
  await presence.syncing(alice, 'online');
  await presence.syncing(alice, 'online');
  clock.advance(1_000);
  presence.syncEnded(alice, 'online');
  for (let elapsed = 0; elapsed < 120_000; elapsed += 5_000) {
    clock.advance(5_000);
    presence.sweep();
    assert.equal(presence.stateOf(alice)?.state, 'online', `still online ${elapsed + 6_000} ms in`);
  }
  assert.equal(presence.stateOf(alice)?.currentlyActive, false, 'no activity for over 60 s');
  presence.syncEnded(alice, 'online');
  clock.advance(syncOnlineMs);
  presence.sweep();
  assert.equal(presence.stateOf(alice)?.state, 'online', 'within 30 s of the end of the last sync');
  clock.advance(1);
  presence.sweep();
  assert.equal(presence.stateOf(alice)?.state, 'offline', 'over 30 s after the last sync ended');

  // set_presence=offline syncs are not counted: ending one leaves another user's count alone.
  await presence.syncing(bob, 'online');
  await presence.syncing(bob, 'offline');
  presence.syncEnded(bob, 'offline');
  clock.advance(syncOnlineMs + 60_000);
  presence.sweep();
  assert.equal(presence.stateOf(bob)?.state, 'online', "bob's online sync is still in flight");
  presence.syncEnded(bob, 'online');
  clock.advance(syncOnlineMs + 1);
  presence.sweep();
  assert.equal(presence.stateOf(bob)?.state, 'offline');
  // An unmatched end (never seen user) changes nothing.
  presence.syncEnded(carol, 'online');
  assert.equal(presence.stateOf(carol), null);
});
