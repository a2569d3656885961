/**
 * Room aliases and the public room directory.
 * Spec: client-server-api "Room aliases" (directory.yaml), "Listing rooms" (list_public_rooms.yaml), v1.19.
 */
import { MatrixError, invalidParam } from '../core/errors.js';
import type { RoomId, ServerName, UserId } from '../core/ids.js';
import type { Clock } from '../core/clock.js';
import type { RoomsStore } from '../storage/types.js';

export interface DirectoryDeps {
  readonly rooms: RoomsStore;
  readonly serverName: ServerName;
  readonly clock: Clock;
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

export function createDirectoryService(deps: DirectoryDeps) {
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
  };
}

export type DirectoryService = ReturnType<typeof createDirectoryService>;
