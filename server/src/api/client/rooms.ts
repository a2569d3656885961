/**
 * Creating rooms and sending into them.
 * Spec: client-server-api create_room.yaml, room_send.yaml, room_state.yaml (PUT), redaction.yaml (v1.19).
 */
import { Type } from 'typebox';
import type { EventId, RoomId } from '../../core/ids.js';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { CreateRoomRequest } from '../../services/room-create.js';
import type { Services } from '../../services/index.js';

// Event content is open: never additionalProperties: false (CONVENTIONS §4).
const Content = Type.Record(Type.String(), Type.Unknown());
const SendParams = Type.Object({ roomId: Type.String(), eventType: Type.String(), txnId: Type.String() });
const StateParams = Type.Object({ roomId: Type.String(), eventType: Type.String(), stateKey: Type.String() });
const StateParamsNoKey = Type.Object({ roomId: Type.String(), eventType: Type.String() });
const RedactParams = Type.Object({ roomId: Type.String(), eventId: Type.String(), txnId: Type.String() });

// create_room.yaml: every field optional; unknown fields ignored.
const CreateRoomBody = Type.Object({
  visibility: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('private')])),
  room_alias_name: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  topic: Type.Optional(Type.String()),
  invite: Type.Optional(Type.Array(Type.String())),
  invite_3pid: Type.Optional(Type.Array(Type.Unknown())),
  room_version: Type.Optional(Type.String()),
  creation_content: Type.Optional(Content),
  initial_state: Type.Optional(
    Type.Array(Type.Object({ type: Type.String(), state_key: Type.Optional(Type.String()), content: Content })),
  ),
  preset: Type.Optional(Type.Union([Type.Literal('private_chat'), Type.Literal('public_chat'), Type.Literal('trusted_private_chat')])),
  is_direct: Type.Optional(Type.Boolean()),
  power_level_content_override: Type.Optional(Content),
});

export function roomsRoutes(app: TypedApp, services: Pick<Services, 'roomCreate' | 'roomSend'>): void {
  /** POST /_matrix/client/v3/createRoom */
  app.post('/createRoom', { config: { auth: 'required' }, schema: { body: CreateRoomBody } }, async (request) =>
    services.roomCreate.createRoom(requesterOf(request), request.body as CreateRoomRequest),
  );

  /** PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId} */
  app.put(
    '/rooms/:roomId/send/:eventType/:txnId',
    { config: { auth: 'required', allowGuests: true }, schema: { params: SendParams, body: Content } },
    async (request) => {
      const { roomId, eventType, txnId } = request.params;
      const eventId = await services.roomSend.sendMessage(requesterOf(request), roomId as RoomId, eventType, txnId, request.body);
      return { event_id: eventId };
    },
  );

  const putState = async (requester: ReturnType<typeof requesterOf>, roomId: string, type: string, key: string, body: Record<string, unknown>) => ({
    event_id: await services.roomSend.setState(requester, roomId as RoomId, type, key, body),
  });

  /** PUT /_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey} */
  app.put(
    '/rooms/:roomId/state/:eventType/:stateKey',
    { config: { auth: 'required' }, schema: { params: StateParams, body: Content } },
    async (request) => putState(requesterOf(request), request.params.roomId, request.params.eventType, request.params.stateKey, request.body),
  );
  /** PUT /_matrix/client/v3/rooms/{roomId}/state/{eventType} (empty state key; clients send it with or without the slash) */
  app.put(
    '/rooms/:roomId/state/:eventType',
    { config: { auth: 'required' }, schema: { params: StateParamsNoKey, body: Content } },
    async (request) => putState(requesterOf(request), request.params.roomId, request.params.eventType, '', request.body),
  );

  /** PUT /_matrix/client/v3/rooms/{roomId}/redact/{eventId}/{txnId} */
  app.put(
    '/rooms/:roomId/redact/:eventId/:txnId',
    {
      config: { auth: 'required', allowGuests: true },
      schema: { params: RedactParams, body: Type.Union([Type.Object({ reason: Type.Optional(Type.String()) }), Type.Null()]) },
    },
    async (request) => {
      const { roomId, eventId, txnId } = request.params;
      const id = await services.roomSend.redact(requesterOf(request), roomId as RoomId, eventId as EventId, txnId, request.body?.reason);
      return { event_id: id };
    },
  );
}
