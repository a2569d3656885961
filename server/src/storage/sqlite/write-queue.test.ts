import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase, type SqliteDatabase } from './open.js';
import { createWriteQueue, type WriteQueue } from './write-queue.js';

let dir: string;
let db: SqliteDatabase;
/** A second connection to the same file: it sees only what has been committed. */
let observer: SqliteDatabase;
let writes: WriteQueue;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hearth-wq-'));
  const file = path.join(dir, 'test.db');
  db = openDatabase(file, { synchronous: 'NORMAL' });
  db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT');
  observer = new Database(file, { readonly: true });
  writes = createWriteQueue(db);
});

afterEach(async () => {
  await writes.drain();
  observer.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (name: string) => () => Number(db.prepare('INSERT INTO items (name) VALUES (?)').run(name).lastInsertRowid);
const committed = (): string[] => (observer.prepare('SELECT name FROM items ORDER BY id').pluck().all() as string[]);

test('writes queued in the same tick commit together, in one transaction', async () => {
  const seenByObserver: string[][] = [];
  const inTransaction: boolean[] = [];
  const jobs = ['a', 'b', 'c', 'd'].map((name) =>
    writes.run(() => {
      insert(name)();
      inTransaction.push(db.inTransaction);
      seenByObserver.push(committed());
      return name;
    }),
  );
  assert.deepEqual(committed(), [], 'nothing runs before the tick ends');
  assert.deepEqual(await Promise.all(jobs), ['a', 'b', 'c', 'd']);
  assert.deepEqual(inTransaction, [true, true, true, true]);
  // While the batch ran, none of its writes was visible to another connection: one commit for all.
  assert.deepEqual(seenByObserver, [[], [], [], []]);
  assert.deepEqual(committed(), ['a', 'b', 'c', 'd']);
});

test('writes queued in different ticks are separate commits', async () => {
  await writes.run(insert('first'));
  let seen: string[] = [];
  await writes.run(() => {
    seen = committed();
    insert('second')();
  });
  assert.deepEqual(seen, ['first']);
  assert.deepEqual(committed(), ['first', 'second']);
});

test('a write is acknowledged only once committed', async () => {
  const id = await writes.run(insert('durable'));
  assert.equal(id, 1);
  assert.deepEqual(committed(), ['durable']);
  assert.equal(db.inTransaction, false);
});

test('a throwing write rolls back alone; the others in its batch commit', async () => {
  const failure = new Error('boom');
  const results = await Promise.allSettled([
    writes.run(insert('before')),
    writes.run(() => {
      insert('half-done')();
      throw failure;
    }),
    writes.run(() => insert('before')()), // UNIQUE violation: rolls back alone too
    writes.run(insert('after')),
  ]);
  assert.equal(results[0]?.status, 'fulfilled');
  assert.deepEqual(results[1], { status: 'rejected', reason: failure });
  assert.equal(results[2]?.status, 'rejected');
  assert.match(String((results[2] as PromiseRejectedResult).reason), /UNIQUE/);
  assert.equal(results[3]?.status, 'fulfilled');
  assert.deepEqual(committed(), ['before', 'after']);
});

test('writes run in the order they were queued, each seeing the ones before it', async () => {
  const order: number[] = [];
  const jobs = Array.from({ length: 50 }, (_, i) =>
    writes.run(() => {
      order.push(i);
      insert(`item-${i}`)();
      return db.prepare('SELECT count(*) FROM items').pluck().get();
    }),
  );
  const counts = await Promise.all(jobs);
  assert.deepEqual(order, Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(counts, Array.from({ length: 50 }, (_, i) => i + 1));
});

test('a large burst is committed in several bounded batches, all in order', async () => {
  let seenAt600 = -1;
  const jobs = Array.from({ length: 700 }, (_, i) =>
    writes.run(() => {
      if (i === 600) seenAt600 = committed().length;
      return insert(`burst-${i}`)();
    }),
  );
  const ids = await Promise.all(jobs);
  assert.deepEqual(ids, Array.from({ length: 700 }, (_, i) => i + 1));
  assert.equal(committed().length, 700);
  // By the 601st write, earlier batches have been committed: one batch doesn't hold all 700.
  assert.ok(seenAt600 > 0 && seenAt600 <= 600, `committed before write 600: ${seenAt600}`);
});

test('drain resolves when everything queued so far is committed; at once when idle', async () => {
  await writes.drain();
  const pending = [writes.run(insert('x')), writes.run(insert('y'))];
  let drained = false;
  const draining = writes.drain().then(() => {
    drained = true;
  });
  assert.equal(drained, false);
  await draining;
  assert.deepEqual(committed(), ['x', 'y']);
  await Promise.all(pending);

  // Writes queued while a batch is being committed are drained too.
  const later = writes.run(insert('z')).then(() => undefined);
  await writes.drain();
  assert.deepEqual(committed(), ['x', 'y', 'z']);
  await later;
});

test('a job may use a nested transaction of its own', async () => {
  const both = db.transaction(() => {
    insert('n1')();
    insert('n2')();
  });
  await writes.run(() => both());
  assert.deepEqual(committed(), ['n1', 'n2']);
});
