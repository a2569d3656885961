import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, defaultPublicBaseUrl, loadConfig, parseBind, parseConfig, resolveDataDir, type HearthEnv } from './load.js';

const DATA = '/srv/hearth';
const parse = (text: string, env: HearthEnv = {}) => parseConfig(text, { dataDir: DATA, configPath: `${DATA}/homeserver.yaml`, env });

/** The problems a ConfigError lists for `text`. */
function problems(text: string, env: HearthEnv = {}): string[] {
  try {
    parse(text, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.file, `${DATA}/homeserver.yaml`);
    for (const problem of error.problems) assert.ok(error.message.includes(problem));
    return [...error.problems];
  }
  assert.fail('expected a ConfigError');
}

test('an empty file gives the defaults', () => {
  const config = parse('');
  assert.equal(config.dataDir, DATA);
  assert.equal(config.serverName, 'localhost');
  assert.deepEqual(config.listeners, {
    public: { host: '127.0.0.1', port: 8008, xForwarded: false },
    admin: { host: '127.0.0.1', port: 8009 },
  });
  assert.equal(config.publicBaseUrl, null, 'unset: derived from the bound listener when serving');
  assert.deepEqual(config.database, { path: path.resolve(DATA, 'homeserver.db'), synchronous: 'NORMAL' });
  assert.equal(config.mediaStorePath, path.resolve(DATA, 'media'));
  assert.equal(config.signingKeyPath, path.resolve(DATA, 'signing.key'));
  assert.deepEqual(config.registration, { mode: 'token', allowGuests: false, sessionTimeoutMs: 30 * 60_000 });
  assert.deepEqual(config.session, { refreshableAccessTokenLifetimeMs: 5 * 60_000, refreshTokenLifetimeMs: null });
  assert.deepEqual(config.adminApi, { token: '' });
  assert.deepEqual(config.rateLimits.loginAddress, { perSecond: 0.17, burstCount: 5 });
  assert.deepEqual(config.rateLimits.registration, { perSecond: 0.17, burstCount: 3 });
  assert.deepEqual(config.passwordHashing, { memoryKib: 19456, iterations: 2, parallelism: 1, maxConcurrent: 4 });
  assert.equal(config.log.level, 'info');
  assert.equal(config.maxUploadSize, 50 * 1024 * 1024);
  assert.equal(config.defaultRoomVersion, '12');
  // A file holding only comments or `~` is empty too.
  assert.equal(parse('# nothing here\n').serverName, 'localhost');
  assert.equal(parse('~\n').serverName, 'localhost');
});

test('file values override the defaults, keys it doesn\'t name keep theirs', () => {
  const config = parse(`
server_name: example.org
public_baseurl: https://matrix.example.org
listeners:
  public: { host: 0.0.0.0, port: 8448, x_forwarded: true }
database: { path: data/hs.db, synchronous: FULL }
registration: { mode: open, allow_guests: true, session_timeout: 90s }
session: { refresh_token_lifetime: 7d }
rate_limits:
  rc_login_address: { per_second: 1 }
max_upload_size: 10K
`);
  assert.equal(config.serverName, 'example.org');
  assert.equal(config.publicBaseUrl, 'https://matrix.example.org/', 'a trailing slash is added');
  assert.deepEqual(config.listeners.public, { host: '0.0.0.0', port: 8448, xForwarded: true });
  assert.deepEqual(config.listeners.admin, { host: '127.0.0.1', port: 8009 });
  assert.deepEqual(config.database, { path: path.resolve(DATA, 'data/hs.db'), synchronous: 'FULL' });
  assert.deepEqual(config.registration, { mode: 'open', allowGuests: true, sessionTimeoutMs: 90_000 });
  assert.equal(config.session.refreshTokenLifetimeMs, 7 * 86_400_000);
  assert.deepEqual(config.rateLimits.loginAddress, { perSecond: 1, burstCount: 5 });
  assert.equal(config.maxUploadSize, 10 * 1024);
});

test('the default public base URL comes from the listener: 0.0.0.0 → 127.0.0.1, IPv6 in brackets', () => {
  assert.equal(defaultPublicBaseUrl('0.0.0.0', 9000), 'http://127.0.0.1:9000/');
  assert.equal(defaultPublicBaseUrl('::', 9000), 'http://[::1]:9000/');
  assert.equal(defaultPublicBaseUrl('::1', 9000), 'http://[::1]:9000/');
  assert.equal(defaultPublicBaseUrl('hearth.lan', 80), 'http://hearth.lan:80/');
});

test('an absolute or :memory: database path is kept', () => {
  assert.equal(parse('database: { path: /var/lib/hearth.db }').database.path, '/var/lib/hearth.db');
  assert.equal(parse('database: { path: ":memory:" }').database.path, ':memory:');
});

test('HEARTH_SERVER_NAME, HEARTH_BIND and HEARTH_ADMIN_BIND override the file', () => {
  const text = 'server_name: from-file.org\nlisteners: { public: { host: 127.0.0.1, port: 8008 } }\n';
  const config = parse(text, { HEARTH_SERVER_NAME: 'from-env.org', HEARTH_BIND: '0.0.0.0:8448', HEARTH_ADMIN_BIND: '[::1]:9009' });
  assert.equal(config.serverName, 'from-env.org');
  assert.deepEqual(config.listeners.public, { host: '0.0.0.0', port: 8448, xForwarded: false });
  assert.deepEqual(config.listeners.admin, { host: '::1', port: 9009 });
  // Only host and port come from the variable: the file's other listener settings stay.
  const proxied = parse('listeners: { public: { x_forwarded: true } }', { HEARTH_BIND: '127.0.0.1:9000' });
  assert.deepEqual(proxied.listeners.public, { host: '127.0.0.1', port: 9000, xForwarded: true });
  // Empty variables are ignored.
  assert.equal(parse(text, { HEARTH_SERVER_NAME: '', HEARTH_BIND: '' }).serverName, 'from-file.org');
});

