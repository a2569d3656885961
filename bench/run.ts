/**
 * `npm run bench`: a real `hearth serve` child process on a temporary data directory (rate limits lifted,
 * default argon2id cost, open registration so the bench can create its users), loaded from this process
 * over real HTTP on the same machine. Sections (all by default; `--only a,b` picks some):
 *   auth      login (argon2id) and whoami throughput                          bench/auth.ts
 *   send      PUT /send latency (1 client) and throughput (N rooms, 1 room)  bench/send.ts
 *   fanout    send → delivery to R long-polling /sync receivers              bench/sync.ts
 *   sync      initial /sync of a user in 50 rooms × 100 messages             bench/sync.ts
 *   messages  /messages dir=b pages of 50 through a 1000-message room        bench/messages.ts
 *   idle      incremental /sync with 100 idle long-pollers connected           bench/busy-room.ts
 *   send100   PUT /send latency into a 100-member room (push rules evaluated)  bench/busy-room.ts
 *   push      push rule evaluation per event for 100 members (in process)     bench/push.ts
 * plus the server's idle RSS (read from /proc for the child process, after start-up, before any request).
 * Prints one JSON object on stdout and nothing else (progress goes to stderr), then stops the server.
 *
 *   npm run -s bench -- [--duration 10] [--warmup 2] [--only send,fanout] [--cpu-prof DIR] ...
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawnServer, tempDir } from '../tests/helpers/spawn-server.js';
import { RELAXED_RATE_LIMITS } from '../tests/helpers/test-server.js';
import { benchAuth } from './auth.js';
import { BenchClient, rssMiB } from './lib/client.js';
import { BENCH_PASSWORD, type BenchContext } from './lib/context.js';
import { failures } from './lib/load.js';
import { log, round, sleep } from './lib/stats.js';
import { benchMessages } from './messages.js';
import { benchSend } from './send.js';
import { benchFanout, benchInitialSync } from './sync.js';
import { benchIdlePollers, benchSendBigRoom } from './busy-room.js';
import { benchPush } from './push.js';

const SECTIONS = ['auth', 'send', 'fanout', 'sync', 'messages', 'idle', 'send100', 'push'] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    only: { type: 'string', default: SECTIONS.join(',') },
    'login-connections': { type: 'string', default: '4' },
    'whoami-connections': { type: 'string', default: '10' },
    'send-clients': { type: 'string', default: '20' },
    'fanout-receivers': { type: 'string', default: '10' },
    'fanout-messages': { type: 'string', default: '200' },
    'sync-rooms': { type: 'string', default: '50' },
    'sync-messages': { type: 'string', default: '100' },
    'sync-runs': { type: 'string', default: '15' },
    'room-messages': { type: 'string', default: '1000' },
    'message-passes': { type: 'string', default: '8' },
    'idle-pollers': { type: 'string', default: '100' },
    'idle-samples': { type: 'string', default: '300' },
    'room-members': { type: 'string', default: '100' },
    'push-members': { type: 'string', default: '100' },
    'push-events': { type: 'string', default: '2000' },
    /** Profiles the server's CPU (V8 sampling profiler) and writes the profile into this directory on exit. */
    'cpu-prof': { type: 'string' },
  },
  strict: true,
});
const number = (name: keyof typeof values) => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number`);
  return value;
};

async function main(): Promise<void> {
  const only = new Set((values.only ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  for (const name of only) if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`--only: unknown section ${name} (${SECTIONS.join(', ')})`);
  const wanted = (section: Section) => only.has(section);
  const durationS = number('duration');
  const warmupS = number('warmup');
  // Other work on the machine skews the figures: the load average before the run says how much there was.
  const loadBefore = loadavg()[0] ?? 0;
  const dataDir = tempDir(null, 'hearth-bench-');
  log(`data directory ${dataDir}`);
  const env: Record<string, string> = {};
  if (values['cpu-prof']) {
    const dir = path.resolve(values['cpu-prof']);
    mkdirSync(dir, { recursive: true });
    // Node 20 refuses --cpu-prof in NODE_OPTIONS: a preload starts the profiler instead.
    env.NODE_OPTIONS = `--import ${path.join(import.meta.dirname, 'lib/cpu-profile-preload.mjs')}`;
    env.BENCH_CPU_PROF_DIR = dir;
  }
  const server = await spawnServer(null, {
    dataDir,
    env,
    config: { server_name: 'bench.test', rate_limits: RELAXED_RATE_LIMITS, registration: { mode: 'open' } },
  });
  const client = new BenchClient(server.baseUrl);
  try {
    log(`server ${server.baseUrl} (pid ${server.pid})`);
    await sleep(2000);
    const idleRss = await rssMiB(server.pid);

    let users = 0;
    const ctx: BenchContext = {
      server,
      client,
      durationS,
      warmupS,
      registerUser: (name) => client.register(`${name}-${users++}`, BENCH_PASSWORD),
    };
    const report: Record<string, unknown> = {};
    const auth = wanted('auth')
      ? await benchAuth(ctx, { loginConnections: number('login-connections'), whoamiConnections: number('whoami-connections') })
      : null;
    if (auth) Object.assign(report, auth);
    const send = wanted('send') ? await benchSend(ctx, number('send-clients')) : null;
    if (send) report.send = send;
    if (wanted('fanout')) {
      report.fanout = await benchFanout(ctx, {
        receivers: number('fanout-receivers'),
        messages: number('fanout-messages'),
        warmupMessages: 20,
      });
    }
    if (wanted('sync')) {
      report.initial_sync = await benchInitialSync(ctx, {
        rooms: number('sync-rooms'),
        messagesPerRoom: number('sync-messages'),
        runs: number('sync-runs'),
        warmupRuns: 3,
      });
    }
    if (wanted('messages')) {
      report.messages = await benchMessages(ctx, { messages: number('room-messages'), pageSize: 50, passes: number('message-passes'), warmupPasses: 1 });
    }
    if (wanted('idle')) {
      report.idle_pollers = await benchIdlePollers(ctx, { pollers: number('idle-pollers'), samples: number('idle-samples'), warmup: 30 });
    }
    const send100 = wanted('send100') ? await benchSendBigRoom(ctx, number('room-members')) : null;
    if (send100) report.send_100_member_room = send100;
    if (wanted('push')) report.push_rules = benchPush({ members: number('push-members'), events: number('push-events'), warmup: 200 });
    const rssAfter = await rssMiB(server.pid);

    const cpuList = cpus();
    const output = {
      machine: {
        cpus: cpuList.length,
        cpu_model: cpuList[0]?.model ?? 'unknown',
        memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
        node: process.version,
        load_avg_1m_before: round(loadBefore),
        note: 'load generator (autocannon, node:http client) and server share the machine; latencies are measured client-side',
      },
      server: {
        argon2id: 'm=19456,t=2,p=1 (default)',
        password_hashing_max_concurrent: 4,
        database_synchronous: 'NORMAL',
        registration: 'open (bench users register with m.login.dummy)',
        cpu_profile: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : null,
      },
      memory: {
        idle_rss_mib: idleRss,
        rss_after_bench_mib: rssAfter,
        note: 'VmRSS of the server child process (node --import tsx server/src/main.ts serve) 2 s after it listens, before any request',
      },
      ...report,
    };
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    const measured = [...(auth ? [auth.login, auth.whoami] : []), ...(send ? [send.sequential, send.rooms, send.shared_room] : []), ...(send100 ? [send100] : [])];
    if (failures(...measured) > 0) {
      log('some requests failed (see non_2xx / errors)');
      process.exitCode = 1;
    }
  } catch (error) {
    // A 500 says little on the client side: show what the server logged at error level.
    for (const line of server.logs()) if (Number(line.level) >= 50) log(`server: ${JSON.stringify(line).slice(0, 2000)}`);
    throw error;
  } finally {
    client.close();
    await server.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
