/**
 * PushActionsStore and PushersStore contract: what every backend must do (storage/types.ts). Run by each
 * backend's test file. Push actions ride along with persisted events (EventToPersist.pushActions); read
 * positions come from receipts (unthreaded ones read everything before them, threaded ones their thread).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeviceId, EventId, RoomId, UserId } from '../../core/ids.js';
import type { RoomEvent } from '../../rooms/pdu.js';
import { buildRoom, type RoomBuilder } from '../../rooms/testing/room-builder.js';
import type { NewPusher, PushActionRow, Storage } from '../types.js';
import { account, SERVER_NAME, T0, storages, userId, type StorageFactory } from './fixtures.js';

const VERSION = '10';
const alice = userId('push-alice');
const bob = userId('push-bob');
const carol = userId('push-carol');
/** Only in the notifications test (the storage is shared between tests): /notifications lists a user's rooms. */
const dana = userId('push-dana');

const notifyRow = (user: UserId, threadId = 'main', highlight = false): PushActionRow => ({
  userId: user,
  threadId,
  actions: highlight ? ['notify', { set_tweak: 'highlight' }] : ['notify'],
  notify: true,
  highlight,
});

/** A room with alice, bob and carol (or `members`) joined, persisted. */
async function makeRoom(s: Storage, name: string, members: readonly UserId[] = [bob, carol]): Promise<RoomBuilder> {
  const room = buildRoom({ version: VERSION, creator: alice, roomId: `!${name}:${SERVER_NAME}` as RoomId });
  for (const member of members) room.join(member);
  await s.rooms.persistEvents({
    roomId: room.roomId,
    newRoom: { roomVersion: VERSION, creator: alice, createdTs: T0 },
    events: room.events().map((event, i) => ({ event, stateBefore: i === 0 ? null : 'previous' })),
  });
  return room;
}

/** Persists one event after the room's current state with these push actions; returns its stream ordering. */
async function send(s: Storage, room: RoomBuilder, event: RoomEvent, pushActions: readonly PushActionRow[], applyRedaction?: EventId): Promise<number> {
  const record = await s.rooms.getRoom(room.roomId);
  assert.ok(record);
  const [persisted] = await s.rooms.persistEvents({
    roomId: room.roomId,
    events: [{ event, stateBefore: record.currentStateGroup, pushActions, applyRedaction }],
  });
  assert.ok(persisted);
  return persisted.streamOrdering;
}

async function readUpTo(s: Storage, room: RoomBuilder, user: UserId, eventId: EventId, stream: number, threadId = '', type: 'm.read' | 'm.read.private' = 'm.read') {
  await s.receipts.setReceipt({
    roomId: room.roomId,
    receiptType: type,
    userId: user,
    threadId,
    eventId,
    eventStreamOrdering: stream,
    ts: T0,
    data: { ts: T0 },
  });
}

const counts = async (s: Storage, user: UserId, rooms: readonly RoomId[]) =>
  Object.fromEntries(
    (await s.pushActions.unreadCounts(user, rooms)).map((row) => [`${row.roomId}|${row.threadId}`, [row.notifications, row.highlights]]),
  );

const pusher = (user: UserId, overrides: Partial<NewPusher> = {}): NewPusher => ({
  userId: user,
  deviceId: 'PUSHDEV' as DeviceId,
  kind: 'http',
  appId: 'org.example.app',
  pushkey: `key-${user}`,
  appDisplayName: 'Example',
  deviceDisplayName: 'Phone',
  profileTag: null,
  lang: 'en',
  data: { url: 'https://push.example/_matrix/push/v1/notify', format: 'event_id_only' },
  pushkeyTs: T0,
  ...overrides,
});

