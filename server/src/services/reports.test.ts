// The reports service over fakes: who may report what, the checks on reason and score, what gets stored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeClock } from '../core/clock.js';
import { MatrixError } from '../core/errors.js';
import type { DeviceId, EventId, RoomId, UserId } from '../core/ids.js';
import type { Pdu } from '../rooms/pdu.js';
import type { NewContentReport, StoredEvent, UserRecord } from '../storage/types.js';
import { createReportsService, type ReportsDeps } from './reports.js';
import type { Requester } from './requester.js';

const ROOM = '!room:hs' as RoomId;
const EVENT = '$event' as EventId;
const alice: Requester = { userId: '@alice:hs' as UserId, deviceId: 'D' as DeviceId, isGuest: false, isAdmin: false, accessTokenId: 1 };

const stored = (eventId: string, roomId: RoomId, pdu: Partial<Pdu>): StoredEvent =>
  ({ eventId, roomId, pdu: { content: {}, ...pdu }, streamOrdering: 1, stateBefore: 1, stateAfter: 1, redactedBy: null, senderDevice: null, txnId: null }) as StoredEvent;

function setup(options: { membership?: string | null; visible?: boolean } = {}) {
  const added: NewContentReport[] = [];
  const clock = createFakeClock(5_000);
  const membership = options.membership === undefined ? 'join' : options.membership;
  const deps: ReportsDeps = {
    reports: { add: async (report) => added.push(report) },
    rooms: {
      getEvents: async (ids) => new Map(ids.includes(EVENT) ? [[EVENT, stored(EVENT, ROOM, { type: 'm.room.message', sender: '@bob:hs' })]] : []),
      getRoom: async (roomId) => (roomId === ROOM ? ({ roomId } as never) : null),
    },
    users: { getUser: async (userId) => (userId === '@bob:hs' ? ({ userId } as UserRecord) : null) },
    access: {
      standingIn: async (roomId) => (roomId === ROOM ? { room: {} as never, standing: { userId: alice.userId, joinedUntil: 'now' } } : null),
      memberEventOf: async () => (membership === null ? null : stored('$m', ROOM, { type: 'm.room.member', state_key: alice.userId, content: { membership } })),
    },
    visibility: { canSee: async () => options.visible ?? true },
    serverName: 'hs',
    clock,
  };
  return { reports: createReportsService(deps), added };
}

const code = (errcode: string) => (error: unknown) => error instanceof MatrixError && error.errcode === errcode;

test('an event report by a joined member who can see it is stored with time, reason and score', async () => {
  const { reports, added } = setup();
  await reports.reportEvent(alice, ROOM, EVENT, { reason: 'bad', score: -40 });
  await reports.reportEvent(alice, ROOM, EVENT, {});
  assert.deepEqual(added, [
    { kind: 'event', reporter: alice.userId, receivedTs: 5_000, reason: 'bad', score: -40, roomId: ROOM, eventId: EVENT, targetUserId: null },
    { kind: 'event', reporter: alice.userId, receivedTs: 5_000, reason: null, score: null, roomId: ROOM, eventId: EVENT, targetUserId: null },
  ]);
});

test('event reports: 404 unless joined and able to see it; 400 for a bad score or a long reason', async () => {
  for (const membership of [null, 'leave', 'invite', 'ban']) {
    await assert.rejects(setup({ membership }).reports.reportEvent(alice, ROOM, EVENT, {}), code('M_NOT_FOUND'), String(membership));
  }
  await assert.rejects(setup({ visible: false }).reports.reportEvent(alice, ROOM, EVENT, {}), code('M_NOT_FOUND'));
  const { reports, added } = setup();
  await assert.rejects(reports.reportEvent(alice, ROOM, '$other' as EventId, {}), code('M_NOT_FOUND'));
  await assert.rejects(reports.reportEvent(alice, '!elsewhere:hs' as RoomId, EVENT, {}), code('M_NOT_FOUND'));
  await assert.rejects(reports.reportEvent(alice, ROOM, EVENT, { score: 1 }), code('M_INVALID_PARAM'));
  await assert.rejects(reports.reportEvent(alice, ROOM, EVENT, { score: -101 }), code('M_INVALID_PARAM'));
  await assert.rejects(reports.reportEvent(alice, ROOM, EVENT, { reason: 'x'.repeat(1001) }), code('M_BAD_JSON'));
  assert.equal(added.length, 0);
});

test('room reports need no membership; unknown rooms 404', async () => {
  const { reports, added } = setup({ membership: null });
  await reports.reportRoom(alice, ROOM, { reason: '' });
  await assert.rejects(reports.reportRoom(alice, '!nope:hs' as RoomId, { reason: 'x' }), code('M_NOT_FOUND'));
  assert.deepEqual(added, [{ kind: 'room', reporter: alice.userId, receivedTs: 5_000, reason: '', score: null, roomId: ROOM, eventId: null, targetUserId: null }]);
});

test('user reports always succeed for valid user IDs and are stored for existing local users only', async () => {
  const { reports, added } = setup();
  await reports.reportUser(alice, '@bob:hs', { reason: 'spam' });
  await reports.reportUser(alice, '@ghost:hs', { reason: 'spam' });
  await reports.reportUser(alice, '@bob:elsewhere.example', { reason: 'spam' });
  await assert.rejects(reports.reportUser(alice, 'bob', { reason: 'spam' }), code('M_INVALID_PARAM'));
  assert.deepEqual(added.map((r) => [r.kind, r.targetUserId]), [['user', '@bob:hs']]);
});
