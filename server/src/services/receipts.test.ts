import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { createFakeClock } from '../core/clock.js';
import type { MatrixError } from '../core/errors.js';
import type { DeviceId, EventId, RoomId, UserId } from '../core/ids.js';
import type { Pdu } from '../rooms/pdu.js';
import { openSqliteStorage } from '../storage/sqlite/index.js';
import type { StoredEvent } from '../storage/types.js';
import { createReceiptsService } from './receipts.js';
import type { Requester } from './requester.js';
import type { LiveRoom } from './room-events.js';
import type { SyncContext, SyncPosition } from './sync-sources.js';

const ROOM = '!room:hs' as RoomId;
const alice = '@alice:hs' as UserId;
const bob = '@bob:hs' as UserId;
const requester = (userId: UserId): Requester => ({ userId, deviceId: 'D' as DeviceId, isGuest: false, isAdmin: false, accessTokenId: 1 });
const position = (receipts: number): SyncPosition => ({ room: 0, accountData: 0, receipts, toDevice: 0, presence: 0, typing: 0 });
const ctx = (userId: UserId, since: number | null, ignored: UserId[] = []): SyncContext => ({
  userId,
  deviceId: 'D' as DeviceId,
  since: since === null ? null : position(since),
  upTo: position(1000),
  filter: {},
  fullState: false,
  ignored: new Set(ignored),
});

function event(id: string, streamOrdering: number, content: Record<string, unknown> = {}): StoredEvent {
  return { eventId: id as EventId, roomId: ROOM, pdu: { content } as unknown as Pdu, streamOrdering } as StoredEvent;
}

async function setup(t: TestContext) {
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-receipts-'));
  const storage = openSqliteStorage(path.join(dir, 'hs.db'), { synchronous: 'NORMAL' });
  t.after(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const events = new Map<EventId, StoredEvent>(
    [event('$1', 1), event('$2', 2), event('$3', 3, { 'm.relates_to': { rel_type: 'm.thread', event_id: '$1' } }), event('$4', 4, { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$3' } })].map((e) => [e.eventId, e]),
  );
  const accountData = new Map<string, Record<string, unknown>>();
  const woken: string[] = [];
  const service = createReceiptsService({
    receipts: storage.receipts,
    rooms: { getEvents: async (ids) => new Map(ids.flatMap((id) => (events.has(id) ? [[id, events.get(id)!] as const] : []))) },
    events: {
      loadRoom: async (roomId) => (roomId === ROOM ? ({ roomId } as LiveRoom) : null),
      membershipIn: async (_room, userId) => (userId === alice || userId === bob ? 'join' : null),
    },
    notifier: { rooms: (ids) => woken.push(...[...ids].map((id) => `room ${id}`)), users: (ids) => woken.push(...[...ids].map((id) => `user ${id}`)) },
    clock: createFakeClock(1000),
    roomAccountData: {
      get: async (userId, roomId, type) => accountData.get(`${userId}/${roomId}/${type}`) ?? null,
      set: async (userId, roomId, type, content) => {
        accountData.set(`${userId}/${roomId}/${type}`, content);
      },
    },
    initial: await storage.receipts.streamPositions(),
  });
  return { service, woken, accountData };
}

const receiptContent = async (service: Awaited<ReturnType<typeof setup>>['service'], c: SyncContext) =>
  (await service.source.rooms!(c, [ROOM])).get(ROOM)?.ephemeral?.[0]?.content;

test('receipts aggregate per event and type; private ones only for their user; ignored users skipped', async (t) => {
  const { service, woken } = await setup(t);
  assert.equal(await receiptContent(service, ctx(alice, null)), undefined);
  await service.setReceipt(requester(bob), ROOM, 'm.read', '$2');
  await service.setReceipt(requester(alice), ROOM, 'm.read', '$2');
  await service.setReceipt(requester(bob), ROOM, 'm.read.private', '$2');
  assert.deepEqual(woken, [`room ${ROOM}`, `room ${ROOM}`, `user ${bob}`]);
  assert.equal(service.source.current(), 3);
  assert.deepEqual(await receiptContent(service, ctx(alice, null)), { $2: { 'm.read': { [bob]: { ts: 1000 }, [alice]: { ts: 1000 } } } });
  assert.deepEqual(await receiptContent(service, ctx(bob, 1)), { $2: { 'm.read': { [alice]: { ts: 1000 } }, 'm.read.private': { [bob]: { ts: 1000 } } } });
  assert.deepEqual(await receiptContent(service, ctx(alice, 0, [bob])), { $2: { 'm.read': { [alice]: { ts: 1000 } } } });
  assert.equal(await receiptContent(service, ctx(alice, 2)), undefined, 'only a private receipt since: nothing for others');
  assert.equal((await service.source.rooms!(ctx(alice, 3), [ROOM])).size, 0);
  // Backwards: ignored.
  await service.setReceipt(requester(bob), ROOM, 'm.read', '$1');
  assert.equal(service.source.current(), 3);
});

test('threads: the relation chain decides; m.fully_read is account data and only moves forward', async (t) => {
  const { service, accountData } = await setup(t);
  await service.setReceipt(requester(bob), ROOM, 'm.read', '$4', '$1');
  await service.setReceipt(requester(bob), ROOM, 'm.read', '$1', 'main');
  // The root is in its thread too (older than $4 in that thread, so ignored).
  await service.setReceipt(requester(bob), ROOM, 'm.read', '$1', '$1');
  const invalid = (error: MatrixError) => error.errcode === 'M_INVALID_PARAM';
  await assert.rejects(service.setReceipt(requester(bob), ROOM, 'm.read', '$3', 'main'), invalid);
  await assert.rejects(service.setReceipt(requester(bob), ROOM, 'm.read', '$2', '$1'), invalid);
  await assert.rejects(service.setReceipt(requester(bob), ROOM, 'm.read', '$2', ''), invalid);
  await assert.rejects(service.setReceipt(requester(bob), ROOM, 'm.fully_read', '$2', 'main'), invalid);
  await assert.rejects(service.setReceipt(requester(bob), ROOM, 'm.other' as never, '$2'), invalid);
  await assert.rejects(service.setReceipt(requester(bob), ROOM, 'm.read', '$9'), (error: MatrixError) => error.status === 404);
  await assert.rejects(service.setReceipt(requester('@eve:hs' as UserId), ROOM, 'm.read', '$2'), (error: MatrixError) => error.status === 403);

  await service.setReceipt(requester(bob), ROOM, 'm.fully_read', '$3');
  await service.setReceipt(requester(bob), ROOM, 'm.fully_read', '$2');
  assert.deepEqual(accountData.get(`${bob}/${ROOM}/m.fully_read`), { event_id: '$3' });
  assert.equal(service.source.current(), 2, 'm.fully_read is no receipt');
});
