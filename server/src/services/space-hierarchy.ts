/**
 * GET /rooms/{roomId}/hierarchy: a depth-first walk of a space's m.space.child events.
 * Spec: client-server-api "Spaces" ("Discovering rooms within spaces", "Ordering of children within a
 * space") and space_hierarchy.yaml (v1.19). As Synapse's handlers/room_summary.py:
 * - a room is shown when the requester is joined or invited, or the join rule is public, knock or
 *   knock_restricted (room versions that have them), or restricted with the requester joined to an
 *   allowed room, or history is world_readable; the requested room itself must be, else 403;
 * - only children whose `via` is a non-empty list of strings count; with suggested_only, only those with
 *   `suggested: true`; children are visited in the spec's order, spaces recursing before their later
 *   siblings; a room is visited once (loops are broken), and not below `max_depth`;
 * - pages of at most 50 rooms; `next_batch` names the walk's remaining queue, kept in memory for five
 *   minutes; it is bound to the requester, room, suggested_only and max_depth (else 400 M_INVALID_PARAM).
 * Only rooms this server knows are walked: remote children need federation (GET /hierarchy over
 * federation), which doesn't exist yet, so they are left out.
 */
import type { Clock } from '../core/clock.js';
import { forbidden, invalidParam } from '../core/errors.js';
import type { RoomId, UserId } from '../core/ids.js';
import { createLru } from '../core/lru.js';
import { EventType, membershipOf, splitStateKey, stateKey, type StateKey } from '../rooms/pdu.js';
import type { RoomsStore, StoredEvent } from '../storage/types.js';
import type { Requester } from './requester.js';
import type { LiveRoom, RoomEventsService } from './room-events.js';
import { generateSessionId } from './secrets.js';

export const SPACE_CHILD = 'm.space.child';
export const ROOM_TYPE_SPACE = 'm.space';
/** Synapse's MAX_ROOMS: the default and the cap of `limit`. */
export const MAX_HIERARCHY_ROOMS = 50;
/** How long a pagination token lives (Synapse's _PAGINATION_SESSION_VALIDITY_PERIOD_MS). */
export const SESSION_TTL_MS = 5 * 60_000;
const MAX_SESSIONS = 1_000;

export interface HierarchyRequest {
  readonly suggestedOnly?: boolean | undefined;
  readonly limit?: number | undefined;
  readonly maxDepth?: number | undefined;
  readonly from?: string | undefined;
}

/** A stripped m.space.child event with its origin_server_ts (space_hierarchy.yaml children_state). */
export interface ChildState {
  readonly type: string;
  readonly state_key: string;
  readonly content: Record<string, unknown>;
  readonly sender: string;
  readonly origin_server_ts: number;
}

export interface HierarchyResponse {
  rooms: Record<string, unknown>[];
  next_batch?: string;
}

/** spaces.md: a child counts only when `via` is present (a non-empty list of server names). */
export function hasValidVia(content: Readonly<Record<string, unknown>>): boolean {
  const via = content.via;
  return Array.isArray(via) && via.length > 0 && via.every((server) => typeof server === 'string');
}

/** A valid `order`: a string of at most 50 characters in the printable ASCII range \x20–\x7E. */
function validOrder(content: Readonly<Record<string, unknown>>): string | null {
  const order = content.order;
  return typeof order === 'string' && order.length <= 50 && /^[\x20-\x7E]*$/.test(order) ? order : null;
}

/**
 * spaces.md "Ordering of children within a space": children with a valid `order` first, by it
 * (code points), then by origin_server_ts, then by room ID (state key).
 */
export function compareChildren(a: ChildState, b: ChildState): number {
  const orderA = validOrder(a.content);
  const orderB = validOrder(b.content);
  if (orderA !== null && orderB === null) return -1;
  if (orderA === null && orderB !== null) return 1;
  if (orderA !== null && orderB !== null && orderA !== orderB) return orderA < orderB ? -1 : 1;
  if (a.origin_server_ts !== b.origin_server_ts) return a.origin_server_ts - b.origin_server_ts;
  return a.state_key < b.state_key ? -1 : a.state_key > b.state_key ? 1 : 0;
}

interface QueueEntry {
  readonly roomId: RoomId;
  readonly depth: number;
}

interface Session {
  readonly userId: UserId;
  readonly roomId: RoomId;
  readonly suggestedOnly: boolean;
  readonly maxDepth: number | null;
  readonly queue: readonly QueueEntry[];
  readonly processed: ReadonlySet<RoomId>;
  readonly createdTs: number;
}

