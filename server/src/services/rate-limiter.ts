/**
 * Token-bucket rate limiting in Synapse's shape (`per_second`, `burst_count`), one bucket per key
 * (an IP address, a user ID). In memory: limits reset on restart, as Synapse's do.
 */
import type { Clock } from '../core/clock.js';
import { limitExceeded } from '../core/errors.js';

export interface RateLimit {
  readonly perSecond: number;
  readonly burstCount: number;
}

export interface RateLimiter {
  /** Takes one action for `key`. @throws MatrixError 429 M_LIMIT_EXCEEDED with retry_after_ms */
  take(key: string): void;
  /** Would an action for `key` be allowed now? Doesn't take one. */
  check(key: string): { allowed: true } | { allowed: false; retryAfterMs: number };
  /** Counts an action whether or not it is allowed (for counting failures after the fact). */
  record(key: string): void;
  /** Gives back an action taken earlier (one that turned out not to count, e.g. a correct password). */
  refund(key: string): void;
}

interface Bucket {
  /** Actions currently counted against the burst. */
  level: number;
  updatedMs: number;
}

/** Buckets idle long enough to be empty are dropped when the map grows past this. */
const SWEEP_AT = 10_000;

export function createRateLimiter(limit: RateLimit, clock: Clock): RateLimiter {
  const buckets = new Map<string, Bucket>();

  const levelNow = (key: string, now: number): number => {
    const bucket = buckets.get(key);
    if (!bucket) return 0;
    return Math.max(0, bucket.level - ((now - bucket.updatedMs) / 1000) * limit.perSecond);
  };

  const sweep = (now: number): void => {
    if (buckets.size < SWEEP_AT) return;
    for (const key of buckets.keys()) if (levelNow(key, now) === 0) buckets.delete(key);
  };

  const check: RateLimiter['check'] = (key) => {
    const level = levelNow(key, clock.now());
    if (level + 1 <= limit.burstCount) return { allowed: true };
    return { allowed: false, retryAfterMs: ((level + 1 - limit.burstCount) / limit.perSecond) * 1000 };
  };

  const record = (key: string): void => {
    const now = clock.now();
    sweep(now);
    buckets.set(key, { level: levelNow(key, now) + 1, updatedMs: now });
  };

  const refund = (key: string): void => {
    const now = clock.now();
    const level = levelNow(key, now);
    if (level <= 1) buckets.delete(key);
    else buckets.set(key, { level: level - 1, updatedMs: now });
  };

  return {
    check,
    record,
    refund,
    take(key) {
      const verdict = check(key);
      if (!verdict.allowed) throw limitExceeded(verdict.retryAfterMs);
      record(key);
    },
  };
}
