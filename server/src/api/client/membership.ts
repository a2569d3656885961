/**
 * Room membership. Spec: client-server-api "Room membership": joining.yaml, inviting.yaml, leaving.yaml,
 * kicking.yaml, banning.yaml, knocking.yaml, list_joined_rooms.yaml (v1.19).
 */
import { Type } from 'typebox';
import type { RoomId, UserId } from '../../core/ids.js';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

const RoomParams = Type.Object({ roomId: Type.String() });
const AliasParams = Type.Object({ roomIdOrAlias: Type.String() });
const Reason = Type.Optional(Type.String());
// A missing body validates as null; these endpoints accept an empty request.
const ReasonBody = Type.Union([Type.Object({ reason: Reason }), Type.Null()]);
const TargetBody = Type.Object({ user_id: Type.String(), reason: Reason });
const JoinBody = Type.Union([Type.Object({ reason: Reason, third_party_signed: Type.Optional(Type.Unknown()) }), Type.Null()]);

export function membershipRoutes(app: TypedApp, services: Pick<Services, 'membership'>): void {
  const { membership } = services;

  /** POST /_matrix/client/v3/rooms/{roomId}/join */
  app.post('/rooms/:roomId/join', { config: { auth: 'required', allowGuests: true }, schema: { params: RoomParams, body: JoinBody } }, async (request) => ({
    room_id: await membership.join(requesterOf(request), request.params.roomId, { reason: request.body?.reason }),
  }));

  /** POST /_matrix/client/v3/join/{roomIdOrAlias} */
  app.post('/join/:roomIdOrAlias', { config: { auth: 'required', allowGuests: true }, schema: { params: AliasParams, body: JoinBody } }, async (request) => ({
    room_id: await membership.join(requesterOf(request), request.params.roomIdOrAlias, { reason: request.body?.reason }),
  }));

  /** POST /_matrix/client/v3/knock/{roomIdOrAlias} */
  app.post('/knock/:roomIdOrAlias', { config: { auth: 'required' }, schema: { params: AliasParams, body: ReasonBody } }, async (request) => ({
    room_id: await membership.knock(requesterOf(request), request.params.roomIdOrAlias, { reason: request.body?.reason }),
  }));

  /** POST /_matrix/client/v3/rooms/{roomId}/invite */
  app.post('/rooms/:roomId/invite', { config: { auth: 'required' }, schema: { params: RoomParams, body: TargetBody } }, async (request) => {
    await membership.invite(requesterOf(request), request.params.roomId as RoomId, request.body.user_id as UserId, { reason: request.body.reason });
    return {};
  });

  /** POST /_matrix/client/v3/rooms/{roomId}/leave */
  app.post('/rooms/:roomId/leave', { config: { auth: 'required', allowGuests: true }, schema: { params: RoomParams, body: ReasonBody } }, async (request) => {
    await membership.leave(requesterOf(request), request.params.roomId as RoomId, { reason: request.body?.reason });
    return {};
  });

  /** POST /_matrix/client/v3/rooms/{roomId}/forget */
  app.post('/rooms/:roomId/forget', { config: { auth: 'required', allowGuests: true }, schema: { params: RoomParams } }, async (request) => {
    await membership.forget(requesterOf(request), request.params.roomId as RoomId);
    return {};
  });

  for (const action of ['kick', 'ban', 'unban'] as const) {
    /** POST /_matrix/client/v3/rooms/{roomId}/kick | ban | unban */
    app.post(`/rooms/:roomId/${action}`, { config: { auth: 'required' }, schema: { params: RoomParams, body: TargetBody } }, async (request) => {
      await membership[action](requesterOf(request), request.params.roomId as RoomId, request.body.user_id as UserId, { reason: request.body.reason });
      return {};
    });
  }

  /** GET /_matrix/client/v3/joined_rooms */
  app.get('/joined_rooms', { config: { auth: 'required', allowGuests: true } }, async (request) => ({
    joined_rooms: await membership.joinedRooms(requesterOf(request).userId),
  }));
}