export function pushContract(factory: StorageFactory): void {
  describe('PushActionsStore contract', () => {
    const { shared, fresh } = storages(factory);

    test('push actions stored with events count as unread until a receipt reads past them', async () => {
      const s = shared();
      const room = await makeRoom(s, 'push-counts');
      const first = room.message(alice, 'one');
      const s1 = await send(s, room, first, [notifyRow(bob), notifyRow(carol, 'main', true)]);
      const second = room.message(alice, 'two');
      await send(s, room, second, [notifyRow(bob, 'main', true)]);
      await send(s, room, room.message(alice, 'quiet'), []);

      assert.deepEqual(await counts(s, bob, [room.roomId]), { [`${room.roomId}|main`]: [2, 1] });
      assert.deepEqual(await counts(s, carol, [room.roomId]), { [`${room.roomId}|main`]: [1, 1] });
      assert.deepEqual(await counts(s, alice, [room.roomId]), {});
      assert.deepEqual(await s.pushActions.unreadCounts(bob, []), []);
      assert.deepEqual(await s.pushActions.unreadCounts(userId('push-nobody'), [room.roomId]), []);
      // Each user gets their own actions for the same event.
      const ofFirst = async (user: UserId) =>
        (await s.pushActions.notifications(user, { before: null, limit: 10, onlyHighlight: false })).find((n) => n.eventId === first.eventId);
      assert.deepEqual((await ofFirst(bob))?.actions, ['notify']);
      assert.deepEqual((await ofFirst(carol))?.actions, ['notify', { set_tweak: 'highlight' }]);
      assert.equal((await ofFirst(carol))?.highlight, true);
      assert.equal((await ofFirst(bob))?.highlight, false);

      await readUpTo(s, room, bob, first.eventId, s1);
      assert.deepEqual(await counts(s, bob, [room.roomId]), { [`${room.roomId}|main`]: [1, 1] });
      // The furthest of m.read and m.read.private counts (spec "Marking notifications as read").
      await readUpTo(s, room, carol, first.eventId, s1, '', 'm.read.private');
      assert.deepEqual(await counts(s, carol, [room.roomId]), {});
    });

    test('threaded receipts clear their thread; an unthreaded one clears everything before it', async () => {
      const s = shared();
      const room = await makeRoom(s, 'push-threads');
      const root = room.message(alice, 'root');
      const sRoot = await send(s, room, root, [notifyRow(bob)]);
      const inThread = room.message(alice, 'in thread');
      const sThread = await send(s, room, inThread, [notifyRow(bob, root.eventId)]);
      const main = room.message(alice, 'main again');
      const sMain = await send(s, room, main, [notifyRow(bob)]);
      await send(s, room, room.message(alice, 'thread again'), [notifyRow(bob, root.eventId, true)]);

      assert.deepEqual(await counts(s, bob, [room.roomId]), { [`${room.roomId}|main`]: [2, 0], [`${room.roomId}|${root.eventId}`]: [2, 1] });
      // A main-timeline receipt reads the main timeline only, even past thread events.
      await readUpTo(s, room, bob, main.eventId, sMain, 'main');
      assert.deepEqual(await counts(s, bob, [room.roomId]), { [`${room.roomId}|${root.eventId}`]: [2, 1] });
      await readUpTo(s, room, bob, inThread.eventId, sThread, root.eventId);
      assert.deepEqual(await counts(s, bob, [room.roomId]), { [`${room.roomId}|${root.eventId}`]: [1, 1] });
      // Unthreaded, at the root: nothing new cleared (everything after it stays).
      await readUpTo(s, room, bob, root.eventId, sRoot);
      assert.deepEqual(await counts(s, bob, [room.roomId]), { [`${room.roomId}|${root.eventId}`]: [1, 1] });
    });

    test('counts for several rooms at once; the badge counts joined rooms only', async () => {
      const s = await fresh();
      const one = await makeRoom(s, 'push-one');
      const two = await makeRoom(s, 'push-two');
      await send(s, one, one.message(alice, 'a'), [notifyRow(bob)]);
      await send(s, two, two.message(alice, 'b'), [notifyRow(bob, 'main', true)]);
      await send(s, two, two.message(alice, 'c'), [notifyRow(bob)]);
      assert.deepEqual(await counts(s, bob, [one.roomId, two.roomId]), {
        [`${one.roomId}|main`]: [1, 0],
        [`${two.roomId}|main`]: [2, 1],
      });
      assert.equal(await s.pushActions.badgeCount(bob), 3);
      await send(s, two, two.leave(bob), []);
      assert.equal(await s.pushActions.badgeCount(bob), 1);
    });

    test('a redaction removes the redacted event\'s push actions', async () => {
      const s = shared();
      const room = await makeRoom(s, 'push-redact');
      const message = room.message(alice, 'oops');
      await send(s, room, message, [notifyRow(bob)]);
      assert.deepEqual(await counts(s, bob, [room.roomId]), { [`${room.roomId}|main`]: [1, 0] });
      const redaction = room.add({ type: 'm.room.redaction', sender: alice, content: {} }, { extra: { redacts: message.eventId } });
      await send(s, room, redaction, [], message.eventId);
      assert.deepEqual(await counts(s, bob, [room.roomId]), {});
    });

    test('notifications: newest first, paged by stream ordering, highlight only, read flags', async () => {
      const s = shared();
      const room = await makeRoom(s, 'push-list', [dana]);
      const sent: Array<{ id: EventId; stream: number }> = [];
      for (let i = 0; i < 5; i++) {
        const event = room.message(alice, `n${i}`);
        sent.push({ id: event.eventId, stream: await send(s, room, event, [notifyRow(dana, 'main', i % 2 === 0)]) });
      }
      const page1 = await s.pushActions.notifications(dana, { before: null, limit: 3, onlyHighlight: false });
      assert.deepEqual(page1.map((n) => n.eventId), [sent[4]?.id, sent[3]?.id, sent[2]?.id]);
      assert.deepEqual(page1[0]?.actions, ['notify', { set_tweak: 'highlight' }]);
      assert.equal(page1[0]?.roomId, room.roomId);
      assert.equal(page1[0]?.highlight, true);
      const page2 = await s.pushActions.notifications(dana, { before: page1[2]?.streamOrdering ?? 0, limit: 3, onlyHighlight: false });
      assert.deepEqual(page2.map((n) => n.eventId), [sent[1]?.id, sent[0]?.id]);
      const highlights = await s.pushActions.notifications(dana, { before: null, limit: 10, onlyHighlight: true });
      assert.deepEqual(highlights.map((n) => n.eventId), [sent[4]?.id, sent[2]?.id, sent[0]?.id]);
      assert.ok(page1.every((n) => !n.read));
      await readUpTo(s, room, dana, sent[2]?.id as EventId, sent[2]?.stream as number);
      const after = await s.pushActions.notifications(dana, { before: null, limit: 10, onlyHighlight: false });
      assert.deepEqual(after.map((n) => n.read), [false, false, true, true, true]);
    });
  });

  describe('PushersStore contract', () => {
    const { shared } = storages(factory);

    test('set, replace, list and delete a pusher', async () => {
      const s = shared();
      await s.pushers.setPusher(pusher(alice), false);
      await s.pushers.setPusher(pusher(alice, { appId: 'org.example.other' }), false);
      const listed = await s.pushers.pushersOf(alice);
      assert.equal(listed.length, 2);
      assert.deepEqual(
        { ...listed[0], id: 0 },
        { ...pusher(alice), id: 0 },
      );
      // Same app ID and pushkey: replaced in place.
      await s.pushers.setPusher(pusher(alice, { lang: 'fr', data: { url: 'https://b.example/_matrix/push/v1/notify' } }), false);
      const replaced = await s.pushers.pushersOf(alice);
      assert.equal(replaced.length, 2);
      assert.equal(replaced[0]?.id, listed[0]?.id);
      assert.equal(replaced[0]?.lang, 'fr');
      assert.deepEqual(replaced[0]?.data, { url: 'https://b.example/_matrix/push/v1/notify' });
      assert.deepEqual(await s.pushers.getPusher(listed[0]?.id as number), replaced[0]);

      assert.equal(await s.pushers.deletePusher(alice, 'org.example.other', `key-${alice}`), true);
      assert.equal(await s.pushers.deletePusher(alice, 'org.example.other', `key-${alice}`), false);
      assert.equal((await s.pushers.pushersOf(alice)).length, 1);
      assert.equal(await s.pushers.getPusher(listed[1]?.id as number), null);
    });

    test('without append, the same app ID and pushkey leave other users; with append they stay', async () => {
      const s = shared();
      const shared1 = { appId: 'org.example.shared', pushkey: 'same-key' };
      await s.pushers.setPusher(pusher(bob, shared1), false);
      await s.pushers.setPusher(pusher(carol, shared1), true);
      assert.equal((await s.pushers.pushersOfUsers([bob, carol])).length, 2);
      await s.pushers.setPusher(pusher(alice, shared1), false);
      const left = await s.pushers.pushersOfUsers([alice, bob, carol]);
      assert.deepEqual(left.filter((p) => p.appId === shared1.appId).map((p) => p.userId), [alice]);
      assert.deepEqual(await s.pushers.pushersOfUsers([]), []);
    });

    test('deleting the device deletes its pushers', async () => {
      const s = shared();
      const { ok } = await s.users.register(account('push-dev', { device: 'PHONE' }));
      assert.ok(ok);
      const user = userId('push-dev');
      await s.pushers.setPusher(pusher(user, { deviceId: 'PHONE' as DeviceId }), false);
      await s.pushers.setPusher(pusher(user, { deviceId: 'OTHER' as DeviceId, appId: 'org.example.b' }), false);
      await s.devices.deleteDevices(user, ['PHONE' as DeviceId]);
      assert.deepEqual((await s.pushers.pushersOf(user)).map((p) => p.appId), ['org.example.b']);
    });
  });
}
