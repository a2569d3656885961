/**
 * SearchStore contract: the full-text index written with each persisted event (storage/types.ts).
 * Events are real PDUs from the room builder, persisted through RoomsStore as the send path does.
 * Spec: client-server-api "Server Side Search" (v1.19).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RoomId, UserId } from '../../core/ids.js';
import type { RoomBuilder } from '../../rooms/testing/room-builder.js';
import type { EventSearchQuery, Storage } from '../types.js';
import { persistNewRoom, persistNext, storages, userId, type StorageFactory } from './fixtures.js';

const VERSION = '10';
const alice = userId('search-alice');
const bob = userId('search-bob');
const ALL_KEYS = ['content.body', 'content.name', 'content.topic'] as const;

const newRoom = (s: Storage, name: string): Promise<RoomBuilder> => persistNewRoom(s, { name, version: VERSION, creator: alice, member: bob });
const append = persistNext;

const say = (s: Storage, room: RoomBuilder, sender: UserId, body: unknown, extra: Record<string, unknown> = {}) =>
  append(s, room, room.add({ type: 'm.room.message', sender, content: { msgtype: 'm.text', body, ...extra } }));

const query = (term: string, roomIds: readonly RoomId[], more: Partial<EventSearchQuery> = {}): EventSearchQuery => ({
  term,
  keys: ALL_KEYS,
  roomIds,
  order: 'recent',
  after: null,
  limit: 50,
  ...more,
});

export function searchContract(factory: StorageFactory): void {
  describe('SearchStore contract', () => {
    const { shared } = storages(factory);

    test('message bodies, room names and topics are indexed under their keys; other events are not', async () => {
      const s = shared();
      const room = await newRoom(s, 'search-keys');
      const message = await say(s, room, alice, 'Quokka sighting at the beach');
      const name = await append(s, room, room.add({ type: 'm.room.name', sender: alice, state_key: '', content: { name: 'Quokka fans' } }));
      const topic = await append(s, room, room.add({ type: 'm.room.topic', sender: alice, state_key: '', content: {
        topic: 'all about quokkas',
        'm.topic': { 'm.text': [{ mimetype: 'text/html', body: '<i>wombats</i>' }, { body: 'plain wallabies' }] },
      } }));
      await append(s, room, room.add({ type: 'org.example.custom', sender: alice, content: { body: 'quokka custom' } }));
      await append(s, room, room.add({ type: 'm.room.encrypted', sender: alice, content: { body: 'quokka encrypted', ciphertext: 'x' } }));
      await say(s, room, alice, 12345);

      const ids = async (term: string, keys: EventSearchQuery['keys'] = ALL_KEYS) =>
        (await s.search.searchEvents(query(term, [room.roomId], { keys }))).map((hit) => hit.eventId);
      assert.deepEqual(await ids('quokka'), [topic.eventId, name.eventId, message.eventId]);
      assert.deepEqual(await ids('quokka', ['content.body']), [message.eventId]);
      assert.deepEqual(await ids('quokka', ['content.name', 'content.topic']), [topic.eventId, name.eventId]);
      assert.deepEqual(await ids('wallabies'), [topic.eventId], 'the text/plain m.topic body');
      assert.deepEqual(await ids('wombats'), [], 'not the html one');
      assert.deepEqual(await ids('12345'), [], 'a non-string body');
      assert.deepEqual(await ids('quokka', []), [], 'no keys');
      assert.equal(await s.search.countEvents({ term: 'quokka', keys: ALL_KEYS, roomIds: [room.roomId] }), 3);
    });

    test('words are prefixes, case- and accent-insensitive; phrases, OR and exclusions work; any input is safe', async () => {
      const s = shared();
      const room = await newRoom(s, 'search-syntax');
      const one = await say(s, room, alice, 'Déjà vu at the Crème brûlée stand');
      const two = await say(s, room, alice, 'the stand was closed');
      const ids = async (term: string) => new Set((await s.search.searchEvents(query(term, [room.roomId]))).map((hit) => hit.eventId));
      assert.deepEqual(await ids('creme BRU'), new Set([one.eventId]));
      assert.deepEqual(await ids('stand'), new Set([one.eventId, two.eventId]));
      assert.deepEqual(await ids('"brulee stand"'), new Set([one.eventId]));
      assert.deepEqual(await ids('"stand brulee"'), new Set());
      assert.deepEqual(await ids('deja OR closed'), new Set([one.eventId, two.eventId]));
      assert.deepEqual(await ids('stand -closed'), new Set([one.eventId]));
      assert.deepEqual(await ids('-closed'), new Set(), 'only exclusions: nothing');
      for (const term of ['"', '*', '(', ')', 'AND', 'NOT', 'OR', 'NEAR(a b)', '{body}:x', 'a:b', '^x', '"x" AND (y OR', '\u0000', '']) {
        await s.search.searchEvents(query(term, [room.roomId]));
        await s.search.countEvents({ term, keys: ALL_KEYS, roomIds: [room.roomId] });
      }
    });

    test('rooms, types and senders narrow the hits; recent is newest first, rank most relevant first; cursors page', async () => {
      const s = shared();
      const one = await newRoom(s, 'search-filter-one');
      const two = await newRoom(s, 'search-filter-two');
      const a1 = await say(s, one, alice, 'otter otter otter');
      const b1 = await say(s, one, bob, 'an otter among many other words in a long message');
      const a2 = await say(s, two, alice, 'otter in two');
      const notice = await append(s, one, one.add({ type: 'm.room.message', sender: bob, content: { msgtype: 'm.notice', body: 'otter notice' } }));
      const both = [one.roomId, two.roomId];

      const ids = async (more: Partial<EventSearchQuery>, roomIds: readonly RoomId[] = both) =>
        (await s.search.searchEvents(query('otter', roomIds, more))).map((hit) => hit.eventId);
      assert.deepEqual(await ids({}), [notice.eventId, a2.eventId, b1.eventId, a1.eventId]);
      assert.deepEqual(await ids({}, [two.roomId]), [a2.eventId]);
      assert.deepEqual(await ids({}, []), []);
      assert.deepEqual(await ids({ senders: [bob] }), [notice.eventId, b1.eventId]);
      assert.deepEqual(await ids({ notSenders: [bob] }), [a2.eventId, a1.eventId]);
      assert.deepEqual(await ids({ types: ['m.room.name'] }), []);
      assert.deepEqual(await ids({ notTypes: ['m.room.message'] }), []);
      assert.deepEqual(await ids({ types: [] }), [], 'an empty include list matches nothing');
      assert.deepEqual(await ids({ limit: 2 }), [notice.eventId, a2.eventId]);

      const ranked = await s.search.searchEvents(query('otter', both, { order: 'rank' }));
      assert.equal(ranked[0]?.eventId, a1.eventId, 'three occurrences rank first');
      for (let i = 1; i < ranked.length; i++) assert.ok((ranked[i - 1]?.rank ?? 0) >= (ranked[i]?.rank ?? 0));
      assert.equal(ranked.at(-1)?.eventId, b1.eventId, 'the long message ranks last');

      for (const order of ['recent', 'rank'] as const) {
        const all = await s.search.searchEvents(query('otter', both, { order }));
        const paged: string[] = [];
        let after = null;
        for (let page = 0; page < 10; page++) {
          const hits = await s.search.searchEvents(query('otter', both, { order, after, limit: 1 }));
          if (hits.length === 0) break;
          paged.push(...hits.map((hit) => hit.eventId));
          after = { rank: hits[0]!.rank, streamOrdering: hits[0]!.streamOrdering };
        }
        assert.deepEqual(paged, all.map((hit) => hit.eventId), `${order}: the cursor continues where a page ended`);
      }
      const hit = (await s.search.searchEvents(query('otter', [two.roomId])))[0];
      const stored = (await s.rooms.getEvents([a2.eventId])).get(a2.eventId);
      assert.deepEqual({ ...hit, rank: 0 }, { eventId: a2.eventId, roomId: two.roomId, streamOrdering: stored?.streamOrdering, rank: 0 });
      assert.equal(await s.search.countEvents({ term: 'otter', keys: ALL_KEYS, roomIds: both, senders: [alice] }), 2);
    });

    test('a redacted event leaves the index', async () => {
      const s = shared();
      const room = await newRoom(s, 'search-redact');
      const gone = await say(s, room, alice, 'platypus secret');
      const kept = await say(s, room, alice, 'platypus public');
      const redaction = room.add({ type: 'm.room.redaction', sender: alice, content: {} }, { extra: { redacts: gone.eventId } });
      await append(s, room, redaction, { applyRedaction: gone.eventId });
      assert.deepEqual((await s.search.searchEvents(query('platypus', [room.roomId]))).map((hit) => hit.eventId), [kept.eventId]);
      assert.equal(await s.search.countEvents({ term: 'secret', keys: ALL_KEYS, roomIds: [room.roomId] }), 0);
    });
  });
}
