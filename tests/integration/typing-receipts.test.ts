// Typing notifications and read receipts over HTTP and through matrix-js-sdk's real sync loop:
// delivery in the room's ephemeral section, expiry, forward-only receipts, private receipts, threads, errors.
import assert from 'node:assert/strict';
import { before, test, type TestContext } from 'node:test';
import { loadSdk, startClients, until, type Sdk, type SdkClient } from '../helpers/js-sdk.js';
import { enc, roomClient, V3, type RoomClient } from '../helpers/room-client.js';
import { startTestServer } from '../helpers/test-server.js';

let sdk: Sdk;
before(async () => {
  sdk = await loadSdk();
});

interface Ephemeral {
  type: string;
  content: Record<string, unknown>;
}

async function setup(t: TestContext) {
  const hs = await startTestServer(t);
  const [alice, bob] = await Promise.all([hs.register('alice'), hs.register('bob')]);
  const a = roomClient(hs, alice!);
  const b = roomClient(hs, bob!);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.join(roomId);
  return { hs, a, b, roomId };
}

const ephemeral = (sync: { rooms?: { join?: Record<string, { ephemeral?: { events: Ephemeral[] } }> } }, roomId: string): Ephemeral[] =>
  sync.rooms?.join?.[roomId]?.ephemeral?.events ?? [];
const typingOf = (sync: Parameters<typeof ephemeral>[0], roomId: string) =>
  ephemeral(sync, roomId).find((event) => event.type === 'm.typing')?.content.user_ids as string[] | undefined;
const receiptOf = (sync: Parameters<typeof ephemeral>[0], roomId: string) =>
  ephemeral(sync, roomId).find((event) => event.type === 'm.receipt')?.content as Record<string, Record<string, Record<string, { ts: number; thread_id?: string }>>> | undefined;

const setTyping = (c: RoomClient, roomId: string, body: Record<string, unknown>, userId = c.userId) =>
  c.raw('PUT', `${c.room(roomId)}/typing/${enc(userId)}`, body);
const receipt = (c: RoomClient, roomId: string, type: string, eventId: string, body: unknown = {}) =>
  c.raw('POST', `${c.room(roomId)}/receipt/${enc(type)}/${enc(eventId)}`, body);

// sytest: Typing notification sent to local room members; Typing can be explicitly stopped
test('typing reaches the other member once, is stopped explicitly, and a repeat only extends it', async (t) => {
  const { a, b, roomId } = await setup(t);
  const start = await b.sync();
  assert.equal(typingOf(start, roomId), undefined, 'nobody types yet');

  assert.equal((await setTyping(a, roomId, { typing: true, timeout: 30_000 })).status, 200);
  const typing = await b.sync({ since: start.next_batch, timeout: 0 });
  assert.deepEqual(typingOf(typing, roomId), [a.userId]);
  // The typist sees it too; an initial sync shows who types now.
  assert.deepEqual(typingOf(await a.sync(), roomId), [a.userId]);
  assert.deepEqual(typingOf(await b.sync(), roomId), [a.userId]);

  // Saying it again is no news.
  assert.equal((await setTyping(a, roomId, { typing: true, timeout: 30_000 })).status, 200);
  const again = await b.sync({ since: typing.next_batch, timeout: 0 });
  assert.equal(typingOf(again, roomId), undefined);

  assert.equal((await setTyping(a, roomId, { typing: false })).status, 200);
  const stopped = await b.sync({ since: again.next_batch, timeout: 0 });
  assert.deepEqual(typingOf(stopped, roomId), []);
  assert.equal(typingOf(await b.sync(), roomId), undefined, 'an initial sync has no empty typing event');
});

