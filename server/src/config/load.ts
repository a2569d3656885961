/**
 * Loads homeserver.yaml: file, then environment overrides, then defaults, then one validation pass that
 * reports every bad key at once with its path. The only module besides main.ts that reads process.env
 * (it is handed `env`; main.ts passes process.env).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Value } from 'typebox/value';
import YAML from 'yaml';
import { isValidServerName, type ServerName } from '../core/ids.js';
import { ConfigSchema, type ConfigFile } from './schema.js';
import type { HomeserverConfig, RateLimitConfig } from './types.js';
import { parseDuration, parseSize } from './units.js';

export const CONFIG_FILE_NAME = 'homeserver.yaml';

/** Environment variables that override the file, so scripts and tests can run servers side by side. */
export interface HearthEnv {
  readonly HEARTH_DATA_DIR?: string | undefined;
  readonly HEARTH_SERVER_NAME?: string | undefined;
  readonly HEARTH_BIND?: string | undefined;
  readonly HEARTH_ADMIN_BIND?: string | undefined;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid configuration in ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The data directory: --data-dir, then HEARTH_DATA_DIR, then ./data. */
export function resolveDataDir(flag: string | undefined, env: HearthEnv, cwd: string): string {
  return path.resolve(cwd, flag ?? env.HEARTH_DATA_DIR ?? 'data');
}

/** Reads and validates `<dataDir>/homeserver.yaml`. @throws ConfigError listing every problem. */
export function loadConfig(dataDir: string, env: HearthEnv): HomeserverConfig {
  const configPath = path.join(dataDir, CONFIG_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (error) {
    throw new ConfigError(configPath, [`cannot read the file: ${(error as Error).message}`]);
  }
  return parseConfig(text, { dataDir, configPath, env });
}

/** Parses config text; separated from loadConfig for tests. @throws ConfigError */
export function parseConfig(
  text: string,
  where: { dataDir: string; configPath: string; env: HearthEnv },
): HomeserverConfig {
  const problems: string[] = [];
  let raw: unknown;
  try {
    raw = YAML.parse(text) ?? {};
  } catch (error) {
    throw new ConfigError(where.configPath, [`not valid YAML: ${(error as Error).message}`]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(where.configPath, ['the file must hold a YAML mapping of keys to values']);
  }
  const file = structuredClone(raw) as Record<string, unknown>;
  applyEnvOverrides(file, where.env, problems);
  const withDefaults = Value.Default(ConfigSchema, file) as ConfigFile;
  problems.push(...schemaProblems(withDefaults), ...semanticProblems(withDefaults));
  if (problems.length > 0) throw new ConfigError(where.configPath, problems);
  return resolve(withDefaults, where.dataDir, where.configPath);
}

function applyEnvOverrides(file: Record<string, unknown>, env: HearthEnv, problems: string[]): void {
  if (env.HEARTH_SERVER_NAME) file.server_name = env.HEARTH_SERVER_NAME;
  const listeners = (file.listeners ??= {}) as Record<string, unknown>;
  if (typeof listeners !== 'object' || listeners === null) return;
  for (const [name, variable] of [
    ['public', 'HEARTH_BIND'],
    ['admin', 'HEARTH_ADMIN_BIND'],
  ] as const) {
    const value = env[variable];
    if (!value) continue;
    const bind = parseBind(value);
    const existing = listeners[name];
    // Only host and port: other listener settings in the file (x_forwarded) still apply.
    if (bind) listeners[name] = { ...(typeof existing === 'object' && existing !== null ? existing : {}), ...bind };
    else problems.push(`${variable}: "${value}" is not host:port (e.g. 127.0.0.1:8008 or [::1]:8008)`);
  }
}

/** Parses `host:port`, `[v6]:port`. */
export function parseBind(value: string): { host: string; port: number } | null {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(value.trim());
  if (!match) return null;
  const port = Number(match[2]);
  if (port > 65535) return null;
  return { host: (match[1] ?? '').replace(/^\[|\]$/g, ''), port };
}

/**
 * The URL clients reach the server at when `public_baseurl` is unset: the public listener's bound
 * address (so port 0 gives the port actually picked), with a wildcard host shown as loopback.
 */
export function defaultPublicBaseUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}/`;
}

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  anyOf?: SchemaNode[];
  const?: unknown;
  description?: string;
}

/**
 * Validates key by key so that every problem is reported, each with its dotted path
 * (TypeBox's error iterator stops early and reports unions branch by branch).
 */
function schemaProblems(file: unknown): string[] {
  const problems: string[] = [];
  walk(ConfigSchema as unknown as SchemaNode, file, '', problems);
  return problems;
}

function walk(schema: SchemaNode, value: unknown, at: string, problems: string[]): void {
  const label = at || '(top level)';
  if (schema.type === 'object' && schema.properties) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${label}: must be a mapping of keys to values`);
      return;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!(key in schema.properties)) problems.push(`${at ? `${at}.` : ''}${key}: unknown key`);
    }
    for (const [key, child] of Object.entries(schema.properties)) {
      const path = at ? `${at}.${key}` : key;
      if (record[key] === undefined) {
        if (schema.required?.includes(key)) problems.push(`${path}: is required`);
        continue;
      }
      walk(child, record[key], path, problems);
    }
    return;
  }
  if (Value.Check(schema as never, value)) return;
  if (schema.anyOf) {
    const constants = schema.anyOf.map((branch) => branch.const);
    problems.push(
      constants.every((c) => c !== undefined)
        ? `${label}: must be one of: ${constants.join(', ')}`
        : `${label}: invalid value${schema.description ? `. ${schema.description}` : ''}`,
    );
    return;
  }
  const first = Value.Errors(schema as never, value)[Symbol.iterator]().next();
  problems.push(`${label}: ${first.done ? 'invalid value' : first.value.message}`);
}

