/**
 * Presence: each user's online/unavailable/offline state, status message and last activity, and the
 * 'presence' stream /sync reads. Spec: client-server-api "Presence" (presence.yaml, m.presence), v1.19.
 *
 * Like Synapse (handlers/presence.py, for one device per user): a /sync marks its user online (or as
 * its set_presence says; "offline" leaves presence alone), and counts as activity when online; PUT
 * sets the state and status message; typing and receipts bump the last activity (unavailable → online).
 * A sweep makes users unavailable 5 min after their last activity and offline 30 s after their last sync
 * ended; a user with a sync in flight (/sync says when each starts and ends; counted per user, as Synapse's
 * user_syncing) never goes offline, however long it long-polls. currently_active holds for 60 s after activity. A change is announced (stream position,
 * row written, sharers woken) only when a client would see it (Synapse's should_notify); other bumps
 * stay in memory, so a /sync costs no write. Visible to users who share a joined room with the user.
 */
import type { Logger } from 'pino';
import { forbidden, notFound, MatrixError } from '../core/errors.js';
import { parseUserId, type RoomId, type UserId } from '../core/ids.js';
import type { Clock } from '../core/clock.js';
import type { PresenceRecord, PresenceStateName, PresenceStore, RoomsStore, UsersStore } from '../storage/types.js';
import type { ClientEvent } from './client-events.js';
import type { Notifier } from './notifier.js';
import type { Requester } from './requester.js';
import type { SyncContext, SyncSource } from './sync-sources.js';

export const PRESENCE_STATES: readonly PresenceStateName[] = ['online', 'unavailable', 'offline'];

export interface PresenceTimings {
  /** Online → unavailable after this long without activity (Synapse IDLE_TIMER). */
  readonly idleMs: number;
  /** Offline this long after the last sync ended (Synapse SYNC_ONLINE_TIMEOUT). */
  readonly syncOnlineMs: number;
  /** currently_active lasts this long after activity (Synapse LAST_ACTIVE_GRANULARITY). */
  readonly activeMs: number;
  /** How often the idle/offline sweep runs. */
  readonly sweepMs: number;
}

export const DEFAULT_PRESENCE_TIMINGS: PresenceTimings = {
  idleMs: 5 * 60_000,
  syncOnlineMs: 30_000,
  activeMs: 60_000,
  sweepMs: 5_000,
};

export interface PresenceDeps {
  readonly presence: PresenceStore;
  readonly rooms: Pick<RoomsStore, 'membershipsOf' | 'usersInRoom'>;
  readonly users: Pick<UsersStore, 'getUser'>;
  /** `latestFor([], userId)`: the newest membership event of a user, in memory (who joined what since a token). */
  readonly notifier: Pick<Notifier, 'rooms' | 'users' | 'latestFor'>;
  readonly clock: Clock;
  readonly serverName: string;
  readonly log: Logger;
  /** Rows loaded at startup (PresenceStore.allPresence). */
  readonly initial: readonly PresenceRecord[];
  readonly timings?: Partial<PresenceTimings> | undefined;
}

type Fields = { -readonly [K in keyof Omit<PresenceRecord, 'userId' | 'streamId' | 'currentlyActive'>]?: PresenceRecord[K] };

/** Synapse's should_notify: would a client see a difference? */
function shouldNotify(old: PresenceRecord, next: PresenceRecord, activeMs: number): boolean {
  if (old.statusMsg !== next.statusMsg || old.state !== next.state) return true;
  if (old.state === 'online') {
    if (old.currentlyActive !== next.currentlyActive) return true;
    return next.lastActiveTs - old.lastActiveTs > activeMs && !next.currentlyActive;
  }
  return next.lastActiveTs - old.lastActiveTs > activeMs;
}