// sytest: Typing notifications timeout and can be resent
test('typing expires after its timeout, and a long-polling sync wakes for it', async (t) => {
  const { a, b, roomId } = await setup(t);
  const start = await b.sync();
  const waiting = b.sync({ since: start.next_batch, timeout: 10_000 });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = Date.now();
  await setTyping(a, roomId, { typing: true, timeout: 300 });
  const woke = await waiting;
  assert.ok(Date.now() - started < 5_000, 'the long-poll answered at once');
  assert.deepEqual(typingOf(woke, roomId), [a.userId]);
  const expired = await b.sync({ since: woke.next_batch, timeout: 5_000 });
  assert.deepEqual(typingOf(expired, roomId), [], 'the typing timed out');
});

test('typing errors: another user, not joined, bad body', async (t) => {
  const { hs, a, b, roomId } = await setup(t);
  const other = await setTyping(a, roomId, { typing: true }, b.userId);
  assert.equal(other.status, 400);
  assert.equal(other.body.errcode, 'M_FORBIDDEN');
  const carol = roomClient(hs, await hs.register('carol'));
  const outsider = await setTyping(carol, roomId, { typing: true, timeout: 1000 });
  assert.equal(outsider.status, 403);
  assert.equal(outsider.body.errcode, 'M_FORBIDDEN');
  const unknownRoom = await setTyping(a, '!nowhere:hearth.test', { typing: true });
  assert.equal(unknownRoom.status, 403);
  const missing = await setTyping(a, roomId, { timeout: 1000 });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
  const wrongType = await setTyping(a, roomId, { typing: 'yes' });
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.body.errcode, 'M_BAD_JSON');
  const noBody = await a.raw('PUT', `${a.room(roomId)}/typing/${enc(a.userId)}`);
  assert.equal(noBody.status, 400);
  assert.equal(noBody.body.errcode, 'M_NOT_JSON');
});

// sytest: Read receipts are visible to /initialSync and /sync; Read receipts are sent as events
test('a read receipt reaches both members, moves only forward, and an initial sync has the latest', async (t) => {
  const { a, b, roomId } = await setup(t);
  const first = await a.say(roomId, 'one');
  const second = await a.say(roomId, 'two');
  const start = await a.sync();

  assert.equal((await receipt(b, roomId, 'm.read', second)).status, 200);
  const seen = await a.sync({ since: start.next_batch, timeout: 0 });
  const content = receiptOf(seen, roomId);
  assert.ok(content?.[second]?.['m.read']?.[b.userId], 'bob read up to two');
  assert.equal(typeof content?.[second]?.['m.read']?.[b.userId]?.ts, 'number');

  // An older event is ignored (no change, nothing new in sync).
  assert.equal((await receipt(b, roomId, 'm.read', first)).status, 200);
  const after = await a.sync({ since: seen.next_batch, timeout: 0 });
  assert.equal(receiptOf(after, roomId), undefined);

  const initial = receiptOf(await a.sync(), roomId);
  assert.ok(initial?.[second]?.['m.read']?.[b.userId]);
  assert.equal(initial?.[first], undefined);

  // Without a body (older clients) it works too.
  const third = await a.say(roomId, 'three');
  const noBody = await b.raw('POST', `${b.room(roomId)}/receipt/m.read/${enc(third)}`);
  assert.equal(noBody.status, 200);
  assert.ok(receiptOf(await a.sync({ since: after.next_batch, timeout: 0 }), roomId)?.[third]);
});

test('a private receipt is seen only by its sender; m.fully_read becomes room account data', async (t) => {
  const { a, b, roomId } = await setup(t);
  const message = await a.say(roomId, 'secret');
  const aStart = await a.sync();
  const bStart = await b.sync();
  assert.equal((await receipt(b, roomId, 'm.read.private', message)).status, 200);
  const own = await b.sync({ since: bStart.next_batch, timeout: 0 });
  assert.ok(receiptOf(own, roomId)?.[message]?.['m.read.private']?.[b.userId], 'bob sees his private receipt');
  const others = await a.sync({ since: aStart.next_batch, timeout: 0 });
  assert.equal(receiptOf(others, roomId), undefined, 'alice does not');
  assert.equal(JSON.stringify(await a.sync()).includes('m.read.private'), false);

  assert.equal((await receipt(b, roomId, 'm.fully_read', message)).status, 200);
  const marker = await b.ok('GET', `${V3}/user/${enc(b.userId)}/rooms/${enc(roomId)}/account_data/m.fully_read`);
  assert.equal(marker.event_id, message);
  const synced = await b.sync({ since: own.next_batch, timeout: 0 });
  const data = synced.rooms.join[roomId].account_data.events as Ephemeral[];
  assert.deepEqual(data.find((event) => event.type === 'm.fully_read')?.content, { event_id: message });
  assert.equal(receiptOf(synced, roomId), undefined, 'm.fully_read is not a receipt');
});

