/**
 * /sync:
 *   fan-out:      R receivers (R users, all joined to one room) loop GET /sync?since=…&timeout=30000; one sender
 *                 sends M messages one at a time (the next once every receiver has the previous one). Measured:
 *                 from issuing the send to the reply carrying the event reaching each receiver (R × M samples).
 *   initial sync: a user in 50 rooms of 100 messages each, GET /sync without since (default filter).
 */
import { performance } from 'node:perf_hooks';
import type { BenchUser } from './lib/client.js';
import type { BenchContext } from './lib/context.js';
import { log, pool, round, sleep, summarize, type LatencySummary } from './lib/stats.js';

export interface FanoutOptions {
  receivers: number;
  messages: number;
  warmupMessages: number;
}

export interface FanoutResult {
  receivers: number;
  messages: number;
  /** send issued → /sync reply with the event received, per receiver and message. */
  delivery_ms: LatencySummary;
  /** the newest of the R deliveries per message: when the last receiver has it. */
  last_receiver_ms: LatencySummary;
  /** the PUT /send round trip itself during the run. */
  send_ms: LatencySummary;
  /** deliveries that came in a reply to a /sync issued after the send (no long-poll wake-up involved). */
  deliveries_without_waiting_poll: number;
}

const syncPath = (since: string | null, timeoutMs: number): string =>
  `/_matrix/client/v3/sync?timeout=${timeoutMs}${since === null ? '' : `&since=${encodeURIComponent(since)}`}`;

export async function benchFanout(ctx: BenchContext, options: FanoutOptions): Promise<FanoutResult> {
  const { client } = ctx;
  log(`fan-out: ${options.receivers} receivers, ${options.warmupMessages} + ${options.messages} messages`);
  const sender = await ctx.registerUser('fansender');
  const roomId = await client.createRoom(sender);
  const receivers: BenchUser[] = [];
  await pool(options.receivers, 4, async (i) => {
    receivers[i] = await ctx.registerUser(`fanreceiver${i}`);
    await client.join(receivers[i] as BenchUser, roomId);
  });

  const total = options.warmupMessages + options.messages;
  /** deliveredAt[message][receiver] */
  const deliveredAt = Array.from({ length: total }, () => new Array<number>(options.receivers).fill(NaN));
  const pollIssuedAt = Array.from({ length: total }, () => new Array<number>(options.receivers).fill(NaN));
  const issuedAt = new Array<number>(total).fill(NaN);
  let waiter: { message: number; resolve: () => void } | null = null;
  let stopped = false;
  const PREFIX = 'fanout ';

  const loop = async (user: BenchUser, r: number) => {
    let since = (await client.ok('GET', syncPath(null, 0), { token: user.accessToken })).body.next_batch as string;
    while (!stopped) {
      const issued = performance.now();
      const reply = await client.ok('GET', syncPath(since, 30_000), { token: user.accessToken });
      since = reply.body.next_batch;
      const events = (reply.body.rooms?.join?.[roomId]?.timeline?.events ?? []) as { content?: { body?: unknown } }[];
      for (const event of events) {
        const body = event.content?.body;
        if (typeof body !== 'string' || !body.startsWith(PREFIX)) continue;
        const message = Number(body.slice(PREFIX.length));
        if (!(message < total)) continue;
        (deliveredAt[message] as number[])[r] = reply.receivedAt;
        (pollIssuedAt[message] as number[])[r] = issued;
        if (waiter?.message === message && (deliveredAt[message] as number[]).every((t) => !Number.isNaN(t))) waiter.resolve();
      }
    }
  };
  const loops = receivers.map((user, r) => loop(user, r));
  await sleep(200); // every receiver is in its long poll

  const sendTimes: number[] = [];
  for (let message = 0; message < total; message++) {
    const delivered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fan-out message ${message} not delivered to every receiver within 10 s`)), 10_000);
      waiter = {
        message,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
    const start = performance.now();
    issuedAt[message] = start;
    const reply = await client.send(sender, roomId, `fan-${message}`, `${PREFIX}${message}`);
    if (message >= options.warmupMessages) sendTimes.push(reply.receivedAt - start);
    await delivered;
    waiter = null;
    // Let every receiver issue its next long poll and reach the server before the next send.
    await sleep(5);
  }
  stopped = true;
  await client.send(sender, roomId, 'fan-stop', 'stop');
  await Promise.all(loops);

  const delivery: number[] = [];
  const last: number[] = [];
  let withoutWaiting = 0;
  for (let message = options.warmupMessages; message < total; message++) {
    const times = (deliveredAt[message] as number[]).map((t) => t - (issuedAt[message] as number));
    delivery.push(...times);
    last.push(Math.max(...times));
    withoutWaiting += (pollIssuedAt[message] as number[]).filter((t) => t > (issuedAt[message] as number)).length;
  }
  return {
    receivers: options.receivers,
    messages: options.messages,
    delivery_ms: summarize(delivery),
    last_receiver_ms: summarize(last),
    send_ms: summarize(sendTimes),
    deliveries_without_waiting_poll: withoutWaiting,
  };
}

export interface InitialSyncOptions {
  rooms: number;
  messagesPerRoom: number;
  runs: number;
  warmupRuns: number;
}

export interface InitialSyncResult {
  rooms: number;
  messages_per_room: number;
  runs: number;
  ms: LatencySummary & { min: number };
  reply_kib: number;
  populate_s: number;
}

export async function benchInitialSync(ctx: BenchContext, options: InitialSyncOptions): Promise<InitialSyncResult> {
  const { client } = ctx;
  log(`initial sync: populating ${options.rooms} rooms × ${options.messagesPerRoom} messages over HTTP`);
  const started = performance.now();
  const user = await ctx.registerUser('syncer');
  const rooms: string[] = [];
  // Room v12 IDs are the hash of the create event: one creator's concurrent createRooms in the same millisecond
  // with equal creation_content collide (the server answers 500, UNIQUE rooms.room_id). A nonce keeps them apart.
  await pool(options.rooms, 8, async (i) => {
    rooms[i] = await client.createRoom(user, { preset: 'private_chat', name: `Initial sync room ${i}`, creation_content: { 'org.hearth.bench.nonce': i } });
  });
  await pool(options.rooms, 20, async (i) => {
    for (let m = 0; m < options.messagesPerRoom; m++) await client.send(user, rooms[i] as string, `init-${i}-${m}`, `message ${m} in room ${i}`);
  });
  const populateS = (performance.now() - started) / 1000;

  log(`initial sync: ${options.warmupRuns} warm-up + ${options.runs} measured runs`);
  const times: number[] = [];
  let bytes = 0;
  for (let run = 0; run < options.warmupRuns + options.runs; run++) {
    const start = performance.now();
    const reply = await client.ok('GET', syncPath(null, 0), { token: user.accessToken });
    const joined = Object.keys(reply.body.rooms?.join ?? {}).length;
    if (joined !== options.rooms) throw new Error(`initial sync returned ${joined} joined rooms, expected ${options.rooms}`);
    if (run >= options.warmupRuns) times.push(reply.receivedAt - start);
    bytes = reply.bytes;
  }
  const summary = summarize(times);
  return {
    rooms: options.rooms,
    messages_per_room: options.messagesPerRoom,
    runs: options.runs,
    ms: { ...summary, min: round(Math.min(...times)) },
    reply_kib: round(bytes / 1024, 1),
    populate_s: round(populateS, 1),
  };
}