const LOOPBACK_HOSTS = new Set(['localhost', '::1']);
function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Checks that a schema can't express; each guarded so a wrongly typed value is reported once. */
function semanticProblems(file: ConfigFile): string[] {
  const problems: string[] = [];
  if (typeof file.server_name === 'string' && !isValidServerName(file.server_name)) {
    problems.push(`server_name: "${file.server_name}" is not a valid server name (a host name with an optional :port)`);
  }
  const adminHost = (file.listeners as { admin?: { host?: unknown } } | undefined)?.admin?.host;
  if (typeof adminHost === 'string' && !isLoopback(adminHost)) {
    problems.push(`listeners.admin.host: the admin API must listen on a loopback address, not "${adminHost}"`);
  }
  const token = (file.admin_api as { token?: unknown } | undefined)?.token;
  if (typeof token === 'string' && token.length > 0 && token.length < 32) {
    problems.push('admin_api.token: must be at least 32 characters (run `hearth init` to generate one)');
  }
  return problems;
}

function rateLimit(value: { per_second: number; burst_count: number }): RateLimitConfig {
  return { perSecond: value.per_second, burstCount: value.burst_count };
}

function resolve(file: ConfigFile, dataDir: string, configPath: string): HomeserverConfig {
  const inData = (p: string) => (p === ':memory:' ? p : path.resolve(dataDir, p));
  const baseUrl = file.public_baseurl;
  const rl = file.rate_limits;
  return {
    dataDir,
    configPath,
    serverName: file.server_name as ServerName,
    publicBaseUrl: baseUrl === undefined ? null : baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
    listeners: {
      public: { host: file.listeners.public.host, port: file.listeners.public.port, xForwarded: file.listeners.public.x_forwarded },
      admin: { host: file.listeners.admin.host, port: file.listeners.admin.port },
    },
    database: { path: inData(file.database.path), synchronous: file.database.synchronous },
    mediaStorePath: inData(file.media_store_path),
    signingKeyPath: inData(file.signing_key_path),
    registration: {
      mode: file.registration.mode,
      allowGuests: file.registration.allow_guests,
      sessionTimeoutMs: parseDuration(file.registration.session_timeout),
    },
    session: {
      refreshableAccessTokenLifetimeMs: parseDuration(file.session.refreshable_access_token_lifetime),
      refreshTokenLifetimeMs:
        file.session.refresh_token_lifetime === undefined ? null : parseDuration(file.session.refresh_token_lifetime),
    },
    adminApi: { token: file.admin_api.token },
    rateLimits: {
      loginAddress: rateLimit(rl.rc_login_address),
      loginAccount: rateLimit(rl.rc_login_account),
      loginFailedAttempts: rateLimit(rl.rc_login_failed_attempts),
      registration: rateLimit(rl.rc_registration),
      registrationTokenValidity: rateLimit(rl.rc_registration_token_validity),
      message: rateLimit(rl.rc_message),
    },
    passwordHashing: {
      memoryKib: file.password_hashing.memory_kib,
      iterations: file.password_hashing.iterations,
      parallelism: file.password_hashing.parallelism,
      maxConcurrent: file.password_hashing.max_concurrent,
    },
    log: { level: file.log.level },
    maxUploadSize: parseSize(file.max_upload_size),
    defaultRoomVersion: file.default_room_version,
  };
}