export interface SpaceHierarchyDeps {
  readonly events: Pick<RoomEventsService, 'loadRoom' | 'stateEvents'>;
  readonly rooms: Pick<RoomsStore, 'usersInRoom' | 'membershipsOf'>;
  readonly clock: Clock;
}

const SUMMARY_TYPES = [
  EventType.JoinRules,
  EventType.HistoryVisibility,
  EventType.GuestAccess,
  EventType.Name,
  EventType.Topic,
  EventType.CanonicalAlias,
  EventType.Avatar,
  EventType.Encryption,
];

const stringField = (content: Readonly<Record<string, unknown>> | undefined, key: string): string | undefined =>
  typeof content?.[key] === 'string' ? (content[key] as string) : undefined;

export function createSpaceHierarchyService(deps: SpaceHierarchyDeps) {
  const { events } = deps;
  const sessions = createLru<string, Session>(MAX_SESSIONS);

  /** The room's summary state events by type (state key ''). */
  async function summaryState(room: LiveRoom): Promise<Map<string, StoredEvent>> {
    const found = await events.stateEvents(room.state, SUMMARY_TYPES.map((type) => stateKey(type, '')));
    return new Map([...found.values()].map((event) => [event.pdu.type, event]));
  }

  /** The rooms a restricted join rule names (`allow` entries of type m.room_membership). */
  function allowedRooms(room: LiveRoom, joinRules: StoredEvent | undefined): RoomId[] | null {
    const rule = stringField(joinRules?.pdu.content, 'join_rule');
    const restricted = (rule === 'restricted' && room.rules.restrictedJoinRule) || (rule === 'knock_restricted' && room.rules.knockRestrictedJoinRule);
    if (!restricted) return null;
    const allow = joinRules?.pdu.content.allow;
    if (!Array.isArray(allow)) return [];
    return allow.flatMap((entry: unknown) => {
      const { type, room_id: roomId } = (entry ?? {}) as Record<string, unknown>;
      return type === 'm.room_membership' && typeof roomId === 'string' ? [roomId as RoomId] : [];
    });
  }

  /** space_hierarchy.yaml: who may see a room in the hierarchy. */
  async function accessible(room: LiveRoom, state: Map<string, StoredEvent>, userId: UserId, joinedRooms: () => Promise<ReadonlySet<RoomId>>): Promise<boolean> {
    const rule = stringField(state.get(EventType.JoinRules)?.pdu.content, 'join_rule');
    if (rule === 'public') return true;
    if (rule === 'knock' && room.rules.knockJoinRule) return true;
    if (rule === 'knock_restricted' && room.rules.knockRestrictedJoinRule) return true;
    if (stringField(state.get(EventType.HistoryVisibility)?.pdu.content, 'history_visibility') === 'world_readable') return true;
    const memberKey = stateKey(EventType.Member, userId);
    const member = (await events.stateEvents(room.state, [memberKey])).get(memberKey);
    const membership = member ? membershipOf(member.pdu) : null;
    if (membership === 'join' || membership === 'invite') return true;
    const allowed = allowedRooms(room, state.get(EventType.JoinRules));
    if (allowed && allowed.length > 0) {
      const joined = await joinedRooms();
      if (allowed.some((roomId) => joined.has(roomId))) return true;
    }
    return false;
  }

  /** The room_summary.yaml fields and, for a space, its valid children in the spec's order. */
  async function entry(room: LiveRoom, state: Map<string, StoredEvent>, suggestedOnly: boolean): Promise<{ json: Record<string, unknown>; children: ChildState[] }> {
    const content = (type: string) => state.get(type)?.pdu.content;
    const roomType = stringField(room.create.pdu.content, 'type');
    const json: Record<string, unknown> = {
      room_id: room.roomId,
      name: stringField(content(EventType.Name), 'name'),
      topic: stringField(content(EventType.Topic), 'topic'),
      canonical_alias: stringField(content(EventType.CanonicalAlias), 'alias'),
      num_joined_members: (await deps.rooms.usersInRoom(room.roomId, 'join')).length,
      avatar_url: stringField(content(EventType.Avatar), 'url'),
      join_rule: stringField(content(EventType.JoinRules), 'join_rule'),
      world_readable: stringField(content(EventType.HistoryVisibility), 'history_visibility') === 'world_readable',
      guest_can_join: stringField(content(EventType.GuestAccess), 'guest_access') === 'can_join',
      room_type: roomType,
      encryption: stringField(content(EventType.Encryption), 'algorithm'),
      room_version: room.rules.id,
    };
    const allowed = allowedRooms(room, state.get(EventType.JoinRules));
    if (allowed && allowed.length > 0) json.allowed_room_ids = allowed;
    for (const [key, value] of Object.entries(json)) if (value === undefined) delete json[key];

    let children: ChildState[] = [];
    if (roomType === ROOM_TYPE_SPACE) {
      const keys = [...room.state.keys()].filter((key: StateKey) => splitStateKey(key)[0] === SPACE_CHILD);
      const childEvents = [...(await events.stateEvents(room.state, keys)).values()];
      children = childEvents
        .filter((event) => hasValidVia(event.pdu.content) && (!suggestedOnly || event.pdu.content.suggested === true))
        .map((event) => ({
          type: event.pdu.type,
          state_key: event.pdu.state_key as string,
          content: event.pdu.content,
          sender: event.pdu.sender,
          origin_server_ts: event.pdu.origin_server_ts,
        }))
        .sort(compareChildren);
    }
    json.children_state = children;
    return { json, children };
  }

  function resume(requester: Requester, roomId: RoomId, suggestedOnly: boolean, maxDepth: number | null, from: string): Session {
    const session = sessions.get(from);
    const now = deps.clock.now();
    if (
      !session ||
      now - session.createdTs > SESSION_TTL_MS ||
      session.userId !== requester.userId ||
      session.roomId !== roomId ||
      session.suggestedOnly !== suggestedOnly ||
      session.maxDepth !== maxDepth
    ) {
      throw invalidParam('Unknown pagination token');
    }
    return session;
  }

  return {
    async hierarchy(requester: Requester, roomId: RoomId, request: HierarchyRequest): Promise<HierarchyResponse> {
      if (request.limit !== undefined && request.limit <= 0) throw invalidParam('Parameter limit must be a positive integer.');
      if (request.maxDepth !== undefined && request.maxDepth < 0) throw invalidParam('Parameter max_depth must be a non-negative integer.');
      const suggestedOnly = request.suggestedOnly === true;
      const maxDepth = request.maxDepth ?? null;
      const limit = Math.min(request.limit ?? MAX_HIERARCHY_ROOMS, MAX_HIERARCHY_ROOMS);

      let joined: ReadonlySet<RoomId> | null = null;
      const joinedRooms = async (): Promise<ReadonlySet<RoomId>> => {
        joined ??= new Set((await deps.rooms.membershipsOf(requester.userId)).filter((m) => m.membership === 'join').map((m) => m.roomId));
        return joined;
      };
      const root = await events.loadRoom(roomId);
      if (!root || !(await accessible(root, await summaryState(root), requester.userId, joinedRooms))) {
        throw forbidden(`User ${requester.userId} not in room ${roomId}, and room previews are disabled`);
      }

      let queue: QueueEntry[];
      let processed: Set<RoomId>;
      if (request.from !== undefined && request.from !== '') {
        const session = resume(requester, roomId, suggestedOnly, maxDepth, request.from);
        queue = [...session.queue];
        processed = new Set(session.processed);
      } else {
        queue = [{ roomId, depth: 0 }];
        processed = new Set();
      }

      const rooms: Record<string, unknown>[] = [];
      while (queue.length > 0 && rooms.length < limit) {
        const next = queue.pop() as QueueEntry;
        if (processed.has(next.roomId)) continue;
        processed.add(next.roomId);
        const room = await events.loadRoom(next.roomId);
        if (!room) continue;
        const state = await summaryState(room);
        if (!(await accessible(room, state, requester.userId, joinedRooms))) continue;
        const { json, children } = await entry(room, state, suggestedOnly);
        rooms.push(json);
        if (maxDepth === null || next.depth < maxDepth) {
          // Reversed, so the first child in order is the next popped (depth first).
          for (let i = children.length - 1; i >= 0; i--) {
            queue.push({ roomId: (children[i] as ChildState).state_key as RoomId, depth: next.depth + 1 });
          }
        }
      }

      const response: HierarchyResponse = { rooms };
      // Entries for rooms already shown would only be skipped: drop them so the token means "more to see".
      queue = queue.filter((queued) => !processed.has(queued.roomId));
      if (queue.length > 0) {
        const token = generateSessionId();
        sessions.set(token, { userId: requester.userId, roomId, suggestedOnly, maxDepth, queue, processed, createdTs: deps.clock.now() });
        response.next_batch = token;
      }
      return response;
    },
  };
}

export type SpaceHierarchyService = ReturnType<typeof createSpaceHierarchyService>;