test('an env override is validated like the file', () => {
  const bad = problems('', { HEARTH_SERVER_NAME: 'not a server', HEARTH_BIND: 'nonsense', HEARTH_ADMIN_BIND: '192.168.1.10:9009' });
  assert.ok(bad.some((p) => p.startsWith('HEARTH_BIND:') && p.includes('"nonsense"')), bad.join('\n'));
  assert.ok(bad.some((p) => p.startsWith('server_name:')), bad.join('\n'));
  assert.ok(bad.some((p) => p.startsWith('listeners.admin.host:')), bad.join('\n'));
});

test('every problem is reported at once, each with its dotted path', () => {
  const found = problems(`
server_name: "bad name!"
listeners:
  public: { host: 127.0.0.1, port: 70000 }
  admin: { host: 0.0.0.0, port: "x" }
database: { synchronous: SOMETIMES }
registration: { mode: sometimes, session_timeout: 5 minutes }
rate_limits:
  rc_login_address: { per_second: 0 }
  rc_unknown: { per_second: 1 }
log: { level: loud }
admin_api: { token: short }
max_upload_size: 10X
favourite_colour: blue
`);
  const expectAt = (prefix: string) => assert.ok(found.some((p) => p.startsWith(`${prefix}:`)), `no problem for ${prefix} in:\n${found.join('\n')}`);
  for (const at of [
    'server_name',
    'listeners.public.port',
    'listeners.admin.port',
    'listeners.admin.host',
    'database.synchronous',
    'registration.mode',
    'registration.session_timeout',
    'rate_limits.rc_login_address.per_second',
    'rate_limits.rc_unknown',
    'log.level',
    'admin_api.token',
    'max_upload_size',
    'favourite_colour',
  ]) {
    expectAt(at);
  }
  assert.ok(found.some((p) => p === 'favourite_colour: unknown key'));
  assert.ok(found.some((p) => p.startsWith('registration.mode:') && p.includes('token, open, closed')), found.join('\n'));
});

test('a wrongly typed section is reported once, not once per key below it', () => {
  const found = problems('registration: open\nlisteners: [1, 2]\n');
  assert.deepEqual(found.filter((p) => p.startsWith('registration')), ['registration: must be a mapping of keys to values']);
  assert.equal(found.filter((p) => p.startsWith('listeners')).length, 1, found.join('\n'));
});

test('the admin listener must be on a loopback address', () => {
  for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) {
    assert.equal(parse(`listeners: { admin: { host: "${host}", port: 9009 } }`).listeners.admin.host, host);
  }
  for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.org', '128.0.0.1']) {
    const found = problems(`listeners: { admin: { host: "${host}", port: 9009 } }`);
    assert.deepEqual(found, [`listeners.admin.host: the admin API must listen on a loopback address, not "${host}"`]);
  }
});

test('server names: host names, IP literals and ports are accepted', () => {
  for (const name of ['example.org', 'matrix.example.org:8448', 'localhost', '192.0.2.1', '[::1]', '[2001:db8::1]:8448']) {
    assert.equal(parse(`server_name: "${name}"`).serverName, name);
  }
});

test('not YAML, or not a mapping, is one clear problem', () => {
  assert.match(problems('server_name: [unclosed')[0] ?? '', /not valid YAML/);
  assert.deepEqual(problems('- a\n- b\n'), ['the file must hold a YAML mapping of keys to values']);
  assert.deepEqual(problems('just a string'), ['the file must hold a YAML mapping of keys to values']);
});

test('loadConfig reads <dataDir>/homeserver.yaml and reports a missing file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-config-'));
  try {
    assert.throws(() => loadConfig(dir, {}), (error: unknown) => error instanceof ConfigError && /cannot read the file/.test(error.message));
    writeFileSync(path.join(dir, 'homeserver.yaml'), 'server_name: loaded.example\n');
    const config = loadConfig(dir, { HEARTH_BIND: '127.0.0.1:0' });
    assert.equal(config.serverName, 'loaded.example');
    assert.equal(config.configPath, path.join(dir, 'homeserver.yaml'));
    assert.equal(config.database.path, path.join(dir, 'homeserver.db'));
    assert.deepEqual(config.listeners.public, { host: '127.0.0.1', port: 0, xForwarded: false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parseBind: host:port and [v6]:port', () => {
  assert.deepEqual(parseBind('127.0.0.1:8008'), { host: '127.0.0.1', port: 8008 });
  assert.deepEqual(parseBind('localhost:0'), { host: 'localhost', port: 0 });
  assert.deepEqual(parseBind(' [::1]:9009 '), { host: '::1', port: 9009 });
  assert.deepEqual(parseBind('[2001:db8::1]:443'), { host: '2001:db8::1', port: 443 });
  for (const bad of ['8008', ':8008', '127.0.0.1', '127.0.0.1:', '127.0.0.1:65536', '::1:8008', '[::1]', 'host:port', '[zz]:80']) {
    assert.equal(parseBind(bad), null, bad);
  }
});

test('resolveDataDir: --data-dir, then HEARTH_DATA_DIR, then ./data', () => {
  assert.equal(resolveDataDir('flag-dir', { HEARTH_DATA_DIR: '/env' }, '/cwd'), '/cwd/flag-dir');
  assert.equal(resolveDataDir(undefined, { HEARTH_DATA_DIR: '/env' }, '/cwd'), '/env');
  assert.equal(resolveDataDir(undefined, {}, '/cwd'), '/cwd/data');
});
