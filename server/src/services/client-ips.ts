/**
 * Last-seen data for devices (`last_seen_ts`, `last_seen_ip` in GET /devices), kept in memory on the
 * request path and written in one batch every few seconds, as Synapse's client_ips does: an
 * authenticated request costs no write.
 */
import type { Clock } from '../core/clock.js';
import type { DeviceId, UserId } from '../core/ids.js';
import type { DevicesStore, LastSeen } from '../storage/types.js';

export interface ClientIpsDeps {
  readonly devices: Pick<DevicesStore, 'recordLastSeen'>;
  readonly clock: Clock;
  readonly flushIntervalMs?: number;
  /** Told when a periodic flush fails (the entries are kept for the next one). */
  readonly onFlushError?: (error: unknown) => void;
}

export type ClientIps = ReturnType<typeof createClientIps>;

export function createClientIps(deps: ClientIpsDeps) {
  let pending = new Map<string, LastSeen>();
  const flush = async (): Promise<void> => {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    try {
      await deps.devices.recordLastSeen([...batch.values()]);
    } catch (error) {
      // Keep what wasn't written for the next flush, unless a newer sighting replaced it meanwhile.
      for (const [key, entry] of batch) if (!pending.has(key)) pending.set(key, entry);
      throw error;
    }
  };
  const timer = setInterval(() => void flush().catch((error: unknown) => deps.onFlushError?.(error)), deps.flushIntervalMs ?? 5_000);
  timer.unref();

  return {
    record(userId: UserId, deviceId: DeviceId, ip: string, userAgent: string | null): void {
      pending.set(`${userId}|${deviceId}`, { userId, deviceId, ip, userAgent, ts: deps.clock.now() });
    },
    /** Last-seen entries not yet written, so reads can show them. */
    pendingFor(userId: UserId, deviceId: DeviceId): LastSeen | undefined {
      return pending.get(`${userId}|${deviceId}`);
    },
    flush,
    async close(): Promise<void> {
      clearInterval(timer);
      await flush();
    },
  };
}
