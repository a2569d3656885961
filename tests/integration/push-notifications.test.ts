// Unread notification counts in /sync, cleared by read receipts (threaded and not), and GET /notifications;
// driven by matrix-js-sdk's real sync loop and by raw HTTP. Spec: client-server-api "Receiving notifications",
// "Marking notifications as read" (push.md), receipts.md "Threaded read receipts", notifications.yaml.
import assert from 'node:assert/strict';
import { before, test, type TestContext } from 'node:test';
import { loadSdk, startClients, until, type Sdk, type SdkClient } from '../helpers/js-sdk.js';
import { enc, roomClient, V3, type RoomClient } from '../helpers/room-client.js';
import { startTestServer } from '../helpers/test-server.js';

let sdk: Sdk;
before(async () => {
  sdk = await loadSdk();
});

async function setup(t: TestContext) {
  const hs = await startTestServer(t);
  const alice = roomClient(hs, await hs.register('alice'));
  const bob = roomClient(hs, await hs.register('bob'));
  return { hs, alice, bob };
}

/** A room `owner` creates and `others` join. */
async function roomWith(owner: RoomClient, others: readonly RoomClient[], body: Record<string, unknown> = {}): Promise<string> {
  const roomId = await owner.createRoom({ preset: 'public_chat', ...body });
  for (const other of others) await other.join(roomId);
  return roomId;
}

const receipt = (client: RoomClient, roomId: string, eventId: string, body: Record<string, unknown> = {}, type = 'm.read') =>
  client.ok('POST', `${client.room(roomId)}/receipt/${type}/${enc(eventId)}`, body);

const THREAD_FILTER = JSON.stringify({ room: { timeline: { unread_thread_notifications: true } } });

/** The joined room's counts in a fresh initial /sync (optionally with thread counts). */
async function countsOf(client: RoomClient, roomId: string, threads = false) {
  const body = await client.sync(threads ? { filter: THREAD_FILTER } : {});
  const room = body.rooms.join[roomId];
  assert.ok(room, `${roomId} is in the sync`);
  return { main: room.unread_notifications, threads: room.unread_thread_notifications };
}

const thread = (rootId: string, body: string, extra: Record<string, unknown> = {}) => ({
  msgtype: 'm.text',
  body,
  'm.relates_to': { rel_type: 'm.thread', event_id: rootId, is_falling_back: true, 'm.in_reply_to': { event_id: rootId } },
  ...extra,
});

// sytest: Messages that notify from another user increment unread notification count; Messages that highlight
// from another user increment unread highlight count; complement: TestUnreadNotifications (js-sdk driven)
test('matrix-js-sdk: unread counts rise with messages, a mention highlights, and a read receipt clears them', async (t) => {
  const hs = await startTestServer(t);
  const [alice, bob, carol] = (await startClients(t, sdk, hs, 'alice', 'bob', 'carol')) as [SdkClient, SdkClient, SdkClient];
  const bobId = bob.getUserId() as string;
  const { room_id: roomId } = await alice.createRoom({ preset: sdk.Preset.PublicChat, name: 'Counts' });
  await bob.joinRoom(roomId);
  await carol.joinRoom(roomId);
  const total = (client: SdkClient) => client.getRoom(roomId)?.getUnreadNotificationCount(sdk.NotificationCountType.Total) ?? -1;
  const highlight = (client: SdkClient) => client.getRoom(roomId)?.getUnreadNotificationCount(sdk.NotificationCountType.Highlight) ?? -1;
  await until(sdk, bob, () => bob.getRoom(roomId)?.getJoinedMemberCount() === 3, 'carol joined');
  assert.equal(total(bob), 0);

  await alice.sendTextMessage(roomId, 'one');
  await alice.sendTextMessage(roomId, 'two');
  await until(sdk, bob, () => total(bob) === 2, 'two unread for bob');
  assert.equal(highlight(bob), 0);
  await until(sdk, carol, () => total(carol) === 2, 'two unread for carol');
  // The sender's own messages never count.
  assert.equal(total(alice), 0);

  const { event_id: mentionId } = await alice.sendMessage(roomId, {
    msgtype: 'm.text',
    body: 'bob: look',
    'm.mentions': { user_ids: [bobId] },
  } as never);
  await until(sdk, bob, () => total(bob) === 3 && highlight(bob) === 1, 'the mention highlights');
  await until(sdk, carol, () => total(carol) === 3, 'carol notified, not highlighted');
  assert.equal(highlight(carol), 0);

  // Bob reads up to the mention (through the sdk: a receipt the server must honour).
  const mention = bob.getRoom(roomId)?.findEventById(mentionId);
  assert.ok(mention);
  await bob.sendReadReceipt(mention, sdk.ReceiptType.Read, true);
  await until(sdk, bob, () => total(bob) === 0 && highlight(bob) === 0, 'counts cleared by the receipt');
  // The server agrees (not just the sdk's local echo), and carol's counts are untouched.
  const raw = roomClient(hs, { userId: bobId, accessToken: bob.getAccessToken() as string, deviceId: bob.getDeviceId() as string, password: '' });
  assert.deepEqual((await countsOf(raw, roomId)).main, { notification_count: 0, highlight_count: 0 });
  assert.equal(total(carol), 3);

  await alice.sendTextMessage(roomId, 'three');
  await until(sdk, bob, () => total(bob) === 1, 'counting again after the receipt');
});

