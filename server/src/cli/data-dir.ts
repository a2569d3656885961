/**
 * First run: the data directory with a config file holding fresh secrets, the signing key and the
 * database. Later runs find them and change nothing. Secrets are written owner-only (0600).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CONFIG_FILE_NAME, ConfigError, loadConfig, type HearthEnv } from '../config/load.js';
import { renderConfig } from '../config/render.js';
import type { HomeserverConfig } from '../config/types.js';
import { formatSigningKeyFile, generateSigningKey } from '../rooms/signing.js';
import { openSqliteStorage, type SqliteStorage } from '../storage/sqlite/index.js';

export interface DataDirResult {
  readonly config: HomeserverConfig;
  /** What this call created (empty when everything existed). */
  readonly created: readonly string[];
}

export function ensureDataDir(dataDir: string, env: HearthEnv): DataDirResult {
  const created: string[] = [];
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const configPath = path.join(dataDir, CONFIG_FILE_NAME);
  if (!existsSync(configPath)) {
    const values: Record<string, unknown> = { admin_api: { token: randomBytes(32).toString('base64url') } };
    if (env.HEARTH_SERVER_NAME) values.server_name = env.HEARTH_SERVER_NAME;
    writeFileSync(configPath, renderConfig(values), { mode: 0o600, flag: 'wx' });
    created.push(configPath);
  }
  const config = loadConfig(dataDir, env);
  if (!existsSync(config.signingKeyPath)) {
    mkdirSync(path.dirname(config.signingKeyPath), { recursive: true });
    writeFileSync(config.signingKeyPath, formatSigningKeyFile(generateSigningKey()), { mode: 0o600, flag: 'wx' });
    created.push(config.signingKeyPath);
  }
  if (!existsSync(config.mediaStorePath)) {
    mkdirSync(config.mediaStorePath, { recursive: true, mode: 0o700 });
    created.push(config.mediaStorePath);
  }
  if (config.database.path !== ':memory:' && !existsSync(config.database.path)) created.push(config.database.path);
  // Opening migrates: the database exists, at the current schema, when this returns.
  const storage = openSqliteStorage(config.database.path, { synchronous: config.database.synchronous });
  try {
    checkServerNameUnchanged(storage.db, config, env);
  } finally {
    storage.db.close();
  }
  return { config, created };
}

/**
 * The server name is part of every user ID: once users exist it cannot change (a different
 * server_name or HEARTH_SERVER_NAME would silently start a second, empty namespace beside them).
 */
function checkServerNameUnchanged(db: SqliteStorage['db'], config: HomeserverConfig, env: HearthEnv): void {
  const suffix = `:${config.serverName}`;
  const other = db
    .prepare('SELECT user_id FROM users WHERE substr(user_id, -length(?)) != ? LIMIT 1')
    .get(suffix, suffix) as { user_id: string } | undefined;
  if (!other) return;
  const existing = other.user_id.slice(other.user_id.indexOf(':') + 1);
  const source = env.HEARTH_SERVER_NAME ? 'HEARTH_SERVER_NAME' : 'server_name';
  throw new ConfigError(config.configPath, [
    `${source}: is "${config.serverName}", but the database holds users of "${existing}" (such as ${other.user_id}); ` +
      'the server name cannot change once users exist',
  ]);
}
