import type { UiaSessionRecord, UiaStore } from '../types.js';
import type { SqliteDatabase } from './open.js';
import type { WriteQueue } from './write-queue.js';

interface SessionRow {
  session_id: string;
  operation: string;
  created_ts: number;
  completed: string;
  registration_token: string | null;
}

export function createSqliteUiaStore(db: SqliteDatabase, writes: WriteQueue): UiaStore {
  const insert = db.prepare('INSERT INTO uia_sessions (session_id, operation, created_ts) VALUES (?, ?, ?)');
  const get = db.prepare('SELECT * FROM uia_sessions WHERE session_id = ?');
  const setCompleted = db.prepare('UPDATE uia_sessions SET completed = ? WHERE session_id = ?');
  const setToken = db.prepare('UPDATE uia_sessions SET completed = ?, registration_token = ? WHERE session_id = ?');
  // Synapse's rule: a token is usable while pending + completed < uses_allowed and it hasn't expired.
  const reserve = db.prepare(`UPDATE registration_tokens SET pending = pending + 1
    WHERE token = @token AND (uses_allowed IS NULL OR pending + completed < uses_allowed)
      AND (expiry_time IS NULL OR expiry_time > @now)`);
  const release = db.prepare('UPDATE registration_tokens SET pending = max(pending - 1, 0) WHERE token = ?');
  const remove = db.prepare('DELETE FROM uia_sessions WHERE session_id = ?');
  const expired = db.prepare('SELECT session_id, registration_token FROM uia_sessions WHERE created_ts < ?');

  const addStage = (row: SessionRow, stage: string): string => {
    const completed = JSON.parse(row.completed) as string[];
    if (!completed.includes(stage)) completed.push(stage);
    return JSON.stringify(completed);
  };

  const deleteWithRelease = (sessionId: string, token: string | null): void => {
    if (token !== null) release.run(token);
    remove.run(sessionId);
  };

  return {
    createSession: (sessionId, operation, now) => writes.run(() => void insert.run(sessionId, operation, now)),

    getSession: async (sessionId) => {
      const row = get.get(sessionId) as SessionRow | undefined;
      if (!row) return null;
      const record: UiaSessionRecord = {
        sessionId: row.session_id,
        operation: row.operation,
        createdTs: row.created_ts,
        completed: JSON.parse(row.completed) as string[],
        registrationToken: row.registration_token,
      };
      return record;
    },

    completeStage: (sessionId, stage) =>
      writes.run(() => {
        const row = get.get(sessionId) as SessionRow | undefined;
        if (row) setCompleted.run(addStage(row, stage), sessionId);
      }),

    completeRegistrationTokenStage: (sessionId, token, now) =>
      writes.run(() => {
        const row = get.get(sessionId) as SessionRow | undefined;
        if (!row) return false;
        if (row.registration_token === token) return true; // already holds a use of this token
        if (reserve.run({ token, now }).changes === 0) return false;
        if (row.registration_token !== null) release.run(row.registration_token);
        setToken.run(addStage(row, 'm.login.registration_token'), token, sessionId);
        return true;
      }),

    deleteSession: (sessionId) =>
      writes.run(() => {
        const row = get.get(sessionId) as SessionRow | undefined;
        if (row) deleteWithRelease(row.session_id, row.registration_token);
      }),

    expireSessions: (createdBefore) =>
      writes.run(() => {
        const rows = expired.all(createdBefore) as Array<{ session_id: string; registration_token: string | null }>;
        for (const row of rows) deleteWithRelease(row.session_id, row.registration_token);
        return rows.length;
      }),
  };
}
