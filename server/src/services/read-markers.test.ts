import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeviceId, EventId, RoomId, UserId } from '../core/ids.js';
import type { StoredEvent, UserMembership } from '../storage/types.js';
import { createReadMarkersService } from './read-markers.js';
import type { Requester } from './requester.js';

const ALICE = '@alice:hs' as UserId;
const ROOM = '!room:hs' as RoomId;
const alice: Requester = { userId: ALICE, deviceId: 'DEV' as DeviceId, isGuest: false, isAdmin: false, accessTokenId: 1 };

/** Events $1..$5 of ROOM in timeline order, and $x of another room. */
const events = new Map<EventId, StoredEvent>(
  [
    ...[1, 2, 3, 4, 5].map((n) => ({ eventId: `$${n}`, roomId: ROOM, depth: n, stream: n * 10 })),
    { eventId: '$x', roomId: '!elsewhere:hs', depth: 9, stream: 90 },
  ].map(({ eventId, roomId, depth, stream }) => [
    eventId as EventId,
    { eventId, roomId, streamOrdering: stream, pdu: { depth } } as unknown as StoredEvent,
  ]),
);

function setup(membership: UserMembership['membership'] = 'join') {
  const data = new Map<string, Record<string, unknown>>();
  const writes: string[] = [];
  const receipts: Array<[string, string]> = [];
  const service = createReadMarkersService({
    accountData: {
      getInternal: async (_user, roomId, type) => data.get(`${roomId}|${type}`) ?? null,
      async setRoomAccountDataInternal(_user, roomId, type, content) {
        // Slow storage: a racing request would see the old marker without the service's queue.
        await new Promise((resolve) => setTimeout(resolve, 5));
        data.set(`${roomId}|${type}`, content);
        writes.push(content.event_id as string);
      },
    },
    rooms: {
      membershipsOf: async () => [{ roomId: ROOM, membership, eventId: '$m' as EventId, streamOrdering: 1, forgotten: false }],
      getEvents: async (ids) => new Map(ids.flatMap((id) => (events.has(id) ? [[id, events.get(id) as StoredEvent] as const] : []))),
    },
    setReceipt: async (_requester, _roomId, type, eventId) => void receipts.push([type, eventId]),
  });
  return { service, data, writes, receipts };
}

test('the fully read marker only moves forward, also under concurrent requests', async () => {
  const { service, data, writes } = setup();
  await service.setReadMarkers(alice, ROOM, { 'm.fully_read': '$2' });
  await service.setReadMarkers(alice, ROOM, { 'm.fully_read': '$1' });
  assert.deepEqual(data.get(`${ROOM}|m.fully_read`), { event_id: '$2' });
  await Promise.all(['$5', '$3', '$4'].map((id) => service.setReadMarkers(alice, ROOM, { 'm.fully_read': id })));
  assert.deepEqual(data.get(`${ROOM}|m.fully_read`), { event_id: '$5' });
  assert.deepEqual(writes, ['$2', '$5'], 'no write for a marker behind the current one');
  await service.setReadMarkers(alice, ROOM, { 'm.fully_read': '$5' });
  assert.deepEqual(writes, ['$2', '$5'], 'the same event again writes nothing');
});

test('m.read and m.read.private go to the receipts service; unknown keys and empty values are ignored', async () => {
  const { service, receipts, writes } = setup();
  await service.setReadMarkers(alice, ROOM, { 'm.read': '$3', 'm.read.private': '$4', 'org.example': '$1', 'm.fully_read': '' });
  assert.deepEqual(receipts, [['m.read', '$3'], ['m.read.private', '$4']]);
  assert.deepEqual(writes, []);
});

test('refusals come before any write', async () => {
  const { service, receipts, writes } = setup();
  await assert.rejects(service.setReadMarkers(alice, ROOM, { 'm.fully_read': '$2', 'm.read': '$x' }), { errcode: 'M_NOT_FOUND' });
  await assert.rejects(service.setReadMarkers(alice, ROOM, { 'm.read': '$missing' }), { errcode: 'M_NOT_FOUND' });
  await assert.rejects(service.setReadMarkers(alice, ROOM, { 'm.fully_read': 7 }), { errcode: 'M_BAD_JSON' });
  await assert.rejects(service.setReadMarkers(alice, 'not-a-room', { 'm.fully_read': '$2' }), { errcode: 'M_INVALID_PARAM' });
  assert.deepEqual([receipts, writes], [[], []]);
  await assert.rejects(setup('leave').service.setReadMarkers(alice, ROOM, { 'm.fully_read': '$2' }), { errcode: 'M_FORBIDDEN' });
});
