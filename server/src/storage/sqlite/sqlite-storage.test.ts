/** Runs every storage contract suite against SQLite, each suite on fresh temporary database files. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { accountDataContract } from '../contract/account-data.contract.js';
import { devicesContract } from '../contract/devices.contract.js';
import type { StorageFactory } from '../contract/fixtures.js';
import { filtersContract } from '../contract/filters.contract.js';
import { presenceContract } from '../contract/presence.contract.js';
import { receiptsContract } from '../contract/receipts.contract.js';
import { toDeviceContract } from '../contract/to-device.contract.js';
import { profilesContract } from '../contract/profiles.contract.js';
import { pushRulesContract } from '../contract/push-rules.contract.js';
import { pushContract } from '../contract/push.contract.js';
import { registrationTokensContract } from '../contract/registration-tokens.contract.js';
import { relationsContract } from '../contract/relations.contract.js';
import { openIdTokensContract } from '../contract/openid.contract.js';
import { reportsContract } from '../contract/reports.contract.js';
import { searchContract } from '../contract/search.contract.js';
import { userDirectoryContract } from '../contract/user-directory.contract.js';
import { roomsContract } from '../contract/rooms.contract.js';
import { sessionsContract } from '../contract/sessions.contract.js';
import { uiaContract } from '../contract/uia.contract.js';
import { usersContract } from '../contract/users.contract.js';
import type { Storage } from '../types.js';
import { openSqliteStorage } from './index.js';

const root = mkdtempSync(path.join(tmpdir(), 'hearth-contract-'));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
const files = new WeakMap<Storage, string>();
const open = (file: string): Storage => {
  const storage = openSqliteStorage(file, { synchronous: 'NORMAL' });
  files.set(storage, file);
  return storage;
};
/** A new database file on every call; `reopen` opens a second connection on a storage's file. */
const sqlite: StorageFactory = Object.assign(async () => open(path.join(root, `db-${++counter}`, 'homeserver.db')), {
  reopen: async (storage: Storage) => {
    const file = files.get(storage);
    if (file === undefined) throw new Error('not a storage of this factory');
    return open(file);
  },
});

usersContract(sqlite);
profilesContract(sqlite);
devicesContract(sqlite);
sessionsContract(sqlite);
registrationTokensContract(sqlite);
uiaContract(sqlite);
roomsContract(sqlite);
filtersContract(sqlite);
receiptsContract(sqlite);
presenceContract(sqlite);
toDeviceContract(sqlite);
pushContract(sqlite);
relationsContract(sqlite);
accountDataContract(sqlite);
pushRulesContract(sqlite);
searchContract(sqlite);
userDirectoryContract(sqlite);
reportsContract(sqlite);
openIdTokensContract(sqlite);
