/** Runs every storage contract suite against SQLite, each suite on fresh temporary database files. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { devicesContract } from '../contract/devices.contract.js';
import type { StorageFactory } from '../contract/fixtures.js';
import { profilesContract } from '../contract/profiles.contract.js';
import { registrationTokensContract } from '../contract/registration-tokens.contract.js';
import { sessionsContract } from '../contract/sessions.contract.js';
import { uiaContract } from '../contract/uia.contract.js';
import { usersContract } from '../contract/users.contract.js';
import { openSqliteStorage } from './index.js';

const root = mkdtempSync(path.join(tmpdir(), 'hearth-contract-'));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** A new database file on every call. */
const sqlite: StorageFactory = async () => openSqliteStorage(path.join(root, `db-${++counter}`, 'homeserver.db'), { synchronous: 'NORMAL' });

usersContract(sqlite);
profilesContract(sqlite);
devicesContract(sqlite);
sessionsContract(sqlite);
registrationTokensContract(sqlite);
uiaContract(sqlite);
