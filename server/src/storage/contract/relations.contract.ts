/**
 * RelationsStore contract: the relationship index written with each persisted event (storage/types.ts).
 * Events are real PDUs from the room builder, persisted through RoomsStore as the send path does.
 * Spec: client-server-api "Forming relationships between events", "Threading" (v1.19).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EventId, RoomId, UserId } from '../../core/ids.js';
import type { RoomEvent } from '../../rooms/pdu.js';
import type { RoomBuilder } from '../../rooms/testing/room-builder.js';
import type { Storage } from '../types.js';
import { persistNewRoom, persistNext, SERVER_NAME, storages, userId, type StorageFactory } from './fixtures.js';

const VERSION = '10';
const alice = userId('rel-alice');
const bob = userId('rel-bob');

const newRoom = (s: Storage, name: string): Promise<RoomBuilder> => persistNewRoom(s, { name, version: VERSION, creator: alice, member: bob });
const append = persistNext;

const relates = (relType: string, target: EventId, extra: Record<string, unknown> = {}) => ({ 'm.relates_to': { rel_type: relType, event_id: target, ...extra } });

function send(room: RoomBuilder, sender: UserId, content: Record<string, unknown>, type = 'm.room.message'): RoomEvent {
  return room.add({ type, sender, content });
}

const ids = (rows: readonly { eventId: EventId }[]) => rows.map((row) => row.eventId);

export function relationsContract(factory: StorageFactory): void {
  describe('RelationsStore contract', () => {
    const { shared, fresh, reopen } = storages(factory);

    test('a relation is indexed with its child facts; malformed ones and plain replies are not', async () => {
      const s = shared();
      const room = await newRoom(s, 'rel-index');
      const root = await append(s, room, room.message(alice, 'root'));
      const reaction = await append(s, room, send(room, bob, relates('m.annotation', root.eventId, { key: '👍' }), 'm.reaction'));
      const reply = await append(s, room, send(room, bob, { body: 'r', 'm.relates_to': { 'm.in_reply_to': { event_id: root.eventId } } }));
      const bad = await append(s, room, send(room, bob, { 'm.relates_to': { rel_type: 'm.thread', event_id: 'no-sigil' } }));

      const stored = (await s.rooms.getEvents([reaction.eventId])).get(reaction.eventId);
      assert.deepEqual(await s.relations.getRelation(reaction.eventId), {
        eventId: reaction.eventId,
        relatesTo: root.eventId,
        relType: 'm.annotation',
        roomId: room.roomId,
        sender: bob,
        type: 'm.reaction',
        key: '👍',
        depth: reaction.pdu.depth,
        streamOrdering: stored?.streamOrdering,
        originServerTs: reaction.pdu.origin_server_ts,
      });
      assert.equal(await s.relations.getRelation(reply.eventId), null);
      assert.equal(await s.relations.getRelation(bad.eventId), null);
      assert.equal(await s.relations.getRelation(root.eventId), null);
    });

    test('a relation to an event known to be in another room is not indexed', async () => {
      const s = shared();
      const one = await newRoom(s, 'rel-room-one');
      const two = await newRoom(s, 'rel-room-two');
      const target = await append(s, one, one.message(alice, 'in one'));
      const cross = await append(s, two, send(two, alice, relates('m.reference', target.eventId)));
      assert.equal(await s.relations.getRelation(cross.eventId), null);
      // An unknown target is indexed (it may arrive later); reads are scoped to the parent's room.
      const unknown = await append(s, two, send(two, alice, relates('m.reference', '$unknown' as EventId)));
      assert.equal((await s.relations.getRelation(unknown.eventId))?.relatesTo, '$unknown');
      const fromOne = await s.relations.relations({ roomId: one.roomId, parentId: '$unknown' as EventId, maxDepth: 1, from: null, to: null, direction: 'b', limit: 10 });
      assert.deepEqual(fromOne, []);
    });

    test('children page in topological order both ways, filtered by rel_type and event type, bounded by from/to', async () => {
      const s = shared();
      const room = await newRoom(s, 'rel-page');
      const root = await append(s, room, room.message(alice, 'root'));
      const children: RoomEvent[] = [];
      for (let i = 0; i < 5; i++) children.push(await append(s, room, send(room, bob, { body: `t${i}`, ...relates('m.thread', root.eventId) })));
      const reaction = await append(s, room, send(room, alice, relates('m.annotation', root.eventId, { key: 'x' }), 'm.reaction'));
      const base = { roomId: room.roomId, parentId: root.eventId, maxDepth: 1, from: null, to: null } as const;

      const all = await s.relations.relations({ ...base, direction: 'b', limit: 10 });
      assert.deepEqual(ids(all), [reaction.eventId, ...children.map((e) => e.eventId).reverse()]);
      const forwards = await s.relations.relations({ ...base, direction: 'f', limit: 10 });
      assert.deepEqual(ids(forwards), [...ids(all)].reverse());

      const threads = await s.relations.relations({ ...base, relType: 'm.thread', direction: 'b', limit: 2 });
      assert.deepEqual(ids(threads), [children[4]!.eventId, children[3]!.eventId]);
      const reactions = await s.relations.relations({ ...base, relType: 'm.annotation', eventType: 'm.reaction', direction: 'b', limit: 10 });
      assert.deepEqual(ids(reactions), [reaction.eventId]);
      assert.deepEqual(await s.relations.relations({ ...base, relType: 'm.annotation', eventType: 'm.room.message', direction: 'b', limit: 10 }), []);

      // Backwards from the position just after children[2]: it and what came before.
      const at = (e: RoomEvent, all2: typeof all) => all2.find((row) => row.eventId === e.eventId)!;
      const c2 = at(children[2]!, all);
      const back = await s.relations.relations({ ...base, from: { depth: c2.depth, stream: c2.streamOrdering }, direction: 'b', limit: 10 });
      assert.deepEqual(ids(back), [children[2]!.eventId, children[1]!.eventId, children[0]!.eventId]);
      const c0 = at(children[0]!, all);
      const between = await s.relations.relations({
        ...base,
        from: { depth: c2.depth, stream: c2.streamOrdering },
        to: { depth: c0.depth, stream: c0.streamOrdering },
        direction: 'b',
        limit: 10,
      });
      assert.deepEqual(ids(between), [children[2]!.eventId, children[1]!.eventId]);
      const after = await s.relations.relations({ ...base, from: { depth: c2.depth, stream: c2.streamOrdering }, direction: 'f', limit: 2 });
      assert.deepEqual(ids(after), [children[3]!.eventId, children[4]!.eventId]);
    });

    test('recursion follows children of children up to maxDepth, every level passing the filters', async () => {
      const s = shared();
      const room = await newRoom(s, 'rel-recurse');
      const root = await append(s, room, room.message(alice, 'root'));
      const level1 = await append(s, room, send(room, bob, relates('m.reference', root.eventId)));
      const level2 = await append(s, room, send(room, bob, relates('m.reference', level1.eventId)));
      const level3 = await append(s, room, send(room, bob, relates('m.reference', level2.eventId)));
      await append(s, room, send(room, bob, relates('m.reference', level3.eventId)));
      const viaThread = await append(s, room, send(room, bob, relates('m.thread', root.eventId)));
      const underThread = await append(s, room, send(room, bob, relates('m.reference', viaThread.eventId)));
      const base = { roomId: room.roomId, parentId: root.eventId, from: null, to: null, direction: 'f', limit: 20 } as const;

      assert.deepEqual(ids(await s.relations.relations({ ...base, maxDepth: 1 })), [level1.eventId, viaThread.eventId]);
      assert.deepEqual(ids(await s.relations.relations({ ...base, maxDepth: 3 })), [level1.eventId, level2.eventId, level3.eventId, viaThread.eventId, underThread.eventId]);
      // underThread matches m.reference but is reached only through an m.thread event.
      assert.deepEqual(ids(await s.relations.relations({ ...base, maxDepth: 3, relType: 'm.reference' })), [level1.eventId, level2.eventId, level3.eventId]);
    });

    test('threads: count and latest follow new replies and redactions; a thread with no replies left is gone', async () => {
      const s = shared();
      const room = await newRoom(s, 'rel-threads');
      const rootA = await append(s, room, room.message(alice, 'A'));
      const rootB = await append(s, room, room.message(bob, 'B'));
      const a1 = await append(s, room, send(room, bob, { body: 'a1', ...relates('m.thread', rootA.eventId) }));
      const b1 = await append(s, room, send(room, alice, { body: 'b1', ...relates('m.thread', rootB.eventId) }));
      const a2 = await append(s, room, send(room, alice, { body: 'a2', ...relates('m.thread', rootA.eventId) }));

      const list = await s.relations.threads({ roomId: room.roomId, before: null, participant: null, limit: 10 });
      assert.deepEqual(list.map((t) => [t.threadId, t.latestEventId, t.count]), [
        [rootA.eventId, a2.eventId, 2],
        [rootB.eventId, b1.eventId, 1],
      ]);
      const page2 = await s.relations.threads({ roomId: room.roomId, before: list[0]!.latestStreamOrdering, participant: null, limit: 10 });
      assert.deepEqual(page2.map((t) => t.threadId), [rootB.eventId]);

      // Participation: the root's sender or an m.thread child's sender.
      const carol = userId('rel-carol');
      assert.deepEqual((await s.relations.threads({ roomId: room.roomId, before: null, participant: bob, limit: 10 })).map((t) => t.threadId), [rootA.eventId, rootB.eventId]);
      assert.deepEqual((await s.relations.threads({ roomId: room.roomId, before: null, participant: carol, limit: 10 })), []);

      const rows = await s.relations.bundleRows([{ eventId: rootA.eventId, roomId: room.roomId }, { eventId: rootB.eventId, roomId: room.roomId }], bob);
      assert.equal(rows.threads.length, 2);
      assert.deepEqual([...rows.participated], [rootA.eventId]);
      assert.deepEqual(await s.relations.threadExcluding(room.roomId, rootA.eventId, [alice]), { latestEventId: a1.eventId, count: 1 });
      assert.equal(await s.relations.threadExcluding(room.roomId, rootB.eventId, [alice]), null);

      // Redacting the latest reply: the thread falls back to the one before.
      const redaction = room.add({ type: 'm.room.redaction', sender: alice, content: {} }, { extra: { redacts: a2.eventId } });
      await append(s, room, redaction, { applyRedaction: a2.eventId });
      assert.equal(await s.relations.getRelation(a2.eventId), null);
      let after = await s.relations.threads({ roomId: room.roomId, before: null, participant: null, limit: 10 });
      assert.deepEqual(after.map((t) => [t.threadId, t.latestEventId, t.count]), [
        [rootB.eventId, b1.eventId, 1],
        [rootA.eventId, a1.eventId, 1],
      ]);
      const redaction2 = room.add({ type: 'm.room.redaction', sender: bob, content: {} }, { extra: { redacts: b1.eventId } });
      await append(s, room, redaction2, { applyRedaction: b1.eventId });
      after = await s.relations.threads({ roomId: room.roomId, before: null, participant: null, limit: 10 });
      assert.deepEqual(after.map((t) => t.threadId), [rootA.eventId]);
    });

    test('bundle rows: replacements and references of a page of events, nothing for events without children', async () => {
      const s = shared();
      const room = await newRoom(s, 'rel-bundle');
      const original = await append(s, room, room.message(alice, 'orig'));
      const plain = await append(s, room, room.message(alice, 'plain'));
      const edit = await append(s, room, send(room, alice, { body: '* new', 'm.new_content': { body: 'new' }, ...relates('m.replace', original.eventId) }));
      const reference = await append(s, room, send(room, bob, relates('m.reference', original.eventId)));
      await append(s, room, send(room, bob, relates('m.annotation', original.eventId, { key: 'k' }), 'm.reaction'));

      const rows = await s.relations.bundleRows([{ eventId: original.eventId, roomId: room.roomId }, { eventId: plain.eventId, roomId: room.roomId }], alice);
      assert.deepEqual(rows.children.map((r) => [r.eventId, r.relType]).sort(), [
        [edit.eventId, 'm.replace'],
        [reference.eventId, 'm.reference'],
      ].sort());
      assert.deepEqual(rows.threads, []);
      const none = await s.relations.bundleRows([{ eventId: plain.eventId, roomId: room.roomId }], alice);
      assert.deepEqual(none, { children: [], threads: [], participated: new Set() });
      assert.deepEqual(await s.relations.bundleRows([], null), { children: [], threads: [], participated: new Set() });
    });

    test('hasAnnotation: the same sender, type and key on the parent, until redacted', async () => {
      const s = shared();
      const room = await newRoom(s, 'rel-annotation');
      const root = await append(s, room, room.message(alice, 'root'));
      const other = await append(s, room, room.message(alice, 'other'));
      const reaction = await append(s, room, send(room, bob, relates('m.annotation', root.eventId, { key: '👍' }), 'm.reaction'));
      const query = { roomId: room.roomId, parentId: root.eventId, sender: bob, type: 'm.reaction', key: '👍' };
      assert.equal(await s.relations.hasAnnotation(query), true);
      assert.equal(await s.relations.hasAnnotation({ ...query, sender: alice }), false);
      assert.equal(await s.relations.hasAnnotation({ ...query, key: '👎' }), false);
      assert.equal(await s.relations.hasAnnotation({ ...query, type: 'org.example.vote' }), false);
      assert.equal(await s.relations.hasAnnotation({ ...query, parentId: other.eventId }), false);
      assert.equal(await s.relations.hasAnnotation({ ...query, roomId: `!rel-elsewhere:${SERVER_NAME}` as RoomId }), false);
      // Only m.annotation counts: a reference has no key to match.
      await append(s, room, send(room, alice, relates('m.reference', root.eventId, { key: 'ref' })));
      assert.equal(await s.relations.hasAnnotation({ ...query, sender: alice, type: 'm.room.message', key: 'ref' }), false);

      const redaction = room.add({ type: 'm.room.redaction', sender: bob, content: {} }, { extra: { redacts: reaction.eventId } });
      await append(s, room, redaction, { applyRedaction: reaction.eventId });
      assert.equal(await s.relations.hasAnnotation(query), false);
    });

    test('after a restart, children persisted before are still found for bundling', async (t) => {
      if (!factory.reopen) return t.skip('backend has no reopen');
      const s = await fresh();
      const room = await newRoom(s, 'rel-restart');
      const original = await append(s, room, room.message(alice, 'orig'));
      const edit = await append(s, room, send(room, alice, { body: '* e', 'm.new_content': { body: 'e' }, ...relates('m.replace', original.eventId) }));
      const root = await append(s, room, room.message(bob, 'root'));
      await append(s, room, send(room, alice, { body: 't', ...relates('m.thread', root.eventId) }));
      const again = await reopen(s);
      const rows = await again.relations.bundleRows([{ eventId: original.eventId, roomId: room.roomId }, { eventId: root.eventId, roomId: room.roomId }], alice);
      assert.deepEqual(rows.children.map((r) => r.eventId), [edit.eventId]);
      assert.deepEqual(rows.threads.map((r) => r.threadId), [root.eventId]);
      assert.deepEqual([...rows.participated], [root.eventId]);
    });
  });
}
