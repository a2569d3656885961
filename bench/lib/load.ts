/**
 * autocannon runs. Every response time is kept here: autocannon's histogram stores whole milliseconds,
 * which reads as 0 for sub-millisecond replies.
 */
import autocannon from 'autocannon';
import { log, percentile, round } from './stats.js';

export interface Measured {
  connections: number;
  duration_s: number;
  requests: number;
  req_per_s: number;
  latency_ms: { p50: number; p97_5: number; p99: number; avg: number; max: number };
  non_2xx: number;
  errors: number;
}

interface Run {
  result: autocannon.Result;
  times: number[];
}

function run(options: autocannon.Options): Promise<Run> {
  const times: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, result: autocannon.Result) => {
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve({ result, times });
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
  });
}

/**
 * Runs several autocannon instances side by side for the same duration (one per simulated client, each
 * with its own options: user, room) and merges them: throughput is the sum, latencies are pooled.
 */
async function runMany(options: readonly autocannon.Options[], durationS: number): Promise<Measured> {
  const runs = await Promise.all(options.map((o) => run({ ...o, duration: durationS })));
  const times = Float64Array.from(runs.flatMap((r) => r.times)).sort();
  const sum = times.reduce((total, time) => total + time, 0);
  const requests = runs.reduce((total, r) => total + r.result.requests.total, 0);
  const duration = Math.max(...runs.map((r) => r.result.duration));
  return {
    connections: runs.reduce((total, r) => total + r.result.connections, 0),
    duration_s: round(duration),
    requests,
    req_per_s: round(requests / duration, 0),
    latency_ms: {
      p50: round(percentile(times, 50)),
      p97_5: round(percentile(times, 97.5)),
      p99: round(percentile(times, 99)),
      avg: round(sum / times.length),
      max: round(times.at(-1) ?? NaN),
    },
    non_2xx: runs.reduce((total, r) => total + r.result.non2xx, 0),
    errors: runs.reduce((total, r) => total + r.result.errors, 0),
  };
}

/** Warms up, then measures; `options` is one instance or several run side by side. */
export async function load(
  name: string,
  options: autocannon.Options | readonly autocannon.Options[],
  durationS: number,
  warmupS: number,
): Promise<Measured> {
  const list = Array.isArray(options) ? options : [options as autocannon.Options];
  if (warmupS > 0) {
    log(`${name}: warming up for ${warmupS} s`);
    await runMany(list, warmupS);
  }
  const connections = list.reduce((total, o) => total + (o.connections ?? 10), 0);
  log(`${name}: measuring for ${durationS} s with ${connections} connections`);
  return runMany(list, durationS);
}

/** Failed requests in a set of measurements (non-2xx replies and socket errors). */
export const failures = (...measured: readonly Measured[]): number => measured.reduce((total, m) => total + m.non_2xx + m.errors, 0);
