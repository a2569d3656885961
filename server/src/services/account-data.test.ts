import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { MatrixError } from '../core/errors.js';
import type { DeviceId, RoomId, UserId } from '../core/ids.js';
import { openSqliteStorage, type SqliteStorage } from '../storage/sqlite/index.js';
import type { AccountDataStore } from '../storage/types.js';
import { createAccountDataService, type AccountDataService } from './account-data.js';
import type { Requester } from './requester.js';
import { STREAMS, type StreamName, type SyncContext, type SyncPosition } from './sync-sources.js';

const ALICE = '@alice:hs' as UserId;
const BOB = '@bob:hs' as UserId;
const ROOM = '!room:hs' as RoomId;
const OTHER_ROOM = '!other:hs' as RoomId;
const requester = (userId: UserId): Requester => ({ userId, deviceId: 'DEV' as DeviceId, isGuest: false, isAdmin: false, accessTokenId: 1 });

let storage: SqliteStorage;
let calls: string[];
let woken: UserId[];
let service: AccountDataService;

/** The store with every call recorded, to check what /sync costs. */
function counting(store: AccountDataStore): AccountDataStore {
  return new Proxy(store, {
    get(target, key: keyof AccountDataStore) {
      const value = target[key];
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(key);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

function build(computedDefaults?: Record<string, (userId: UserId) => Promise<Record<string, unknown>>>): AccountDataService {
  return createAccountDataService({
    store: counting(storage.accountData),
    notifier: { users: (ids) => woken.push(...ids) },
    position: 0,
    computedDefaults,
  });
}

const position = (accountData: number): SyncPosition =>
  Object.fromEntries(STREAMS.map((name: StreamName) => [name, name === 'accountData' ? accountData : 0])) as SyncPosition;

function ctx(userId: UserId, since: number | null, upTo = service.syncSource.current()): SyncContext {
  return { userId, deviceId: 'DEV' as DeviceId, since: since === null ? null : position(since), upTo: position(upTo), filter: {}, fullState: false, ignored: new Set() };
}

beforeEach(() => {
  storage = openSqliteStorage(':memory:', { synchronous: 'NORMAL' });
  calls = [];
  woken = [];
  service = build();
});

afterEach(() => storage.close());

test('writes move the stream, wake the user and are readable back', async () => {
  assert.equal(service.syncSource.current(), 0);
  await service.setGlobal(requester(ALICE), ALICE, 'org.example.a', { a: 1 });
  await service.setRoom(requester(ALICE), ALICE, ROOM, 'org.example.r', { r: 1 });
  assert.equal(service.syncSource.current(), 2);
  assert.deepEqual(woken, [ALICE, ALICE]);
  assert.deepEqual(await service.getGlobal(requester(ALICE), ALICE, 'org.example.a'), { a: 1 });
  assert.deepEqual(await service.getRoom(requester(ALICE), ALICE, ROOM, 'org.example.r'), { r: 1 });
  await assert.rejects(service.getRoom(requester(ALICE), ALICE, OTHER_ROOM, 'org.example.r'), { errcode: 'M_NOT_FOUND' });
});

test('refusals: other users, server-managed types (405), non-objects, invalid room IDs', async () => {
  await assert.rejects(service.setGlobal(requester(BOB), ALICE, 'x', {}), { errcode: 'M_FORBIDDEN' });
  await assert.rejects(service.getGlobal(requester(BOB), ALICE, 'x'), { errcode: 'M_FORBIDDEN' });
  for (const type of ['m.fully_read', 'm.push_rules']) {
    await assert.rejects(service.setGlobal(requester(ALICE), ALICE, type, {}), (error: MatrixError) => error.status === 405 && error.errcode === 'M_BAD_JSON');
    await assert.rejects(service.setRoom(requester(ALICE), ALICE, ROOM, type, {}), (error: MatrixError) => error.status === 405);
  }
  await assert.rejects(service.setGlobal(requester(ALICE), ALICE, 'x', [1]), { errcode: 'M_BAD_JSON' });
  await assert.rejects(service.setRoom(requester(ALICE), ALICE, '#alias:hs', 'x', {}), { errcode: 'M_INVALID_PARAM' });
  assert.equal(service.syncSource.current(), 0, 'nothing written');
  assert.deepEqual(woken, []);
});

test('an initial sync gets all current data, with computed defaults for global types not stored', async () => {
  service = build({ 'm.push_rules': async (userId) => ({ global: { owner: userId } }), 'org.example.default': async () => ({ d: true }) });
  assert.deepEqual(await service.syncSource.global?.(ctx(ALICE, null)), {
    sections: { account_data: [{ type: 'm.push_rules', content: { global: { owner: ALICE } } }, { type: 'org.example.default', content: { d: true } }] },
  });
  assert.deepEqual(calls, ['lastStreamIdOf'], 'a user without data costs one lookup');
  await service.putInternal(ALICE, 'm.push_rules', { global: { stored: true } });
  await service.setGlobal(requester(ALICE), ALICE, 'org.example.g', { g: 1 });
  const initial = await service.syncSource.global?.(ctx(ALICE, null));
  assert.deepEqual(
    initial?.sections.account_data?.map((event) => event.type).sort(),
    ['m.push_rules', 'org.example.default', 'org.example.g'],
  );
  assert.deepEqual(initial?.sections.account_data?.find((event) => event.type === 'm.push_rules')?.content, { global: { stored: true } });
  // GET falls back to the default too.
  assert.deepEqual(await service.getGlobal(requester(BOB), BOB, 'm.push_rules'), { global: { owner: BOB } });
});

test('incremental syncs get each change once and cost no query when the user has nothing new', async () => {
  await service.setGlobal(requester(ALICE), ALICE, 'org.example.g', { v: 1 });
  await service.setRoom(requester(ALICE), ALICE, ROOM, 'org.example.r', { v: 1 });
  await service.setRoom(requester(ALICE), ALICE, OTHER_ROOM, 'org.example.r', { v: 1 });
  const since = service.syncSource.current();
  await service.setGlobal(requester(BOB), BOB, 'org.example.bob', { v: 1 });
  calls = [];
  assert.equal(await service.syncSource.global?.(ctx(ALICE, since)), null);
  assert.deepEqual((await service.syncSource.rooms?.(ctx(ALICE, since), [ROOM, OTHER_ROOM]))?.size, 0);
  assert.deepEqual(calls, [], "Bob's write moved the stream but Alice's syncs read nothing");

  await service.setRoom(requester(ALICE), ALICE, ROOM, 'org.example.r', { v: 2 });
  const rooms = await service.syncSource.rooms?.(ctx(ALICE, since), [ROOM, OTHER_ROOM]);
  assert.deepEqual([...(rooms ?? new Map())], [[ROOM, { account_data: [{ type: 'org.example.r', content: { v: 2 } }] }]]);
  assert.equal(await service.syncSource.global?.(ctx(ALICE, since)), null, 'only room data changed');
  const later = service.syncSource.current();
  assert.equal((await service.syncSource.rooms?.(ctx(ALICE, later), [ROOM]))?.size, 0);
  // Only the rooms asked about.
  assert.equal((await service.syncSource.rooms?.(ctx(ALICE, since), [OTHER_ROOM]))?.size, 0);
  // A room new to the client (since null) gets its current data.
  assert.deepEqual([...((await service.syncSource.rooms?.(ctx(ALICE, null), [OTHER_ROOM])) ?? new Map())], [
    [OTHER_ROOM, { account_data: [{ type: 'org.example.r', content: { v: 1 } }] }],
  ]);
});

test('data written after the sync position is left for the next sync', async () => {
  await service.setGlobal(requester(ALICE), ALICE, 'org.example.early', {});
  const upTo = service.syncSource.current();
  await service.setGlobal(requester(ALICE), ALICE, 'org.example.late', {});
  const initial = await service.syncSource.global?.(ctx(ALICE, null, upTo));
  assert.deepEqual(initial?.sections.account_data?.map((event) => event.type), ['org.example.early']);
  const next = await service.syncSource.global?.(ctx(ALICE, upTo));
  assert.deepEqual(next?.sections.account_data?.map((event) => event.type), ['org.example.late']);
});

test('ignored users: validated on PUT, read once, then served from memory and refreshed by writes', async () => {
  await assert.rejects(service.setGlobal(requester(ALICE), ALICE, 'm.ignored_user_list', { ignored_users: [BOB] }), { errcode: 'M_BAD_JSON' });
  await assert.rejects(service.setGlobal(requester(ALICE), ALICE, 'm.ignored_user_list', { ignored_users: { [ALICE]: {} } }), {
    errcode: 'M_INVALID_PARAM',
  });
  assert.deepEqual([...(await service.ignoredUsers(ALICE))], []);
  calls = [];
  assert.deepEqual([...(await service.ignoredUsers(ALICE))], []);
  assert.deepEqual(calls, [], 'cached');
  await service.setGlobal(requester(ALICE), ALICE, 'm.ignored_user_list', { ignored_users: { [BOB]: {} } });
  calls = [];
  assert.deepEqual([...(await service.ignoredUsers(ALICE))], [BOB]);
  assert.deepEqual(calls, [], 'the write refreshed the cache');
  // A new service (a restart) reads it back from storage.
  service = build();
  assert.deepEqual([...(await service.ignoredUsers(ALICE))], [BOB]);
  // Content without ignored_users ignores no one.
  await service.setGlobal(requester(ALICE), ALICE, 'm.ignored_user_list', {});
  assert.equal((await service.ignoredUsers(ALICE)).size, 0);
});

test('copyToUpgradedRoom merges tags into the new room and adds it to each m.direct entry holding the old one', async () => {
  const NEW = '!new:hs' as RoomId;
  await service.setGlobal(requester(ALICE), ALICE, 'm.direct', { [BOB]: [ROOM], '@carol:hs': [OTHER_ROOM], '@dave:hs': [ROOM, NEW] });
  await service.setRoomAccountDataInternal(ALICE, ROOM, 'm.tag', { tags: { 'm.favourite': { order: 0.2 } } });
  await service.setRoomAccountDataInternal(ALICE, NEW, 'm.tag', { tags: { 'u.new': {} } });
  await service.copyToUpgradedRoom(ALICE, ROOM, NEW);
  assert.deepEqual(await service.getGlobal(requester(ALICE), ALICE, 'm.direct'), { [BOB]: [ROOM, NEW], '@carol:hs': [OTHER_ROOM], '@dave:hs': [ROOM, NEW] });
  assert.deepEqual(await service.getRoom(requester(ALICE), ALICE, NEW, 'm.tag'), { tags: { 'u.new': {}, 'm.favourite': { order: 0.2 } } });
  // Nothing to copy: nothing written.
  const before = service.syncSource.current();
  await service.copyToUpgradedRoom(BOB, ROOM, NEW);
  assert.equal(service.syncSource.current(), before);
});
