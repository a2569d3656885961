/** Small helpers shared by the benchmark sections: percentiles, rounding, progress on stderr. */

export const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

export const round = (value: number, places = 2): number => Math.round(value * 10 ** places) / 10 ** places;

/** Nearest-rank percentile of an ascending array. */
export const percentile = (sorted: ArrayLike<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

export interface LatencySummary {
  samples: number;
  p50: number;
  p99: number;
  avg: number;
  max: number;
}

/** p50/p99/avg/max in ms of unsorted samples (ms). */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    samples: sorted.length,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    avg: round(sum / sorted.length),
    max: round(sorted.at(-1) ?? NaN),
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
