// Typing ends when the typist leaves the room, is kicked or is banned (as Synapse): the room's other
// members see them drop out of m.typing at once, without waiting for the timeout.
// Spec: client-server-api "Typing Notifications" (m.typing), v1.19.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enc, roomClient, type RoomClient } from '../helpers/room-client.js';
import { startTestServer } from '../helpers/test-server.js';

interface SyncBody {
  next_batch: string;
  rooms?: { join?: Record<string, { ephemeral?: { events: Array<{ type: string; content: Record<string, unknown> }> } }> };
}

const typingOf = (sync: SyncBody, roomId: string) =>
  sync.rooms?.join?.[roomId]?.ephemeral?.events.find((event) => event.type === 'm.typing')?.content.user_ids as string[] | undefined;

const setTyping = async (c: RoomClient, roomId: string) => {
  await c.ok('PUT', `${c.room(roomId)}/typing/${enc(c.userId)}`, { typing: true, timeout: 60_000 });
};

// complement: none (Synapse behaviour: a typist who leaves stops typing)
test('leaving, being kicked or being banned removes the user from the room\'s typing list', async (t) => {
  const hs = await startTestServer(t);
  const [alice, bob, carol, dave] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((name) => hs.register(name)));
  const a = roomClient(hs, alice!);
  const [b, c, d] = [bob!, carol!, dave!].map((user) => roomClient(hs, user)) as [RoomClient, RoomClient, RoomClient];
  const roomId = await a.createRoom({ preset: 'public_chat' });
  for (const member of [b, c, d]) await member.join(roomId);

  for (const member of [b, c, d]) await setTyping(member, roomId);
  let since = (await a.sync()) as SyncBody;
  assert.deepEqual(typingOf(since, roomId)?.sort(), [b.userId, c.userId, d.userId].sort());

  const steps: Array<[string, RoomClient, () => Promise<unknown>]> = [
    ['leave', b, () => b.leave(roomId)],
    ['kick', c, () => a.ok('POST', `${a.room(roomId)}/kick`, { user_id: c.userId, reason: 'out' })],
    ['ban', d, () => a.ok('POST', `${a.room(roomId)}/ban`, { user_id: d.userId })],
  ];
  const remaining = new Set([b.userId, c.userId, d.userId]);
  for (const [what, member, act] of steps) {
    await act();
    remaining.delete(member.userId);
    const next = (await a.sync({ since: since.next_batch, timeout: 0 })) as SyncBody;
    assert.deepEqual(typingOf(next, roomId)?.sort(), [...remaining].sort(), `after the ${what}`);
    since = next;
  }
  // Nobody types now: an initial sync has no typing event, and nothing more changes.
  assert.equal(typingOf((await a.sync()) as SyncBody, roomId), undefined);
  assert.equal(typingOf((await a.sync({ since: since.next_batch, timeout: 0 })) as SyncBody, roomId), undefined);
});

// complement: none
test('a long-polling sync wakes with the typing change when the typist leaves, and a non-typist leaving changes nothing', async (t) => {
  const hs = await startTestServer(t);
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => hs.register(name)));
  const [a, b, c] = [alice!, bob!, carol!].map((user) => roomClient(hs, user)) as [RoomClient, RoomClient, RoomClient];
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.join(roomId);
  await c.join(roomId);
  await setTyping(b, roomId);
  const start = (await a.sync()) as SyncBody;
  assert.deepEqual(typingOf(start, roomId), [b.userId]);

  // carol wasn't typing: her leaving leaves bob typing (no m.typing news).
  await c.leave(roomId);
  const afterCarol = (await a.sync({ since: start.next_batch, timeout: 0 })) as SyncBody;
  assert.equal(typingOf(afterCarol, roomId), undefined);

  const waiting = a.sync({ since: afterCarol.next_batch, timeout: 10_000 }) as Promise<SyncBody>;
  await new Promise((resolve) => setTimeout(resolve, 100));
  await b.leave(roomId);
  const woke = await waiting;
  // The long-poll may answer with the leave before the typing change; either way the change shows by the next batch.
  let typing = typingOf(woke, roomId);
  if (typing === undefined) typing = typingOf((await a.sync({ since: woke.next_batch, timeout: 0 })) as SyncBody, roomId);
  assert.deepEqual(typing, []);
});
