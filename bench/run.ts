/**
 * `npm run bench`: a real `hearth serve` child process on a temporary data directory (rate limits lifted,
 * default argon2id cost), loaded with autocannon in this process:
 *   (i)  POST /_matrix/client/v3/login  (an argon2id verify, a new device and token per request)
 *   (ii) GET  /_matrix/client/v3/account/whoami with an access token
 * Prints one JSON object on stdout and nothing else (progress goes to stderr), then stops the server.
 *
 *   npm run bench -- [--duration 10] [--warmup 2] [--login-connections 4] [--whoami-connections 10]
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { spawnServer, tempDir } from '../tests/helpers/spawn-server.js';
import { RELAXED_RATE_LIMITS } from '../tests/helpers/test-server.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    'login-connections': { type: 'string', default: '4' },
    'whoami-connections': { type: 'string', default: '10' },
  },
  strict: true,
});
const seconds = (name: keyof typeof values) => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number`);
  return value;
};

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

interface Measured {
  connections: number;
  duration_s: number;
  requests: number;
  req_per_s: number;
  latency_ms: { p50: number; p97_5: number; p99: number; avg: number; max: number };
  non_2xx: number;
  errors: number;
}

/**
 * Runs autocannon, keeping every response time itself: autocannon's histogram stores whole milliseconds,
 * which reads as 0 for sub-millisecond replies.
 */
function run(options: autocannon.Options): Promise<{ result: autocannon.Result; times: Float64Array }> {
  const times: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, result: autocannon.Result) => {
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve({ result, times: Float64Array.from(times).sort() });
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
  });
}

const round = (value: number, places = 2) => Math.round(value * 10 ** places) / 10 ** places;
const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

async function load(name: string, options: autocannon.Options, durationS: number, warmupS: number): Promise<Measured> {
  if (warmupS > 0) {
    log(`${name}: warming up for ${warmupS} s`);
    await run({ ...options, duration: warmupS });
  }
  log(`${name}: measuring for ${durationS} s with ${options.connections} connections`);
  const { result, times } = await run({ ...options, duration: durationS });
  const sum = times.reduce((total, time) => total + time, 0);
  return {
    connections: result.connections,
    duration_s: round(result.duration),
    requests: result.requests.total,
    req_per_s: round(result.requests.total / result.duration, 0),
    latency_ms: {
      p50: round(percentile(times, 50)),
      p97_5: round(percentile(times, 97.5)),
      p99: round(percentile(times, 99)),
      avg: round(sum / times.length),
      max: round(times.at(-1) ?? NaN),
    },
    non_2xx: result.non2xx,
    errors: result.errors,
  };
}

async function main(): Promise<void> {
  const durationS = seconds('duration');
  const warmupS = seconds('warmup');
  // Other work on the machine skews the figures: the load average before the run says how much there was.
  const loadBefore = loadavg()[0] ?? 0;
  const dataDir = tempDir(null, 'hearth-bench-');
  log(`data directory ${dataDir}`);
  const server = await spawnServer(null, {
    dataDir,
    config: { server_name: 'bench.test', rate_limits: RELAXED_RATE_LIMITS },
  });
  try {
    log(`server ${server.baseUrl} (pid ${server.pid})`);
    if (!server.bootstrapToken) throw new Error('the fresh server printed no bootstrap token');
    const password = 'bench password';
    const registered = await server.register('bench', password, server.bootstrapToken);
    if (registered.status !== 200) throw new Error(`registration failed: ${registered.status} ${JSON.stringify(registered.body)}`);

    const login = await load(
      'login',
      {
        url: `${server.baseUrl}/_matrix/client/v3/login`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'bench' }, password }),
        connections: Number(values['login-connections']),
      },
      durationS,
      warmupS,
    );
    const whoami = await load(
      'whoami',
      {
        url: `${server.baseUrl}/_matrix/client/v3/account/whoami`,
        headers: { authorization: `Bearer ${registered.body.access_token as string}` },
        connections: Number(values['whoami-connections']),
      },
      durationS,
      warmupS,
    );
    const cpuList = cpus();
    const report = {
      machine: {
        cpus: cpuList.length,
        cpu_model: cpuList[0]?.model ?? 'unknown',
        memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
        node: process.version,
        load_avg_1m_before: round(loadBefore),
        note: 'load generator (autocannon) and server share the machine',
      },
      server: { argon2id: 'm=19456,t=2,p=1 (default)', password_hashing_max_concurrent: 4, database_synchronous: 'NORMAL' },
      login,
      whoami,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (login.non_2xx + login.errors + whoami.non_2xx + whoami.errors > 0) {
      log('some requests failed (see non_2xx / errors)');
      process.exitCode = 1;
    }
  } finally {
    await server.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
