/**
 * Shared helpers of the storage contract suites (CONVENTIONS §8): every backend runs the same suites,
 * given a factory that opens a fresh, empty, migrated Storage on each call.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import type { DeviceId, RoomId, UserId } from '../../core/ids.js';
import type { RoomEvent } from '../../rooms/pdu.js';
import { buildRoom, type RoomBuilder } from '../../rooms/testing/room-builder.js';
import type { EventToPersist, NewAccount, NewTokens, Storage } from '../types.js';

/**
 * Opens a fresh, empty storage (a new database) each time it is called. A backend that keeps its data
 * beyond one connection also gives `reopen`: another storage over the data of one it opened (as after a
 * restart: no cache of the first is shared); suites that need it skip without it.
 */
export interface StorageFactory {
  (): Promise<Storage>;
  readonly reopen?: ((storage: Storage) => Promise<Storage>) | undefined;
}

export const SERVER_NAME = 'contract.test';
export const T0 = 1_700_000_000_000;

export const userId = (localpart: string): UserId => `@${localpart}:${SERVER_NAME}` as UserId;
export const deviceId = (id: string): DeviceId => id as DeviceId;

/** A random token digest, as the services store them (SHA-256 size). */
export const tokenHash = (): Buffer => randomBytes(32);

export interface IssuedHashes {
  readonly access: Buffer;
  readonly refresh: Buffer | null;
  readonly tokens: NewTokens;
}

/** Token digests for a session; with `refresh`, a refreshable access token expiring at `accessExpiresTs`. */
export function issue(options: { refresh?: boolean; accessExpiresTs?: number | null; refreshExpiresTs?: number | null } = {}): IssuedHashes {
  const access = tokenHash();
  if (!options.refresh) {
    return { access, refresh: null, tokens: { accessTokenHash: access, accessExpiresTs: options.accessExpiresTs ?? null } };
  }
  const refresh = tokenHash();
  return {
    access,
    refresh,
    tokens: {
      accessTokenHash: access,
      accessExpiresTs: options.accessExpiresTs === undefined ? T0 + 300_000 : options.accessExpiresTs,
      refresh: { tokenHash: refresh, expiresTs: options.refreshExpiresTs ?? null },
    },
  };
}

/** A NewAccount with defaults: a password, not admin, not guest, logged in on `device` unless `session: null`. */
export function account(localpart: string | null, overrides: Partial<NewAccount> & { device?: string } = {}): NewAccount {
  const { device, ...rest } = overrides;
  return {
    localpart,
    serverName: SERVER_NAME,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$fake$hash',
    isAdmin: false,
    isGuest: false,
    displayName: localpart,
    registrationToken: null,
    uiaSessionId: null,
    session: { deviceId: deviceId(device ?? 'DEVICE'), deviceDisplayName: null, tokens: issue().tokens },
    now: T0,
    ...rest,
  };
}

/**
 * Opens storages for a suite: `shared()` is one storage for the whole suite (tests use distinct users),
 * `fresh()` an empty one for a test that needs it. All are closed after the suite.
 */
export function storages(factory: StorageFactory): {
  shared: () => Storage;
  fresh: () => Promise<Storage>;
  /** Another storage over `storage`'s data (factory.reopen); closed after the suite too. */
  reopen: (storage: Storage) => Promise<Storage>;
} {
  const opened: Storage[] = [];
  let sharedStorage: Storage | null = null;
  before(async () => {
    sharedStorage = await factory();
    opened.push(sharedStorage);
  });
  after(async () => {
    await Promise.all(opened.map((s) => s.close()));
  });
  return {
    shared: () => {
      if (!sharedStorage) throw new Error('storage used outside a test');
      return sharedStorage;
    },
    fresh: async () => {
      const storage = await factory();
      opened.push(storage);
      return storage;
    },
    reopen: async (storage) => {
      if (!factory.reopen) throw new Error('this backend cannot reopen a storage');
      const reopened = await factory.reopen(storage);
      opened.push(reopened);
      return reopened;
    },
  };
}

/** Registers an account and asserts it worked; returns its user ID. */
export async function registerOk(storage: Storage, newAccount: NewAccount): Promise<UserId> {
  const result = await storage.users.register(newAccount);
  if (!result.ok) throw new Error(`register ${String(newAccount.localpart)}: ${result.reason}`);
  return result.userId;
}

/** A version-`version` room created by `creator` with `member` joined, persisted as the send path does. */
export async function persistNewRoom(s: Storage, options: { name: string; version: string; creator: UserId; member: UserId }): Promise<RoomBuilder> {
  const room = buildRoom({ version: options.version, creator: options.creator, roomId: `!${options.name}:${SERVER_NAME}` as RoomId });
  room.join(options.member);
  await s.rooms.persistEvents({
    roomId: room.roomId,
    newRoom: { roomVersion: options.version, creator: options.creator, createdTs: T0 },
    events: room.events().map((event, i) => ({ event, stateBefore: i === 0 ? null : 'previous' })),
  });
  return room;
}

/** Persists one more event on the room's current state. */
export async function persistNext(s: Storage, room: RoomBuilder, event: RoomEvent, extra: Partial<EventToPersist> = {}): Promise<RoomEvent> {
  const record = await s.rooms.getRoom(room.roomId);
  assert.ok(record);
  await s.rooms.persistEvents({ roomId: room.roomId, events: [{ event, stateBefore: record.currentStateGroup, ...extra }] });
  return event;
}
