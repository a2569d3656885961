/**
 * The real `hearth` process for black-box tests and the benchmark: `node --import tsx server/src/main.ts <cmd>`
 * as a child process with its own environment. `spawnServer` runs `serve` and waits for the "listening" log
 * line to learn the ports; `runCli` runs a one-shot command and collects its output and exit code.
 * Unlike tests/helpers/test-server.ts, nothing here shares memory with the server: a crash (SIGKILL) is real.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderConfig } from '../../server/src/config/render.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(REPO_ROOT, 'server/src/main.ts');
/** The installed `hearth` command (package.json "bin"), a wrapper that runs MAIN in a child process. */
export const BIN = path.join(REPO_ROOT, 'server/bin/hearth.mjs');
/** tsx by location, so that a child started in another working directory finds it. */
const TSX = import.meta.resolve('tsx');

export interface HttpReply {
  status: number;
  // Tests read fields freely from replies.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Extra environment variables (HEARTH_* from this process are never inherited). */
  env?: Record<string, string>;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

/** The child's environment: ours without any HEARTH_* variable, plus `extra`. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('HEARTH_')) env[key] = value;
  return { ...env, ...extra };
}

/** Runs `hearth <args>` to completion. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: childEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.input ?? '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hearth ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A fresh temporary directory, removed after the test. */
export function tempDir(t: TestContext | null, prefix = 'hearth-spawn-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t?.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `<dataDir>/homeserver.yaml` with these values over the defaults (before the first start). */
export function writeConfig(dataDir: string, values: Record<string, unknown>): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(dataDir, 'homeserver.yaml'), renderConfig(values), { mode: 0o600 });
}


export interface SpawnOptions {
  /** The data directory; when omitted, a fresh temporary one, deleted when the server is stopped. */
  dataDir?: string;
  /**
   * homeserver.yaml values written before the start (snake_case, as in the file). Omit to let `serve`
   * create the file itself, as on a real first run. Ignored when the file already exists.
   */
  config?: Record<string, unknown>;
  /** Extra environment; HEARTH_BIND and HEARTH_ADMIN_BIND default to 127.0.0.1:0. */
  env?: Record<string, string>;
  /** How long to wait for the "listening" line. */
  startTimeoutMs?: number;
  /** Start through the `hearth` bin wrapper instead of `node --import tsx server/src/main.ts`. */
  viaBin?: boolean;
}

export interface SpawnedServer {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly dataDir: string;
  readonly baseUrl: string;
  readonly adminUrl: string;
  readonly serverName: string;
  /** The one-time admin registration token from the banner, or null when the banner shows none. */
  readonly bootstrapToken: string | null;
  /** Everything written to stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** The JSON log lines written so far. */
  logs(): Record<string, unknown>[];
  request(method: string, urlPath: string, options?: { body?: unknown; token?: string }): Promise<HttpReply>;
  /** Registers through the real UIA flow with the given registration token. */
  register(localpart: string, password: string, token: string, extra?: Record<string, unknown>): Promise<HttpReply>;
  login(localpart: string, password: string, extra?: Record<string, unknown>): Promise<HttpReply>;
  /** Sends a signal (SIGTERM by default) and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `hearth serve` and resolves once it logged "listening" and printed its banner. */
export async function spawnServer(t: TestContext | null, options: SpawnOptions = {}): Promise<SpawnedServer> {
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? tempDir(null);
  if (options.config) {
    try {
      writeFileSync(path.join(dataDir, 'homeserver.yaml'), renderConfig(options.config), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const env = { HEARTH_BIND: '127.0.0.1:0', HEARTH_ADMIN_BIND: '127.0.0.1:0', HEARTH_DATA_DIR: dataDir, ...options.env };
  const argv = options.viaBin ? [BIN, 'serve'] : ['--import', TSX, MAIN, 'serve'];
  const child = spawn(process.execPath, argv, {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const logs: Record<string, unknown>[] = [];
  let partial = '';
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
    notify();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
      notify();
    });
  });
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  void exited.then((info) => (exitInfo = info));

  /** Stops the process; a data directory made here is deleted with it. */
  const stop: SpawnedServer['stop'] = async (signal = 'SIGTERM') => {
    if (exitInfo === null) child.kill(signal);
    const info = await exited;
    if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
    return info;
  };
  t?.after(async () => {
    await stop('SIGKILL');
  });

  // Ready: the "listening" log line and the banner's last line have both been written.
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiters.delete(check);
      child.kill('SIGKILL');
      reject(new Error(`hearth serve did not start within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    function check() {
      const line = logs.find((entry) => entry.msg === 'listening');
      if (line && stdout.includes('└')) {
        clearTimeout(timer);
        waiters.delete(check);
        resolve(line);
      } else if (exitInfo !== null) {
        clearTimeout(timer);
        waiters.delete(check);
        reject(new Error(`hearth serve exited (${JSON.stringify(exitInfo)}) before listening\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      }
    }
    waiters.add(check);
    check();
  });
  const listening = await ready.catch(async (error: unknown) => {
    await stop('SIGKILL');
    throw error;
  });

  const baseUrl = String(listening.public);
  const request: SpawnedServer['request'] = async (method, urlPath, opts = {}) => {
    const headers: Record<string, string> = {};
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const response = await fetch(new URL(urlPath, baseUrl), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body };
  };
  const register: SpawnedServer['register'] = async (localpart, password, token, extra = {}) => {
    const first = await request('POST', '/_matrix/client/v3/register', { body: { username: localpart, password } });
    if (first.status !== 401) return first;
    return request('POST', '/_matrix/client/v3/register', {
      body: { username: localpart, password, auth: { type: 'm.login.registration_token', token, session: first.body.session }, ...extra },
    });
  };
  const login: SpawnedServer['login'] = (localpart, password, extra = {}) =>
    request('POST', '/_matrix/client/v3/login', {
      body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: localpart }, password, ...extra },
    });

  return {
    child,
    pid: child.pid ?? -1,
    dataDir,
    baseUrl,
    adminUrl: String(listening.admin),
    serverName: String(listening.serverName),
    bootstrapToken: bootstrapTokenOf(stdout),
    stdout: () => stdout,
    stderr: () => stderr,
    logs: () => [...logs],
    request,
    register,
    login,
    stop,
    exited,
  };
}

/** The token on the line after the banner's "one-time registration token" paragraph. */
export function bootstrapTokenOf(banner: string): string | null {
  const lines = banner.split('\n');
  const at = lines.findIndex((line) => line.includes('becomes the server admin'));
  if (at < 0) return null;
  for (const line of lines.slice(at + 1)) {
    const match = /^│\s+([A-Za-z0-9._~-]{1,64})\s*│$/.exec(line.trim());
    if (match) return match[1] ?? null;
  }
  return null;
}