// sytest: Read receipts with thread_id
test('threaded receipts: main and a thread root are kept apart; thread_id is checked', async (t) => {
  const { a, b, roomId } = await setup(t);
  const root = await a.say(roomId, 'root');
  const inThread = await a.send(roomId, { msgtype: 'm.text', body: 'reply', 'm.relates_to': { rel_type: 'm.thread', event_id: root } });
  const later = await a.say(roomId, 'later');
  const start = await a.sync();

  assert.equal((await receipt(b, roomId, 'm.read', inThread, { thread_id: root })).status, 200);
  assert.equal((await receipt(b, roomId, 'm.read', later, { thread_id: 'main' })).status, 200);
  assert.equal((await receipt(b, roomId, 'm.read', root, { thread_id: 'main' })).status, 200, 'a root is in the main timeline');
  const synced = receiptOf(await a.sync({ since: start.next_batch, timeout: 0 }), roomId);
  assert.deepEqual(synced?.[inThread]?.['m.read']?.[b.userId]?.thread_id, root);
  assert.deepEqual(synced?.[later]?.['m.read']?.[b.userId]?.thread_id, 'main');
  // The main receipt on the root is older than "later" for the same (user, type, thread): ignored.
  assert.equal(synced?.[root], undefined);

  const wrongThread = await receipt(b, roomId, 'm.read', inThread, { thread_id: 'main' });
  assert.equal(wrongThread.status, 400);
  assert.equal(wrongThread.body.errcode, 'M_INVALID_PARAM');
  const otherRoot = await receipt(b, roomId, 'm.read', later, { thread_id: root });
  assert.equal(otherRoot.status, 400);
  assert.equal(otherRoot.body.errcode, 'M_INVALID_PARAM');
  for (const threadId of ['', 42]) {
    const bad = await receipt(b, roomId, 'm.read', later, { thread_id: threadId });
    assert.equal(bad.status, 400, `thread_id ${JSON.stringify(threadId)}`);
    assert.equal(bad.body.errcode, 'M_INVALID_PARAM');
  }
  const fullyRead = await receipt(b, roomId, 'm.fully_read', later, { thread_id: 'main' });
  assert.equal(fullyRead.status, 400);
  assert.equal(fullyRead.body.errcode, 'M_INVALID_PARAM');
});

test('receipt errors: unknown type, unknown event, event of another room, not joined', async (t) => {
  const { hs, a, b, roomId } = await setup(t);
  const message = await a.say(roomId, 'hi');
  const otherRoom = await a.createRoom({ preset: 'private_chat' });
  const elsewhere = await a.say(otherRoom, 'elsewhere');

  const badType = await receipt(b, roomId, 'm.seen', message);
  assert.equal(badType.status, 400);
  assert.equal(badType.body.errcode, 'M_INVALID_PARAM');
  const unknown = await receipt(b, roomId, 'm.read', '$nope');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errcode, 'M_NOT_FOUND');
  const wrongRoom = await receipt(a, roomId, 'm.read', elsewhere);
  assert.equal(wrongRoom.status, 404);
  const carol = roomClient(hs, await hs.register('carol'));
  const outsider = await receipt(carol, roomId, 'm.read', message);
  assert.equal(outsider.status, 403);
  assert.equal(outsider.body.errcode, 'M_FORBIDDEN');
  const notObject = await receipt(b, roomId, 'm.read', message, [1]);
  assert.equal(notObject.status, 400);
});

