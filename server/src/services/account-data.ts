/**
 * Account data: per-user configuration, global or per room, delivered through /sync's account_data
 * sections on its own stream (the token's second part), and the ignored-users list read from it.
 * Spec: client-server-api "Client Config" (account_data.md, account-data.yaml), "Ignoring Users"
 * (ignore_users.md, m.ignored_user_list), "Direct Messaging" (dm.md, m.direct), v1.19. Server-managed
 * types follow Synapse's rest/client/account_data.py.
 */
import { forbidden, invalidParam, MatrixError, notFound } from '../core/errors.js';
import type { RoomId, UserId } from '../core/ids.js';
import { createLru } from '../core/lru.js';
import type { AccountDataEntry, AccountDataStore } from '../storage/types.js';
import type { ClientEvent } from './client-events.js';
import type { Notifier } from './notifier.js';
import type { Requester } from './requester.js';
import type { RoomSections, SyncContext, SyncSource } from './sync-sources.js';

export const IGNORED_USER_LIST = 'm.ignored_user_list';
export const DIRECT = 'm.direct';
export const TAG = 'm.tag';
export const FULLY_READ = 'm.fully_read';
export const PUSH_RULES = 'm.push_rules';

/** Computes the value of a global type for a user who has none stored (e.g. the default push rules). */
export type ComputedDefault = (userId: UserId) => Promise<Record<string, unknown>>;

export interface AccountDataDeps {
  readonly store: AccountDataStore;
  readonly notifier: Pick<Notifier, 'users'>;
  /** The stream's position at startup (store.maxStreamId()). */
  readonly position: number;
  /** Global types with a server-computed value: delivered on initial syncs and by GET while none is stored. */
  readonly computedDefaults?: Readonly<Record<string, ComputedDefault>> | undefined;
}

/** Users whose ignored-user lists are kept in memory. */
const IGNORED_CACHE_SIZE = 10_000;
const NONE: ReadonlySet<UserId> = new Set();

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Room IDs are `!opaque` (with `:server` before room version 12); anything else is refused (Synapse: 400 M_INVALID_PARAM). */
export function checkRoomId(roomId: string): RoomId {
  if (!roomId.startsWith('!') || roomId.length < 2 || Buffer.byteLength(roomId, 'utf8') > 255) {
    throw invalidParam(`${roomId} is not a valid room ID`);
  }
  return roomId as RoomId;
}

/** The users an `m.ignored_user_list` content ignores (unreadable content ignores no one, as Synapse). */
export function ignoredUsersOf(content: Record<string, unknown> | null): ReadonlySet<UserId> {
  const listed = content?.ignored_users;
  return isObject(listed) ? new Set(Object.keys(listed) as UserId[]) : NONE;
}

/** The spec's server-managed types can't be set through the account data API (405 M_BAD_JSON). */
function checkClientSettable(type: string): void {
  if (type === FULLY_READ) {
    throw new MatrixError('M_BAD_JSON', 'Cannot set m.fully_read through this API. Use /rooms/{roomId}/read_markers', { status: 405 });
  }
  if (type === PUSH_RULES) throw new MatrixError('M_BAD_JSON', 'Cannot set m.push_rules through this API. Use /pushrules', { status: 405 });
}

function checkOwnUser(requester: Requester, userId: string, verb: 'add' | 'get'): void {
  if (requester.userId !== userId) throw forbidden(`Cannot ${verb} account data for other users.`);
}

function checkContent(userId: UserId, type: string, content: unknown): asserts content is Record<string, unknown> {
  if (!isObject(content)) throw new MatrixError('M_BAD_JSON', 'Content must be a JSON object.');
  if (type === IGNORED_USER_LIST && content.ignored_users !== undefined) {
    if (!isObject(content.ignored_users)) throw new MatrixError('M_BAD_JSON', 'ignored_users must be an object of user IDs');
    if (Object.hasOwn(content.ignored_users, userId)) throw invalidParam('You cannot ignore yourself');
  }
}

const asEvent = (entry: AccountDataEntry): ClientEvent => ({ type: entry.type, content: entry.content });

