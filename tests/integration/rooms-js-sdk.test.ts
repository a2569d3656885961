// Rooms driven by matrix-js-sdk (CONVENTIONS §8): two users with real sync loops against the real server.
import assert from 'node:assert/strict';
import { before, test, type TestContext } from 'node:test';
import { loadSdk, refused, startClient as start, until as untilOn, type Sdk, type SdkClient as Client } from '../helpers/js-sdk.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let sdk: Sdk;
before(async () => {
  sdk = await loadSdk();
});

const startClient = (hs: TestServer, localpart: string, initialSyncLimit?: number) => start(sdk, hs, localpart, initialSyncLimit);
const until = (client: Client, predicate: () => boolean, what: string, ms?: number) => untilOn(sdk, client, predicate, what, ms);

async function twoClients(t: TestContext) {
  const hs = await startTestServer(t);
  const alice = await startClient(hs, 'alice');
  const bob = await startClient(hs, 'bob');
  t.after(() => {
    alice.stopClient();
    bob.stopClient();
  });
  return { hs, alice, bob, bobId: bob.getUserId()!, aliceId: alice.getUserId()! };
}

const bodies = (client: Client, roomId: string) =>
  (client.getRoom(roomId)?.getLiveTimeline().getEvents() ?? [])
    .filter((event) => event.getType() === 'm.room.message')
    .map((event) => event.getContent().body as string);

const stateContent = (client: Client, roomId: string, type: string, key = '') =>
  client.getRoom(roomId)?.currentState.getStateEvents(type, key)?.getContent();

const membership = (client: Client, roomId: string, userId: string) => client.getRoom(roomId)?.getMember(userId)?.membership;

// complement: TestSyncRoomsJoinInviteLeave (driven by matrix-js-sdk's real sync loop)
test('two matrix-js-sdk clients: create, invite, join, chat both ways, name and topic, leave', async (t) => {
  const { alice, bob, bobId } = await twoClients(t);

  const { room_id: roomId } = await alice.createRoom({ preset: sdk.Preset.PrivateChat, name: 'Family', invite: [bobId] });
  await until(bob, () => bob.getRoom(roomId)?.getMyMembership() === 'invite', 'the invite');
  await bob.joinRoom(roomId);
  await until(alice, () => membership(alice, roomId, bobId) === 'join', 'bob joined');

  await alice.sendTextMessage(roomId, 'hello bob');
  await until(bob, () => bodies(bob, roomId).includes('hello bob'), 'alice message');
  await bob.sendTextMessage(roomId, 'hi alice');
  await until(alice, () => bodies(alice, roomId).includes('hi alice'), 'bob message');

  await alice.setRoomName(roomId, 'Family chat');
  await alice.setRoomTopic(roomId, 'Everything');
  await until(bob, () => bob.getRoom(roomId)?.name === 'Family chat', 'the new name');
  await until(bob, () => stateContent(bob, roomId, 'm.room.topic')?.topic === 'Everything', 'topic');

  await bob.leave(roomId);
  await until(alice, () => membership(alice, roomId, bobId) === 'leave', 'bob left');
  assert.equal(alice.getRoom(roomId)?.getJoinedMemberCount(), 1);
});

// complement: TestRoomCreate presets (private_chat, trusted_private_chat, public_chat); sytest: POST /createRoom with preset
test('each preset: the right join rule and visibility, invite or open join, and chat both ways', async (t) => {
  const { alice, bob, bobId } = await twoClients(t);
  const presets = [
    { preset: sdk.Preset.PrivateChat, joinRule: 'invite', history: 'shared', invite: true },
    { preset: sdk.Preset.TrustedPrivateChat, joinRule: 'invite', history: 'shared', invite: true },
    { preset: sdk.Preset.PublicChat, joinRule: 'public', history: 'shared', invite: false },
  ];
  for (const { preset, joinRule, history, invite } of presets) {
    const { room_id: roomId } = await alice.createRoom({ preset, name: `room ${preset}`, ...(invite ? { invite: [bobId] } : {}) });
    if (invite) {
      await until(bob, () => bob.getRoom(roomId)?.getMyMembership() === 'invite', `${preset}: the invite`);
    } else {
      // Not invited: an open room is joinable directly.
      assert.equal(bob.getRoom(roomId), null);
    }
    await bob.joinRoom(roomId);
    await until(alice, () => membership(alice, roomId, bobId) === 'join', `${preset}: bob joined`);
    // The room's full state arrives with bob's own join (invite_state only had a stripped subset).
    await until(bob, () => bob.getRoom(roomId)?.getMyMembership() === 'join' && !!stateContent(bob, roomId, 'm.room.history_visibility'), `${preset}: bob's join synced`);
    assert.equal(bob.getRoom(roomId)?.name, `room ${preset}`);
    assert.equal(stateContent(bob, roomId, 'm.room.join_rules')?.join_rule, joinRule, preset);
    assert.equal(stateContent(bob, roomId, 'm.room.history_visibility')?.history_visibility, history, preset);
    if (preset === sdk.Preset.TrustedPrivateChat) {
      // Room version 12: invitees of a trusted private chat are additional creators; before it, power 100.
      const create = stateContent(bob, roomId, 'm.room.create');
      const levels = stateContent(bob, roomId, 'm.room.power_levels');
      assert.ok((create?.additional_creators ?? []).includes(bobId) || levels?.users?.[bobId] === 100, JSON.stringify({ create, levels }));
    } else {
      assert.ok(!stateContent(bob, roomId, 'm.room.power_levels')?.users?.[bobId], `${preset}: bob has no extra power`);
    }
    await alice.sendTextMessage(roomId, `${preset} from alice`);
    await bob.sendTextMessage(roomId, `${preset} from bob`);
    await until(alice, () => bodies(alice, roomId).includes(`${preset} from bob`), `${preset}: bob's message`);
    await until(bob, () => bodies(bob, roomId).includes(`${preset} from alice`), `${preset}: alice's message`);
    assert.deepEqual(bodies(alice, roomId), [`${preset} from alice`, `${preset} from bob`]);
  }
  // The uninvited cannot join an invite-only room.
  const { room_id: closed } = await alice.createRoom({ preset: sdk.Preset.PrivateChat });
  assert.equal((await refused(sdk, bob.joinRoom(closed))).errcode, 'M_FORBIDDEN');
});