export function createPresenceService(deps: PresenceDeps) {
  const timings: PresenceTimings = { ...DEFAULT_PRESENCE_TIMINGS, ...deps.timings };
  const states = new Map<UserId, PresenceRecord>();
  let position = 0;
  for (const record of deps.initial) {
    states.set(record.userId, record);
    position = Math.max(position, record.streamId);
  }
  // Syncs in progress per user (set_presence offline ones don't count): such a user never times out.
  const syncsInFlight = new Map<UserId, number>();
  // Writes in order, one at a time; a failed write is logged (memory stays authoritative).
  let writing: Promise<void> = Promise.resolve();

  const offlineRecord = (userId: UserId): PresenceRecord => ({
    userId,
    state: 'offline',
    statusMsg: null,
    lastActiveTs: 0,
    lastUserSyncTs: 0,
    currentlyActive: false,
    streamId: 0,
  });

  async function joinedRooms(userId: UserId): Promise<RoomId[]> {
    return (await deps.rooms.membershipsOf(userId)).filter((m) => m.membership === 'join').map((m) => m.roomId);
  }

  /** Applies a change in memory; announces it when a client would see it. */
  function update(userId: UserId, fields: Fields): PresenceRecord {
    const now = deps.clock.now();
    const old = states.get(userId) ?? offlineRecord(userId);
    const merged = { ...old, ...fields };
    const currentlyActive = merged.state === 'online' && now - merged.lastActiveTs < timings.activeMs;
    let next: PresenceRecord = { ...merged, currentlyActive };
    const announce = shouldNotify(old, next, timings.activeMs);
    if (announce) next = { ...next, streamId: ++position };
    states.set(userId, next);
    if (announce) {
      const record = next;
      writing = writing
        .then(() => deps.presence.setPresence(record))
        .catch((error: unknown) => deps.log.warn({ err: error, userId }, 'writing presence failed'));
      // Wake the user and everyone sharing a room with them.
      deps.notifier.users([userId]);
      joinedRooms(userId)
        .then((roomIds) => deps.notifier.rooms(roomIds))
        .catch((error: unknown) => deps.log.warn({ err: error, userId }, 'waking presence watchers failed'));
    }
    return next;
  }

  /** The m.presence content (Synapse's format_user_presence_state). */
  function contentOf(record: PresenceRecord, now: number): Record<string, unknown> {
    const content: Record<string, unknown> = { presence: record.state };
    if (record.lastActiveTs > 0) content.last_active_ago = Math.max(0, now - record.lastActiveTs);
    if (record.statusMsg !== null && record.statusMsg !== '') content.status_msg = record.statusMsg;
    if (record.state === 'online') content.currently_active = record.currentlyActive;
    return content;
  }

  /** Users sharing a joined room with `viewer`, among `candidates` (the viewer themself always). */
  async function visibleTo(viewer: UserId, candidates: readonly UserId[]): Promise<Set<UserId>> {
    const visible = new Set<UserId>();
    const others = candidates.filter((userId) => userId !== viewer);
    if (candidates.length > others.length) visible.add(viewer);
    if (others.length === 0) return visible;
    const viewerRooms = await joinedRooms(viewer);
    if (others.length <= 16) {
      // A few changes (the usual incremental sync): look at the changed users' rooms.
      const mine = new Set(viewerRooms);
      for (const userId of others) if ((await joinedRooms(userId)).some((roomId) => mine.has(roomId))) visible.add(userId);
      return visible;
    }
    const wanted = new Set(others);
    for (const roomId of viewerRooms) {
      for (const userId of await deps.rooms.usersInRoom(roomId, 'join')) if (wanted.has(userId)) visible.add(userId);
    }
    return visible;
  }

  async function sharesRoom(a: UserId, b: UserId): Promise<boolean> {
    return (await visibleTo(a, [b])).has(b);
  }

  /** The idle and offline timers, for every user not offline. */
  function sweep(): void {
    const now = deps.clock.now();
    for (const record of [...states.values()]) {
      if (record.state === 'offline') continue;
      const fields: Fields = {};
      if (record.state === 'online' && now - record.lastActiveTs > timings.idleMs) fields.state = 'unavailable';
      const syncing = syncsInFlight.has(record.userId);
      if (!syncing && now - Math.max(record.lastUserSyncTs, record.lastActiveTs) > timings.syncOnlineMs) fields.state = 'offline';
      // update() recomputes currently_active, which lapses with time.
      if (fields.state !== undefined || record.currentlyActive) update(record.userId, fields);
    }
  }

  const sweeper = setInterval(sweep, timings.sweepMs);
  sweeper.unref();

  const source: SyncSource = {
    stream: 'presence',
    current: () => position,
    async global(ctx: SyncContext) {
      const since = ctx.since?.presence ?? null;
      const sinceRoom = ctx.since?.room ?? 0;
      // Membership changed since the token (a join: new people to share rooms with): current presence is
      // news even when unchanged, as Synapse sends newly joined rooms' members and newly joined users. The
      // viewer's own change makes everyone news; another user's makes them news. In memory (the notifier
      // knows each user's last member event), so no query unless someone qualifies.
      const viewerMoved = ctx.since !== null && deps.notifier.latestFor([], ctx.userId) > sinceRoom;
      const changed: PresenceRecord[] = [];
      for (const record of states.values()) {
        // An initial sync lists who is around (Synapse leaves offline users out of it).
        const current = record.state !== 'offline';
        if (since === null) {
          if (current) changed.push(record);
        } else if (record.streamId > since) {
          changed.push(record);
        } else if (current && (viewerMoved || deps.notifier.latestFor([], record.userId) > sinceRoom)) {
          changed.push(record);
        }
      }
      if (changed.length === 0) return null;
      const visible = await visibleTo(ctx.userId, changed.map((record) => record.userId));
      const now = deps.clock.now();
      const events: ClientEvent[] = changed
        .filter((record) => visible.has(record.userId))
        .map((record) => ({ type: 'm.presence', sender: record.userId, content: contentOf(record, now) }));
      return events.length === 0 ? null : { sections: { presence: events } };
    },
  };

  function checkUserId(userId: string): UserId {
    if (parseUserId(userId) === null) throw new MatrixError('M_INVALID_PARAM', 'Invalid user ID');
    return userId as UserId;
  }

  return {
    /** PUT /presence/{userId}/status */
    async setPresence(requester: Requester, userId: string, presence: PresenceStateName, statusMsg: string | null | undefined): Promise<void> {
      if (userId !== requester.userId) throw forbidden('Can only set your own presence state');
      if (!PRESENCE_STATES.includes(presence)) throw new MatrixError('M_INVALID_PARAM', 'Invalid presence state');
      const fields: Fields = { state: presence, statusMsg: statusMsg ?? null };
      if (presence === 'online') fields.lastActiveTs = deps.clock.now();
      update(requester.userId, fields);
    },

    /**
     * GET /presence/{userId}/status
     * @throws MatrixError 404 unknown user, 403 when no room is shared
     */
    async getPresence(requester: Requester, userId: string): Promise<Record<string, unknown>> {
      const target = checkUserId(userId);
      if (parseUserId(target)?.serverName !== deps.serverName) throw notFound('No presence for this user (no federation)');
      if (!(await deps.users.getUser(target))) throw notFound('Unknown user');
      if (target !== requester.userId && !(await sharesRoom(requester.userId, target))) {
        throw forbidden('You are not allowed to see their presence.');
      }
      return contentOf(states.get(target) ?? offlineRecord(target), deps.clock.now());
    },

    /** Called at the start of each /sync (SyncDeps.syncPresence); each call is paired with a syncEnded. */
    async syncing(userId: UserId, state: PresenceStateName): Promise<void> {
      if (state === 'offline') return;
      const now = deps.clock.now();
      update(userId, state === 'online' ? { state, lastActiveTs: now, lastUserSyncTs: now } : { state, lastUserSyncTs: now });
      syncsInFlight.set(userId, (syncsInFlight.get(userId) ?? 0) + 1);
    },

    /** Called when a /sync that began with syncing(userId, state) has its response (SyncDeps.syncEnded). */
    syncEnded(userId: UserId, state: PresenceStateName): void {
      if (state === 'offline') return;
      const left = (syncsInFlight.get(userId) ?? 0) - 1;
      if (left > 0) syncsInFlight.set(userId, left);
      else syncsInFlight.delete(userId);
      // The offline timer runs from the end of the last sync (Synapse sets last_user_sync_ts as a sync ends).
      if (states.has(userId)) update(userId, { lastUserSyncTs: deps.clock.now() });
    },

    /** Activity other than a sync (typing, receipts): last active now; unavailable becomes online. */
    bumpActive(userId: UserId): void {
      const state = states.get(userId)?.state ?? 'offline';
      update(userId, { lastActiveTs: deps.clock.now(), state: state === 'unavailable' ? 'online' : state });
    },

    /** The user's current presence record (null: never seen). */
    stateOf(userId: UserId): PresenceRecord | null {
      return states.get(userId) ?? null;
    },

    sweep,
    source,

    /** Stops the sweep and waits for pending writes (server shutdown). */
    async close(): Promise<void> {
      clearInterval(sweeper);
      await writing;
    },
  };
}

export type PresenceService = ReturnType<typeof createPresenceService>;
