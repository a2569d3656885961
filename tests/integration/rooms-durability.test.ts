// complement: none (Hearth durability: kill -9 while several users send into a room)
// A send that returned 200 is durable: after `kill -9` and a restart, every acknowledged event_id is still there.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { runCli, spawnServer, tempDir, writeConfig, type SpawnedServer } from '../helpers/spawn-server.js';
import { RELAXED_RATE_LIMITS } from '../helpers/test-server.js';

const V3 = '/_matrix/client/v3';
const enc = encodeURIComponent;

function integrityCheck(dataDir: string): string[] {
  const db = new Database(path.join(dataDir, 'homeserver.db'));
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check);
  } finally {
    db.close();
  }
}

async function ok(server: SpawnedServer, method: string, urlPath: string, token: string, body?: unknown) {
  const reply = await server.request(method, urlPath, { token, body });
  assert.equal(reply.status, 200, `${method} ${urlPath}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

// sytest: none (Hearth: acknowledged events survive kill -9)
test('kill -9 during a concurrent sending load loses no acknowledged event', async (t) => {
  const SENDERS = 4;
  const PER_SENDER = 60;
  const KILL_AFTER = 80;
  const dataDir = tempDir(t);
  writeConfig(dataDir, { server_name: 'crash.test', rate_limits: RELAXED_RATE_LIMITS });
  const made = await runCli(['create-registration-token', '--data-dir', dataDir]);
  assert.equal(made.code, 0, made.stderr);
  const regToken = made.stdout.trimEnd().split('\n').at(-1) ?? '';

  const server = await spawnServer(t, { dataDir });
  const users: { userId: string; token: string }[] = [];
  for (let i = 0; i < SENDERS; i++) {
    const reply = await server.register(`sender${i}`, `pw sender${i}`, regToken);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    users.push({ userId: reply.body.user_id, token: reply.body.access_token });
  }
  const owner = users[0]!;
  const { room_id: roomId } = await ok(server, 'POST', `${V3}/createRoom`, owner.token, { preset: 'public_chat' });
  for (const user of users.slice(1)) await ok(server, 'POST', `${V3}/rooms/${enc(roomId)}/join`, user.token, {});
  const acknowledged: { eventId: string; sender: string; body: string }[] = [];
  const failures: string[] = [];
  let killed = false;

  const senders = users.map(async (user, index) => {
    for (let n = 0; n < PER_SENDER && !killed; n++) {
      const body = `s${index}-${n}`;
      let reply;
      try {
        reply = await server.request('PUT', `${V3}/rooms/${enc(roomId)}/send/m.room.message/${body}`, { token: user.token, body: { msgtype: 'm.text', body } });
      } catch (error) {
        failures.push(`${body}: ${(error as Error).message}`);
        return;
      }
      if (reply.status !== 200) {
        failures.push(`${body}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
        return;
      }
      acknowledged.push({ eventId: reply.body.event_id, sender: user.userId, body });
      if (acknowledged.length >= KILL_AFTER && !killed) {
        killed = true;
        server.child.kill('SIGKILL');
      }
    }
  });
  await Promise.all(senders);
  assert.ok(killed, `the server was killed after ${KILL_AFTER} acknowledged sends`);
  assert.equal((await server.exited).signal, 'SIGKILL');
  t.diagnostic(`acknowledged ${acknowledged.length}; ${failures.length} in flight when killed`);
  assert.ok(failures.every((failure) => !failure.includes('HTTP ')), failures.join('\n'));
  assert.equal(new Set(acknowledged.map((sent) => sent.eventId)).size, acknowledged.length, 'distinct event IDs');

  assert.deepEqual(integrityCheck(dataDir), ['ok']);

  const restarted = await spawnServer(t, { dataDir });
  const lost: string[] = [];
  for (let i = 0; i < acknowledged.length; i += 16) {
    await Promise.all(
      acknowledged.slice(i, i + 16).map(async (sent) => {
        const reply = await restarted.request('GET', `${V3}/rooms/${enc(roomId)}/event/${enc(sent.eventId)}`, { token: owner.token });
        if (reply.status !== 200 || reply.body.content?.body !== sent.body || reply.body.sender !== sent.sender) {
          lost.push(`${sent.body} ${sent.eventId}: ${reply.status} ${JSON.stringify(reply.body)}`);
        }
      }),
    );
  }
  assert.deepEqual(lost, [], 'acknowledged events lost after kill -9');

  // The room still works: each sender's messages come back in the order that sender sent them, and a new send succeeds.
  const seen: string[] = [];
  let from: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ dir: 'f', limit: '100', ...(from ? { from } : {}) });
    const page = await ok(restarted, 'GET', `${V3}/rooms/${enc(roomId)}/messages?${query}`, owner.token);
    for (const event of page.chunk) if (event.type === 'm.room.message') seen.push(event.content.body);
    if (!page.end || page.chunk.length === 0) break;
    from = page.end;
  }
  for (const sent of acknowledged) assert.ok(seen.includes(sent.body), `${sent.body} in /messages`);
  for (let index = 0; index < SENDERS; index++) {
    const mine = seen.filter((body) => body.startsWith(`s${index}-`)).map((body) => Number(body.split('-')[1]));
    assert.deepEqual(mine, [...mine].sort((x, y) => x - y), `sender ${index} in order`);
  }
  await ok(restarted, 'PUT', `${V3}/rooms/${enc(roomId)}/send/m.room.message/after-crash`, owner.token, { msgtype: 'm.text', body: 'after' });
  assert.deepEqual(await restarted.stop('SIGTERM'), { code: 0, signal: null });
  assert.deepEqual(integrityCheck(dataDir), ['ok']);
});