// complement: TestRedact (the other client sees the redaction); sytest: POST /rooms/:room_id/redact/:event_id as original message sender redacts message
test('a redaction reaches the other client, which shows the event redacted', async (t) => {
  const { alice, bob, bobId } = await twoClients(t);
  const { room_id: roomId } = await alice.createRoom({ preset: sdk.Preset.PublicChat });
  await bob.joinRoom(roomId);
  await until(alice, () => membership(alice, roomId, bobId) === 'join', 'bob joined');
  const { event_id: eventId } = await alice.sendTextMessage(roomId, 'oops, a secret');
  await until(bob, () => bodies(bob, roomId).includes('oops, a secret'), 'the message');

  await alice.redactEvent(roomId, eventId, undefined, { reason: 'mistake' });
  const seen = () => bob.getRoom(roomId)?.findEventById(eventId);
  await until(bob, () => seen()?.isRedacted() === true, 'the redaction');
  assert.deepEqual(seen()?.getContent(), {});
  // Bob cannot redact alice's messages (power 0 < redact 50).
  const { event_id: other } = await alice.sendTextMessage(roomId, 'keep me');
  assert.equal((await refused(sdk, bob.redactEvent(roomId, other))).errcode, 'M_FORBIDDEN');
  // A fresh fetch from the server is redacted too.
  const fetched = await bob.fetchRoomEvent(roomId, eventId);
  assert.deepEqual(fetched.content, {});
  const because = (fetched.unsigned as { redacted_because?: { redacts?: string; content?: { redacts?: string } } } | undefined)?.redacted_because;
  assert.ok(because, 'unsigned.redacted_because');
  assert.equal(because.content?.redacts ?? because.redacts, eventId);
});

// complement: TestLeaveRejoin, TestBannedUserCannotJoin; sytest: Kicked user can rejoin a public room, Banned user may not rejoin
test('leave and rejoin, kick and rejoin, ban: the banned user cannot rejoin until unbanned', async (t) => {
  const { alice, bob, bobId } = await twoClients(t);
  const { room_id: roomId } = await alice.createRoom({ preset: sdk.Preset.PublicChat });
  await bob.joinRoom(roomId);
  await until(alice, () => membership(alice, roomId, bobId) === 'join', 'bob joined');

  await bob.leave(roomId);
  await until(alice, () => membership(alice, roomId, bobId) === 'leave', 'bob left');
  // (joinRoom is a no-op while bob's own client still thinks he is joined.)
  await until(bob, () => bob.getRoom(roomId)?.getMyMembership() === 'leave', 'bob sees his leave');
  await bob.joinRoom(roomId);
  await until(alice, () => membership(alice, roomId, bobId) === 'join', 'bob rejoined');
  await bob.sendTextMessage(roomId, 'back again');
  await until(alice, () => bodies(alice, roomId).includes('back again'), 'the message after rejoining');

  await alice.kick(roomId, bobId, 'cool off');
  await until(bob, () => bob.getRoom(roomId)?.getMyMembership() === 'leave', 'bob sees the kick');
  // Alice's own sync loop delivers the kick on its own schedule: wait for it there too.
  await until(alice, () => membership(alice, roomId, bobId) === 'leave', 'alice sees the kick');
  const kick = alice.getRoom(roomId)?.currentState.getStateEvents('m.room.member', bobId);
  assert.equal(kick?.getContent().reason, 'cool off');
  assert.equal(kick?.getSender(), alice.getUserId());
  await bob.joinRoom(roomId);
  await until(alice, () => membership(alice, roomId, bobId) === 'join', 'bob rejoined after the kick');

  await alice.ban(roomId, bobId, 'enough');
  await until(bob, () => bob.getRoom(roomId)?.getMyMembership() === 'ban', 'bob sees the ban');
  const refusal = await refused(sdk, bob.joinRoom(roomId));
  assert.equal(refusal.errcode, 'M_FORBIDDEN');
  assert.ok(refusal.data.error, 'a reason');
  assert.equal((await refused(sdk, bob.sendTextMessage(roomId, 'let me in'))).errcode, 'M_FORBIDDEN');
  assert.equal(membership(alice, roomId, bobId), 'ban');

  await alice.unban(roomId, bobId);
  await until(alice, () => membership(alice, roomId, bobId) === 'leave', 'unbanned');
  await bob.joinRoom(roomId);
  await until(alice, () => membership(alice, roomId, bobId) === 'join', 'bob rejoined after the unban');
});

