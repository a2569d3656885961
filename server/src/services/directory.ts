/**
 * Room aliases and the published room directory.
 * Spec: client-server-api "Room aliases" (directory.yaml), "Listing rooms" (list_public_rooms.yaml), v1.19.
 * Permissions as Synapse's handlers/directory.py: creating an alias needs membership (server admins
 * excepted, `require_membership_for_aliases`); deleting one needs to be its creator, a server admin, or
 * able to send m.room.canonical_alias (`check_can_change_room_list`), which also governs publishing.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { forbidden, invalidParam, MatrixError, notFound } from '../core/errors.js';
import { isValidServerName, parseUserId, type RoomId, type ServerName, type UserId } from '../core/ids.js';
import { EventType, stateKey } from '../rooms/pdu.js';
import { canSendEvent } from '../rooms/power-levels.js';
import type { RoomsStore } from '../storage/types.js';
import { pagePublicRooms, type PublicRoomEntry, type PublicRoomsFilter, type PublicRoomsPage } from './public-rooms.js';
import type { Requester } from './requester.js';
import type { LiveRoom, RoomEventsService } from './room-events.js';

export interface DirectoryDeps {
  readonly rooms: Pick<
    RoomsStore,
    'createAlias' | 'getAlias' | 'deleteAlias' | 'aliasesOfRoom' | 'getRoom' | 'setRoomPublic' | 'publicRoomIds' | 'usersInRoom'
  >;
  readonly events: Pick<RoomEventsService, 'loadRoom' | 'requireRoom' | 'stateEvents' | 'powerLevels' | 'membershipIn' | 'send'>;
  readonly serverName: ServerName;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface PublicRoomsQuery {
  readonly limit?: number | undefined;
  readonly since?: string | undefined;
  readonly server?: string | undefined;
  readonly filter?: PublicRoomsFilter | undefined;
  readonly includeAllNetworks?: boolean | undefined;
  readonly thirdPartyInstanceId?: string | undefined;
}

/** Appendices "Room aliases": `#localpart:server`, at most 255 bytes; Synapse also refuses whitespace and ':' in the localpart. */
export function parseAlias(alias: string): { localpart: string; serverName: string } | null {
  if (!alias.startsWith('#') || Buffer.byteLength(alias, 'utf8') > 255) return null;
  const colon = alias.indexOf(':');
  if (colon < 2) return null;
  const localpart = alias.slice(1, colon);
  if (/[\s:]/.test(localpart)) return null;
  return { localpart, serverName: alias.slice(colon + 1) };
}

/** The state the directory shows of a room. */
const ENTRY_KEYS = [
  EventType.Create,
  EventType.JoinRules,
  EventType.Name,
  EventType.Topic,
  EventType.CanonicalAlias,
  EventType.HistoryVisibility,
  EventType.GuestAccess,
  EventType.Avatar,
].map((type) => stateKey(type, ''));

/** Join rules a listed room may have; other rooms are listed only when world readable (Synapse). */
const LISTABLE_JOIN_RULES = new Set(['public', 'knock', 'knock_restricted']);

const stringField = (content: Record<string, unknown> | undefined, key: string): string | undefined => {
  const value = content?.[key];
  return typeof value === 'string' ? value : undefined;
};

