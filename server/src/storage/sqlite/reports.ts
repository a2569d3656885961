/**
 * Content reports on SQLite (migration 0008): events, rooms and users reported by local users
 * (client-server-api "Reporting Content", report_content.yaml), kept for the admin API.
 */
import type { EventId, RoomId, UserId } from '../../core/ids.js';
import type { ContentReport, ReportKind, ReportsQuery, ReportsStore } from '../types.js';
import type { SqliteDatabase } from './open.js';
import type { WriteQueue } from './write-queue.js';

interface ReportRow {
  id: number;
  kind: string;
  reporter: string;
  received_ts: number;
  reason: string | null;
  score: number | null;
  room_id: string | null;
  event_id: string | null;
  target_user_id: string | null;
}

const COLUMNS = 'id, kind, reporter, received_ts, reason, score, room_id, event_id, target_user_id';

const toReport = (row: ReportRow): ContentReport => ({
  id: row.id,
  kind: row.kind as ReportKind,
  reporter: row.reporter as UserId,
  receivedTs: row.received_ts,
  reason: row.reason,
  score: row.score,
  roomId: row.room_id as RoomId | null,
  eventId: row.event_id as EventId | null,
  targetUserId: row.target_user_id as UserId | null,
});

// Each filter matches everything when its parameter is NULL, so one statement serves every query.
const FILTERS = '(@kind IS NULL OR kind = @kind) AND (@roomId IS NULL OR room_id = @roomId) AND (@reporter IS NULL OR reporter = @reporter)';

const filterParams = (query: Omit<ReportsQuery, 'before' | 'limit'>) => ({
  kind: query.kind ?? null,
  roomId: query.roomId ?? null,
  reporter: query.reporter ?? null,
});

export function createSqliteReportsStore(db: SqliteDatabase, writes: WriteQueue): ReportsStore {
  const q = {
    insert: db.prepare(
      `INSERT INTO content_reports (kind, reporter, received_ts, reason, score, room_id, event_id, target_user_id)
       VALUES (@kind, @reporter, @receivedTs, @reason, @score, @roomId, @eventId, @targetUserId)`,
    ),
    get: db.prepare(`SELECT ${COLUMNS} FROM content_reports WHERE id = ?`),
    list: db.prepare(
      `SELECT ${COLUMNS} FROM content_reports WHERE ${FILTERS} AND (@before IS NULL OR id < @before) ORDER BY id DESC LIMIT @limit`,
    ),
    count: db.prepare(`SELECT count(*) AS n FROM content_reports WHERE ${FILTERS}`),
    delete: db.prepare('DELETE FROM content_reports WHERE id = ?'),
  };

  return {
    add: (report) => writes.run(() => Number(q.insert.run(report).lastInsertRowid)),

    async get(id) {
      const row = q.get.get(id) as ReportRow | undefined;
      return row ? toReport(row) : null;
    },

    async list(query) {
      const rows = q.list.all({ ...filterParams(query), before: query.before, limit: query.limit }) as ReportRow[];
      return rows.map(toReport);
    },

    async count(query) {
      return (q.count.get(filterParams(query)) as { n: number }).n;
    },

    delete: (id) => writes.run(() => q.delete.run(id).changes > 0),
  };
}
