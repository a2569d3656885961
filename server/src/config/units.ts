/**
 * Human-friendly durations and sizes in the config file, Synapse style: `5m`, `7d`, `50M`.
 * A bare number is milliseconds (durations) or bytes (sizes).
 */

const DURATION_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

const SIZE_BYTES: Readonly<Record<string, number>> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

export const DURATION_PATTERN = '^\\d+(ms|s|m|h|d|w|y)?$';
export const SIZE_PATTERN = '^\\d+[KMG]?$';

/** Parses `250ms`, `30s`, `5m`, `12h`, `7d`, `1w`, `1y` or a number of milliseconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)(ms|s|m|h|d|w|y)?$/.exec(value.trim());
  if (!match) throw new Error(`not a duration: ${value}`);
  return Number(match[1]) * (DURATION_MS[match[2] ?? 'ms'] ?? 1);
}

/** Parses `1024`, `512K`, `50M`, `1G` or a number of bytes. */
export function parseSize(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)([KMG]?)$/.exec(value.trim());
  if (!match) throw new Error(`not a size: ${value}`);
  return Number(match[1]) * (SIZE_BYTES[match[2] ?? ''] ?? 1);
}
