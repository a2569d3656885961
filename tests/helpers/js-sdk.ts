/**
 * matrix-js-sdk for the integration suites: a real client nobody here wrote (CONVENTIONS §8).
 * Loads it once (with the Promise.withResolvers polyfill it needs on Node 20) and silences its logger.
 */
import assert from 'node:assert/strict';

export type Sdk = typeof import('matrix-js-sdk');

// matrix-js-sdk expects Promise.withResolvers (ES2024, Node 22). Node 20 lacks it: polyfill before the sdk loads.
const PromiseWithResolvers = Promise as unknown as { withResolvers?: <T>() => { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } };
PromiseWithResolvers.withResolvers ??= <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

let loaded: Sdk | null = null;

export async function loadSdk(): Promise<Sdk> {
  if (loaded) return loaded;
  loaded = await import('matrix-js-sdk');
  // The sdk logs the refusals tests provoke on purpose; keep the output readable.
  const { logger } = await import('matrix-js-sdk/lib/logger.js');
  // It is a loglevel logger underneath; its type doesn't say so.
  (logger as unknown as { setLevel(level: 'silent'): void }).setLevel('silent');
  return loaded;
}

/** Runs a request the server must refuse; returns the sdk's MatrixError. */
export async function refused(sdk: Sdk, promise: Promise<unknown>): Promise<InstanceType<Sdk['MatrixError']>> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof sdk.MatrixError, `expected a MatrixError, got ${String(error)}`);
    return error;
  }
  assert.fail('the request succeeded');
}
