/**
 * Wakes long-polling /sync requests the moment something they care about is persisted, instead of
 * polling the database. A listener names the rooms it watches and its user (invites and other
 * membership changes for the user arrive from rooms it doesn't watch yet).
 */
import type { RoomId, UserId } from '../core/ids.js';

export interface RoomStreamEvent {
  readonly roomId: RoomId;
  readonly streamOrdering: number;
  /** For m.room.member events: the user whose membership changed. */
  readonly memberStateKey?: string | undefined;
}

export interface Listener {
  readonly userId: UserId;
  readonly rooms: ReadonlySet<RoomId>;
  wake(): void;
}

export interface Notifier {
  /** Registers a listener until the returned function is called. */
  listen(listener: Listener): () => void;
  /** Called after an event is durably persisted. */
  roomEvent(event: RoomStreamEvent): void;
  /** Wakes every listener of these users (e.g. their own profile or account changed). */
  users(userIds: Iterable<UserId>): void;
  /** Wakes every listener watching these rooms, without moving the room stream (typing, receipts). */
  rooms(roomIds: Iterable<RoomId>): void;
  /** The highest stream position announced. */
  readonly position: number;
  /** The newest position announced in any of these rooms or for this user's membership (0: none since start). */
  latestFor(rooms: Iterable<RoomId>, userId: UserId): number;
  /** False only when the room certainly has no event after `position` (lets /sync skip idle rooms). */
  roomChangedSince(roomId: RoomId, position: number): boolean;
}

export function createNotifier(initialPosition: number): Notifier {
  const byRoom = new Map<RoomId, Set<Listener>>();
  const byUser = new Map<UserId, Set<Listener>>();
  let position = initialPosition;
  const roomPositions = new Map<RoomId, number>();
  const userPositions = new Map<UserId, number>();

  const add = <K>(index: Map<K, Set<Listener>>, key: K, listener: Listener) => {
    let set = index.get(key);
    if (!set) index.set(key, (set = new Set()));
    set.add(listener);
  };
  const remove = <K>(index: Map<K, Set<Listener>>, key: K, listener: Listener) => {
    const set = index.get(key);
    if (set?.delete(listener) && set.size === 0) index.delete(key);
  };

  return {
    listen(listener) {
      for (const roomId of listener.rooms) add(byRoom, roomId, listener);
      add(byUser, listener.userId, listener);
      return () => {
        for (const roomId of listener.rooms) remove(byRoom, roomId, listener);
        remove(byUser, listener.userId, listener);
      };
    },
    roomEvent(event) {
      if (event.streamOrdering > position) position = event.streamOrdering;
      roomPositions.set(event.roomId, event.streamOrdering);
      if (event.memberStateKey !== undefined) userPositions.set(event.memberStateKey as UserId, event.streamOrdering);
      const woken = new Set<Listener>(byRoom.get(event.roomId));
      if (event.memberStateKey !== undefined) for (const listener of byUser.get(event.memberStateKey as UserId) ?? []) woken.add(listener);
      for (const listener of woken) listener.wake();
    },
    users(userIds) {
      for (const userId of userIds) for (const listener of byUser.get(userId) ?? []) listener.wake();
    },
    rooms(roomIds) {
      const woken = new Set<Listener>();
      for (const roomId of roomIds) for (const listener of byRoom.get(roomId) ?? []) woken.add(listener);
      for (const listener of woken) listener.wake();
    },
    get position() {
      return position;
    },
    roomChangedSince(roomId, since) {
      const last = roomPositions.get(roomId);
      // Rooms quiet since startup have nothing after the position the server started at.
      return last !== undefined ? last > since : since < initialPosition;
    },
    latestFor(rooms, userId) {
      let latest = userPositions.get(userId) ?? 0;
      for (const roomId of rooms) latest = Math.max(latest, roomPositions.get(roomId) ?? 0);
      return latest;
    },
  };
}
