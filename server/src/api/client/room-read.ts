/**
 * Reading rooms: events, state, the timeline, members.
 * Spec: client-server-api rooms.yaml (event, state, members, joined_members), message_pagination.yaml,
 * event_context.yaml, room_event_by_timestamp.yaml (v1.19). Replies carry events: no response schemas.
 */
import { Type } from 'typebox';
import type { EventId, RoomId } from '../../core/ids.js';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

const Membership = Type.Union(['join', 'invite', 'knock', 'leave', 'ban'].map((value) => Type.Literal(value)));
const Direction = Type.Union([Type.Literal('b'), Type.Literal('f')]);

const RoomParams = Type.Object({ roomId: Type.String() });
const EventParams = Type.Object({ roomId: Type.String(), eventId: Type.String() });
const StateParams = Type.Object({ roomId: Type.String(), eventType: Type.String(), stateKey: Type.String() });
const StateParamsNoKey = Type.Object({ roomId: Type.String(), eventType: Type.String() });
// rooms.yaml: format=content (default) or event.
const StateQuery = Type.Object({ format: Type.Optional(Type.Union([Type.Literal('content'), Type.Literal('event')])) });
// message_pagination.yaml; `dir` defaults to f as in Synapse (the spec requires it).
const MessagesQuery = Type.Object({
  from: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  dir: Type.Optional(Direction),
  limit: Type.Optional(Type.Integer({ minimum: 0 })),
  filter: Type.Optional(Type.String()),
});
// event_context.yaml
const ContextQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 0 })), filter: Type.Optional(Type.String()) });
// rooms.yaml GET members
const MembersQuery = Type.Object({
  at: Type.Optional(Type.String()),
  membership: Type.Optional(Membership),
  not_membership: Type.Optional(Membership),
});
// room_event_by_timestamp.yaml
const TimestampQuery = Type.Object({ ts: Type.Integer(), dir: Direction });

type Membership = 'join' | 'invite' | 'knock' | 'leave' | 'ban';

export function roomReadRoutes(app: TypedApp, services: Pick<Services, 'roomRead' | 'roomMessages'>): void {
  const { roomRead, roomMessages } = services;
  const guests = { auth: 'required', allowGuests: true } as const;

  /** GET /_matrix/client/v3/rooms/{roomId}/event/{eventId} */
  app.get('/rooms/:roomId/event/:eventId', { config: guests, schema: { params: EventParams } }, async (request) =>
    roomRead.getEvent(requesterOf(request), request.params.roomId as RoomId, request.params.eventId as EventId),
  );

  /** GET /_matrix/client/v3/rooms/{roomId}/state */
  app.get('/rooms/:roomId/state', { config: guests, schema: { params: RoomParams } }, async (request) =>
    roomRead.getState(requesterOf(request), request.params.roomId as RoomId),
  );

  /** GET /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey} */
  app.get('/rooms/:roomId/state/:eventType/:stateKey', { config: guests, schema: { params: StateParams, querystring: StateQuery } }, async (request) =>
    roomRead.getStateEvent(
      requesterOf(request),
      request.params.roomId as RoomId,
      request.params.eventType,
      request.params.stateKey,
      request.query.format ?? 'content',
    ),
  );
  /** GET /_matrix/client/v3/rooms/{roomId}/state/{eventType} (empty state key) */
  app.get('/rooms/:roomId/state/:eventType', { config: guests, schema: { params: StateParamsNoKey, querystring: StateQuery } }, async (request) =>
    roomRead.getStateEvent(requesterOf(request), request.params.roomId as RoomId, request.params.eventType, '', request.query.format ?? 'content'),
  );

  /** GET /_matrix/client/v3/rooms/{roomId}/messages */
  app.get('/rooms/:roomId/messages', { config: guests, schema: { params: RoomParams, querystring: MessagesQuery } }, async (request) =>
    roomMessages.messages(requesterOf(request), request.params.roomId as RoomId, {
      from: request.query.from,
      to: request.query.to,
      dir: request.query.dir ?? 'f',
      limit: request.query.limit,
      filter: request.query.filter,
    }),
  );

  /** GET /_matrix/client/v3/rooms/{roomId}/context/{eventId} */
  app.get('/rooms/:roomId/context/:eventId', { config: guests, schema: { params: EventParams, querystring: ContextQuery } }, async (request) =>
    roomMessages.context(requesterOf(request), request.params.roomId as RoomId, request.params.eventId as EventId, {
      limit: request.query.limit,
      filter: request.query.filter,
    }),
  );

  /** GET /_matrix/client/v3/rooms/{roomId}/members */
  app.get('/rooms/:roomId/members', { config: guests, schema: { params: RoomParams, querystring: MembersQuery } }, async (request) =>
    roomRead.members(requesterOf(request), request.params.roomId as RoomId, {
      at: request.query.at,
      membership: request.query.membership as Membership | undefined,
      notMembership: request.query.not_membership as Membership | undefined,
    }),
  );

  /** GET /_matrix/client/v3/rooms/{roomId}/joined_members */
  app.get('/rooms/:roomId/joined_members', { config: { auth: 'required' }, schema: { params: RoomParams } }, async (request) =>
    roomRead.joinedMembers(requesterOf(request), request.params.roomId as RoomId),
  );
}

/** The v1 routes (mounted under /_matrix/client/v1). */
export function roomReadRoutesV1(app: TypedApp, services: Pick<Services, 'roomRead'>): void {
  /** GET /_matrix/client/v1/rooms/{roomId}/timestamp_to_event */
  app.get('/rooms/:roomId/timestamp_to_event', { config: { auth: 'required' }, schema: { params: RoomParams, querystring: TimestampQuery } }, async (request) =>
    services.roomRead.timestampToEvent(requesterOf(request), request.params.roomId as RoomId, request.query.ts, request.query.dir),
  );
}
