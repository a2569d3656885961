/**
 * Prepared statements for SQL built at run time (queries whose shape depends on a filter): each distinct
 * text is prepared once and reused. The set of shapes is small and fixed by the code, so nothing is evicted.
 */
import type { SqliteDatabase } from './open.js';

export type Statement = ReturnType<SqliteDatabase['prepare']>;

export function createStatementCache(db: SqliteDatabase): (sql: string) => Statement {
  const statements = new Map<string, Statement>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}
