// Refusals on the room write side, black-box over HTTP: a forbidden action is a 403 M_FORBIDDEN with a reason and
// changes nothing (same current state, no new event); malformed requests are 4xx with the spec's error codes;
// transaction IDs make sends idempotent per device.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enc, roomClient, V3, type RoomClient } from '../helpers/room-client.js';
import { startTestServer, type HttpResult, type TestServer } from '../helpers/test-server.js';

async function setup(t: Parameters<typeof startTestServer>[0]) {
  const hs = await startTestServer(t);
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => hs.register(name)));
  return { hs, a: roomClient(hs, alice!), b: roomClient(hs, bob!), c: roomClient(hs, carol!) };
}

/** The room as its creator sees it: current state (sorted) and the newest timeline event. */
async function snapshot(owner: RoomClient, roomId: string) {
  const state = ((await owner.state(roomId)) as { type: string; state_key: string; event_id: string }[])
    .map((event) => `${event.type}|${event.state_key}|${event.event_id}`)
    .sort();
  const latest = (await owner.messages(roomId, { dir: 'b', limit: 1 })).chunk[0]?.event_id as string;
  return { state, latest };
}

/** `action` must be refused with 403 M_FORBIDDEN and a reason, and leave the room exactly as it was. */
async function forbidden(owner: RoomClient, roomId: string, what: string, action: () => Promise<HttpResult>): Promise<void> {
  const before = await snapshot(owner, roomId);
  const reply = await action();
  assert.equal(reply.status, 403, `${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
  assert.equal(reply.body.errcode, 'M_FORBIDDEN', what);
  assert.equal(typeof reply.body.error, 'string', what);
  assert.ok(reply.body.error.length > 0, `${what}: an empty reason`);
  assert.deepEqual(await snapshot(owner, roomId), before, `${what} changed the room`);
}

// complement: TestSendMessageWithoutJoining; sytest: Non-present room members cannot send messages
// complement: TestRoomState/Non-member cannot set state; sytest: Non-room members cannot set state
test('non-members cannot send or set state; uninvited users cannot join an invite-only room', async (t) => {
  const { a, b } = await setup(t);
  const open = await a.createRoom({ preset: 'public_chat', name: 'Open' });
  const closed = await a.createRoom({ preset: 'private_chat', name: 'Closed' });

  await forbidden(a, open, 'send without joining', () => b.raw('PUT', `${b.room(open)}/send/m.room.message/x1`, { msgtype: 'm.text', body: 'hi' }));
  await forbidden(a, open, 'non-member sets the topic', () => b.raw('PUT', `${b.room(open)}/state/m.room.topic/`, { topic: 'mine' }));
  await forbidden(a, closed, 'non-member sets the name', () => b.raw('PUT', `${b.room(closed)}/state/m.room.name/`, { name: 'mine' }));
  await forbidden(a, closed, 'join invite-only uninvited', () => b.raw('POST', `${b.room(closed)}/join`, {}));
  await forbidden(a, closed, 'join invite-only by /join/{id}', () => b.raw('POST', `${V3}/join/${enc(closed)}`, {}));
  // Leaving a room one was never in changes nothing either.
  const leave = await b.raw('POST', `${b.room(closed)}/leave`, {});
  assert.ok(leave.status === 403 || leave.status === 404, `leave without membership: ${leave.status}`);
});

// complement: TestPowerLevels; sytest: Users cannot kick users from a room they are not in / with too little power
test('kicking, banning and raising power levels need enough power', async (t) => {
  const { a, b, c } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.join(roomId);
  await c.join(roomId);

  await forbidden(a, roomId, 'kick with power 0', () => b.raw('POST', `${b.room(roomId)}/kick`, { user_id: c.userId, reason: 'go' }));
  await forbidden(a, roomId, 'ban with power 0', () => b.raw('POST', `${b.room(roomId)}/ban`, { user_id: c.userId }));
  await forbidden(a, roomId, 'kick the creator', () => b.raw('POST', `${b.room(roomId)}/kick`, { user_id: a.userId }));

  // Bob becomes a moderator (50): he still cannot lift anyone above his own level, nor himself.
  const levels = await a.ok('GET', `${a.room(roomId)}/state/m.room.power_levels/`);
  await a.setState(roomId, 'm.room.power_levels', '', { ...levels, users: { ...levels.users, [b.userId]: 50 } });
  const current = await a.ok('GET', `${a.room(roomId)}/state/m.room.power_levels/`);
  await forbidden(a, roomId, 'give another user more than one has', () =>
    b.raw('PUT', `${b.room(roomId)}/state/m.room.power_levels/`, { ...current, users: { ...current.users, [c.userId]: 75 } }),
  );
  await forbidden(a, roomId, 'raise oneself', () =>
    b.raw('PUT', `${b.room(roomId)}/state/m.room.power_levels/`, { ...current, users: { ...current.users, [b.userId]: 100 } }),
  );
  await forbidden(a, roomId, 'demote a higher user', () =>
    b.raw('PUT', `${b.room(roomId)}/state/m.room.power_levels/`, { ...current, users: { ...current.users, [a.userId]: 0 } }),
  );
  // A moderator may kick a user below it.
  await b.ok('POST', `${b.room(roomId)}/kick`, { user_id: c.userId });
});

// complement: TestBannedUserCannotJoin (Synapse: "Banned user cannot join"); sytest: Banned user is kicked and may not rejoin until unbanned
test('a banned user cannot rejoin or be invited until unbanned', async (t) => {
  const { a, b, c } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.join(roomId);
  await c.join(roomId);
  await a.ok('POST', `${a.room(roomId)}/ban`, { user_id: b.userId, reason: 'spam' });
  const member = await a.ok('GET', `${a.room(roomId)}/state/m.room.member/${enc(b.userId)}`);
  assert.equal(member.membership, 'ban');
  assert.equal(member.reason, 'spam');

  await forbidden(a, roomId, 'banned user rejoins', () => b.raw('POST', `${b.room(roomId)}/join`, {}));
  await forbidden(a, roomId, 'banned user sends', () => b.raw('PUT', `${b.room(roomId)}/send/m.room.message/b1`, { msgtype: 'm.text', body: 'x' }));
  await forbidden(a, roomId, 'invite a banned user', () => a.raw('POST', `${a.room(roomId)}/invite`, { user_id: b.userId }));
  await forbidden(a, roomId, 'non-moderator unbans', () => c.raw('POST', `${c.room(roomId)}/unban`, { user_id: b.userId }));

  await a.ok('POST', `${a.room(roomId)}/unban`, { user_id: b.userId });
  await b.join(roomId);
});

// sytest: PUT /rooms/:room_id/send/:event_type/:txn_id rejects non-JSON / oversized bodies
test('malformed sends: non-object bodies and oversized events', async (t) => {
  const { hs, a } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  const before = await snapshot(a, roomId);
  const send = (rawBody: string, txnId: string) =>
    hs.request('PUT', `${a.room(roomId)}/send/m.room.message/${txnId}`, { token: a.user.accessToken, rawBody, headers: { 'content-type': 'application/json' } });

  for (const [rawBody, label] of [['[1, 2]', 'array'], ['"text"', 'string'], ['42', 'number'], ['{not json', 'broken']] as const) {
    const reply = await send(rawBody, `bad-${label}`);
    assert.equal(reply.status, 400, `${label}: ${reply.status} ${JSON.stringify(reply.body)}`);
    assert.ok(['M_NOT_JSON', 'M_BAD_JSON'].includes(reply.body.errcode), `${label}: ${reply.body.errcode}`);
  }
  // 65536 bytes is the limit for the whole PDU; a 70 kB body cannot fit.
  const big = await a.raw('PUT', `${a.room(roomId)}/send/m.room.message/big`, { msgtype: 'm.text', body: 'x'.repeat(70_000) });
  assert.equal(big.status, 413, JSON.stringify(big.body).slice(0, 200));
  assert.equal(big.body.errcode, 'M_TOO_LARGE');
  const bigState = await a.raw('PUT', `${a.room(roomId)}/state/m.room.topic/`, { topic: 'y'.repeat(70_000) });
  assert.equal(bigState.status, 413);
  assert.equal(bigState.body.errcode, 'M_TOO_LARGE');
  // Just under the limit is fine.
  await a.send(roomId, { msgtype: 'm.text', body: 'z'.repeat(60_000) });
  const after = await snapshot(a, roomId);
  assert.deepEqual(after.state, before.state);
});

// complement: TestRoomCreate (unsupported version, bad invitees); sytest: POST /createRoom rejects invalid room versions
test('malformed room requests: unknown room version, invalid user IDs, bad power levels', async (t) => {
  const { a, b } = await setup(t);
  for (const version of ['999', 'not-a-version']) {
    const reply = await a.raw('POST', `${V3}/createRoom`, { room_version: version });
    assert.equal(reply.status, 400, `${version}: ${JSON.stringify(reply.body)}`);
    assert.equal(reply.body.errcode, 'M_UNSUPPORTED_ROOM_VERSION');
  }
  for (const invitee of ['bob', '@', 'not a user id', '@bob']) {
    const reply = await a.raw('POST', `${V3}/createRoom`, { invite: [invitee] });
    assert.equal(reply.status, 400, `createRoom invite ${invitee}: ${reply.status} ${JSON.stringify(reply.body)}`);
    assert.match(reply.body.errcode, /^M_(INVALID_PARAM|BAD_JSON)$/);
  }
  const roomId = await a.createRoom({ preset: 'private_chat' });
  const before = await snapshot(a, roomId);
  for (const userId of ['bob', '@bob', '', 42]) {
    const reply = await a.raw('POST', `${a.room(roomId)}/invite`, { user_id: userId });
    assert.equal(reply.status, 400, `invite ${JSON.stringify(userId)}: ${reply.status} ${JSON.stringify(reply.body)}`);
  }
  const levels = await a.ok('GET', `${a.room(roomId)}/state/m.room.power_levels/`);
  for (const [label, content] of [
    ['a string level', { ...levels, users: { ...levels.users, [b.userId]: 'high' } }],
    ['a fractional level', { ...levels, ban: 50.5 }],
    ['a bad user ID key', { ...levels, users: { ...levels.users, 'not-a-user': 10 } }],
    ['events not an object', { ...levels, events: [1] }],
  ] as const) {
    const reply = await a.raw('PUT', `${a.room(roomId)}/state/m.room.power_levels/`, content);
    assert.equal(reply.status, 400, `${label}: ${reply.status} ${JSON.stringify(reply.body)}`);
    assert.equal(reply.body.errcode, 'M_BAD_JSON', label);
  }
  const override = await a.raw('POST', `${V3}/createRoom`, { power_level_content_override: { users_default: 'lots' } });
  assert.equal(override.status, 400, JSON.stringify(override.body));
  assert.deepEqual(await snapshot(a, roomId), before);
});

// sytest: PUT /rooms/:room_id/send/:event_type/:txn_id deduplicates the same txn id; complement: TestTxnIdempotency
test('the same transaction ID twice gives the same event; another device gets a new event', async (t) => {
  const { hs, a } = await setup(t);
  const roomId = await a.createRoom({ preset: 'private_chat' });
  const first = await a.send(roomId, { msgtype: 'm.text', body: 'once' }, 'm.room.message', 'same-txn');
  const second = await a.send(roomId, { msgtype: 'm.text', body: 'once' }, 'm.room.message', 'same-txn');
  assert.equal(second, first);
  // A second device of the same user: transaction IDs are scoped to the device.
  const login = await hs.login('alice', a.user.password);
  assert.equal(login.status, 200);
  const other = roomClient(hs as TestServer, { ...a.user, accessToken: login.body.access_token, deviceId: login.body.device_id });
  const third = await other.send(roomId, { msgtype: 'm.text', body: 'once' }, 'm.room.message', 'same-txn');
  assert.notEqual(third, first);

  const { chunk } = await a.messages(roomId, { dir: 'b', limit: 10 });
  const onces = chunk.filter((event: { content: { body?: string } }) => event.content.body === 'once').map((event: { event_id: string }) => event.event_id);
  assert.deepEqual(onces.sort(), [first, third].sort());
});

// complement: TestTxnScopeOnLocalEcho (spec "Transaction identifiers": a retransmission has the same txnId AND the same path)
test(
  'the same transaction ID on another room or event type is a new request, not a retransmission',
  async (t) => {
    const { a } = await setup(t);
    const first = await a.createRoom({ preset: 'private_chat' });
    const second = await a.createRoom({ preset: 'private_chat' });
    const inFirst = await a.send(first, { msgtype: 'm.text', body: 'one' }, 'm.room.message', 'reused');
    const inSecond = await a.send(second, { msgtype: 'm.text', body: 'two' }, 'm.room.message', 'reused');
    assert.notEqual(inSecond, inFirst, 'a send into another room returned the first room\'s event');
    const fetched = await a.ok('GET', `${a.room(second)}/event/${enc(inSecond)}`);
    assert.equal(fetched.content.body, 'two');
    const otherType = await a.send(first, { body: 'custom' }, 'org.example.custom', 'reused');
    assert.notEqual(otherType, inFirst);
  },
);

// complement: TestCreateRoomConcurrently (v12 room IDs are hashes of the create event)
test('identical createRoom requests at the same moment make different rooms', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const replies = await Promise.all(
    Array.from({ length: 8 }, () => hs.request('POST', '/_matrix/client/v3/createRoom', { token: alice.accessToken, body: { preset: 'private_chat' } })),
  );
  assert.deepEqual(replies.map((reply) => reply.status), Array(8).fill(200));
  assert.equal(new Set(replies.map((reply) => reply.body.room_id)).size, 8);
});
