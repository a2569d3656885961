/**
 * Typing notifications: who is typing in each room, in memory with an expiry timer per typist, and the
 * 'typing' stream /sync reads them from (a serial per change, restarting at 0 with the server; sync
 * clamps older tokens to now). Spec: client-server-api "Typing Notifications" (typing.yaml, m.typing), v1.19.
 * Like Synapse: a timeout is capped at 120 s (default 30 s), only the user themself may set it, they must
 * be joined, and a repeated "typing" only extends the timer (no new notification).
 */
import { forbidden, MatrixError } from '../core/errors.js';
import type { RoomId, UserId } from '../core/ids.js';
import type { Notifier } from './notifier.js';
import type { Requester } from './requester.js';
import type { RoomEventsService } from './room-events.js';
import type { RoomSections, SyncContext, SyncSource } from './sync-sources.js';

export const DEFAULT_TYPING_TIMEOUT_MS = 30_000;
export const MAX_TYPING_TIMEOUT_MS = 120_000;

export interface TypingDeps {
  readonly events: Pick<RoomEventsService, 'loadRoom' | 'membershipIn'>;
  readonly notifier: Pick<Notifier, 'rooms'>;
  /** Typing counts as activity for presence (Synapse bumps last_active on it). */
  readonly onActive?: ((userId: UserId) => void) | undefined;
}

interface RoomTyping {
  /** Typist → their expiry timer. */
  readonly typists: Map<UserId, NodeJS.Timeout>;
  /** The stream position of the room's last change. */
  serial: number;
}

export function createTypingService(deps: TypingDeps) {
  const rooms = new Map<RoomId, RoomTyping>();
  let position = 0;

  function changed(roomId: RoomId, room: RoomTyping): void {
    room.serial = ++position;
    deps.notifier.rooms([roomId]);
  }

  function stop(roomId: RoomId, userId: UserId): void {
    const room = rooms.get(roomId);
    const timer = room?.typists.get(userId);
    if (!room || timer === undefined) return;
    clearTimeout(timer);
    room.typists.delete(userId);
    changed(roomId, room);
  }

  function start(roomId: RoomId, userId: UserId, timeoutMs: number): void {
    let room = rooms.get(roomId);
    if (!room) rooms.set(roomId, (room = { typists: new Map(), serial: 0 }));
    const previous = room.typists.get(userId);
    if (previous !== undefined) clearTimeout(previous);
    const timer = setTimeout(() => stop(roomId, userId), timeoutMs);
    timer.unref();
    room.typists.set(userId, timer);
    if (previous === undefined) changed(roomId, room);
  }

  const content = (room: RoomTyping, ignored: ReadonlySet<UserId>) => ({
    type: 'm.typing',
    content: { user_ids: [...room.typists.keys()].filter((userId) => !ignored.has(userId)) },
  });

  const source: SyncSource = {
    stream: 'typing',
    current: () => position,
    async rooms(ctx: SyncContext, roomIds: readonly RoomId[]): Promise<ReadonlyMap<RoomId, RoomSections>> {
      const result = new Map<RoomId, RoomSections>();
      const since = ctx.since?.typing ?? null;
      // Nothing moved since the token: no work at all.
      if (since !== null && since >= position) return result;
      for (const roomId of roomIds) {
        const room = rooms.get(roomId);
        if (!room) continue;
        // For a room new to the client only someone typing is news; otherwise any change since the token is.
        if (since === null ? room.typists.size === 0 : room.serial <= since) continue;
        result.set(roomId, { ephemeral: [content(room, ctx.ignored)] });
      }
      return result;
    },
  };

  return {
    /**
     * PUT /rooms/{roomId}/typing/{userId}
     * @throws MatrixError 403 for another user or a room the user isn't joined to
     */
    async setTyping(requester: Requester, roomId: RoomId, userId: string, typing: boolean, timeoutMs: number | undefined): Promise<void> {
      // Synapse: AuthError(400, "Cannot set another user's typing state").
      if (userId !== requester.userId) throw new MatrixError('M_FORBIDDEN', "Cannot set another user's typing state", { status: 400 });
      const room = await deps.events.loadRoom(roomId);
      if (!room || (await deps.events.membershipIn(room, requester.userId)) !== 'join') {
        throw forbidden(`User ${requester.userId} not in room ${roomId}`);
      }
      deps.onActive?.(requester.userId);
      if (typing) start(roomId, requester.userId, Math.min(Math.max(0, timeoutMs ?? DEFAULT_TYPING_TIMEOUT_MS), MAX_TYPING_TIMEOUT_MS));
      else stop(roomId, requester.userId);
    },

    /**
     * A member left, was kicked or banned: they stop typing there (as Synapse), and the room's syncs wake
     * when they were typing. Called for every membership that isn't a join.
     */
    userLeft(roomId: RoomId, userId: UserId): void {
      stop(roomId, userId);
    },

    /** Users typing in a room now. */
    typingIn(roomId: RoomId): UserId[] {
      return [...(rooms.get(roomId)?.typists.keys() ?? [])];
    },

    source,

    /** Clears every timer (server shutdown). */
    close(): void {
      for (const room of rooms.values()) for (const timer of room.typists.values()) clearTimeout(timer);
      rooms.clear();
    },
  };
}

export type TypingService = ReturnType<typeof createTypingService>;
