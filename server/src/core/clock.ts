/** Time source, injected so services and tests agree on "now". Implementations live outside core. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** A clock that moves only when told to; for tests. */
export function createFakeClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void; set(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}
