/**
 * A real Hearth homeserver for black-box tests: a fresh data directory with a real SQLite file, the
 * real createHomeserver, listening on a random loopback port. Closed and deleted after the test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { ensureDataDir } from '../../server/src/cli/data-dir.js';
import { renderConfig } from '../../server/src/config/render.js';
import { createHomeserver, createLogger, type Homeserver } from '../../server/src/server.js';

export interface HttpResult {
  status: number;
  headers: Headers;
  // Tests read fields freely from replies.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface RegisteredUser {
  userId: string;
  accessToken: string;
  deviceId: string;
  refreshToken?: string;
  password: string;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as-is (a string is not JSON-encoded). */
  rawBody?: string;
  token?: string;
  headers?: Record<string, string>;
}

export interface TestServer {
  readonly hs: Homeserver;
  readonly baseUrl: string;
  readonly adminUrl: string;
  readonly dataDir: string;
  readonly serverName: string;
  request(method: string, urlPath: string, options?: RequestOptions): Promise<HttpResult>;
  /** A fresh registration token (unlimited uses unless given). */
  createRegistrationToken(usesAllowed?: number | null): Promise<string>;
  /** Registers through the real UIA flow with a registration token. */
  register(localpart: string, options?: { password?: string; refreshToken?: boolean; deviceId?: string }): Promise<RegisteredUser>;
  login(localpart: string, password: string, extra?: Record<string, unknown>): Promise<HttpResult>;
  close(): Promise<void>;
}

/** rc_* limits high enough that suites and the benchmark are never throttled; rate-limit tests pass their own. */
const RELAXED_LIMIT = { per_second: 100_000, burst_count: 100_000 };
export const RELAXED_RATE_LIMITS = {
  rc_login_address: RELAXED_LIMIT,
  rc_login_account: RELAXED_LIMIT,
  rc_login_failed_attempts: RELAXED_LIMIT,
  rc_registration: RELAXED_LIMIT,
  rc_registration_token_validity: RELAXED_LIMIT,
  rc_message: RELAXED_LIMIT,
};

export interface StartOptions {
  /** homeserver.yaml values merged over the test defaults (snake_case, as in the file). */
  config?: Record<string, unknown>;
  /** Reuse a data directory (e.g. to test a restart); it is then not deleted on close. */
  dataDir?: string;
}

export async function startTestServer(t: TestContext | null, options: StartOptions = {}): Promise<TestServer> {
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'hearth-test-'));
  if (ownsDir) {
    const values = {
      server_name: 'hearth.test',
      listeners: { public: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
      admin_api: { token: 'test-admin-token-0123456789abcdef0123456789' },
      rate_limits: RELAXED_RATE_LIMITS,
      log: { level: 'warn' },
      ...options.config,
    };
    writeFileSync(path.join(dataDir, 'homeserver.yaml'), renderConfig(values));
  }
  const { config } = ensureDataDir(dataDir, {});
  const hs = await createHomeserver(config, { logger: createLogger(config.log.level) });
  const baseUrl = await hs.publicApp.listen({ host: '127.0.0.1', port: 0 });
  const adminUrl = await hs.adminApp.listen({ host: '127.0.0.1', port: 0 });

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await hs.close();
    if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
  };
  t?.after(close);

  const request: TestServer['request'] = async (method, urlPath, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | undefined = opts.rawBody;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const response = await fetch(new URL(urlPath, baseUrl), { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };

  const createRegistrationToken = async (usesAllowed: number | null = null) =>
    (await hs.services.registrationTokens.create({ usesAllowed })).token;

  const register: TestServer['register'] = async (localpart, opts = {}) => {
    const password = opts.password ?? `pw-${localpart}-secret`;
    const token = await createRegistrationToken(1);
    const first = await request('POST', '/_matrix/client/v3/register', { body: { username: localpart, password } });
    if (first.status !== 401) throw new Error(`register: expected 401, got ${first.status} ${JSON.stringify(first.body)}`);
    const body: Record<string, unknown> = {
      username: localpart,
      password,
      auth: { type: 'm.login.registration_token', token, session: first.body.session },
    };
    if (opts.refreshToken) body.refresh_token = true;
    if (opts.deviceId) body.device_id = opts.deviceId;
    const done = await request('POST', '/_matrix/client/v3/register', { body });
    if (done.status !== 200) throw new Error(`register: ${done.status} ${JSON.stringify(done.body)}`);
    return {
      userId: done.body.user_id,
      accessToken: done.body.access_token,
      deviceId: done.body.device_id,
      refreshToken: done.body.refresh_token,
      password,
    };
  };

  const login: TestServer['login'] = (localpart, password, extra = {}) =>
    request('POST', '/_matrix/client/v3/login', {
      body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: localpart }, password, ...extra },
    });

  return { hs, baseUrl, adminUrl, dataDir, serverName: config.serverName, request, createRegistrationToken, register, login, close };
}
