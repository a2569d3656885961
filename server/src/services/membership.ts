/**
 * Room membership for local users: join, invite, leave, kick, ban, unban, knock and forget, and the
 * propagation of profile changes into member events. The auth rules decide; this adds the checks whose
 * errors clients expect (Synapse's messages) and fills member content from the profile.
 * Spec: client-server-api "Room membership" (joining.yaml, inviting.yaml, leaving.yaml, kicking.yaml,
 * banning.yaml, knocking.yaml), v1.19.
 */
import type { Logger } from 'pino';
import { forbidden, invalidParam, MatrixError, notFound } from '../core/errors.js';
import { parseUserId, type RoomId, type ServerName, type UserId } from '../core/ids.js';
import { EventType, stateKey, type Membership } from '../rooms/pdu.js';
import type { RoomsStore, UsersStore } from '../storage/types.js';
import type { Requester } from './requester.js';
import type { LiveRoom, RoomEventsService, SentEvent } from './room-events.js';

export interface MembershipDeps {
  readonly events: RoomEventsService;
  readonly rooms: Pick<RoomsStore, 'getAlias' | 'membershipsOf' | 'forgetRoom'>;
  readonly users: Pick<UsersStore, 'getUser'>;
  readonly serverName: ServerName;
  /** displayname/avatar_url of a local user, for their member events. */
  readonly memberProfile: (userId: UserId) => Promise<Record<string, unknown>>;
  readonly log: Logger;
}

export interface MembershipOptions {
  readonly reason?: string | undefined;
  readonly isDirect?: boolean | undefined;
}

