// The FTS5 query builder and the text each event contributes to the index; the 0008 migration's backfill of
// events stored before it (seed → migrate → assert).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventId, RoomId, UserId } from '../../core/ids.js';
import type { Pdu } from '../../rooms/pdu.js';
import { buildRoom } from '../../rooms/testing/room-builder.js';
import { listMigrations, migrate } from './migrate.js';
import { openDatabase } from './open.js';
import { createSqliteRoomsStore } from './rooms.js';
import { createSqliteSearchStore, ftsQuery, searchableText } from './search.js';
import { createWriteQueue } from './write-queue.js';

test('ftsQuery: words become quoted prefixes, AND-ed', () => {
  assert.equal(ftsQuery('hello world'), '("hello"*) AND ("world"*)');
  assert.equal(ftsQuery('  Hello  '), '("Hello"*)');
  assert.equal(ftsQuery('foo-bar'), '("foo bar"*)', 'punctuation inside a word splits it into a prefix phrase');
  assert.equal(ftsQuery('café'), '("café"*)');
  assert.equal(ftsQuery('a AND b'), '("a"*) AND ("b"*)', 'AND is the default');
});

test('ftsQuery: phrases, OR, exclusions', () => {
  assert.equal(ftsQuery('"exact words"'), '("exact words")');
  assert.equal(ftsQuery('"unterminated phrase'), '("unterminated phrase")');
  assert.equal(ftsQuery('cats OR dogs birds'), '("cats"* OR "dogs"*) AND ("birds"*)');
  assert.equal(ftsQuery('cats -dogs'), '(("cats"*)) NOT ("dogs"*)');
  assert.equal(ftsQuery('cats -"hot dogs" -x'), '(("cats"*)) NOT ("hot dogs" OR "x"*)');
  assert.equal(ftsQuery('OR cats'), '("cats"*)', 'a leading OR joins nothing');
  assert.equal(ftsQuery('cats OR -dogs'), '(("cats"*)) NOT ("dogs"*)', 'OR with an exclusion: the exclusion stands alone');
  assert.equal(ftsQuery('-dogs'), null, 'only exclusions match nothing');
});

test('ftsQuery: FTS5 syntax is only ever text inside quotes', () => {
  for (const term of ['*', '"', '""', '(', ')', ':', '^', '{body}', 'NEAR', 'AND', 'OR OR', '-', '\u0000', '']) {
    const query = ftsQuery(term);
    if (query === null) continue;
    // Outside quoted strings only our own operators and parentheses remain.
    const outside = query.replace(/"[^"]*"\*?/g, '');
    assert.match(outside, /^[()\sANDORT]*$/, `${JSON.stringify(term)} → ${query}`);
  }
  assert.equal(ftsQuery('NEAR(a b)'), '("NEAR a"*) AND ("b"*)');
  assert.equal(ftsQuery('col:umn'), '("col umn"*)');
  assert.equal(ftsQuery('*'), null);
});

const pdu = (type: string, content: Record<string, unknown>): Pdu => ({ type, content, sender: '@a:hs' }) as unknown as Pdu;

test('searchableText: message bodies, room names, topics with their text/plain m.topic body', () => {
  assert.deepEqual(searchableText(pdu('m.room.message', { body: 'hi\u0000there' })), { body: 'hi there', name: null, topic: null });
  assert.equal(searchableText(pdu('m.room.message', { body: 5 })), null);
  assert.equal(searchableText(pdu('m.room.message', { body: '' })), null);
  assert.deepEqual(searchableText(pdu('m.room.name', { name: 'Den' })), { body: null, name: 'Den', topic: null });
  assert.deepEqual(searchableText(pdu('m.room.topic', { topic: 'a', 'm.topic': { 'm.text': [{ mimetype: 'text/html', body: 'h' }, { body: 'b' }] } })), {
    body: null,
    name: null,
    topic: 'a b',
  });
  assert.deepEqual(searchableText(pdu('m.room.topic', { topic: 'same', 'm.topic': { 'm.text': [{ body: 'same' }] } }))?.topic, 'same');
  assert.deepEqual(searchableText(pdu('m.room.topic', { 'm.topic': { 'm.text': [{ mimetype: 'text/plain', body: 'only' }] } }))?.topic, 'only');
  assert.equal(searchableText(pdu('m.room.topic', { topic: '' })), null);
  assert.equal(searchableText(pdu('m.room.encrypted', { body: 'x' })), null);
  assert.equal(searchableText(pdu('m.sticker', { body: 'x' })), null);
});

test('migration 0008 indexes the events stored before it, as the indexer would', async () => {
  const db = openDatabase(':memory:', { synchronous: 'NORMAL' });
  const migrations = listMigrations();
  migrate(db, migrations.filter((m) => m.version < 8));
  const writes = createWriteQueue(db);
  // Persisted without the search indexer, as before the migration.
  const rooms = createSqliteRoomsStore(db, writes, []);
  const alice = '@alice:hs' as UserId;
  const room = buildRoom({ version: '10', creator: alice, roomId: '!old:hs' });
  const message = room.message(alice, 'archived walrus');
  const name = room.add({ type: 'm.room.name', sender: alice, state_key: '', content: { name: 'Walrus den' } });
  const topic = room.add({ type: 'm.room.topic', sender: alice, state_key: '', content: { topic: 'seals', 'm.topic': { 'm.text': [{ body: 'walrus talk' }] } } });
  const redacted = room.message(alice, 'redacted walrus');
  const redaction = room.add({ type: 'm.room.redaction', sender: alice, content: {} }, { extra: { redacts: redacted.eventId } });
  room.add({ type: 'm.room.message', sender: alice, content: { body: 42 } });
  await rooms.persistEvents({
    roomId: room.roomId,
    newRoom: { roomVersion: '10', creator: alice, createdTs: 0 },
    events: room.events().map((event, i) => ({
      event,
      stateBefore: i === 0 ? null : 'previous',
      applyRedaction: event.eventId === redaction.eventId ? redacted.eventId : undefined,
    })),
  });

  migrate(db, migrations);
  const search = createSqliteSearchStore(db);
  const hits = await search.searchEvents({ term: 'walrus', keys: ['content.body', 'content.name', 'content.topic'], roomIds: [room.roomId as RoomId], order: 'recent', after: null, limit: 10 });
  assert.deepEqual(hits.map((hit) => hit.eventId), [topic.eventId, name.eventId, message.eventId] as EventId[]);
  const topics = await search.searchEvents({ term: 'seals walrus', keys: ['content.topic'], roomIds: [room.roomId as RoomId], order: 'recent', after: null, limit: 10 });
  assert.deepEqual(topics.map((hit) => hit.eventId), [topic.eventId]);
  assert.equal((db.prepare('SELECT count(*) AS n FROM event_search').get() as { n: number }).n, 3);
  await writes.drain();
  db.close();
});
