/**
 * Event relationships and threads on SQLite (migration 0005). The indexer runs inside the transaction
 * that persists each event: a well-formed `m.relates_to` makes a row (unless its target is known to be in
 * another room: spec "Forming relationships between events", both events must share a room), an
 * m.thread one also bumps the thread's row; a redaction removes the redacted event's row and recounts
 * its thread (spec "Aggregations of child events": a redacted child breaks the relationship).
 */
import type { EventId, RoomId, UserId } from '../../core/ids.js';
import type { Relation } from '../../rooms/relations.js';
import type { BundleRows, RelationRecord, RelationsQuery, RelationsStore, ThreadRecord, ThreadsQuery } from '../types.js';
import type { SqliteDatabase } from './open.js';
import { createStatementCache } from './statement-cache.js';
import type { EventIndexer } from './rooms.js';

interface RelationRow {
  event_id: string;
  relates_to_id: string;
  rel_type: string;
  room_id: string;
  sender: string;
  type: string;
  aggregation_key: string | null;
  depth: number;
  stream_ordering: number;
  origin_server_ts: number;
}

interface ThreadRow {
  room_id: string;
  thread_id: string;
  latest_event_id: string;
  latest_stream_ordering: number;
  count: number;
}

const COLUMNS = 'event_id, relates_to_id, rel_type, room_id, sender, type, aggregation_key, depth, stream_ordering, origin_server_ts';

const toRecord = (row: RelationRow): RelationRecord => ({
  eventId: row.event_id as EventId,
  relatesTo: row.relates_to_id as EventId,
  relType: row.rel_type,
  roomId: row.room_id as RoomId,
  sender: row.sender as UserId,
  type: row.type,
  key: row.aggregation_key,
  depth: row.depth,
  streamOrdering: row.stream_ordering,
  originServerTs: row.origin_server_ts,
});

const toThread = (row: ThreadRow): ThreadRecord => ({
  roomId: row.room_id as RoomId,
  threadId: row.thread_id as EventId,
  latestEventId: row.latest_event_id as EventId,
  latestStreamOrdering: row.latest_stream_ordering,
  count: row.count,
});

const RelType = { Replace: 'm.replace', Thread: 'm.thread', Annotation: 'm.annotation', Reference: 'm.reference' } as const;

/** The relation types bundled from event_relations rows (m.thread comes from the threads table). */
const BUNDLED_ROW_TYPES = [RelType.Replace, RelType.Reference];

/**
 * rooms/relations.ts `relationOf`, restated here because storage may import only types from rooms/
 * (dependency-cruiser); relations.test.ts checks the two agree on every shape.
 */
export function parseRelatesTo(content: Readonly<Record<string, unknown>> | undefined): Relation | null {
  const relatesTo = content?.['m.relates_to'];
  if (typeof relatesTo !== 'object' || relatesTo === null || Array.isArray(relatesTo)) return null;
  const { rel_type: relType, event_id: eventId, key } = relatesTo as Record<string, unknown>;
  if (typeof relType !== 'string' || relType === '' || relType.length > 255) return null;
  if (typeof eventId !== 'string' || !eventId.startsWith('$') || eventId.length > 255) return null;
  return { relType, eventId: eventId as EventId, key: relType === RelType.Annotation && typeof key === 'string' ? key : null };
}

/**
 * A Bloom filter over the IDs of events that have (or had) bundled children: m.replace, m.reference or
 * m.thread ones. Most events have none, so bundled aggregations of a page (every /sync timeline) usually
 * cost no query at all. No false negatives; a false positive (or a child since redacted) only costs the
 * query. 2^23 bits (1 MiB) with 3 probes stays under ~2% false positives up to ~600k parents.
 */
