/**
 * Load that comes with many users:
 *   idle_pollers: P users, each alone in a room, hold long-polling GET /sync?timeout=30000 open and idle,
 *                 while one active user sends a message and then asks GET /sync?since=…&timeout=0 for it.
 *                 Measured: that incremental sync's round trip (it must not pay for the P pollers).
 *   send_100:     PUT /send latency (one client, one request at a time) into a room with 100 joined members,
 *                 where every event is evaluated against the push rules of the 99 other members.
 */
import { performance } from 'node:perf_hooks';
import { sendPath, type BenchUser } from './lib/client.js';
import type { BenchContext } from './lib/context.js';
import { load, type Measured } from './lib/load.js';
import { log, pool, summarize, type LatencySummary } from './lib/stats.js';

const syncPath = (since: string | null, timeoutMs: number): string =>
  `/_matrix/client/v3/sync?timeout=${timeoutMs}${since === null ? '' : `&since=${encodeURIComponent(since)}`}`;

export interface IdlePollersResult {
  pollers: number;
  /** GET /sync?since&timeout=0 carrying one new message, with the pollers connected. */
  incremental_sync_ms: LatencySummary;
  /** Long-polls that returned while idle (they should all stay open). */
  pollers_woken: number;
}

export async function benchIdlePollers(ctx: BenchContext, options: { pollers: number; samples: number; warmup: number }): Promise<IdlePollersResult> {
  const { client } = ctx;
  log(`idle pollers: ${options.pollers} users with a room each, long-polling`);
  const pollers: BenchUser[] = [];
  await pool(options.pollers, 4, async (i) => {
    pollers[i] = await ctx.registerUser(`poller${i}`);
    await client.createRoom(pollers[i] as BenchUser);
  });
  const active = await ctx.registerUser('active');
  const roomId = await client.createRoom(active);

  let stopped = false;
  let woken = 0;
  const loops = pollers.map(async (user) => {
    let since = (await client.ok('GET', syncPath(null, 0), { token: user.accessToken })).body.next_batch as string;
    while (!stopped) {
      const reply = await client.ok('GET', syncPath(since, 30_000), { token: user.accessToken });
      if (!stopped) woken++;
      since = reply.body.next_batch;
    }
  });
  // Let every poller get its long-poll in.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  woken = 0;

  let since = (await client.ok('GET', syncPath(null, 0), { token: active.accessToken })).body.next_batch as string;
  const samples: number[] = [];
  for (let i = 0; i < options.warmup + options.samples; i++) {
    await client.send(active, roomId, `idle-${i}`, `message ${i}`);
    const started = performance.now();
    const reply = await client.ok('GET', syncPath(since, 0), { token: active.accessToken });
    if (i >= options.warmup) samples.push(reply.receivedAt - started);
    if (!reply.body.rooms?.join?.[roomId]) throw new Error('the incremental sync did not carry the new message');
    since = reply.body.next_batch;
  }
  const pollersWoken = woken;
  stopped = true;
  // Wake the pollers so their loops end: each gets a message in its own room.
  await pool(pollers.length, 8, async (i) => {
    const user = pollers[i] as BenchUser;
    const rooms = (await client.ok('GET', '/_matrix/client/v3/joined_rooms', { token: user.accessToken })).body.joined_rooms as string[];
    await client.send(user, rooms[0] as string, 'stop', 'stop');
  });
  await Promise.all(loops);
  return { pollers: options.pollers, incremental_sync_ms: summarize(samples), pollers_woken: pollersWoken };
}

export async function benchSendBigRoom(ctx: BenchContext, members: number): Promise<Measured & { members: number }> {
  const { client } = ctx;
  log(`send_100: a room with ${members} members`);
  const users: BenchUser[] = [];
  await pool(members, 4, async (i) => {
    users[i] = await ctx.registerUser(`member${i}`);
  });
  const sender = users[0] as BenchUser;
  const roomId = await client.createRoom(sender);
  await pool(members - 1, 4, async (i) => client.join(users[i + 1] as BenchUser, roomId));
  let n = 0;
  const measured = await load(
    `send into a ${members}-member room`,
    {
      url: ctx.server.baseUrl,
      connections: 1,
      method: 'PUT',
      headers: { authorization: `Bearer ${sender.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ msgtype: 'm.text', body: 'Hello everyone, a message of ordinary length for a busy room.' }),
      requests: [{ setupRequest: (request) => ({ ...request, path: sendPath(roomId, `big-${n++}`) }) }],
    },
    ctx.durationS,
    ctx.warmupS,
  );
  return { ...measured, members };
}