test('counts arrive in the same incremental sync as the event; a receipt alone brings the room back with the new counts', async (t) => {
  const { alice, bob } = await setup(t);
  const roomId = await roomWith(alice, [bob]);
  const start = (await bob.sync()).next_batch;
  const eventId = await alice.say(roomId, 'hello');
  const withEvent = await bob.sync({ since: start, timeout: 5_000 });
  const room = withEvent.rooms.join[roomId];
  assert.ok(room.timeline.events.some((e: { event_id: string }) => e.event_id === eventId));
  // Two members: .m.rule.room_one_to_one.
  assert.deepEqual(room.unread_notifications, { notification_count: 1, highlight_count: 0 });

  await receipt(bob, roomId, eventId, {}, 'm.read.private');
  const afterReceipt = await bob.sync({ since: withEvent.next_batch, timeout: 5_000 });
  assert.deepEqual(afterReceipt.rooms.join[roomId]?.unread_notifications, { notification_count: 0, highlight_count: 0 });
  assert.equal(afterReceipt.rooms.join[roomId]?.timeline.events.length ?? 0, 0);
});

// complement: TestThreadedReceipts / unread_thread_notifications
test('thread counts: unread_thread_notifications per root; threaded receipts clear their thread, unthreaded ones everything before', async (t) => {
  const { hs, alice, bob } = await setup(t);
  const carol = roomClient(hs, await hs.register('carol'));
  const roomId = await roomWith(alice, [bob, carol]);
  // Bob's own rule: reactions notify him (the default .m.rule.reaction would silence them).
  await bob.ok('PUT', `${V3}/pushrules/global/override/reactions`, {
    conditions: [{ kind: 'event_match', key: 'type', pattern: 'm.reaction' }],
    actions: ['notify'],
  });
  const root = await alice.say(roomId, 'root');
  const inThread = await alice.send(roomId, thread(root, 'reply 1'));
  await alice.send(roomId, thread(root, 'reply 2', { 'm.mentions': { user_ids: [bob.userId] } }));
  const main = await alice.say(roomId, 'main 2');
  // A reaction to a thread reply is in the thread too (found by following its relation).
  await alice.send(roomId, { 'm.relates_to': { rel_type: 'm.annotation', event_id: inThread, key: '👍' } }, 'm.reaction');
  const lastInThread = await alice.send(roomId, thread(root, 'reply 3'));

  assert.deepEqual(await countsOf(bob, roomId, true), {
    main: { notification_count: 2, highlight_count: 0 },
    threads: { [root]: { notification_count: 4, highlight_count: 1 } },
  });
  // Without the filter flag, everything is in unread_notifications and there is no thread field.
  assert.deepEqual(await countsOf(bob, roomId), { main: { notification_count: 6, highlight_count: 1 }, threads: undefined });

  await receipt(bob, roomId, main, { thread_id: 'main' });
  assert.deepEqual(await countsOf(bob, roomId, true), {
    main: { notification_count: 0, highlight_count: 0 },
    threads: { [root]: { notification_count: 4, highlight_count: 1 } },
  });
  await receipt(bob, roomId, inThread, { thread_id: root });
  assert.deepEqual((await countsOf(bob, roomId, true)).threads, { [root]: { notification_count: 3, highlight_count: 1 } });
  await receipt(bob, roomId, lastInThread, { thread_id: root });
  assert.deepEqual(await countsOf(bob, roomId, true), { main: { notification_count: 0, highlight_count: 0 }, threads: {} });

  // Carol: one unthreaded receipt at the last event reads the main timeline and the thread.
  assert.equal((await countsOf(carol, roomId)).main.notification_count, 5);
  await receipt(carol, roomId, lastInThread);
  assert.deepEqual(await countsOf(carol, roomId, true), { main: { notification_count: 0, highlight_count: 0 }, threads: {} });
});

