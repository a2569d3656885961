/**
 * PUT /rooms/{roomId}/send/m.room.message/{txnId} under load, every request with a fresh transaction ID
 * (autocannon's setupRequest rewrites the path):
 *   sequential:   one client, one room, one request at a time (latency);
 *   rooms:        N clients (N users), each sending into its own room (throughput across room locks);
 *   shared_room:  N clients (N users) sending into one room (throughput through one room lock).
 * Each client is its own autocannon instance with one connection, run side by side.
 */
import type autocannon from 'autocannon';
import { sendPath, type BenchUser } from './lib/client.js';
import type { BenchContext } from './lib/context.js';
import { load, type Measured } from './lib/load.js';
import { log, pool } from './lib/stats.js';

const BODY = JSON.stringify({ msgtype: 'm.text', body: 'Hello from the Hearth benchmark, a message of ordinary length.' });

/** One sender: its own connection, its own transaction IDs. */
function sender(ctx: BenchContext, user: BenchUser, roomId: string, tag: string): autocannon.Options {
  let n = 0;
  return {
    url: ctx.server.baseUrl,
    connections: 1,
    method: 'PUT',
    headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
    body: BODY,
    requests: [{ setupRequest: (request) => ({ ...request, path: sendPath(roomId, `${tag}-${n++}`) }) }],
  };
}

export interface SendResults {
  sequential: Measured;
  rooms: Measured & { rooms: number };
  shared_room: Measured & { senders: number };
}

export async function benchSend(ctx: BenchContext, clients: number): Promise<SendResults> {
  log(`send: registering ${clients} users and creating rooms`);
  const users: BenchUser[] = [];
  await pool(clients, 4, async (i) => {
    users[i] = await ctx.registerUser(`sender${i}`);
  });
  const first = users[0] as BenchUser;
  const ownRooms: string[] = [];
  await pool(clients, 4, async (i) => {
    ownRooms[i] = await ctx.client.createRoom(users[i] as BenchUser);
  });
  const shared = await ctx.client.createRoom(first);
  await pool(clients - 1, 4, async (i) => ctx.client.join(users[i + 1] as BenchUser, shared));

  const sequential = await load('send sequential (1 client, 1 room)', sender(ctx, first, ownRooms[0] as string, 'seq'), ctx.durationS, ctx.warmupS);
  const rooms = await load(
    `send ${clients} clients in ${clients} rooms`,
    users.map((user, i) => sender(ctx, user, ownRooms[i] as string, 'own')),
    ctx.durationS,
    ctx.warmupS,
  );
  const sharedRoom = await load(
    `send ${clients} clients in 1 room`,
    users.map((user) => sender(ctx, user, shared, 'shared')),
    ctx.durationS,
    ctx.warmupS,
  );
  return { sequential, rooms: { rooms: clients, ...rooms }, shared_room: { senders: clients, ...sharedRoom } };
}