export function createDirectoryService(deps: DirectoryDeps) {
  const { events } = deps;

  function requireAlias(alias: string): { localpart: string; serverName: string } {
    const parsed = parseAlias(alias);
    if (!parsed) throw invalidParam('Room alias invalid');
    return parsed;
  }

  async function isJoined(room: LiveRoom, userId: UserId): Promise<boolean> {
    return (await events.membershipIn(room, userId)) === 'join';
  }

  /** Synapse `check_can_change_room_list`: server admins, or joined members able to send m.room.canonical_alias. */
  async function canChangeRoomList(room: LiveRoom, requester: Requester): Promise<boolean> {
    if (requester.isAdmin) return true;
    if (!(await isJoined(room, requester.userId))) throw forbidden(`User ${requester.userId} not in room ${room.roomId}`);
    return canSendEvent(await events.powerLevels(room), requester.userId, EventType.CanonicalAlias, true);
  }

  /** Sends m.room.canonical_alias without `alias` (from `alias`/`alt_aliases`) when it names it. */
  async function dropFromCanonicalAlias(requester: Requester, roomId: RoomId, alias: string): Promise<void> {
    const key = stateKey(EventType.CanonicalAlias, '');
    const room = await events.loadRoom(roomId);
    if (!room) return;
    const current = (await events.stateEvents(room.state, [key])).get(key);
    if (!current) return;
    const content: Record<string, unknown> = { ...current.pdu.content };
    let changed = false;
    if (content.alias === alias) {
      delete content.alias;
      changed = true;
    }
    const alt = content.alt_aliases;
    if (Array.isArray(alt) && alt.includes(alias)) {
      const rest = alt.filter((entry) => entry !== alias);
      if (rest.length > 0) content.alt_aliases = rest;
      else delete content.alt_aliases;
      changed = true;
    }
    if (!changed) return;
    try {
      await events.send(roomId, { type: EventType.CanonicalAlias, sender: requester.userId, state_key: '', content });
    } catch (error) {
      // The spec recommends deleting the alias even when the event can't be updated (Synapse logs it).
      if (!(error instanceof MatrixError) || error.errcode !== 'M_FORBIDDEN') throw error;
      deps.log.info({ roomId, alias, err: error }, 'could not update the canonical alias after deleting an alias');
    }
  }

  async function publicEntry(roomId: RoomId): Promise<PublicRoomEntry | null> {
    const room = await events.loadRoom(roomId);
    if (!room) return null;
    const joined = (await deps.rooms.usersInRoom(roomId, 'join')).length;
    if (joined === 0) return null;
    const state = await events.stateEvents(room.state, ENTRY_KEYS);
    const content = (type: string) => state.get(stateKey(type, ''))?.pdu.content;
    const joinRule = stringField(content(EventType.JoinRules), 'join_rule');
    const worldReadable = stringField(content(EventType.HistoryVisibility), 'history_visibility') === 'world_readable';
    if (!worldReadable && !(joinRule && LISTABLE_JOIN_RULES.has(joinRule))) return null;
    const entry: Record<string, unknown> = {
      room_id: roomId,
      num_joined_members: joined,
      world_readable: worldReadable,
      guest_can_join: stringField(content(EventType.GuestAccess), 'guest_access') === 'can_join',
      name: stringField(content(EventType.Name), 'name'),
      topic: stringField(content(EventType.Topic), 'topic'),
      canonical_alias: stringField(content(EventType.CanonicalAlias), 'alias'),
      avatar_url: stringField(content(EventType.Avatar), 'url'),
      join_rule: joinRule,
      room_type: stringField(room.create.pdu.content, 'type'),
    };
    for (const [key, value] of Object.entries(entry)) if (value === undefined) delete entry[key];
    return entry as unknown as PublicRoomEntry;
  }

  return {
    /** Checks that a new alias is well-formed, on this server, and free. @throws MatrixError */
    async checkNewAlias(alias: string): Promise<void> {
      const parsed = parseAlias(alias);
      if (!parsed) throw invalidParam(`Invalid room alias ${alias}`);
      if (parsed.serverName !== deps.serverName) throw invalidParam('Room alias must be on this server');
      if (await deps.rooms.getAlias(alias)) throw new MatrixError('M_ROOM_IN_USE', 'Room alias already taken');
    },

    /** Creates the alias. @throws MatrixError M_ROOM_IN_USE */
    async createAlias(alias: string, roomId: RoomId, creator: UserId): Promise<void> {
      await this.checkNewAlias(alias);
      if (!(await deps.rooms.createAlias(alias, roomId, creator, deps.clock.now()))) {
        throw new MatrixError('M_ROOM_IN_USE', 'Room alias already taken');
      }
    },

    /**
     * PUT /directory/room/{roomAlias}. A taken alias is 409 (spec, Synapse).
     * @throws MatrixError M_INVALID_PARAM, 400 unknown room, 403 not in the room, 409 taken
     */
    async setRoomAlias(requester: Requester, alias: string, roomId: RoomId): Promise<void> {
      const parsed = requireAlias(alias);
      if (parsed.serverName !== deps.serverName) throw invalidParam('Room alias must be local');
      const room = await events.loadRoom(roomId);
      if (!room) throw new MatrixError('M_UNKNOWN', 'Room does not exist', { status: 400 });
      if (!requester.isAdmin && !(await isJoined(room, requester.userId))) throw forbidden('You must be in the room to create an alias for it');
      if (!(await deps.rooms.createAlias(alias, roomId, requester.userId, deps.clock.now()))) {
        throw new MatrixError('M_UNKNOWN', `Room alias ${alias} already exists`, { status: 409 });
      }
    },

    /** GET /directory/room/{roomAlias}: local aliases only until federation (remote ones are 404). */
    async getRoomIdByAlias(alias: string): Promise<{ room_id: RoomId; servers: string[] }> {
      requireAlias(alias);
      const found = await deps.rooms.getAlias(alias);
      if (!found) throw notFound(`Room alias ${alias} not found`);
      // Synapse: this server first, then the other servers with joined members.
      const servers = new Set<string>([deps.serverName]);
      for (const userId of await deps.rooms.usersInRoom(found.roomId, 'join')) {
        const server = parseUserId(userId)?.serverName;
        if (server) servers.add(server);
      }
      return { room_id: found.roomId, servers: [...servers] };
    },

    /** DELETE /directory/room/{roomAlias}, then drops the alias from m.room.canonical_alias. @throws MatrixError */
    async deleteRoomAlias(requester: Requester, alias: string): Promise<void> {
      requireAlias(alias);
      const found = await deps.rooms.getAlias(alias);
      if (!found) throw notFound(`Room alias ${alias} not found`);
      if (found.creator !== requester.userId) {
        const room = await events.loadRoom(found.roomId);
        const allowed = requester.isAdmin || (room !== null && (await canChangeRoomList(room, requester)));
        if (!allowed) throw forbidden("You don't have permission to delete the alias.");
      }
      // Someone else may have deleted it since.
      if (!(await deps.rooms.deleteAlias(alias))) throw notFound(`Room alias ${alias} not found`);
      await dropFromCanonicalAlias(requester, found.roomId, alias);
    },

    /** GET /rooms/{roomId}/aliases: server admins, joined members, or anyone for world-readable rooms. */
    async localAliases(requester: Requester, roomId: RoomId): Promise<string[]> {
      if (!requester.isAdmin) {
        const room = await events.loadRoom(roomId);
        let allowed = false;
        if (room) {
          if (await isJoined(room, requester.userId)) allowed = true;
          else {
            const key = stateKey(EventType.HistoryVisibility, '');
            const visibility = (await events.stateEvents(room.state, [key])).get(key);
            allowed = visibility?.pdu.content.history_visibility === 'world_readable';
          }
        }
        if (!allowed) throw forbidden(`User ${requester.userId} not in room ${roomId}, and room previews are disabled`);
      }
      return deps.rooms.aliasesOfRoom(roomId);
    },

    /** GET /directory/list/room/{roomId} */
    async getVisibility(roomId: RoomId): Promise<'public' | 'private'> {
      const record = await deps.rooms.getRoom(roomId);
      if (!record) throw notFound('Unknown room');
      return record.isPublic ? 'public' : 'private';
    },

    /** PUT /directory/list/room/{roomId} @throws MatrixError 400 unknown room, 403 without the power */
    async setVisibility(requester: Requester, roomId: RoomId, visibility: 'public' | 'private'): Promise<void> {
      if (requester.isGuest) throw forbidden('Guests cannot edit the published room list');
      const room = await events.loadRoom(roomId);
      if (!room) throw new MatrixError('M_UNKNOWN', 'Unknown room', { status: 400 });
      if (!(await canChangeRoomList(room, requester))) {
        throw forbidden('This server requires you to be a moderator in the room to edit its room list entry');
      }
      await deps.rooms.setRoomPublic(roomId, visibility === 'public');
    },

    /** GET/POST /publicRooms for this server; another server's list needs federation (502 until then). */
    async publicRooms(query: PublicRoomsQuery): Promise<PublicRoomsPage> {
      if (query.limit !== undefined && query.limit < 0) throw invalidParam('limit must not be negative');
      if (query.server !== undefined && query.server !== '' && query.server !== deps.serverName) {
        if (!isValidServerName(query.server)) throw invalidParam(`Invalid server name: ${query.server}`);
        throw new MatrixError('M_UNKNOWN', 'Failed to fetch room list', { status: 502 });
      }
      if (query.includeAllNetworks && query.thirdPartyInstanceId !== undefined) {
        throw new MatrixError('M_UNKNOWN', "Can't use include_all_networks with an explicit network", { status: 400 });
      }
      // No application services publish network lists here: a specific network's list is empty.
      if (!query.includeAllNetworks && query.thirdPartyInstanceId !== undefined) return { chunk: [], total_room_count_estimate: 0 };
      const entries: PublicRoomEntry[] = [];
      for (const roomId of await deps.rooms.publicRoomIds()) {
        const entry = await publicEntry(roomId);
        if (entry) entries.push(entry);
      }
      return pagePublicRooms(entries, { limit: query.limit, since: query.since, filter: query.filter });
    },
  };
}

export type DirectoryService = ReturnType<typeof createDirectoryService>;
