/** What every benchmark section gets: the running server, a client, and the run's timing options. */
import type { SpawnedServer } from '../../tests/helpers/spawn-server.js';
import type { BenchClient, BenchUser } from './client.js';

export interface BenchContext {
  readonly server: SpawnedServer;
  readonly client: BenchClient;
  /** autocannon measuring time per load (s). */
  readonly durationS: number;
  /** autocannon warm-up per load (s). */
  readonly warmupS: number;
  /** Registers a fresh user (open registration; unique localpart per call). */
  registerUser(name: string): Promise<BenchUser>;
}

export const BENCH_PASSWORD = 'bench password';
