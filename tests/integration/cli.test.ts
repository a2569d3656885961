// complement: none (the `hearth` CLI; Synapse's equivalents are register_new_matrix_user and hash_password)
// Runs the real CLI as child processes on temporary data directories, and the real `serve` where HTTP is needed.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { runCli, spawnServer, tempDir, writeConfig, type CliResult } from '../helpers/spawn-server.js';
import { RELAXED_RATE_LIMITS } from '../helpers/test-server.js';

const SIGNING_KEY_FILE = /^ed25519 a_\w{4} [A-Za-z0-9+/]{43}\n$/;
const ARGON2ID = /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

const mode = (file: string) => statSync(file).mode & 0o777;
const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';
const explain = (result: CliResult) => `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;

/** Reads the database beside a (possibly running) server; WAL lets readers in. */
function query<T>(dataDir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(path.join(dataDir, 'homeserver.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** A TCP port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

describe('hearth init', () => {
  test('creates the config (0600), a Synapse-format signing key (0600) and the database; a second run changes nothing', async (t) => {
    const dataDir = path.join(tempDir(t), 'data');
    const first = await runCli(['init', '--data-dir', dataDir]);
    assert.equal(first.code, 0, explain(first));
    const configPath = path.join(dataDir, 'homeserver.yaml');
    const keyPath = path.join(dataDir, 'signing.key');
    const dbPath = path.join(dataDir, 'homeserver.db');
    for (const file of [configPath, keyPath, dbPath]) assert.ok(first.stdout.includes(file), `init reports ${file}:\n${first.stdout}`);

    assert.equal(mode(configPath), 0o600);
    assert.equal(mode(keyPath), 0o600);
    assert.equal(mode(dataDir), 0o700);
    // The database holds password hashes; the media store will hold private uploads.
    assert.equal(mode(dbPath), 0o600);
    assert.equal(mode(path.join(dataDir, 'media')), 0o700);
    const key = readFileSync(keyPath, 'utf8');
    assert.match(key, SIGNING_KEY_FILE);
    const config = readFileSync(configPath, 'utf8');
    assert.match(config, /^server_name: localhost$/m);
    assert.match(config, /^ {2}token: \S{32,}$/m, 'a fresh admin API token is written');
    // The database exists and is migrated.
    const tables = query<{ name: string }>(dataDir, "SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => r.name);
    for (const table of ['users', 'devices', 'access_tokens', 'refresh_tokens', 'registration_tokens']) assert.ok(tables.includes(table), table);

    const before = { config: statSync(configPath).mtimeMs, key: statSync(keyPath).mtimeMs };
    const second = await runCli(['init', '--data-dir', dataDir]);
    assert.equal(second.code, 0, explain(second));
    assert.match(second.stdout, /nothing changed/);
    assert.equal(readFileSync(configPath, 'utf8'), config);
    assert.equal(readFileSync(keyPath, 'utf8'), key);
    assert.equal(statSync(configPath).mtimeMs, before.config);
    assert.equal(statSync(keyPath).mtimeMs, before.key);
  });

  test('HEARTH_DATA_DIR and HEARTH_SERVER_NAME choose the directory and the name written to a new config', async (t) => {
    const dataDir = path.join(tempDir(t), 'elsewhere');
    const result = await runCli(['init'], { env: { HEARTH_DATA_DIR: dataDir, HEARTH_SERVER_NAME: 'chat.example.org' } });
    assert.equal(result.code, 0, explain(result));
    assert.match(readFileSync(path.join(dataDir, 'homeserver.yaml'), 'utf8'), /^server_name: chat\.example\.org$/m);
  });

  test('without --data-dir or HEARTH_DATA_DIR the data directory is ./data; an empty HEARTH_DATA_DIR counts as unset', async (t) => {
    const cwd = tempDir(t);
    const result = await runCli(['init'], { cwd, env: { HEARTH_DATA_DIR: '' } });
    assert.equal(result.code, 0, explain(result));
    assert.ok(existsSync(path.join(cwd, 'data', 'homeserver.yaml')));
    assert.equal(existsSync(path.join(cwd, 'homeserver.yaml')), false, 'never the working directory itself');
    const empty = await runCli(['init', '--data-dir', ''], { cwd });
    assert.equal(empty.code, 2, explain(empty));
    assert.match(empty.stderr, /--data-dir needs a directory/);
  });

  test('an invalid config file fails with every bad key and its path', async (t) => {
    const dataDir = tempDir(t);
    writeFileSync(
      path.join(dataDir, 'homeserver.yaml'),
      [
        'server_name: "not a server name!"',
        'listeners:',
        '  public:',
        '    port: 99999',
        '  admin:',
        '    host: 0.0.0.0',
        'registration:',
        '  mode: sometimes',
        'password_hashing:',
        '  memory_kib: lots',
        'bogus_key: 1',
        '',
      ].join('\n'),
    );
    for (const command of ['serve', 'init']) {
      const result = await runCli([command, '--data-dir', dataDir]);
      assert.equal(result.code, 1, explain(result));
      assert.match(result.stderr, /Invalid configuration in .*homeserver\.yaml/);
      for (const key of ['server_name', 'listeners.public.port', 'listeners.admin.host', 'registration.mode', 'password_hashing.memory_kib', 'bogus_key']) {
        assert.match(result.stderr, new RegExp(`^ {2}- ${key.replace(/\./g, '\\.')}: `, 'm'), `${command} reports ${key}:\n${result.stderr}`);
      }
      assert.match(result.stderr, /registration\.mode: must be one of: token, open, closed/);
      assert.match(result.stderr, /bogus_key: unknown key/);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.equal(existsSync(path.join(dataDir, 'signing.key')), false, 'nothing is created from a bad config');
  });

  test('the server name cannot change once users exist (neither by HEARTH_SERVER_NAME nor in the file)', async (t) => {
    const dataDir = tempDir(t);
    const created = await runCli(['register-user', 'bob', '--password', 'x', '--data-dir', dataDir]);
    assert.equal(created.code, 0, explain(created));
    for (const [args, env, source] of [
      [['register-user', 'bob', '--password', 'x'], { HEARTH_SERVER_NAME: 'other.example' }, 'HEARTH_SERVER_NAME'],
      [['serve'], { HEARTH_SERVER_NAME: 'other.example' }, 'HEARTH_SERVER_NAME'],
    ] as const) {
      const result = await runCli([...args, '--data-dir', dataDir], { env });
      assert.equal(result.code, 1, explain(result));
      assert.match(result.stderr, new RegExp(`${source}: is "other\\.example", but the database holds users of "localhost" \\(such as @bob:localhost\\)`));
    }
    const configPath = path.join(dataDir, 'homeserver.yaml');
    writeFileSync(configPath, readFileSync(configPath, 'utf8').replace(/^server_name: localhost$/m, 'server_name: renamed.example'));
    const renamed = await runCli(['init', '--data-dir', dataDir]);
    assert.equal(renamed.code, 1, explain(renamed));
    assert.match(renamed.stderr, /server_name: is "renamed\.example", but the database holds users of "localhost"/);
  });

  test('a bad HEARTH_BIND is reported as a config problem', async (t) => {
    const result = await runCli(['init', '--data-dir', tempDir(t)], { env: { HEARTH_BIND: 'nonsense' } });
    assert.equal(result.code, 1, explain(result));
    assert.match(result.stderr, /HEARTH_BIND: "nonsense" is not host:port/);
  });
});

describe('usage errors', { concurrency: 4 }, () => {
  for (const args of [['--bogus'], ['frobnicate'], ['init', '--no-such-flag'], ['register-user'], ['register-user', 'bob'], ['create-registration-token', '--uses', 'two'], ['create-registration-token', '--expires', 'someday']]) {
    test(`hearth ${args.join(' ')} exits 2 with the usage`, async (t) => {
      const result = await runCli([...args, '--data-dir', tempDir(t)]);
      assert.equal(result.code, 2, explain(result));
      assert.match(result.stderr, /^error: /);
      assert.match(result.stderr, /Usage: hearth <command> \[options\]/);
      assert.equal(result.stdout, '');
    });
  }

  test('hearth --help and hearth with no command print the usage and exit 0', async () => {
    for (const args of [['--help'], []]) {
      const result = await runCli(args);
      assert.equal(result.code, 0, explain(result));
      assert.match(result.stdout, /Usage: hearth <command> \[options\]/);
      for (const command of ['init', 'serve', 'register-user', 'hash-password', 'create-registration-token']) assert.match(result.stdout, new RegExp(`^ {2}${command}\\b`, 'm'));
    }
  });
});

describe('hearth hash-password', { concurrency: 3 }, () => {
  test('prints an argon2id hash of --password', async () => {
    const result = await runCli(['hash-password', '--password', 'x']);
    assert.equal(result.code, 0, explain(result));
    assert.match(result.stdout.trimEnd(), ARGON2ID);
    assert.equal(result.stdout.trimEnd().split('\n').length, 1, 'the hash alone');
    assert.match(result.stdout, /m=19456,t=2,p=1/, 'the default cost');
  });

  test('reads the password from stdin; two hashes of one password differ (salted)', async () => {
    const a = await runCli(['hash-password'], { input: 'correct horse\n' });
    const b = await runCli(['hash-password'], { input: 'correct horse\n' });
    assert.equal(a.code, 0, explain(a));
    assert.match(a.stdout.trimEnd(), ARGON2ID);
    assert.notEqual(a.stdout, b.stdout);
  });

  test('no password at all is a usage error', async () => {
    const result = await runCli(['hash-password'], { input: '' });
    assert.equal(result.code, 2, explain(result));
    assert.match(result.stderr, /no password given/);
  });
});

describe('hearth register-user', () => {
  test('creates an admin who can log in over HTTP; a second registration of the name fails clearly', async (t) => {
    const dataDir = tempDir(t);
    writeConfig(dataDir, { server_name: 'cli.test', rate_limits: RELAXED_RATE_LIMITS, admin_api: { token: 'a'.repeat(40) } });
    const created = await runCli(['register-user', 'bob', '--password', 'x', '--admin', '--data-dir', dataDir]);
    assert.equal(created.code, 0, explain(created));
    assert.match(created.stdout, /Registered @bob:cli\.test \(admin\)/);

    const again = await runCli(['register-user', 'bob', '--password', 'y', '--data-dir', dataDir]);
    assert.notEqual(again.code, 0, explain(again));
    assert.match(again.stderr, /@bob:cli\.test already exists/);
    assert.doesNotMatch(again.stderr, /\n\s+at /, 'no stack trace');

    const bad = await runCli(['register-user', 'Not Valid', '--password', 'y', '--data-dir', dataDir]);
    assert.equal(bad.code, 1, explain(bad));
    assert.match(bad.stderr, /^error: .*\(M_INVALID_USERNAME\)/);

    // Without --password, the password is read from stdin (it then stays out of `ps` and the shell history).
    const fromStdin = await runCli(['register-user', 'dana', '--data-dir', dataDir], { input: 'dana password\n' });
    assert.equal(fromStdin.code, 0, explain(fromStdin));
    assert.match(fromStdin.stdout, /Registered @dana:cli\.test$/m);

    const server = await spawnServer(t, { dataDir });
    assert.equal(server.bootstrapToken, null, 'an admin exists, so no bootstrap token is offered');
    assert.equal((await server.login('dana', 'dana password')).status, 200);
    const login = await server.login('bob', 'x');
    assert.equal(login.status, 200, JSON.stringify(login.body));
    assert.equal(login.body.user_id, '@bob:cli.test');
    const whoami = await server.request('GET', '/_matrix/client/v3/account/whoami', { token: login.body.access_token });
    assert.equal(whoami.status, 200);
    assert.equal(whoami.body.user_id, '@bob:cli.test');
    // The first registration's password stands.
    assert.equal((await server.login('bob', 'y')).status, 403);
    const [row] = query<{ is_admin: number }>(dataDir, 'SELECT is_admin FROM users WHERE user_id = ?', '@bob:cli.test');
    assert.equal(row?.is_admin, 1);
  });

  test('without --admin the user is not an admin', async (t) => {
    const dataDir = tempDir(t);
    const created = await runCli(['register-user', 'carol', '--password', 'pw', '--data-dir', dataDir]);
    assert.equal(created.code, 0, explain(created));
    assert.match(lastLine(created.stdout), /^Registered @carol:localhost$/);
    const [row] = query<{ is_admin: number }>(dataDir, 'SELECT is_admin FROM users WHERE user_id = ?', '@carol:localhost');
    assert.equal(row?.is_admin, 0);
  });
});

describe('hearth create-registration-token', () => {
  test('--uses 2 --expires 7d prints the token alone on its last line; it registers exactly twice', async (t) => {
    const dataDir = tempDir(t);
    writeConfig(dataDir, { server_name: 'cli.test', rate_limits: RELAXED_RATE_LIMITS, admin_api: { token: 'a'.repeat(40) } });
    const started = Date.now();
    const result = await runCli(['create-registration-token', '--uses', '2', '--expires', '7d', '--data-dir', dataDir]);
    assert.equal(result.code, 0, explain(result));
    const token = lastLine(result.stdout);
    assert.match(token, /^[A-Za-z0-9._~-]{1,64}$/);
    assert.match(result.stdout, /2 use\(s\)/);
    const [row] = query<{ uses_allowed: number; expiry_time: number }>(dataDir, 'SELECT uses_allowed, expiry_time FROM registration_tokens WHERE token = ?', token);
    assert.equal(row?.uses_allowed, 2);
    const week = 7 * 24 * 3600 * 1000;
    assert.ok(row.expiry_time >= started + week && row.expiry_time <= Date.now() + week, `expiry ${row.expiry_time}`);

    const server = await spawnServer(t, { dataDir });
    for (const name of ['one', 'two']) {
      const reply = await server.register(name, 'password', token);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.equal(reply.body.user_id, `@${name}:cli.test`);
    }
    const third = await server.register('three', 'password', token);
    assert.equal(third.status, 401, JSON.stringify(third.body));
    assert.equal(third.body.errcode, 'M_UNAUTHORIZED', 'as Synapse answers a used-up token');
    assert.deepEqual(third.body.completed ?? [], []);
    const validity = await server.request('GET', `/_matrix/client/v1/register/m.login.registration_token/validity?token=${token}`);
    assert.deepEqual(validity.body, { valid: false });
    assert.equal((await server.login('three', 'password')).status, 403);
  });

  test('--expires takes a date; --token sets the token; a date in the past is refused', async (t) => {
    const dataDir = tempDir(t);
    const result = await runCli(['create-registration-token', '--expires', '2099-01-01', '--token', 'my-invite.2099', '--data-dir', dataDir]);
    assert.equal(result.code, 0, explain(result));
    assert.equal(lastLine(result.stdout), 'my-invite.2099');
    assert.match(result.stdout, /unlimited uses, expires 2099-01-01T00:00:00\.000Z/);
    const [row] = query<{ uses_allowed: number | null; expiry_time: number }>(dataDir, 'SELECT uses_allowed, expiry_time FROM registration_tokens WHERE token = ?', 'my-invite.2099');
    assert.deepEqual({ ...row }, { uses_allowed: null, expiry_time: Date.UTC(2099, 0, 1) });

    const past = await runCli(['create-registration-token', '--expires', '2001-01-01', '--data-dir', dataDir]);
    assert.equal(past.code, 1, explain(past));
    assert.match(past.stderr, /expiry_time must be a time in the future/);

    const duplicate = await runCli(['create-registration-token', '--token', 'my-invite.2099', '--data-dir', dataDir]);
    assert.equal(duplicate.code, 1, explain(duplicate));
    assert.match(duplicate.stderr, /already exists/);
  });
});

describe('hearth serve', () => {
  test('on a fresh directory: prints the banner with URL, server name and a bootstrap token that registers an admin', async (t) => {
    const dataDir = path.join(tempDir(t), 'fresh');
    const server = await spawnServer(t, { dataDir, env: { HEARTH_SERVER_NAME: 'fresh.test' } });
    const out = server.stdout();
    assert.match(out, /Hearth homeserver is running/);
    assert.match(out, /Server name: {3}fresh\.test/);
    assert.ok(out.includes(`Client URL:    ${server.baseUrl}`), out);
    assert.ok(out.includes(`Admin API:     ${server.adminUrl}`), out);
    assert.match(out, /Registration: {2}token/);
    assert.ok(server.bootstrapToken, `a bootstrap token in:\n${out}`);
    assert.match(server.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    for (const file of ['homeserver.yaml', 'signing.key', 'homeserver.db']) assert.ok(existsSync(path.join(dataDir, file)), file);

    // Logs are JSON lines with the listening addresses.
    const listening = server.logs().find((line) => line.msg === 'listening');
    assert.deepEqual({ public: listening?.public, admin: listening?.admin, serverName: listening?.serverName }, {
      public: server.baseUrl,
      admin: server.adminUrl,
      serverName: 'fresh.test',
    });

    // The rate limit is the default one here (3 registrations at once), so one registration is fine.
    const reply = await server.register('root', 'a strong password', server.bootstrapToken);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.user_id, '@root:fresh.test');
    const [row] = query<{ is_admin: number }>(dataDir, 'SELECT is_admin FROM users WHERE user_id = ?', '@root:fresh.test');
    assert.equal(row?.is_admin, 1);
    // One-time: it is used up.
    const again = await server.register('second', 'a strong password', server.bootstrapToken);
    assert.equal(again.status, 401);
    assert.equal(again.body.errcode, 'M_UNAUTHORIZED');

    // SIGTERM shuts down cleanly; the next start offers no bootstrap token.
    assert.deepEqual(await server.stop('SIGTERM'), { code: 0, signal: null });
    assert.ok(server.logs().some((line) => line.msg === 'shutting down'));
    const restarted = await spawnServer(t, { dataDir });
    assert.equal(restarted.bootstrapToken, null);
    assert.doesNotMatch(restarted.stdout(), /becomes the server admin/);
    assert.equal(restarted.serverName, 'fresh.test', 'the name written on first run stays');
  });

  test('HEARTH_SERVER_NAME and HEARTH_BIND override the config file', async (t) => {
    const dataDir = tempDir(t);
    writeConfig(dataDir, { server_name: 'from-file.test', admin_api: { token: 'a'.repeat(40) } });
    const port = await freePort();
    const server = await spawnServer(t, {
      dataDir,
      env: { HEARTH_SERVER_NAME: 'from-env.test', HEARTH_BIND: `127.0.0.1:${port}` },
    });
    assert.equal(server.baseUrl, `http://127.0.0.1:${port}`);
    assert.equal(server.serverName, 'from-env.test');
    assert.match(server.stdout(), /Server name: {3}from-env\.test/);
    const versions = await server.request('GET', '/_matrix/client/versions');
    assert.equal(versions.status, 200);
    assert.ok(Array.isArray(versions.body.versions));
    const reply = await server.register('dave', 'a strong password', server.bootstrapToken ?? '');
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.user_id, '@dave:from-env.test');
    const health = await fetch(new URL('/health', server.adminUrl));
    assert.equal(await health.text(), 'OK');
  });

  test('a port in use is one clear line, not a stack trace', async (t) => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    t.after(() => blocker.close());
    const address = blocker.address();
    assert.ok(typeof address === 'object' && address !== null);
    const result = await runCli(['serve', '--data-dir', tempDir(t)], { env: { HEARTH_BIND: `127.0.0.1:${address.port}` } });
    assert.equal(result.code, 1, explain(result));
    assert.equal(
      result.stderr.trim(),
      `error: cannot listen on 127.0.0.1:${address.port} for the public API: the address is already in use (is another server running?). ` +
        'Change listeners.public in homeserver.yaml or set HEARTH_BIND=host:port.',
    );
  });

  test('the hearth bin passes SIGTERM on to the server, which stops gracefully', async (t) => {
    const server = await spawnServer(t, { viaBin: true });
    const serverPid = server.logs().find((line) => line.msg === 'listening')?.pid;
    assert.equal(typeof serverPid, 'number');
    assert.notEqual(serverPid, server.pid, 'the server runs in a child of the wrapper');
    assert.deepEqual(await server.stop('SIGTERM'), { code: 0, signal: null });
    assert.ok(server.logs().some((line) => line.msg === 'shutting down'));
    assert.throws(() => process.kill(serverPid as number, 0), { code: 'ESRCH' }, 'the server process is gone, not orphaned');
  });

  test('registration mode closed: no bootstrap token, registration is refused', async (t) => {
    const dataDir = tempDir(t);
    writeConfig(dataDir, { registration: { mode: 'closed' }, admin_api: { token: 'a'.repeat(40) } });
    const server = await spawnServer(t, { dataDir });
    assert.equal(server.bootstrapToken, null);
    assert.match(server.stdout(), /Registration: {2}closed/);
    const reply = await server.request('POST', '/_matrix/client/v3/register', { body: { username: 'eve', password: 'pw' } });
    assert.equal(reply.status, 403);
    assert.equal(reply.body.errcode, 'M_FORBIDDEN');
  });
});
