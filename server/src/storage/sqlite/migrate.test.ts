import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { listMigrations, migrate, type Migration } from './migrate.js';
import { openDatabase, type SqliteDatabase } from './open.js';

const memory = (): SqliteDatabase => openDatabase(':memory:', { synchronous: 'NORMAL' });
const tables = (db: SqliteDatabase): string[] =>
  db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];

test('a fresh database is migrated to the newest schema', () => {
  const db = memory();
  const all = listMigrations();
  assert.ok(all.length > 0);
  assert.deepEqual(migrate(db), all.map((m) => m.version));
  const recorded = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
  assert.deepEqual(recorded, all.map((m) => ({ version: m.version, name: m.name })));
  for (const table of ['users', 'profile_fields', 'devices', 'access_tokens', 'refresh_tokens', 'registration_tokens', 'uia_sessions']) {
    assert.ok(tables(db).includes(table), table);
  }
  db.close();
});

test('running the migrations again changes nothing', () => {
  const db = memory();
  migrate(db);
  const before = db.prepare('SELECT sql FROM sqlite_schema ORDER BY name').pluck().all();
  assert.deepEqual(migrate(db), []);
  assert.deepEqual(db.prepare('SELECT sql FROM sqlite_schema ORDER BY name').pluck().all(), before);
  db.close();
});

test('a database newer than this code is refused', () => {
  const db = memory();
  migrate(db);
  db.prepare('INSERT INTO schema_migrations (version, name, applied_ts) VALUES (9999, ?, 0)').run('from-the-future');
  assert.throws(() => migrate(db), /schema version 9999, newer than this Hearth/);
  db.close();
});

test('every table of the shipped migrations is STRICT (CONVENTIONS §3)', () => {
  const db = memory();
  migrate(db);
  // Virtual tables (FTS5) and their shadow tables can't be STRICT.
  const list = db.prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string; strict: number }>;
  for (const table of list) assert.equal(table.strict, 1, `${table.name} is not STRICT`);
  db.close();
});

test('migrations from a directory: only NNNN-name.sql files, in order', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-migrations-'));
  try {
    writeFileSync(path.join(dir, '0002-second.sql'), 'CREATE TABLE b (x INTEGER) STRICT;');
    writeFileSync(path.join(dir, '0001-first.sql'), 'CREATE TABLE a (x INTEGER) STRICT;');
    writeFileSync(path.join(dir, 'README.md'), 'not a migration');
    writeFileSync(path.join(dir, '3-bad-name.sql'), 'CREATE TABLE bad (x INTEGER);');
    writeFileSync(path.join(dir, '0003-Upper.sql'), 'CREATE TABLE upper (x INTEGER);');
    const list = listMigrations(dir);
    assert.deepEqual(list.map((m) => [m.version, m.name]), [[1, 'first'], [2, 'second']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('new migrations are applied on top of the old ones', () => {
  const first: Migration = { version: 1, name: 'first', sql: 'CREATE TABLE a (x INTEGER) STRICT;' };
  const second: Migration = { version: 2, name: 'second', sql: 'CREATE TABLE b (x INTEGER) STRICT; INSERT INTO a VALUES (1);' };
  const db = memory();
  assert.deepEqual(migrate(db, [first]), [1]);
  assert.deepEqual(migrate(db, [first, second]), [2]);
  assert.deepEqual(tables(db), ['a', 'b', 'schema_migrations']);
  assert.equal(db.prepare('SELECT count(*) FROM a').pluck().get(), 1);
  db.close();
});

test('a failing migration is rolled back whole and not recorded; the ones before it stay', () => {
  const ok: Migration = { version: 1, name: 'ok', sql: 'CREATE TABLE a (x INTEGER) STRICT;' };
  const broken: Migration = { version: 2, name: 'broken', sql: 'CREATE TABLE half (x INTEGER) STRICT; INSERT INTO nowhere VALUES (1);' };
  const db = memory();
  assert.throws(() => migrate(db, [ok, broken]), /nowhere/);
  assert.deepEqual(tables(db), ['a', 'schema_migrations']);
  assert.deepEqual(db.prepare('SELECT version FROM schema_migrations').pluck().all(), [1]);
  db.close();
});