test('an ignored user\'s typing and receipts are hidden', async (t) => {
  const { a, b, roomId } = await setup(t);
  const message = await b.say(roomId, 'hello');
  await a.ok('PUT', `${V3}/user/${enc(a.userId)}/account_data/m.ignored_user_list`, { ignored_users: { [b.userId]: {} } });
  const start = await a.sync();
  await setTyping(b, roomId, { typing: true, timeout: 10_000 });
  await receipt(b, roomId, 'm.read', message);
  const synced = await a.sync({ since: start.next_batch, timeout: 0 });
  assert.deepEqual(typingOf(synced, roomId) ?? [], []);
  assert.equal(receiptOf(synced, roomId), undefined);
});

// complement: TestTyping, TestReadReceipts (driven by matrix-js-sdk's real sync loop)
test('matrix-js-sdk: typing and a receipt reach the other client; a private receipt does not', async (t: TestContext) => {
  const hs = await startTestServer(t);
  const [alice, bob] = (await startClients(t, sdk, hs, 'alice', 'bob')) as [SdkClient, SdkClient];
  const aliceId = alice.getUserId()!;
  const bobId = bob.getUserId()!;
  const { room_id: roomId } = await alice.createRoom({ preset: sdk.Preset.PublicChat });
  await bob.joinRoom(roomId);
  await until(sdk, alice, () => alice.getRoom(roomId)?.getMember(bobId)?.membership === 'join', 'bob joined');

  const typingEvents: boolean[] = [];
  bob.on(sdk.RoomMemberEvent.Typing, (_event, member) => {
    if (member.userId === aliceId) typingEvents.push(member.typing);
  });
  await alice.sendTyping(roomId, true, 1_000);
  await until(sdk, bob, () => bob.getRoom(roomId)?.getMember(aliceId)?.typing === true, 'alice typing');
  await until(sdk, bob, () => bob.getRoom(roomId)?.getMember(aliceId)?.typing === false, 'alice stopped typing (expired)', 10_000);
  assert.deepEqual(typingEvents, [true, false]);

  const { event_id: eventId } = await alice.sendTextMessage(roomId, 'read me');
  await until(sdk, bob, () => !!bob.getRoom(roomId)?.findEventById(eventId), 'the message');
  const event = bob.getRoom(roomId)!.findEventById(eventId)!;
  await bob.sendReadReceipt(event, sdk.ReceiptType.Read);
  await until(sdk, alice, () => alice.getRoom(roomId)?.getUsersReadUpTo(alice.getRoom(roomId)!.findEventById(eventId)!).includes(bobId) === true, 'bob read receipt');
  const receipts = alice.getRoom(roomId)!.getReceiptsForEvent(alice.getRoom(roomId)!.findEventById(eventId)!);
  assert.ok(receipts.some((r) => r.userId === bobId && r.type === 'm.read'));

  const { event_id: privateId } = await alice.sendTextMessage(roomId, 'private read');
  await until(sdk, bob, () => !!bob.getRoom(roomId)?.findEventById(privateId), 'the second message');
  await bob.sendReadReceipt(bob.getRoom(roomId)!.findEventById(privateId)!, sdk.ReceiptType.ReadPrivate);
  await until(sdk, bob, () => bob.getRoom(roomId)?.getReadReceiptForUserId(bobId, false, sdk.ReceiptType.ReadPrivate)?.eventId === privateId, 'bob sees his private receipt');
  // A public marker after it shows alice still only has bob's public receipt.
  const { event_id: marker } = await alice.sendTextMessage(roomId, 'marker');
  await until(sdk, alice, () => !!alice.getRoom(roomId)?.findEventById(marker), 'marker');
  assert.equal(alice.getRoom(roomId)!.getReadReceiptForUserId(bobId, false, sdk.ReceiptType.ReadPrivate), null);
  assert.equal(alice.getRoom(roomId)!.getEventReadUpTo(bobId), eventId);
});
