import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Value } from 'typebox/value';
import YAML from 'yaml';
import { parseConfig } from './load.js';
import { EXAMPLE_CONFIG_PATH, renderConfig, renderExampleConfig } from './render.js';
import { ConfigSchema } from './schema.js';

test('resources/homeserver.example.yaml is generated from the schema (run `npm run config:example`)', () => {
  assert.equal(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8'), renderExampleConfig());
});

test('a rendered config holds every default and parses back to the same values', () => {
  const text = renderConfig({ server_name: 'example.org', registration: { mode: 'open' } });
  const parsed = YAML.parse(text) as Record<string, unknown>;
  assert.deepEqual(parsed, Value.Default(ConfigSchema, { server_name: 'example.org', registration: { mode: 'open' } }));
  const config = parseConfig(text, { dataDir: '/srv/hearth', configPath: '/srv/hearth/homeserver.yaml', env: {} });
  assert.equal(config.serverName, 'example.org');
  assert.equal(config.registration.mode, 'open');
  assert.equal(config.database.path, '/srv/hearth/homeserver.db');
});

test('every key is documented by a comment', () => {
  const text = renderExampleConfig();
  for (const key of ['server_name', 'listeners', 'database', 'synchronous', 'registration', 'rate_limits', 'max_upload_size']) {
    const line = text.split('\n').findIndex((l) => l.trimStart().startsWith(`${key}:`));
    assert.ok(line > 0, key);
    assert.match(text.split('\n')[line - 1] ?? '', /^\s*#/, `${key} has a comment above it`);
  }
});
