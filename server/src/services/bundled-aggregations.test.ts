// Bundled aggregations over a real SQLite storage (in a temp dir), events built with the room builder.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { EventId, UserId } from '../core/ids.js';
import type { RoomEvent } from '../rooms/pdu.js';
import { buildRoom, type RoomBuilder } from '../rooms/testing/room-builder.js';
import { openSqliteStorage } from '../storage/sqlite/index.js';
import type { Storage, StoredEvent } from '../storage/types.js';
import { createBundledAggregations } from './bundled-aggregations.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hearth-bundles-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const alice = '@alice:x' as UserId;
const bob = '@bob:x' as UserId;
const carol = '@carol:x' as UserId;

async function room(): Promise<{ s: Storage; r: RoomBuilder; add: (e: RoomEvent, redacts?: EventId) => Promise<StoredEvent> }> {
  const s = openSqliteStorage(path.join(dir, `db${++n}`, 'h.db'), { synchronous: 'NORMAL' });
  after(() => s.close());
  const r = buildRoom({ version: '10', creator: alice, roomId: `!r${n}:x` });
  r.join(bob);
  r.join(carol);
  await s.rooms.persistEvents({
    roomId: r.roomId,
    newRoom: { roomVersion: '10', creator: alice, createdTs: 1 },
    events: r.events().map((event, i) => ({ event, stateBefore: i === 0 ? null : 'previous' })),
  });
  const add = async (event: RoomEvent, redacts?: EventId) => {
    const record = await s.rooms.getRoom(r.roomId);
    await s.rooms.persistEvents({ roomId: r.roomId, events: [{ event, stateBefore: record!.currentStateGroup, applyRedaction: redacts }] });
    return (await s.rooms.getEvents([event.eventId])).get(event.eventId)!;
  };
  return { s, r, add };
}

const rel = (relType: string, eventId: EventId) => ({ 'm.relates_to': { rel_type: relType, event_id: eventId } });
const editContent = (eventId: EventId, body: string) => ({ body: `* ${body}`, 'm.new_content': { body }, ...rel('m.replace', eventId) });

test('events without children cost one bundleRows call and give nothing; state and redacted events are not asked about', async () => {
  const { s, r, add } = await room();
  const plain = await add(r.message(alice, 'plain'));
  const topic = await add(r.add({ type: 'm.room.topic', sender: alice, state_key: '', content: { topic: 't' } }));
  let calls = 0;
  let asked: readonly { eventId: EventId }[] = [];
  const aggregations = createBundledAggregations({
    relations: {
      bundleRows: async (parents, userId) => {
        calls++;
        asked = parents;
        return s.relations.bundleRows(parents, userId);
      },
      threadExcluding: s.relations.threadExcluding,
    },
    rooms: s.rooms,
  });
  assert.equal((await aggregations.forEvents([plain, topic], alice)).size, 0);
  assert.equal(calls, 1);
  assert.deepEqual(asked.map((p) => p.eventId), [plain.eventId]);
  assert.equal((await aggregations.forEvents([topic], alice)).size, 0);
  assert.equal(calls, 1, 'nothing to ask for state events');
});

test('m.replace: the most recent valid edit (ts, then event ID); invalid ones skipped; none for a redacted original', async () => {
  const { s, r, add } = await room();
  const original = await add(r.message(alice, 'orig'));
  const older = await add(r.add({ type: 'm.room.message', sender: alice, content: editContent(original.eventId, 'older') }, { originServerTs: 1000 }));
  // Newer but invalid: another sender, and no m.new_content.
  await add(r.add({ type: 'm.room.message', sender: bob, content: editContent(original.eventId, 'bob') }, { originServerTs: 5000 }));
  await add(r.add({ type: 'm.room.message', sender: alice, content: { body: 'x', ...rel('m.replace', original.eventId) } }, { originServerTs: 6000 }));
  const aggregations = createBundledAggregations({ relations: s.relations, rooms: s.rooms });
  assert.equal((await aggregations.forEvents([original], bob)).get(original.eventId)?.replace?.eventId, older.eventId);

  const tieA = r.add({ type: 'm.room.message', sender: alice, content: editContent(original.eventId, 'tie a') }, { originServerTs: 3000 });
  const tieB = r.add({ type: 'm.room.message', sender: alice, content: editContent(original.eventId, 'tie b') }, { originServerTs: 3000 });
  await add(tieA);
  await add(tieB);
  const larger = tieA.eventId > tieB.eventId ? tieA : tieB;
  assert.equal((await aggregations.forEvents([original], bob)).get(original.eventId)?.replace?.eventId, larger.eventId);

  const redacted = await add(r.add({ type: 'm.room.redaction', sender: alice, content: {} }, { extra: { redacts: original.eventId } }), original.eventId);
  assert.ok(redacted);
  const now = (await s.rooms.getEvents([original.eventId])).get(original.eventId)!;
  assert.equal((await aggregations.forEvents([now], bob)).size, 0);
});

test('m.thread and m.reference leave out ignored users; participation per user; threads: false skips m.thread', async () => {
  const { s, r, add } = await room();
  const root = await add(r.message(alice, 'root'));
  const fromBob = await add(r.add({ type: 'm.room.message', sender: bob, content: { body: 'b', ...rel('m.thread', root.eventId) } }));
  const fromCarol = await add(r.add({ type: 'm.room.message', sender: carol, content: { body: 'c', ...rel('m.thread', root.eventId) } }));
  const refBob = await add(r.add({ type: 'org.example', sender: bob, content: rel('m.reference', root.eventId) }));
  const refCarol = await add(r.add({ type: 'org.example', sender: carol, content: rel('m.reference', root.eventId) }));

  const ignoring = new Map<UserId, ReadonlySet<UserId>>([[alice, new Set([carol])]]);
  const aggregations = createBundledAggregations({ relations: s.relations, rooms: s.rooms, ignoredUsers: async (u) => ignoring.get(u) ?? new Set() });

  const forBob = (await aggregations.forEvents([root], bob)).get(root.eventId);
  assert.equal(forBob?.thread?.count, 2);
  assert.equal(forBob?.thread?.latest.eventId, fromCarol.eventId);
  assert.equal(forBob?.thread?.participated, true);
  assert.deepEqual(forBob?.references, [refBob.eventId, refCarol.eventId]);

  const forAlice = (await aggregations.forEvents([root], alice)).get(root.eventId);
  assert.equal(forAlice?.thread?.count, 1, "carol's reply is ignored");
  assert.equal(forAlice?.thread?.latest.eventId, fromBob.eventId);
  assert.equal(forAlice?.thread?.participated, true, 'the root sender');
  assert.deepEqual(forAlice?.references, [refBob.eventId]);

  const forNobody = (await aggregations.forEvents([root], null)).get(root.eventId);
  assert.equal(forNobody?.thread?.participated, false);
  const noThreads = (await aggregations.forEvents([root], bob, { threads: false })).get(root.eventId);
  assert.equal(noThreads?.thread, undefined);
  assert.equal(noThreads?.references?.length, 2);
});
