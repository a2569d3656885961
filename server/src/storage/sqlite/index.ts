/** The SQLite backend: opens, migrates and wires the per-domain stores over one connection and write queue. */
import type { Storage } from '../types.js';
import { createSqliteAccountDataStore } from './account-data.js';
import { createDeviceOps } from './device-ops.js';
import { createSqliteDevicesStore } from './devices.js';
import { migrate } from './migrate.js';
import { openDatabase, type OpenOptions, type SqliteDatabase } from './open.js';
import { createSqliteFiltersStore } from './filters.js';
import { createSqliteProfilesStore } from './profiles.js';
import { createSqlitePresenceStore } from './presence.js';
import { createSqliteReceiptsStore } from './receipts.js';
import { createSqliteToDeviceStore } from './to-device.js';
import { createSqlitePushActions } from './push-actions.js';
import { createSqlitePushersStore } from './pushers.js';
import { createSqlitePushRulesStore } from './push-rules.js';
import { createSqliteRegistrationTokensStore } from './registration-tokens.js';
import { createSqliteRelations } from './relations.js';
import { createSqliteRoomsStore, type EventIndexer } from './rooms.js';
import { createSearchIndexer, createSqliteSearchStore } from './search.js';
import { createSqliteReportsStore } from './reports.js';
import { createSqliteOpenIdTokensStore } from './openid.js';
import { createSqliteUserDirectoryStore } from './user-directory.js';
import { createSqliteSessionsStore } from './sessions.js';
import { createSqliteUiaStore } from './uia.js';
import { createSqliteUsersStore } from './users.js';
import { createWriteQueue } from './write-queue.js';

export interface SqliteStorage extends Storage {
  readonly db: SqliteDatabase;
}

export function openSqliteStorage(file: string, options: OpenOptions): SqliteStorage {
  const db = openDatabase(file, options);
  migrate(db);
  const writes = createWriteQueue(db);
  const ops = createDeviceOps(db);
  // Derived tables written in the same transaction as each new event (see EventIndexer).
  const indexers: EventIndexer[] = [];
  const relations = createSqliteRelations(db);
  indexers.push(relations.indexer);
  const pushActions = createSqlitePushActions(db);
  indexers.push(pushActions.indexer);
  indexers.push(createSearchIndexer(db));
  return {
    db,
    rooms: createSqliteRoomsStore(db, writes, indexers),
    filters: createSqliteFiltersStore(db, writes),
    users: createSqliteUsersStore(db, writes, ops),
    profiles: createSqliteProfilesStore(db, writes),
    devices: createSqliteDevicesStore(db, writes, ops),
    sessions: createSqliteSessionsStore(db, writes, ops),
    registrationTokens: createSqliteRegistrationTokensStore(db, writes),
    uia: createSqliteUiaStore(db, writes),
    receipts: createSqliteReceiptsStore(db, writes),
    presence: createSqlitePresenceStore(db, writes),
    toDevice: createSqliteToDeviceStore(db, writes),
    relations: relations.store,
    accountData: createSqliteAccountDataStore(db, writes),
    pushActions: pushActions.store,
    pushers: createSqlitePushersStore(db, writes),
    pushRules: createSqlitePushRulesStore(db, writes),
    search: createSqliteSearchStore(db),
    userDirectory: createSqliteUserDirectoryStore(db),
    reports: createSqliteReportsStore(db, writes),
    openIdTokens: createSqliteOpenIdTokensStore(db, writes),
    close: async () => {
      await writes.drain();
      db.close();
    },
  };
}
