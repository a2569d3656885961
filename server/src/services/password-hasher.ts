/**
 * argon2id password hashing (OWASP's m=19 MiB, t=2, p=1 by default), with a cap on concurrent hashes
 * so a burst of logins can't exhaust memory or starve the event loop's thread pool.
 */
import { hash, verify } from '@node-rs/argon2';

/** @node-rs/argon2's `Algorithm.Argon2id` (a const enum, which verbatimModuleSyntax can't import). */
const ARGON2ID = 2;

export interface PasswordHashingOptions {
  readonly memoryKib: number;
  readonly iterations: number;
  readonly parallelism: number;
  readonly maxConcurrent: number;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Verifies against a stored hash; with `null` it spends the same time and returns false. */
  verify(storedHash: string | null, password: string): Promise<boolean>;
}

export function createPasswordHasher(options: PasswordHashingOptions): PasswordHasher {
  const params = {
    algorithm: ARGON2ID,
    memoryCost: options.memoryKib,
    timeCost: options.iterations,
    parallelism: options.parallelism,
  };
  const limit = createLimiter(options.maxConcurrent);
  let dummyHash: Promise<string> | null = null;

  return {
    hash: (password) => limit(() => hash(password, params)),
    async verify(storedHash, password) {
      if (storedHash === null) {
        // Unknown user or no password: do the same work so timing doesn't reveal which accounts exist.
        dummyHash ??= limit(() => hash('hearth-timing-equaliser', params));
        await limit(async () => verify(await dummyHash!, password).catch(() => false));
        return false;
      }
      return limit(() => verify(storedHash, password).catch(() => false));
    },
  };
}

function createLimiter(max: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