test('matrix-js-sdk: thread notification counts from unread_thread_notifications', async (t) => {
  const hs = await startTestServer(t);
  const [alice, bob] = (await startClients(t, sdk, hs, 'alice', 'bob')) as [SdkClient, SdkClient];
  const { room_id: roomId } = await alice.createRoom({ preset: sdk.Preset.PublicChat });
  await bob.joinRoom(roomId);
  await until(sdk, alice, () => alice.getRoom(roomId)?.getJoinedMemberCount() === 2, 'bob joined');
  const { event_id: root } = await alice.sendTextMessage(roomId, 'root');
  const raw = roomClient(hs, { userId: alice.getUserId() as string, accessToken: alice.getAccessToken() as string, deviceId: alice.getDeviceId() as string, password: '' });
  await raw.send(roomId, thread(root, 'in thread'));
  await raw.send(roomId, thread(root, 'in thread again'));
  const threadCount = () => bob.getRoom(roomId)?.getThreadUnreadNotificationCount(root, sdk.NotificationCountType.Total) ?? -1;
  await until(sdk, bob, () => threadCount() === 2, 'two unread in the thread');
  assert.equal(bob.getRoom(roomId)?.getUnreadNotificationCount(sdk.NotificationCountType.Total), 3);
});

// sytest: Can get rooms/{roomId}/notifications / GET /notifications
test('GET /notifications: newest first, paged with next_token, only=highlight, read flags, client-format events', async (t) => {
  const { hs, alice, bob } = await setup(t);
  const carol = roomClient(hs, await hs.register('carol'));
  const roomId = await roomWith(alice, [bob, carol]);
  const sent: string[] = [];
  for (let i = 0; i < 5; i++) {
    sent.push(
      i % 2 === 0
        ? await alice.send(roomId, { msgtype: 'm.text', body: `hey ${i}`, 'm.mentions': { user_ids: [bob.userId] } })
        : await alice.say(roomId, `plain ${i}`),
    );
  }
  const page1 = await bob.ok('GET', `${V3}/notifications?limit=2`);
  assert.deepEqual(page1.notifications.map((n: { event: { event_id: string } }) => n.event.event_id), [sent[4], sent[3]]);
  assert.equal(typeof page1.next_token, 'string');
  const [first] = page1.notifications;
  assert.equal(first.room_id, roomId);
  assert.equal(first.read, false);
  assert.equal(typeof first.ts, 'number');
  assert.ok(first.actions.includes('notify'));
  assert.ok(first.actions.some((a: { set_tweak?: string }) => a.set_tweak === 'highlight'));
  assert.equal(first.event.type, 'm.room.message');
  assert.equal(first.event.sender, alice.userId);
  assert.equal(first.event.content.body, 'hey 4');

  const page2 = await bob.ok('GET', `${V3}/notifications?limit=2&from=${enc(page1.next_token)}`);
  assert.deepEqual(page2.notifications.map((n: { event: { event_id: string } }) => n.event.event_id), [sent[2], sent[1]]);
  const page3 = await bob.ok('GET', `${V3}/notifications?limit=2&from=${enc(page2.next_token)}`);
  assert.deepEqual(page3.notifications.map((n: { event: { event_id: string } }) => n.event.event_id), [sent[0]]);
  assert.equal(page3.next_token, undefined);

  const highlights = await bob.ok('GET', `${V3}/notifications?only=highlight`);
  assert.deepEqual(highlights.notifications.map((n: { event: { event_id: string } }) => n.event.event_id), [sent[4], sent[2], sent[0]]);
  // Carol wasn't mentioned: all five notify, none highlight.
  assert.equal((await carol.ok('GET', `${V3}/notifications`)).notifications.length, 5);
  assert.deepEqual((await carol.ok('GET', `${V3}/notifications?only=highlight`)).notifications, []);
  assert.deepEqual((await alice.ok('GET', `${V3}/notifications`)).notifications, []);

  await receipt(bob, roomId, sent[2] as string);
  const reads = (await bob.ok('GET', `${V3}/notifications`)).notifications.map((n: { read: boolean }) => n.read);
  assert.deepEqual(reads, [false, false, true, true, true]);

  for (const bad of ['from=abc', 'from=-1', 'limit=-1', 'limit=x']) {
    const response = await bob.raw('GET', `${V3}/notifications?${bad}`);
    assert.equal(response.status, 400, bad);
    assert.ok(['M_INVALID_PARAM', 'M_BAD_JSON'].includes(response.body.errcode), `${bad}: ${response.body.errcode}`);
  }
  assert.equal((await hs.request('GET', `${V3}/notifications`)).status, 401);
});

