import type { RegistrationTokenRecord, RegistrationTokensStore } from '../types.js';
import type { SqliteDatabase } from './open.js';
import type { WriteQueue } from './write-queue.js';

interface TokenRow {
  token: string;
  uses_allowed: number | null;
  pending: number;
  completed: number;
  expiry_time: number | null;
  grants_admin: number;
}

const toRecord = (row: TokenRow): RegistrationTokenRecord => ({
  token: row.token,
  usesAllowed: row.uses_allowed,
  pending: row.pending,
  completed: row.completed,
  expiryTime: row.expiry_time,
  grantsAdmin: row.grants_admin === 1,
});

export function createSqliteRegistrationTokensStore(db: SqliteDatabase, writes: WriteQueue): RegistrationTokensStore {
  const insert = db.prepare(`INSERT OR IGNORE INTO registration_tokens
    (token, uses_allowed, expiry_time, grants_admin, created_ts) VALUES (?, ?, ?, ?, ?)`);
  const get = db.prepare('SELECT * FROM registration_tokens WHERE token = ?');
  const list = db.prepare('SELECT * FROM registration_tokens ORDER BY created_ts, token');
  const remove = db.prepare('DELETE FROM registration_tokens WHERE token = ?');

  return {
    create: (t) =>
      writes.run(() => insert.run(t.token, t.usesAllowed, t.expiryTime, t.grantsAdmin ? 1 : 0, t.now).changes > 0),
    get: async (token) => {
      const row = get.get(token) as TokenRow | undefined;
      return row ? toRecord(row) : null;
    },
    list: async () => (list.all() as TokenRow[]).map(toRecord),
    delete: (token) => writes.run(() => remove.run(token).changes > 0),
  };
}
