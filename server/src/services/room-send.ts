/**
 * Sending into a room: message events, state events and redactions, with the checks Synapse makes
 * beyond the auth rules (canonical alias targets, power-levels content, redaction permission).
 * Spec: client-server-api "Sending events to a room" (room_send.yaml, room_state.yaml),
 * "Redactions" (redaction.yaml), "m.room.canonical_alias", "Threading" (Validation of m.thread
 * relationships), "Event annotations" (Avoiding duplicate annotations) (v1.19).
 */
import { forbidden, MatrixError, notFound } from '../core/errors.js';
import type { EventId, RoomId } from '../core/ids.js';
import { EventType, stateKey } from '../rooms/pdu.js';
import { canRedact, powerLevelsContentProblem } from '../rooms/power-levels.js';
import { relationOf, RelType, threadParentProblem } from '../rooms/relations.js';
import type { RelationsStore, RoomsStore } from '../storage/types.js';
import type { RateLimiter } from './rate-limiter.js';
import type { Requester } from './requester.js';
import type { LiveRoom, RoomEventsService } from './room-events.js';

export interface RoomSendDeps {
  readonly events: RoomEventsService;
  readonly rooms: Pick<RoomsStore, 'getEvents' | 'getAlias'>;
  readonly relations: Pick<RelationsStore, 'hasAnnotation'>;
  /** rc_message, per user. */
  readonly messageLimit: RateLimiter;
}

export function createRoomSendService(deps: RoomSendDeps) {
  const { events } = deps;

  function rateLimit(requester: Requester): void {
    // Synapse exempts server admins from rc_message.
    if (!requester.isAdmin) deps.messageLimit.take(requester.userId);
  }

  async function checkMember(room: LiveRoom, requester: Requester): Promise<void> {
    // The auth rules refuse it too; this gives clients Synapse's message.
    if ((await events.membershipIn(room, requester.userId)) !== 'join') {
      throw forbidden(`User ${requester.userId} not in room ${room.roomId}`);
    }
  }

  /** m.room.canonical_alias may only name aliases that point to this room (spec: M_BAD_ALIAS). */
  async function checkCanonicalAlias(roomId: RoomId, content: Record<string, unknown>): Promise<void> {
    const aliases: unknown[] = [];
    if (content.alias !== undefined && content.alias !== null) aliases.push(content.alias);
    if (content.alt_aliases !== undefined) {
      if (!Array.isArray(content.alt_aliases)) throw new MatrixError('M_INVALID_PARAM', 'alt_aliases must be a list');
      aliases.push(...(content.alt_aliases as unknown[]));
    }
    for (const alias of aliases) {
      if (typeof alias !== 'string') throw new MatrixError('M_INVALID_PARAM', 'Aliases must be strings');
      const target = await deps.rooms.getAlias(alias);
      if (!target || target.roomId !== roomId) throw new MatrixError('M_BAD_ALIAS', `${alias} does not point to this room`);
    }
  }

  /**
   * Synapse's checks of a new event's relationship (run under the room lock, so two identical annotations
   * racing can't both pass): no thread off an event that has a relationship itself (400 M_UNKNOWN, as the
   * spec says for want of a code), and no second unredacted annotation with the same type and key by the
   * same sender (400 M_DUPLICATE_ANNOTATION).
   */
  async function checkRelation(roomId: RoomId, requester: Requester, type: string, content: Record<string, unknown>): Promise<void> {
    const relation = relationOf(content);
    if (relation?.relType === RelType.Thread) {
      const parent = (await deps.rooms.getEvents([relation.eventId])).get(relation.eventId);
      // An unknown parent (or one in another room) is left alone: the index ignores cross-room relations.
      const problem = parent && parent.roomId === roomId ? threadParentProblem(parent.pdu.content) : null;
      if (problem) throw new MatrixError('M_UNKNOWN', problem);
    } else if (relation?.relType === RelType.Annotation && relation.key !== null) {
      const annotation = { roomId, parentId: relation.eventId, sender: requester.userId, type, key: relation.key };
      if (await deps.relations.hasAnnotation(annotation)) throw new MatrixError('M_DUPLICATE_ANNOTATION', "Can't send same reaction twice");
    }
  }

  return {
    /** PUT /rooms/{roomId}/send/{eventType}/{txnId} */
    async sendMessage(requester: Requester, roomId: RoomId, type: string, txnId: string, content: Record<string, unknown>): Promise<EventId> {
      rateLimit(requester);
      const sent = await events.send(
        roomId,
        { type, sender: requester.userId, content },
        {
          txn: { deviceId: requester.deviceId, endpoint: `send/${type}`, txnId },
          check: async (room) => {
            await checkMember(room, requester);
            await checkRelation(roomId, requester, type, content);
          },
        },
      );
      return sent.eventId;
    },

    /** PUT /rooms/{roomId}/state/{eventType}/{stateKey} */
    async setState(requester: Requester, roomId: RoomId, type: string, key: string, content: Record<string, unknown>): Promise<EventId> {
      if (type === EventType.Create) throw forbidden('The create event cannot be changed');
      if (type === EventType.CanonicalAlias) await checkCanonicalAlias(roomId, content);
      let unchanged: EventId | null = null;
      const sent = await events.send(
        roomId,
        { type, sender: requester.userId, state_key: key, content },
        {
          check: async (room) => {
            if (type === EventType.PowerLevels) {
              const problem = powerLevelsContentProblem(content, room.rules);
              if (problem) throw new MatrixError('M_BAD_JSON', problem);
            }
            // Synapse returns the current event when the content is unchanged, instead of a duplicate.
            const current = (await events.stateEvents(room.state, [stateKey(type, key)])).get(stateKey(type, key));
            if (current && current.pdu.sender === requester.userId && JSON.stringify(current.pdu.content) === JSON.stringify(content)) {
              unchanged = current.eventId;
              throw UNCHANGED;
            }
          },
        },
      ).catch((error: unknown) => {
        if (error === UNCHANGED && unchanged) return { eventId: unchanged };
        throw error;
      });
      return sent.eventId;
    },

    /** PUT /rooms/{roomId}/redact/{eventId}/{txnId} */
    async redact(requester: Requester, roomId: RoomId, target: EventId, txnId: string, reason: string | undefined): Promise<EventId> {
      rateLimit(requester);
      const content: Record<string, unknown> = {};
      if (reason !== undefined) content.reason = reason;
      const sent = await events.send(
        roomId,
        { type: EventType.Redaction, sender: requester.userId, content, redacts: target },
        {
          txn: { deviceId: requester.deviceId, endpoint: `redact/${target}`, txnId },
          check: async (room) => {
            await checkMember(room, requester);
            const original = (await deps.rooms.getEvents([target])).get(target);
            if (!original || original.roomId !== roomId) throw notFound('Event not found');
            if (original.pdu.sender !== requester.userId) {
              const levels = await events.powerLevels(room);
              if (!canRedact(levels, requester.userId, original.pdu.sender)) throw forbidden("You don't have permission to redact events");
            }
          },
          // Checked above: the redaction is applied.
          applyRedaction: async () => target,
        },
      );
      return sent.eventId;
    },
  };
}

/** Thrown inside the room lock to stop an unchanged state event; never reaches a client. */
const UNCHANGED = Symbol('unchanged state');

export type RoomSendService = ReturnType<typeof createRoomSendService>;
