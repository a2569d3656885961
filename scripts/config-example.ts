/**
 * Writes resources/homeserver.example.yaml from the config schema (`npm run config:example`).
 * server/src/config/render.test.ts fails when the committed file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { EXAMPLE_CONFIG_PATH, renderExampleConfig } from '../server/src/config/render.js';

writeFileSync(EXAMPLE_CONFIG_PATH, renderExampleConfig());
process.stdout.write(`wrote ${EXAMPLE_CONFIG_PATH}\n`);