export function createAccountDataService(deps: AccountDataDeps) {
  const { store } = deps;
  const defaults = deps.computedDefaults ?? {};
  let position = deps.position;
  /** Each user's last write position, once known (read from storage on first use). */
  const lastWrite = new Map<UserId, number>();
  const ignoredCache = createLru<UserId, ReadonlySet<UserId>>(IGNORED_CACHE_SIZE);
  /** Bumped on every write of an ignored-user list, so a read racing one is not cached. */
  let ignoredWrites = 0;

  /** Bookkeeping after a committed write, then wakes the user's /syncs. */
  function written(userId: UserId, roomId: RoomId | null, type: string, content: Record<string, unknown>, streamId: number): void {
    position = Math.max(position, streamId);
    lastWrite.set(userId, Math.max(lastWrite.get(userId) ?? 0, streamId));
    if (roomId === null && type === IGNORED_USER_LIST) {
      ignoredWrites++;
      ignoredCache.set(userId, ignoredUsersOf(content));
    }
    deps.notifier.users([userId]);
  }

  async function put(userId: UserId, roomId: RoomId | null, type: string, content: Record<string, unknown>): Promise<void> {
    const streamId = await store.put(userId, roomId, type, content);
    written(userId, roomId, type, content, streamId);
  }

  /** Read-modify-write of one entry (null from `change`: leave it). Returns the new content, or null if unchanged. */
  async function update(
    userId: UserId,
    roomId: RoomId | null,
    type: string,
    change: (current: Record<string, unknown> | null) => Record<string, unknown> | null,
  ): Promise<Record<string, unknown> | null> {
    const result = await store.update(userId, roomId, type, change);
    if (!result) return null;
    written(userId, roomId, type, result.content, result.streamId);
    return result.content;
  }

  async function lastWriteOf(userId: UserId): Promise<number> {
    const known = lastWrite.get(userId);
    if (known !== undefined) return known;
    const stored = await store.lastStreamIdOf(userId);
    const last = Math.max(stored, lastWrite.get(userId) ?? 0);
    lastWrite.set(userId, last);
    return last;
  }

  /** True when nothing of the user's changed in (since, upTo]: no query needed. */
  async function unchanged(userId: UserId, since: number, upTo: number): Promise<boolean> {
    return since >= upTo || (await lastWriteOf(userId)) <= since;
  }

  const syncSource: SyncSource = {
    stream: 'accountData',
    current: () => position,

    async global(ctx: SyncContext) {
      const upTo = ctx.upTo.accountData;
      if (ctx.since === null) {
        const entries = (await lastWriteOf(ctx.userId)) === 0 ? [] : await store.globalEntries(ctx.userId, upTo);
        const events = entries.map(asEvent);
        const stored = new Set(entries.map((entry) => entry.type));
        for (const [type, compute] of Object.entries(defaults)) {
          if (!stored.has(type)) events.push({ type, content: await compute(ctx.userId) });
        }
        return events.length > 0 ? { sections: { account_data: events } } : null;
      }
      const since = ctx.since.accountData;
      if (await unchanged(ctx.userId, since, upTo)) return null;
      const changed = (await store.changedSince(ctx.userId, since, upTo)).filter((entry) => entry.roomId === null);
      return changed.length > 0 ? { sections: { account_data: changed.map(asEvent) } } : null;
    },

    async rooms(ctx: SyncContext, roomIds: readonly RoomId[]) {
      const byRoom = new Map<RoomId, RoomSections>();
      if (roomIds.length === 0) return byRoom;
      const upTo = ctx.upTo.accountData;
      let entries: AccountDataEntry[];
      if (ctx.since === null) {
        if ((await lastWriteOf(ctx.userId)) === 0) return byRoom;
        entries = await store.roomEntries(ctx.userId, roomIds, upTo);
      } else {
        const since = ctx.since.accountData;
        if (await unchanged(ctx.userId, since, upTo)) return byRoom;
        const wanted = new Set(roomIds);
        entries = (await store.changedSince(ctx.userId, since, upTo)).filter((entry) => entry.roomId !== null && wanted.has(entry.roomId));
      }
      const grouped = new Map<RoomId, ClientEvent[]>();
      for (const entry of entries) {
        const roomId = entry.roomId as RoomId;
        let events = grouped.get(roomId);
        if (!events) grouped.set(roomId, (events = []));
        events.push(asEvent(entry));
      }
      for (const [roomId, events] of grouped) byRoom.set(roomId, { account_data: events });
      return byRoom;
    },
  };

  return {
    syncSource,

    /** GET /user/{userId}/account_data/{type} @throws 403 for another user, 404 when unset */
    async getGlobal(requester: Requester, userId: string, type: string): Promise<Record<string, unknown>> {
      checkOwnUser(requester, userId, 'get');
      const content = await store.get(requester.userId, null, type);
      if (content !== null) return content;
      const compute = defaults[type];
      if (compute) return compute(requester.userId);
      throw notFound('Account data not found');
    },

    /** PUT /user/{userId}/account_data/{type} @throws 403 another user, 405 server-managed type, 400 bad content */
    async setGlobal(requester: Requester, userId: string, type: string, content: unknown): Promise<void> {
      checkOwnUser(requester, userId, 'add');
      checkClientSettable(type);
      checkContent(requester.userId, type, content);
      await put(requester.userId, null, type, content);
    },

    /** GET /user/{userId}/rooms/{roomId}/account_data/{type} */
    async getRoom(requester: Requester, userId: string, roomId: string, type: string): Promise<Record<string, unknown>> {
      checkOwnUser(requester, userId, 'get');
      const content = await store.get(requester.userId, checkRoomId(roomId), type);
      if (content === null) throw notFound('Room account data not found');
      return content;
    },

    /** PUT /user/{userId}/rooms/{roomId}/account_data/{type} */
    async setRoom(requester: Requester, userId: string, roomId: string, type: string, content: unknown): Promise<void> {
      checkOwnUser(requester, userId, 'add');
      const room = checkRoomId(roomId);
      checkClientSettable(type);
      checkContent(requester.userId, type, content);
      await put(requester.userId, room, type, content);
    },

    /** Sets global account data of any type, for the server's own use (e.g. publishing m.push_rules). */
    putInternal: (userId: UserId, type: string, content: Record<string, unknown>): Promise<void> => put(userId, null, type, content),

    /** Sets room account data of any type, for the server's own use (e.g. m.fully_read from a receipt). */
    setRoomAccountDataInternal: (userId: UserId, roomId: RoomId, type: string, content: Record<string, unknown>): Promise<void> =>
      put(userId, roomId, type, content),

    /** Reads one entry (no checks). */
    getInternal: (userId: UserId, roomId: RoomId | null, type: string): Promise<Record<string, unknown> | null> => store.get(userId, roomId, type),

    /** Atomic read-modify-write of one entry (no checks); null from `change` leaves it unchanged. */
    updateInternal: update,

    /** The users `userId` ignores (`m.ignored_user_list`), from memory after the first read. */
    async ignoredUsers(userId: UserId): Promise<ReadonlySet<UserId>> {
      for (;;) {
        const cached = ignoredCache.get(userId);
        if (cached) return cached;
        const before = ignoredWrites;
        const ignored = ignoredUsersOf(await store.get(userId, null, IGNORED_USER_LIST));
        // A write landed while reading: read again rather than cache what may be the older list.
        if (before !== ignoredWrites) continue;
        ignoredCache.set(userId, ignored);
        return ignored;
      }
    },

    /**
     * After a room upgrade: the user's tags on the old room go to the new one, and the new room joins
     * every m.direct entry the old one is in (Synapse `copy_room_tags_and_direct_to_room`).
     */
    async copyToUpgradedRoom(userId: UserId, oldRoomId: RoomId, newRoomId: RoomId): Promise<void> {
      await update(userId, null, DIRECT, (current) => {
        if (!current) return null;
        let changed = false;
        const next: Record<string, unknown> = {};
        for (const [user, rooms] of Object.entries(current)) {
          if (Array.isArray(rooms) && rooms.includes(oldRoomId) && !rooms.includes(newRoomId)) {
            next[user] = [...(rooms as unknown[]), newRoomId];
            changed = true;
          } else {
            next[user] = rooms;
          }
        }
        return changed ? next : null;
      });
      const oldTags = (await store.get(userId, oldRoomId, TAG))?.tags;
      if (!isObject(oldTags) || Object.keys(oldTags).length === 0) return;
      await update(userId, newRoomId, TAG, (current) => {
        const tags = isObject(current?.tags) ? current.tags : {};
        return { ...current, tags: { ...tags, ...oldTags } };
      });
    },
  };
}

export type AccountDataService = ReturnType<typeof createAccountDataService>;