export function createParentFilter(bits = 1 << 23) {
  const words = new Uint32Array(bits >>> 5);
  const mask = bits - 1;
  // FNV-1a, then two more probes derived from it (Kirsch–Mitzenmacher).
  const hashes = (id: string): [number, number] => {
    let h = 0x811c9dc5;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    return [h >>> 0, (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0) | 1];
  };
  return {
    add(id: string): void {
      const [a, b] = hashes(id);
      for (let k = 0; k < 3; k++) {
        const bit = (a + k * b) & mask;
        words[bit >>> 5] = (words[bit >>> 5] as number) | (1 << (bit & 31));
      }
    },
    mightContain(id: string): boolean {
      const [a, b] = hashes(id);
      for (let k = 0; k < 3; k++) {
        const bit = (a + k * b) & mask;
        if (((words[bit >>> 5] as number) & (1 << (bit & 31))) === 0) return false;
      }
      return true;
    },
  };
}

type ParentFilter = ReturnType<typeof createParentFilter>;
const FILTERED_TYPES: ReadonlySet<string> = new Set([RelType.Replace, RelType.Reference, RelType.Thread]);

/** The relationship index on SQLite: the indexer (registered in sqlite/index.ts) and the store over it. */
export function createSqliteRelations(db: SqliteDatabase): { indexer: EventIndexer; store: RelationsStore } {
  const parents = createParentFilter();
  const existing = db.prepare("SELECT relates_to_id FROM event_relations WHERE rel_type IN ('m.replace', 'm.reference', 'm.thread')").pluck();
  for (const id of existing.iterate() as Iterable<string>) parents.add(id);
  return { indexer: createRelationsIndexer(db, parents), store: createSqliteRelationsStore(db, parents) };
}

