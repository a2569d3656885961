/**
 * First run: the data directory with a config file holding fresh secrets, the signing key and the
 * database. Later runs find them and change nothing. Secrets are written owner-only (0600).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CONFIG_FILE_NAME, loadConfig, type HearthEnv } from '../config/load.js';
import { renderConfig } from '../config/render.js';
import type { HomeserverConfig } from '../config/types.js';
import { formatSigningKeyFile, generateSigningKey } from '../rooms/signing.js';
import { openSqliteStorage } from '../storage/sqlite/index.js';

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
    mkdirSync(config.mediaStorePath, { recursive: true });
    created.push(config.mediaStorePath);
  }
  if (config.database.path !== ':memory:' && !existsSync(config.database.path)) created.push(config.database.path);
  // Opening migrates: the database exists, at the current schema, when this returns.
  const storage = openSqliteStorage(config.database.path, { synchronous: config.database.synchronous });
  storage.db.close();
  return { config, created };
}
