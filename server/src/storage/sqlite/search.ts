/**
 * Server-side search on SQLite FTS5 (migration 0008). Spec: client-server-api "Server Side Search"
 * (modules/search.md, search.yaml; v1.19): room_events over content.body (m.room.message),
 * content.name (m.room.name) and content.topic (m.room.topic, with the text/plain `m.topic` body).
 *
 * The index is written by an EventIndexer in the transaction that persists each event (rowid = its
 * stream ordering) and loses an event's row when the event is redacted. User input never reaches FTS5
 * as syntax: `ftsQuery` rebuilds it from words and quoted phrases (each word a prefix, as Synapse's
 * SQLite backend does), `OR` between terms and `-term` to exclude, every piece quoted, so a term like
 * `"a AND (b*` can't make the query fail.
 */
import type { EventId, RoomId } from '../../core/ids.js';
import type { Pdu } from '../../rooms/pdu.js';
import type { EventSearchQuery, SearchHit, SearchKey, SearchStore } from '../types.js';
import type { SqliteDatabase } from './open.js';
import { createStatementCache } from './statement-cache.js';
import type { EventIndexer } from './rooms.js';

/** The FTS5 column of each search key. */
const COLUMNS: Readonly<Record<SearchKey, string>> = { 'content.body': 'body', 'content.name': 'name', 'content.topic': 'topic' };

/** Letters, digits, marks: what the unicode61 tokenizer keeps; anything else separates words. */
const WORD = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;

const quote = (words: readonly string[], prefix: boolean): string => `"${words.join(' ')}"${prefix ? '*' : ''}`;

interface Term {
  readonly fts: string;
  readonly negated: boolean;
}

/**
 * The FTS5 query for a user's search term, or null when it has no words to look for. Plain words are
 * prefixes (`hel` finds "hello"); "double quoted" text is an exact phrase; `OR` (upper case) between two
 * terms matches either; `AND` is the default and may be written; a leading `-` excludes a term. Every
 * other character only separates words.
 */
export function ftsQuery(term: string): string | null {
  // Pieces: quoted phrases, and runs of non-space characters.
  const pieces = term.matchAll(/(-?)"([^"]*)"?|(\S+)/g);
  const groups: Term[][] = [];
  let joinNext = false;
  for (const piece of pieces) {
    const [, dash, phrase, bare] = piece;
    if (bare === 'OR') {
      joinNext = groups.length > 0;
      continue;
    }
    if (bare === 'AND') continue;
    let negated = dash === '-';
    let text = phrase;
    let prefix = false;
    if (bare !== undefined) {
      negated = bare.startsWith('-');
      text = negated ? bare.slice(1) : bare;
      prefix = true;
    }
    const words = (text ?? '').match(WORD);
    if (!words) continue;
    const current: Term = { fts: quote(words, prefix), negated };
    const last = groups.at(-1);
    if (joinNext && last && !negated && !last.some((t) => t.negated)) last.push(current);
    else groups.push([current]);
    joinNext = false;
  }
  const wanted = groups.filter((group) => !group[0]?.negated).map((group) => `(${group.map((t) => t.fts).join(' OR ')})`);
  const excluded = groups.filter((group) => group[0]?.negated).map((group) => group[0]?.fts as string);
  if (wanted.length === 0) return null;
  const positive = wanted.join(' AND ');
  return excluded.length === 0 ? positive : `(${positive}) NOT (${excluded.join(' OR ')})`;
}

/** The full query with a column filter for the keys (none: nothing can match). */
function matchExpression(term: string, keys: readonly SearchKey[]): string | null {
  const query = ftsQuery(term);
  const columns = [...new Set(keys.map((key) => COLUMNS[key]))];
  if (query === null || columns.length === 0) return null;
  return columns.length === 3 ? query : `{${columns.join(' ')}} : (${query})`;
}

const clean = (value: unknown): string | null =>
  typeof value === 'string' && value.length > 0 ? value.replaceAll('\u0000', ' ') : null;

/** The plain-text body of an `m.topic` content block (mimetype absent means text/plain). */
function plainTopic(content: Record<string, unknown>): string | null {
  const block = content['m.topic'];
  if (typeof block !== 'object' || block === null) return null;
  const texts = (block as Record<string, unknown>)['m.text'];
  if (!Array.isArray(texts)) return null;
  for (const text of texts) {
    if (typeof text !== 'object' || text === null) continue;
    const { mimetype, body } = text as Record<string, unknown>;
    if ((mimetype === undefined || mimetype === 'text/plain') && typeof body === 'string') return body;
  }
  return null;
}

