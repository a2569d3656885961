/**
 * Room tags, kept as the room account data event `m.tag` ({tags: {name: {order?}}}) so /sync delivers
 * them in the room's account_data. Spec: client-server-api "Room Tagging" (tags.md, tags.yaml), v1.19;
 * the membership check and the 255-byte limit as Synapse's rest/client/tags.py.
 */
import { forbidden, invalidParam, MatrixError } from '../core/errors.js';
import type { RoomId, UserId } from '../core/ids.js';
import type { RoomsStore } from '../storage/types.js';
import { checkRoomId, TAG, type AccountDataService } from './account-data.js';
import type { Requester } from './requester.js';

export interface TagsDeps {
  readonly accountData: Pick<AccountDataService, 'getInternal' | 'updateInternal'>;
  readonly rooms: Pick<RoomsStore, 'membershipsOf'>;
}

/** "The name of a tag MUST NOT exceed 255 bytes." */
const MAX_TAG_BYTES = 255;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const tagsOf = (content: Record<string, unknown> | null): Record<string, unknown> => (isObject(content?.tags) ? content.tags : {});

function checkOwnUser(requester: Requester, userId: string, verb: string): void {
  if (requester.userId !== userId) throw forbidden(`Cannot ${verb} tags for other users.`);
}

export function createTagsService(deps: TagsDeps) {
  const { accountData } = deps;

  /** Synapse: tagging a room the user never had anything to do with is refused. */
  async function requireAnyMembership(userId: UserId, roomId: RoomId): Promise<void> {
    const memberships = await deps.rooms.membershipsOf(userId);
    if (!memberships.some((m) => m.roomId === roomId)) throw forbidden(`User ${userId} has no membership in room ${roomId}`);
  }

  return {
    /** GET /user/{userId}/rooms/{roomId}/tags: `{tags: {}}` when none are set. */
    async getTags(requester: Requester, userId: string, roomId: string): Promise<{ tags: Record<string, unknown> }> {
      checkOwnUser(requester, userId, 'get');
      return { tags: tagsOf(await accountData.getInternal(requester.userId, checkRoomId(roomId), TAG)) };
    },

    /**
     * PUT /user/{userId}/rooms/{roomId}/tags/{tag}: the body (definitions/tag.yaml) is stored as given.
     * @throws 400 M_INVALID_PARAM for a tag over 255 bytes, M_BAD_JSON for a non-numeric `order`; 403 without any membership in the room
     */
    async setTag(requester: Requester, userId: string, roomId: string, tag: string, body: Record<string, unknown>): Promise<void> {
      checkOwnUser(requester, userId, 'add');
      const room = checkRoomId(roomId);
      if (Buffer.byteLength(tag, 'utf8') > MAX_TAG_BYTES) throw invalidParam("tag parameter's length is over 255 bytes");
      if (body.order !== undefined && (typeof body.order !== 'number' || !Number.isFinite(body.order))) {
        throw new MatrixError('M_BAD_JSON', 'order must be a number');
      }
      await requireAnyMembership(requester.userId, room);
      await accountData.updateInternal(requester.userId, room, TAG, (current) => ({ ...current, tags: { ...tagsOf(current), [tag]: body } }));
    },

    /** DELETE /user/{userId}/rooms/{roomId}/tags/{tag}: removing a tag that isn't set changes nothing. */
    async deleteTag(requester: Requester, userId: string, roomId: string, tag: string): Promise<void> {
      checkOwnUser(requester, userId, 'remove');
      const room = checkRoomId(roomId);
      await accountData.updateInternal(requester.userId, room, TAG, (current) => {
        const tags = tagsOf(current);
        if (!Object.hasOwn(tags, tag)) return null;
        const { [tag]: _removed, ...rest } = tags;
        return { ...current, tags: rest };
      });
    },
  };
}

export type TagsService = ReturnType<typeof createTagsService>;
