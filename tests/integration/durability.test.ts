// complement: none (Hearth durability: restarts, kill -9, the data directory's key and config)
// What a homeserver acknowledges must still be there after a restart and after the process is killed.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { RELAXED_RATE_LIMITS, startTestServer } from '../helpers/test-server.js';
import { runCli, spawnServer, tempDir, writeConfig, type HttpReply } from '../helpers/spawn-server.js';

const ADMIN_TOKEN = 'durability-admin-token-0123456789abcdef';

/** PRAGMA integrity_check on the database file (it may be mid-crash: opening recovers the WAL). */
function integrityCheck(dataDir: string): string[] {
  const db = new Database(path.join(dataDir, 'homeserver.db'));
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check);
  } finally {
    db.close();
  }
}

/** Runs `task` over `items`, `width` at a time. */
async function inBatches<T, R>(items: readonly T[], width: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index] as T);
      }
    }),
  );
  return results;
}

test('restart: accounts, devices, names, profiles, access and refresh tokens survive on the same data directory', async (t) => {
  const dataDir = tempDir(t);
  writeConfig(dataDir, {
    server_name: 'durable.test',
    listeners: { public: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
    admin_api: { token: ADMIN_TOKEN },
    rate_limits: RELAXED_RATE_LIMITS,
    log: { level: 'warn' },
  });

  const first = await startTestServer(t, { dataDir });
  const alice = await first.register('alice', { refreshToken: true, deviceId: 'ALICEPHONE' });
  const bob = await first.register('bob');
  const laptop = await first.login('alice', alice.password, { refresh_token: true, initial_device_display_name: 'laptop' });
  assert.equal(laptop.status, 200, JSON.stringify(laptop.body));
  const renamed = await first.request('PUT', '/_matrix/client/v3/devices/ALICEPHONE', { token: alice.accessToken, body: { display_name: 'Alice phone' } });
  assert.equal(renamed.status, 200);
  const profile = await first.request('PUT', `/_matrix/client/v3/profile/${encodeURIComponent(alice.userId)}/displayname`, {
    token: alice.accessToken,
    body: { displayname: 'Alice A.' },
  });
  assert.equal(profile.status, 200, JSON.stringify(profile.body));
  const oneUse = await first.createRegistrationToken(1);
  const carol = await first.request('POST', '/_matrix/client/v3/register', { body: { username: 'carol', password: 'carol pw' } });
  const carolDone = await first.request('POST', '/_matrix/client/v3/register', {
    body: { username: 'carol', password: 'carol pw', auth: { type: 'm.login.registration_token', token: oneUse, session: carol.body.session } },
  });
  assert.equal(carolDone.status, 200, JSON.stringify(carolDone.body));
  const devicesBefore = await first.request('GET', '/_matrix/client/v3/devices', { token: alice.accessToken });
  const keyBefore = first.hs.signingKey;
  await first.close();

  const second = await startTestServer(t, { dataDir });
  // Old access tokens, from registration and login, still work.
  for (const [token, user, device] of [
    [alice.accessToken, alice.userId, 'ALICEPHONE'],
    [laptop.body.access_token as string, alice.userId, laptop.body.device_id as string],
    [bob.accessToken, bob.userId, bob.deviceId],
  ]) {
    const whoami = await second.request('GET', '/_matrix/client/v3/account/whoami', { token });
    assert.equal(whoami.status, 200, JSON.stringify(whoami.body));
    assert.deepEqual(whoami.body, { user_id: user, device_id: device, is_guest: false });
  }
  // Passwords still log in.
  for (const [name, password] of [['alice', alice.password], ['bob', bob.password], ['carol', 'carol pw']]) {
    const login = await second.login(name as string, password as string);
    assert.equal(login.status, 200, `${name}: ${JSON.stringify(login.body)}`);
  }
  // Devices and their names are there (plus the login just made).
  const devicesAfter = await second.request('GET', '/_matrix/client/v3/devices', { token: alice.accessToken });
  const byId = new Map<string, { display_name?: string }>(devicesAfter.body.devices.map((d: { device_id: string }) => [d.device_id, d]));
  assert.equal(byId.get('ALICEPHONE')?.display_name, 'Alice phone');
  assert.equal(byId.get(laptop.body.device_id)?.display_name, 'laptop');
  for (const device of devicesBefore.body.devices) assert.ok(byId.has(device.device_id), device.device_id);
  assert.equal(byId.size, devicesBefore.body.devices.length + 1);
  // The profile is there.
  const displayname = await second.request('GET', `/_matrix/client/v3/profile/${encodeURIComponent(alice.userId)}/displayname`);
  assert.deepEqual(displayname.body, { displayname: 'Alice A.' });
  // Refresh tokens still work, and what they give works.
  for (const refreshToken of [alice.refreshToken, laptop.body.refresh_token as string]) {
    const refreshed = await second.request('POST', '/_matrix/client/v3/refresh', { body: { refresh_token: refreshToken } });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    const whoami = await second.request('GET', '/_matrix/client/v3/account/whoami', { token: refreshed.body.access_token });
    assert.equal(whoami.body.user_id, alice.userId);
  }
  // The one-use token stays used up.
  assert.deepEqual((await second.request('GET', `/_matrix/client/v1/register/m.login.registration_token/validity?token=${oneUse}`)).body, { valid: false });
  // (c) the same signing key.
  assert.equal(second.hs.signingKey.keyId, keyBefore.keyId);
  assert.deepEqual(second.hs.signingKey, keyBefore);
  await second.close();
  assert.deepEqual(integrityCheck(dataDir), ['ok']);
});

test('kill -9 mid-stream: every acknowledged registration survives and the database is intact', async (t) => {
  const TOTAL = 60;
  const KILL_AFTER = 20;
  const dataDir = tempDir(t);
  writeConfig(dataDir, { server_name: 'crash.test', admin_api: { token: ADMIN_TOKEN }, rate_limits: RELAXED_RATE_LIMITS });
  // An unlimited token, made with the real CLI before the server starts.
  const made = await runCli(['create-registration-token', '--data-dir', dataDir]);
  assert.equal(made.code, 0, made.stderr);
  const token = made.stdout.trimEnd().split('\n').at(-1) ?? '';
  assert.match(token, /^[A-Za-z0-9._~-]+$/);

  const server = await spawnServer(t, { dataDir });
  const acknowledged: { name: string; password: string; accessToken: string; deviceId: string }[] = [];
  const failures: string[] = [];
  let killed = false;
  let kill!: () => void;
  const killSent = new Promise<void>((resolve) => (kill = resolve));

  const attempts = Array.from({ length: TOTAL }, (_, i) => `user${String(i).padStart(3, '0')}`).map(async (name) => {
    const password = `pw ${name}`;
    let reply: HttpReply;
    try {
      reply = await server.register(name, password, token);
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
      return;
    }
    if (reply.status !== 200) {
      failures.push(`${name}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
      return;
    }
    acknowledged.push({ name, password, accessToken: reply.body.access_token, deviceId: reply.body.device_id });
    if (acknowledged.length >= KILL_AFTER && !killed) {
      killed = true;
      server.child.kill('SIGKILL');
      kill();
    }
  });
  await Promise.race([killSent, Promise.all(attempts)]);
  assert.ok(killed, `the server was killed after ${KILL_AFTER} acknowledgements`);
  const exit = await server.exited;
  assert.equal(exit.signal, 'SIGKILL');
  await Promise.all(attempts);
  // Requests were still in flight when the process died: they failed at the connection, not with an HTTP status.
  const ackedCount = acknowledged.length;
  t.diagnostic(`acknowledged ${ackedCount} of ${TOTAL}; ${failures.length} in flight when killed`);
  assert.ok(ackedCount >= KILL_AFTER && ackedCount < TOTAL, `acknowledged ${ackedCount} of ${TOTAL}`);
  assert.equal(failures.length, TOTAL - ackedCount);
  assert.ok(failures.every((failure) => !failure.includes('HTTP ')), failures.join('\n'));

  // The crashed database is intact as it lies on disk.
  assert.deepEqual(integrityCheck(dataDir), ['ok']);

  const restarted = await spawnServer(t, { dataDir });
  const logins = await inBatches(acknowledged, 6, async (user) => {
    const login = await restarted.login(user.name, user.password);
    const whoami = await restarted.request('GET', '/_matrix/client/v3/account/whoami', { token: user.accessToken });
    return { user, login, whoami };
  });
  for (const { user, login, whoami } of logins) {
    assert.equal(login.status, 200, `${user.name} lost after kill -9: ${JSON.stringify(login.body)}`);
    assert.equal(login.body.user_id, `@${user.name}:crash.test`);
    assert.equal(whoami.status, 200, `${user.name}'s access token lost: ${JSON.stringify(whoami.body)}`);
    assert.equal(whoami.body.device_id, user.deviceId);
  }
  // Still a working server: the token registers more users.
  const more = await restarted.register('after_crash', 'pw after', token);
  assert.equal(more.status, 200, JSON.stringify(more.body));
  assert.deepEqual(await restarted.stop('SIGTERM'), { code: 0, signal: null });

  assert.deepEqual(integrityCheck(dataDir), ['ok']);
  const db = new Database(path.join(dataDir, 'homeserver.db'), { readonly: true });
  try {
    const users = (db.prepare('SELECT user_id FROM users').all() as { user_id: string }[]).map((row) => row.user_id);
    for (const user of acknowledged) assert.ok(users.includes(`@${user.name}:crash.test`), user.name);
    // Registrations that committed just before the kill but were never acknowledged may exist too; nothing else.
    assert.ok(users.length >= ackedCount + 1 && users.length <= TOTAL + 1, `${users.length} users`);
    const [row] = db.prepare('SELECT completed FROM registration_tokens WHERE token = ?').all(token) as { completed: number }[];
    assert.equal(row?.completed, users.length, 'every account counts one use of the token');
  } finally {
    db.close();
  }
});

test('the data directory keeps its signing key, config and server name across restarts and a kill -9', async (t) => {
  const dataDir = tempDir(t);
  const keyPath = path.join(dataDir, 'signing.key');
  const configPath = path.join(dataDir, 'homeserver.yaml');
  const first = await spawnServer(t, { dataDir, env: { HEARTH_SERVER_NAME: 'keep.test' } });
  const key = readFileSync(keyPath, 'utf8');
  const config = readFileSync(configPath, 'utf8');
  const stamps = { key: statSync(keyPath).mtimeMs, config: statSync(configPath).mtimeMs };
  assert.match(key, /^ed25519 a_\w{4} [A-Za-z0-9+/]{43}\n$/);
  assert.match(config, /^server_name: keep\.test$/m);
  const bootstrap = first.bootstrapToken;
  assert.ok(bootstrap);
  assert.deepEqual(await first.stop('SIGTERM'), { code: 0, signal: null });

  // A graceful restart, then a crash, then another start: nothing is regenerated.
  const second = await spawnServer(t, { dataDir });
  assert.equal(second.serverName, 'keep.test');
  assert.equal(second.bootstrapToken, bootstrap, 'the unused bootstrap token is offered again, not a new one');
  assert.equal((await second.stop('SIGKILL')).signal, 'SIGKILL');
  const third = await spawnServer(t, { dataDir });
  assert.equal(third.serverName, 'keep.test');
  assert.equal(third.bootstrapToken, bootstrap);

  assert.equal(readFileSync(keyPath, 'utf8'), key);
  assert.equal(readFileSync(configPath, 'utf8'), config);
  assert.deepEqual({ key: statSync(keyPath).mtimeMs, config: statSync(configPath).mtimeMs }, stamps);
  assert.equal(statSync(keyPath).mode & 0o777, 0o600);
  assert.equal(statSync(configPath).mode & 0o777, 0o600);
  // init on the data directory agrees that everything exists.
  const init = await runCli(['init', '--data-dir', dataDir]);
  assert.match(init.stdout, /nothing changed/);
  assert.equal(readFileSync(keyPath, 'utf8'), key);
});