/** What an event contributes to the index: body, name, topic (null: nothing). */
export function searchableText(pdu: Pdu): { body: string | null; name: string | null; topic: string | null } | null {
  const content = pdu.content;
  switch (pdu.type) {
    case 'm.room.message': {
      const body = clean(content.body);
      return body === null ? null : { body, name: null, topic: null };
    }
    case 'm.room.name': {
      const name = clean(content.name);
      return name === null ? null : { body: null, name, topic: null };
    }
    case 'm.room.topic': {
      const topic = typeof content.topic === 'string' ? content.topic : '';
      const plain = plainTopic(content);
      const joined = plain !== null && plain !== topic ? `${topic} ${plain}` : topic;
      const value = clean(joined.trim());
      return value === null ? null : { body: null, name: null, topic: value };
    }
    default:
      return null;
  }
}

/** The EventIndexer that keeps event_search (registered in sqlite/index.ts). */
export function createSearchIndexer(db: SqliteDatabase): EventIndexer {
  const insert = db.prepare('INSERT INTO event_search (rowid, body, name, topic) VALUES (?, ?, ?, ?)');
  const remove = db.prepare('DELETE FROM event_search WHERE rowid = (SELECT stream_ordering FROM events WHERE event_id = ?)');
  return (item, streamOrdering) => {
    if (item.applyRedaction) remove.run(item.applyRedaction);
    const text = searchableText(item.event.pdu);
    if (text) insert.run(streamOrdering, text.body, text.name, text.topic);
  };
}

interface HitRow {
  stream_ordering: number;
  score: number;
  event_id: string;
  room_id: string;
}

export function createSqliteSearchStore(db: SqliteDatabase): SearchStore {
  const prepared = createStatementCache(db);

  /** The WHERE clauses on the joined events row `e`, and their parameters (lists passed as JSON). */
  const eventFilters = (query: Omit<EventSearchQuery, 'order' | 'after' | 'limit'>) => {
    const where = ['e.room_id IN (SELECT value FROM json_each(?))'];
    const params: Array<string | number> = [JSON.stringify(query.roomIds)];
    const list = (column: string, values: readonly string[] | undefined, negate: boolean) => {
      if (values === undefined) return;
      where.push(`e.${column} ${negate ? 'NOT IN' : 'IN'} (SELECT value FROM json_each(?))`);
      params.push(JSON.stringify(values));
    };
    list('type', query.types, false);
    list('type', query.notTypes, true);
    list('sender', query.senders, false);
    list('sender', query.notSenders, true);
    return { where, params };
  };

  return {
    async searchEvents(query): Promise<SearchHit[]> {
      const match = matchExpression(query.term, query.keys);
      if (match === null || query.roomIds.length === 0 || query.limit <= 0) return [];
      const { where, params } = eventFilters(query);
      if (query.after) {
        if (query.order === 'recent') {
          where.push('h.stream_ordering < ?');
          params.push(query.after.streamOrdering);
        } else {
          where.push('(h.score < ? OR (h.score = ? AND h.stream_ordering < ?))');
          params.push(query.after.rank, query.after.rank, query.after.streamOrdering);
        }
      }
      const order = query.order === 'recent' ? 'h.stream_ordering DESC' : 'h.score DESC, h.stream_ordering DESC';
      // bm25 is lower for better matches: its negation is the spec's rank (higher is closer).
      const sql = `SELECT h.stream_ordering, h.score, e.event_id, e.room_id
        FROM (SELECT rowid AS stream_ordering, -bm25(event_search) AS score FROM event_search WHERE event_search MATCH ?) AS h
        JOIN events e ON e.stream_ordering = h.stream_ordering
        WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`;
      const rows = prepared(sql).all(...([match, ...params, query.limit] as unknown as [string])) as HitRow[];
      return rows.map((row) => ({
        eventId: row.event_id as EventId,
        roomId: row.room_id as RoomId,
        streamOrdering: row.stream_ordering,
        rank: row.score,
      }));
    },

    async countEvents(query) {
      const match = matchExpression(query.term, query.keys);
      if (match === null || query.roomIds.length === 0) return 0;
      const { where, params } = eventFilters(query);
      const sql = `SELECT count(*) AS n FROM event_search s JOIN events e ON e.stream_ordering = s.rowid
        WHERE event_search MATCH ? AND ${where.join(' AND ')}`;
      return (prepared(sql).get(...([match, ...params] as unknown as [string])) as { n: number }).n;
    },
  };
}
