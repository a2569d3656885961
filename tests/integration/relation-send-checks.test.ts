// The checks made when a client sends a related event (PUT /rooms/{roomId}/send): no second identical
// annotation (400 M_DUPLICATE_ANNOTATION, until the first is redacted) and no thread started off an event
// that has a relationship itself (400 M_UNKNOWN).
// Spec: client-server-api "Event annotations" (Avoiding duplicate annotations), "Threading" (Validation of
// m.thread relationships), v1.19.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { enc, roomClient, type RoomClient } from '../helpers/room-client.js';
import { startTestServer } from '../helpers/test-server.js';

async function setup(t: TestContext) {
  const hs = await startTestServer(t);
  const [alice, bob] = await Promise.all([hs.register('alice'), hs.register('bob')]);
  const a = roomClient(hs, alice!);
  const b = roomClient(hs, bob!);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.join(roomId);
  return { hs, a, b, roomId };
}

const rel = (relType: string, eventId: string, extra: Record<string, unknown> = {}) => ({ 'm.relates_to': { rel_type: relType, event_id: eventId, ...extra } });
const reaction = (eventId: string, key: string) => rel('m.annotation', eventId, { key });
let txn = 0;
const sendRaw = (c: RoomClient, roomId: string, content: Record<string, unknown>, type = 'm.room.message') =>
  c.raw('PUT', `${c.room(roomId)}/send/${enc(type)}/checks${++txn}`, content);

async function refused(c: RoomClient, roomId: string, content: Record<string, unknown>, type: string, errcode: string) {
  const reply = await sendRaw(c, roomId, content, type);
  assert.equal(reply.status, 400, JSON.stringify(reply.body));
  assert.equal(reply.body.errcode, errcode);
  assert.equal(typeof reply.body.error, 'string');
}

// complement: none (ported from Synapse tests/rest/client/test_relations.py test_deny_double_react)
test('a duplicate reaction is refused; another key, another user or another event type is not', async (t) => {
  const { a, b, roomId } = await setup(t);
  const root = await a.say(roomId, 'root');
  await b.send(roomId, reaction(root, '👍'), 'm.reaction');
  await refused(b, roomId, reaction(root, '👍'), 'm.reaction', 'M_DUPLICATE_ANNOTATION');

  await b.send(roomId, reaction(root, '👎'), 'm.reaction');
  await a.send(roomId, reaction(root, '👍'), 'm.reaction');
  await b.send(roomId, reaction(root, '👍'), 'org.example.vote');
  const other = await a.say(roomId, 'other');
  await b.send(roomId, reaction(other, '👍'), 'm.reaction');

  // Retrying the first send with its own transaction ID returns the first event, not a refusal.
  const path = `${b.room(roomId)}/send/m.reaction/retry-me`;
  const first = await b.ok('PUT', path, reaction(other, '🎉'));
  assert.equal((await b.ok('PUT', path, reaction(other, '🎉'))).event_id, first.event_id);
});

// complement: none (Hearth: the check runs under the room lock)
test('two identical reactions sent at once: exactly one is accepted', async (t) => {
  const { a, b, roomId } = await setup(t);
  const root = await a.say(roomId, 'root');
  const replies = await Promise.all(Array.from({ length: 4 }, () => sendRaw(b, roomId, reaction(root, '🔥'), 'm.reaction')));
  assert.deepEqual(replies.map((r) => r.status).sort(), [200, 400, 400, 400]);
  for (const reply of replies.filter((r) => r.status === 400)) assert.equal(reply.body.errcode, 'M_DUPLICATE_ANNOTATION');
});

// complement: none (spec "Avoiding duplicate annotations": unless the first has been redacted)
test('re-reacting after redacting the first reaction is allowed', async (t) => {
  const { a, b, roomId } = await setup(t);
  const root = await a.say(roomId, 'root');
  const first = await b.send(roomId, reaction(root, '👍'), 'm.reaction');
  await refused(b, roomId, reaction(root, '👍'), 'm.reaction', 'M_DUPLICATE_ANNOTATION');
  await b.ok('PUT', `${b.room(roomId)}/redact/${enc(first)}/undo-react`, {});
  const again = await b.send(roomId, reaction(root, '👍'), 'm.reaction');
  assert.notEqual(again, first);
  await refused(b, roomId, reaction(root, '👍'), 'm.reaction', 'M_DUPLICATE_ANNOTATION');
});

// complement: none (Synapse handlers/message.py: "Cannot start threads from an event with a relation")
test('a thread may not start from a thread reply, an edit or a reaction; from a plain message it may', async (t) => {
  const { a, b, roomId } = await setup(t);
  const root = await a.say(roomId, 'root');
  const threadReply = await b.send(roomId, { msgtype: 'm.text', body: 'in thread', ...rel('m.thread', root) });
  const edit = await a.send(roomId, { msgtype: 'm.text', body: '* root!', 'm.new_content': { msgtype: 'm.text', body: 'root!' }, ...rel('m.replace', root) });
  const react = await b.send(roomId, reaction(root, '👍'), 'm.reaction');

  for (const parent of [threadReply, edit, react]) {
    await refused(b, roomId, { msgtype: 'm.text', body: 'nested', ...rel('m.thread', parent) }, 'm.room.message', 'M_UNKNOWN');
  }
  // The root takes more replies, and a plain message (a rich reply too) can start its own thread.
  await a.send(roomId, { msgtype: 'm.text', body: 'second', ...rel('m.thread', root) });
  const plain = await a.say(roomId, 'plain');
  await b.send(roomId, { msgtype: 'm.text', body: 'new thread', ...rel('m.thread', plain) });
  const reply = await b.send(roomId, { msgtype: 'm.text', body: 'reply', 'm.relates_to': { 'm.in_reply_to': { event_id: plain } } });
  await a.send(roomId, { msgtype: 'm.text', body: 'thread off a reply', ...rel('m.thread', reply) });
});
