/**
 * GET /rooms/{roomId}/messages?dir=b&limit=50: paging back from the newest event to the room's start, in a
 * room of (by default) 1000 messages, several passes; per-page latency.
 */
import { performance } from 'node:perf_hooks';
import type { BenchContext } from './lib/context.js';
import { log, summarize, type LatencySummary } from './lib/stats.js';

export interface MessagesOptions {
  messages: number;
  pageSize: number;
  passes: number;
  warmupPasses: number;
}

export interface MessagesResult {
  room_messages: number;
  page_size: number;
  passes: number;
  pages_per_pass: number;
  page_ms: LatencySummary;
}

export async function benchMessages(ctx: BenchContext, options: MessagesOptions): Promise<MessagesResult> {
  const { client } = ctx;
  log(`messages: populating a room with ${options.messages} messages over HTTP`);
  const user = await ctx.registerUser('pager');
  const roomId = await client.createRoom(user, { preset: 'private_chat' });
  for (let m = 0; m < options.messages; m++) await client.send(user, roomId, `page-${m}`, `message ${m}`);

  const base = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=${options.pageSize}`;
  const times: number[] = [];
  let pagesPerPass = 0;
  log(`messages: ${options.warmupPasses} warm-up + ${options.passes} measured passes`);
  for (let pass = 0; pass < options.warmupPasses + options.passes; pass++) {
    let from: string | undefined;
    let pages = 0;
    let events = 0;
    for (;;) {
      const start = performance.now();
      const reply = await client.ok('GET', from === undefined ? base : `${base}&from=${encodeURIComponent(from)}`, { token: user.accessToken });
      if (pass >= options.warmupPasses) times.push(reply.receivedAt - start);
      pages++;
      const chunk = (reply.body.chunk ?? []) as unknown[];
      events += chunk.length;
      from = reply.body.end as string | undefined;
      if (from === undefined || chunk.length === 0) break;
      if (pages > 10_000) throw new Error('/messages never reached the start of the room');
    }
    if (events < options.messages) throw new Error(`/messages paged back through ${events} events, expected at least ${options.messages}`);
    pagesPerPass = pages;
  }
  return {
    room_messages: options.messages,
    page_size: options.pageSize,
    passes: options.passes,
    pages_per_pass: pagesPerPass,
    page_ms: summarize(times),
  };
}