// complement: TestRoomMessagesPagination (Synapse: Can paginate backwards through 500 events); sytest: Can paginate with /messages
test('scrollback pages back through 500 messages in order with no gaps', async (t) => {
  const hs = await startTestServer(t);
  const alice = await startClient(hs, 'alice');
  t.after(() => alice.stopClient());
  const { room_id: roomId } = await alice.createRoom({ preset: sdk.Preset.PublicChat, name: 'Long' });
  // 500 messages over plain HTTP (faster than the sdk's send queue); alice's client is syncing all along.
  const token = alice.getAccessToken()!;
  const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message`;
  for (let i = 0; i < 500; i++) {
    const reply = await hs.request('PUT', `${path}/bulk${i}`, { token, body: { msgtype: 'm.text', body: `msg ${i}` } });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
  }

  // Bob starts afterwards, joins, and sees only the newest few: then scrolls back to the room's beginning.
  const bob = await startClient(hs, 'bob', 10);
  t.after(() => bob.stopClient());
  await bob.joinRoom(roomId);
  await until(bob, () => bodies(bob, roomId).includes('msg 499'), 'the newest message');
  const room = bob.getRoom(roomId)!;
  assert.ok(bodies(bob, roomId).length < 500);
  let rounds = 0;
  while (room.getLiveTimeline().getPaginationToken(sdk.EventTimeline.BACKWARDS) !== null && rounds++ < 50) {
    await bob.scrollback(room, 100);
  }
  const events = room.getLiveTimeline().getEvents();
  assert.equal(events[0]?.getType(), 'm.room.create', 'reached the start of the room');
  const expected = Array.from({ length: 500 }, (_, i) => `msg ${i}`);
  assert.deepEqual(bodies(bob, roomId), expected, 'every message once, in order');
  const ids = events.map((event) => event.getId());
  assert.equal(new Set(ids).size, ids.length, 'no event twice');

  // The sdk's raw /messages request agrees, forwards from the start.
  const forward: string[] = [];
  let from: string | null = null;
  do {
    const page: Awaited<ReturnType<Client['createMessagesRequest']>> = await bob.createMessagesRequest(roomId, from, 200, sdk.Direction.Forward);
    forward.push(...page.chunk.filter((event) => event.type === 'm.room.message').map((event) => event.content.body as string));
    from = page.chunk.length > 0 ? (page.end ?? null) : null;
  } while (from);
  assert.deepEqual(forward, expected);
});

// complement: TestRoomAlias (resolve and join by alias); sytest: GET /directory/room/:room_alias yields room ID, Can join a room by alias
test('aliases: created with the room or later, resolved with getRoomIdForAlias, joined by alias', async (t) => {
  const { hs, alice, bob, bobId } = await twoClients(t);
  const alias = `#lounge:${hs.serverName}`;
  const { room_id: roomId } = await alice.createRoom({ preset: sdk.Preset.PublicChat, room_alias_name: 'lounge' });
  const resolved = await bob.getRoomIdForAlias(alias);
  assert.equal(resolved.room_id, roomId);
  assert.ok(resolved.servers.includes(hs.serverName));
  await until(alice, () => stateContent(alice, roomId, 'm.room.canonical_alias')?.alias === alias, 'the canonical alias');

  const joined = await bob.joinRoom(alias);
  assert.equal(joined.roomId, roomId);
  await until(alice, () => membership(alice, roomId, bobId) === 'join', 'bob joined by alias');

  // A second alias, made by bob (a member), works the same; an unknown alias is M_NOT_FOUND.
  const second = `#hangout:${hs.serverName}`;
  await bob.createAlias(second, roomId);
  assert.equal((await alice.getRoomIdForAlias(second)).room_id, roomId);
  assert.equal((await refused(sdk, bob.getRoomIdForAlias(`#nowhere:${hs.serverName}`))).errcode, 'M_NOT_FOUND');
  assert.equal((await refused(sdk, bob.joinRoom(`#nowhere:${hs.serverName}`))).errcode, 'M_NOT_FOUND');
});
