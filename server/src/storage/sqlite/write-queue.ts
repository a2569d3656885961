/**
 * The single write queue. Writes queued in the same tick are group-committed: one outer transaction,
 * each write in its own savepoint (a failing write rolls back alone), one fsync for all of them.
 * A write's promise settles only after the commit, so an acknowledged write is durable.
 * Jobs are synchronous: nothing awaits inside a transaction (CONVENTIONS rule 5).
 */
import type { SqliteDatabase } from './open.js';

export interface WriteQueue {
  run<T>(job: () => T): Promise<T>;
  /** Resolves when everything queued so far is committed. */
  drain(): Promise<void>;
}

interface Pending {
  job: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Upper bound on writes per group commit, so one batch can't hold the event loop for long. */
const MAX_BATCH = 256;

export function createWriteQueue(db: SqliteDatabase): WriteQueue {
  const queue: Pending[] = [];
  let scheduled = false;
  let idle: Array<() => void> = [];

  const flush = (): void => {
    scheduled = false;
    const batch = queue.splice(0, MAX_BATCH);
    const outcomes: Array<{ ok: boolean; value: unknown }> = [];
    let commitError: unknown = null;
    try {
      db.transaction(() => {
        for (const item of batch) {
          try {
            // A nested db.transaction() runs as a savepoint inside the outer transaction.
            outcomes.push({ ok: true, value: db.transaction(item.job)() });
          } catch (error) {
            outcomes.push({ ok: false, value: error });
          }
        }
      }).immediate();
    } catch (error) {
      commitError = error;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if (commitError !== null) item.reject(commitError);
      else if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome?.value);
    });
    if (queue.length > 0) schedule();
    else {
      const waiters = idle;
      idle = [];
      for (const wake of waiters) wake();
    }
  };

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };

  return {
    run<T>(job: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ job, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      });
    },
    drain(): Promise<void> {
      if (queue.length === 0 && !scheduled) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
  };
}