export function createMembershipService(deps: MembershipDeps) {
  const { events } = deps;

  /** A room ID, or an alias of this server resolved to one. */
  async function resolveRoom(roomIdOrAlias: string): Promise<RoomId> {
    if (roomIdOrAlias.startsWith('!')) return roomIdOrAlias as RoomId;
    if (!roomIdOrAlias.startsWith('#')) throw invalidParam(`${roomIdOrAlias} is not a room ID or alias`);
    const found = await deps.rooms.getAlias(roomIdOrAlias);
    if (!found) throw notFound(`Room alias ${roomIdOrAlias} not found`);
    return found.roomId;
  }

  const content = (membership: Membership, options: MembershipOptions, profile: Record<string, unknown> = {}) => {
    const out: Record<string, unknown> = { ...profile, membership };
    if (options.reason !== undefined) out.reason = options.reason;
    if (options.isDirect) out.is_direct = true;
    return out;
  };

  const send = (roomId: RoomId, sender: UserId, target: UserId, body: Record<string, unknown>, check?: (room: LiveRoom) => Promise<void>) =>
    events.send(roomId, { type: 'm.room.member', sender, state_key: target, content: body }, { check });

  /** Rejects changes of another user's membership that make no sense from their current one. */
  const expectTarget = (allowed: ReadonlyArray<Membership | null>, message: string) => async (room: LiveRoom, target: UserId) => {
    const current = await events.membershipIn(room, target);
    if (!allowed.includes(current)) throw forbidden(message.replace('{m}', current ?? 'none'));
  };

  async function checkLocalUserExists(userId: UserId): Promise<void> {
    const parsed = parseUserId(userId);
    if (!parsed) throw invalidParam(`Invalid user ID ${userId}`);
    if (parsed.serverName !== deps.serverName) {
      throw new MatrixError('M_FORBIDDEN', 'Inviting users of other servers needs federation, which this server does not speak yet');
    }
    const user = await deps.users.getUser(userId);
    if (!user || user.deactivated) throw notFound(`User ${userId} does not exist`);
  }

  return {
    resolveRoom,
    checkInvitee: checkLocalUserExists,

    /** POST /join/{roomIdOrAlias}, POST /rooms/{roomId}/join */
    async join(requester: Requester, roomIdOrAlias: string, options: MembershipOptions = {}): Promise<RoomId> {
      const roomId = await resolveRoom(roomIdOrAlias);
      const room = await events.loadRoom(roomId);
      if (!room) throw notFound('No known servers to join this room through: federation is not available yet');
      const profile = await deps.memberProfile(requester.userId);
      await send(roomId, requester.userId, requester.userId, content('join', options, profile), async (live) => {
        // Spec: guests may only join rooms with guest_access can_join.
        if (requester.isGuest) {
          const key = stateKey(EventType.GuestAccess, '');
          const guest = (await events.stateEvents(live.state, [key])).get(key);
          if (guest?.pdu.content.guest_access !== 'can_join') throw new MatrixError('M_GUEST_ACCESS_FORBIDDEN', 'Guests may not join this room');
        }
      });
      return roomId;
    },

    /** POST /rooms/{roomId}/invite */
    async invite(requester: Requester, roomId: RoomId, target: UserId, options: MembershipOptions = {}): Promise<SentEvent> {
      await checkLocalUserExists(target);
      const profile = await deps.memberProfile(target);
      return send(roomId, requester.userId, target, content('invite', options, profile), async (room) => {
        const current = await events.membershipIn(room, target);
        if (current === 'join') throw forbidden(`${target} is already in the room.`);
        if (current === 'ban') throw forbidden(`${target} is banned from the room`);
      });
    },

    /** POST /rooms/{roomId}/leave (also rejects an invite or rescinds a knock) */
    async leave(requester: Requester, roomId: RoomId, options: MembershipOptions = {}): Promise<void> {
      const room = await events.loadRoom(roomId);
      if (!room) throw notFound('Unknown room');
      const current = await events.membershipIn(room, requester.userId);
      if (current === null || current === 'leave') throw forbidden('You are not in this room');
      if (current === 'ban') throw forbidden('You are banned from this room');
      await send(roomId, requester.userId, requester.userId, content('leave', options));
    },

    /** POST /rooms/{roomId}/kick */
    async kick(requester: Requester, roomId: RoomId, target: UserId, options: MembershipOptions = {}): Promise<void> {
      const check = expectTarget(['join', 'invite', 'knock'], `The target user is not in the room (membership: {m})`);
      await send(roomId, requester.userId, target, content('leave', options), (room) => check(room, target));
    },

    /** POST /rooms/{roomId}/ban */
    async ban(requester: Requester, roomId: RoomId, target: UserId, options: MembershipOptions = {}): Promise<void> {
      if (!parseUserId(target)) throw invalidParam(`Invalid user ID ${target}`);
      await send(roomId, requester.userId, target, content('ban', options));
    },

    /** POST /rooms/{roomId}/unban */
    async unban(requester: Requester, roomId: RoomId, target: UserId, options: MembershipOptions = {}): Promise<void> {
      const check = expectTarget(['ban'], 'The target user is not banned (membership: {m})');
      await send(roomId, requester.userId, target, content('leave', options), (room) => check(room, target));
    },

    /** POST /knock/{roomIdOrAlias} */
    async knock(requester: Requester, roomIdOrAlias: string, options: MembershipOptions = {}): Promise<RoomId> {
      const roomId = await resolveRoom(roomIdOrAlias);
      const room = await events.loadRoom(roomId);
      if (!room) throw notFound('No known servers to knock through: federation is not available yet');
      const profile = await deps.memberProfile(requester.userId);
      await send(roomId, requester.userId, requester.userId, content('knock', options, profile), async (live) => {
        const current = await events.membershipIn(live, requester.userId);
        if (current === 'join') throw forbidden('You are already in the room');
        if (current === 'invite') throw forbidden('You are already invited to the room');
      });
      return roomId;
    },

    /** POST /rooms/{roomId}/forget */
    async forget(requester: Requester, roomId: RoomId): Promise<void> {
      const mine = (await deps.rooms.membershipsOf(requester.userId)).find((m) => m.roomId === roomId);
      if (!mine) throw notFound('You have never been in this room');
      if (mine.membership === 'join' || mine.membership === 'invite' || mine.membership === 'knock') {
        throw new MatrixError('M_UNKNOWN', 'User must leave room before forgetting it', { status: 400 });
      }
      await deps.rooms.forgetRoom(requester.userId, roomId);
    },

    /** GET /joined_rooms */
    async joinedRooms(userId: UserId): Promise<RoomId[]> {
      return (await deps.rooms.membershipsOf(userId)).filter((m) => m.membership === 'join').map((m) => m.roomId);
    },

    /**
     * Sends a new member event into every room the user is joined to, carrying their current
     * displayname and avatar_url (Synapse does the same on a profile change). Failures are logged.
     */
    async propagateProfile(userId: UserId): Promise<void> {
      const profile = await deps.memberProfile(userId);
      for (const roomId of await this.joinedRooms(userId)) {
        try {
          await send(roomId, userId, userId, { ...profile, membership: 'join' });
        } catch (error) {
          deps.log.warn({ err: error, roomId }, 'updating the member event after a profile change failed');
        }
      }
    },
  };
}

export type MembershipService = ReturnType<typeof createMembershipService>;