function createRelationsIndexer(db: SqliteDatabase, parents: ParentFilter): EventIndexer {
  const q = {
    roomOf: db.prepare('SELECT room_id FROM events WHERE event_id = ?'),
    insert: db.prepare(`INSERT OR IGNORE INTO event_relations (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    select: db.prepare('SELECT relates_to_id, rel_type, room_id FROM event_relations WHERE event_id = ?'),
    delete: db.prepare('DELETE FROM event_relations WHERE event_id = ?'),
    bumpThread: db.prepare(
      `INSERT INTO threads (room_id, thread_id, latest_event_id, latest_stream_ordering, count) VALUES (?, ?, ?, ?, 1)
       ON CONFLICT DO UPDATE SET count = count + 1,
         latest_event_id = CASE WHEN excluded.latest_stream_ordering > latest_stream_ordering THEN excluded.latest_event_id ELSE latest_event_id END,
         latest_stream_ordering = MAX(latest_stream_ordering, excluded.latest_stream_ordering)`,
    ),
    threadLatest: db.prepare(
      `SELECT event_id, stream_ordering FROM event_relations WHERE relates_to_id = ? AND room_id = ? AND rel_type = 'm.thread'
       ORDER BY depth DESC, stream_ordering DESC LIMIT 1`,
    ),
    threadCount: db.prepare("SELECT COUNT(*) AS n FROM event_relations WHERE relates_to_id = ? AND rel_type = 'm.thread' AND room_id = ?"),
    setThread: db.prepare('UPDATE threads SET latest_event_id = ?, latest_stream_ordering = ?, count = ? WHERE room_id = ? AND thread_id = ?'),
    deleteThread: db.prepare('DELETE FROM threads WHERE room_id = ? AND thread_id = ?'),
  };

  const unindex = (eventId: EventId): void => {
    const row = q.select.get(eventId) as { relates_to_id: string; rel_type: string; room_id: string } | undefined;
    if (!row) return;
    q.delete.run(eventId);
    if (row.rel_type !== RelType.Thread) return;
    const latest = q.threadLatest.get(row.relates_to_id, row.room_id) as { event_id: string; stream_ordering: number } | undefined;
    if (!latest) {
      q.deleteThread.run(row.room_id, row.relates_to_id);
      return;
    }
    const { n } = q.threadCount.get(row.relates_to_id, row.room_id) as { n: number };
    q.setThread.run(latest.event_id, latest.stream_ordering, n, row.room_id, row.relates_to_id);
  };

  return (item, streamOrdering, roomId) => {
    if (item.applyRedaction) unindex(item.applyRedaction);
    const pdu = item.event.pdu;
    const relation = parseRelatesTo(pdu.content);
    if (!relation) return;
    const target = q.roomOf.get(relation.eventId) as { room_id: string } | undefined;
    if (target && target.room_id !== roomId) return;
    const inserted = q.insert.run(
      item.event.eventId, relation.eventId, relation.relType, roomId, pdu.sender, pdu.type, relation.key,
      pdu.depth, streamOrdering, pdu.origin_server_ts,
    ).changes > 0;
    if (!inserted) return;
    // Set before the commit: a rollback only leaves a false positive.
    if (FILTERED_TYPES.has(relation.relType)) parents.add(relation.eventId);
    if (relation.relType === RelType.Thread) q.bumpThread.run(roomId, relation.eventId, item.event.eventId, streamOrdering);
  };
}

function createSqliteRelationsStore(db: SqliteDatabase, filter: ParentFilter): RelationsStore {
  const prepared = createStatementCache(db);
  const q = {
    get: db.prepare(`SELECT ${COLUMNS} FROM event_relations WHERE event_id = ?`),
    bundledChildren: db.prepare(
      `SELECT ${COLUMNS} FROM event_relations
       WHERE relates_to_id IN (SELECT value FROM json_each(?)) AND rel_type IN (${BUNDLED_ROW_TYPES.map(() => '?').join(', ')})`,
    ),
    threads: db.prepare(
      `SELECT room_id, thread_id, latest_event_id, latest_stream_ordering, count FROM threads
       WHERE (room_id, thread_id) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))`,
    ),
    participated: db.prepare(
      `SELECT DISTINCT relates_to_id FROM event_relations
       WHERE relates_to_id IN (SELECT value FROM json_each(?)) AND rel_type = 'm.thread' AND sender = ?`,
    ),
    threadCountExcluding: db.prepare(
      `SELECT COUNT(*) AS n FROM event_relations WHERE relates_to_id = ? AND rel_type = 'm.thread' AND room_id = ?
       AND sender NOT IN (SELECT value FROM json_each(?))`,
    ),
    threadLatestExcluding: db.prepare(
      `SELECT event_id FROM event_relations WHERE relates_to_id = ? AND room_id = ? AND rel_type = 'm.thread'
       AND sender NOT IN (SELECT value FROM json_each(?)) ORDER BY depth DESC, stream_ordering DESC LIMIT 1`,
    ),
    // event_relations_parent_sender
    annotation: db.prepare(
      `SELECT 1 FROM event_relations WHERE relates_to_id = ? AND rel_type = 'm.annotation' AND sender = ?
       AND room_id = ? AND type = ? AND aggregation_key = ? LIMIT 1`,
    ),
  };

  return {
    async getRelation(eventId) {
      const row = q.get.get(eventId) as RelationRow | undefined;
      return row ? toRecord(row) : null;
    },

    async relations(query: RelationsQuery) {
      const params: unknown[] = [];
      const filters = (alias: string): string => {
        let sql = '';
        if (query.relType !== undefined) {
          sql += ` AND ${alias}.rel_type = ?`;
          params.push(query.relType);
        }
        if (query.eventType !== undefined) {
          sql += ` AND ${alias}.type = ?`;
          params.push(query.eventType);
        }
        return sql;
      };
      const backwards = query.direction === 'b';
      let source: string;
      if (query.maxDepth <= 1) {
        source = 'event_relations r WHERE r.relates_to_id = ? AND r.room_id = ?';
        params.push(query.parentId, query.roomId);
        source += filters('r');
      } else {
        // Children up to maxDepth levels down, every level passing the filters (spec: an event related
        // only through a non-matching intermediate event is left out).
        params.push(query.parentId, query.roomId);
        const seed = filters('c');
        params.push(query.maxDepth, query.roomId);
        const step = filters('c');
        source = `event_relations r WHERE r.event_id IN (
          WITH RECURSIVE related(event_id, level) AS (
            SELECT c.event_id, 1 FROM event_relations c WHERE c.relates_to_id = ? AND c.room_id = ?${seed}
            UNION
            SELECT c.event_id, related.level + 1 FROM event_relations c JOIN related ON c.relates_to_id = related.event_id
            WHERE related.level < ? AND c.room_id = ?${step}
          ) SELECT event_id FROM related)`;
      }
      // Bounds as pagination tokens mean them: backwards, from = at or before and to = after; forwards, the reverse.
      if (query.from) {
        source += backwards ? ' AND (r.depth, r.stream_ordering) <= (?, ?)' : ' AND (r.depth, r.stream_ordering) > (?, ?)';
        params.push(query.from.depth, query.from.stream);
      }
      if (query.to) {
        source += backwards ? ' AND (r.depth, r.stream_ordering) > (?, ?)' : ' AND (r.depth, r.stream_ordering) <= (?, ?)';
        params.push(query.to.depth, query.to.stream);
      }
      const order = backwards ? 'DESC' : 'ASC';
      params.push(query.limit);
      const sql = `SELECT ${COLUMNS.split(', ').map((c) => `r.${c}`).join(', ')} FROM ${source}
        ORDER BY r.depth ${order}, r.stream_ordering ${order} LIMIT ?`;
      return (prepared(sql).all(...(params as [string])) as RelationRow[]).map(toRecord);
    },

    async bundleRows(candidates, userId): Promise<BundleRows> {
      const parents = candidates.filter((parent) => filter.mightContain(parent.eventId));
      if (parents.length === 0) return { children: [], threads: [], participated: new Set() };
      const ids = JSON.stringify(parents.map((p) => p.eventId));
      const children = (q.bundledChildren.all(ids, ...BUNDLED_ROW_TYPES) as RelationRow[]).map(toRecord);
      const threads = (q.threads.all(JSON.stringify(parents.map((p) => [p.roomId, p.eventId]))) as ThreadRow[]).map(toThread);
      const participated = new Set<EventId>();
      if (userId !== null && threads.length > 0) {
        const roots = JSON.stringify(threads.map((t) => t.threadId));
        for (const row of q.participated.all(roots, userId) as Array<{ relates_to_id: string }>) participated.add(row.relates_to_id as EventId);
      }
      return { children, threads, participated };
    },

    async threadExcluding(roomId, threadId, excluded) {
      const senders = JSON.stringify(excluded);
      const latest = q.threadLatestExcluding.get(threadId, roomId, senders) as { event_id: string } | undefined;
      if (!latest) return null;
      const { n } = q.threadCountExcluding.get(threadId, roomId, senders) as { n: number };
      return { latestEventId: latest.event_id as EventId, count: n };
    },

    async hasAnnotation(annotation) {
      return q.annotation.get(annotation.parentId, annotation.sender, annotation.roomId, annotation.type, annotation.key) !== undefined;
    },

    async threads(query: ThreadsQuery) {
      const params: unknown[] = [query.roomId];
      let sql = 'SELECT room_id, thread_id, latest_event_id, latest_stream_ordering, count FROM threads t WHERE t.room_id = ?';
      if (query.before !== null) {
        sql += ' AND t.latest_stream_ordering < ?';
        params.push(query.before);
      }
      if (query.participant !== null) {
        // Spec "current_user_participated": the root's sender, or the sender of an m.thread child.
        sql += ` AND (EXISTS (SELECT 1 FROM events e WHERE e.event_id = t.thread_id AND e.sender = ?)
          OR EXISTS (SELECT 1 FROM event_relations r WHERE r.relates_to_id = t.thread_id AND r.rel_type = 'm.thread' AND r.sender = ?))`;
        params.push(query.participant, query.participant);
      }
      sql += ' ORDER BY t.latest_stream_ordering DESC LIMIT ?';
      params.push(query.limit);
      return (prepared(sql).all(...(params as [string])) as ThreadRow[]).map(toThread);
    },
  };
}
