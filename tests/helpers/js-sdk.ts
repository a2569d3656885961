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

export type SdkClient = ReturnType<Sdk['createClient']>;

/** Registers `localpart` on `hs`, starts a matrix-js-sdk client with its real sync loop, resolves once PREPARED. */
export async function startClient(
  sdk: Sdk,
  hs: { baseUrl: string; register(localpart: string): Promise<{ userId: string; accessToken: string; deviceId: string }> },
  localpart: string,
  initialSyncLimit = 20,
): Promise<SdkClient> {
  const user = await hs.register(localpart);
  const client = sdk.createClient({ baseUrl: hs.baseUrl, accessToken: user.accessToken, userId: user.userId, deviceId: user.deviceId });
  const ready = new Promise<void>((resolve) => {
    client.on(sdk.ClientEvent.Sync, (state: string) => {
      if (state === 'PREPARED') resolve();
    });
  });
  await client.startClient({ initialSyncLimit });
  await ready;
  return client;
}

/** Starts one client per localpart (in order, as startClient) and stops them all when the test ends. */
export async function startClients(
  t: { after(fn: () => void): void },
  sdk: Sdk,
  hs: Parameters<typeof startClient>[1],
  ...localparts: string[]
): Promise<SdkClient[]> {
  const clients: SdkClient[] = [];
  t.after(() => clients.forEach((client) => client.stopClient()));
  for (const localpart of localparts) clients.push(await startClient(sdk, hs, localpart));
  return clients;
}

/** Resolves when `predicate` holds, checked now and after every sync of `client`. */
export function until(sdk: Sdk, client: SdkClient, predicate: () => boolean, what: string, ms = 10_000): Promise<void> {
  if (predicate()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(sdk.ClientEvent.Sync, check);
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const check = () => {
      if (predicate()) {
        clearTimeout(timer);
        client.off(sdk.ClientEvent.Sync, check);
        resolve();
      }
    };
    client.on(sdk.ClientEvent.Sync, check);
  });
}