test('a redacted message stops counting and leaves /notifications', async (t) => {
  const { alice, bob } = await setup(t);
  const roomId = await roomWith(alice, [bob]);
  const keep = await alice.say(roomId, 'keep');
  const oops = await alice.say(roomId, 'oops');
  assert.equal((await countsOf(bob, roomId)).main.notification_count, 2);
  await alice.ok('PUT', `${alice.room(roomId)}/redact/${enc(oops)}/r1`, {});
  // The redaction itself doesn't notify (no body), and the redacted event no longer counts.
  assert.equal((await countsOf(bob, roomId)).main.notification_count, 1);
  const listed = (await bob.ok('GET', `${V3}/notifications`)).notifications.map((n: { event: { event_id: string } }) => n.event.event_id);
  assert.deepEqual(listed, [keep]);
});

// sytest: Ignored users don't notify
test('messages from an ignored user neither count nor appear in /notifications', async (t) => {
  const { hs, alice, bob } = await setup(t);
  const carol = roomClient(hs, await hs.register('carol'));
  const roomId = await roomWith(alice, [bob, carol]);
  await bob.ok('PUT', `${V3}/user/${enc(bob.userId)}/account_data/m.ignored_user_list`, { ignored_users: { [alice.userId]: {} } });
  await alice.say(roomId, 'ignored');
  const fromCarol = await carol.say(roomId, 'not ignored');
  assert.equal((await countsOf(bob, roomId)).main.notification_count, 1);
  const listed = (await bob.ok('GET', `${V3}/notifications`)).notifications.map((n: { event: { event_id: string } }) => n.event.event_id);
  assert.deepEqual(listed, [fromCarol]);
});

test('an invite notifies the invitee (.m.rule.invite_for_me)', async (t) => {
  const { alice, bob } = await setup(t);
  const roomId = await alice.createRoom({ preset: 'private_chat' });
  await alice.invite(roomId, bob.userId);
  const [notification] = (await bob.ok('GET', `${V3}/notifications`)).notifications;
  assert.equal(notification?.room_id, roomId);
  assert.equal(notification?.event.type, 'm.room.member');
  assert.equal(notification?.event.state_key, bob.userId);
  assert.equal(notification?.event.content.membership, 'invite');
});


