/**
 * Room aliases and the published room directory.
 * Spec: client-server-api directory.yaml (aliases), list_public_rooms.yaml (visibility, /publicRooms), v1.19.
 */
import { Type } from 'typebox';
import type { RoomId } from '../../core/ids.js';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

const AliasParams = Type.Object({ roomAlias: Type.String() });
const RoomParams = Type.Object({ roomId: Type.String() });
// directory.yaml setRoomAlias: `room_id` required; Synapse also accepts an unspecced `servers`.
const SetAliasBody = Type.Object({ room_id: Type.String(), servers: Type.Optional(Type.Array(Type.String())) });
const Visibility = Type.Union([Type.Literal('public'), Type.Literal('private')]);
// list_public_rooms.yaml setRoomVisibilityOnDirectory: `visibility` defaults to public.
const VisibilityBody = Type.Union([Type.Object({ visibility: Type.Optional(Visibility) }), Type.Null()]);
const PublicRoomsQuery = Type.Object({
  limit: Type.Optional(Type.Integer()),
  since: Type.Optional(Type.String()),
  server: Type.Optional(Type.String()),
});
const ServerQuery = Type.Object({ server: Type.Optional(Type.String()) });
const PublicRoomsBody = Type.Union([
  Type.Object({
    limit: Type.Optional(Type.Integer()),
    since: Type.Optional(Type.String()),
    filter: Type.Optional(
      Type.Union([
        Type.Object({
          generic_search_term: Type.Optional(Type.String()),
          room_types: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Null()]))),
        }),
        Type.Null(),
      ]),
    ),
    include_all_networks: Type.Optional(Type.Boolean()),
    third_party_instance_id: Type.Optional(Type.String()),
  }),
  Type.Null(),
]);

export function directoryRoutes(app: TypedApp, services: Pick<Services, 'directory'>): void {
  const { directory } = services;

  /** PUT /_matrix/client/v3/directory/room/{roomAlias} */
  app.put(
    '/directory/room/:roomAlias',
    { config: { auth: 'required' }, schema: { params: AliasParams, body: SetAliasBody } },
    async (request) => {
      await directory.setRoomAlias(requesterOf(request), request.params.roomAlias, request.body.room_id as RoomId);
      return {};
    },
  );

  /** GET /_matrix/client/v3/directory/room/{roomAlias} (no access token needed, as in the spec and Synapse) */
  app.get('/directory/room/:roomAlias', { schema: { params: AliasParams } }, async (request) =>
    directory.getRoomIdByAlias(request.params.roomAlias),
  );

  /** DELETE /_matrix/client/v3/directory/room/{roomAlias} */
  app.delete('/directory/room/:roomAlias', { config: { auth: 'required' }, schema: { params: AliasParams } }, async (request) => {
    await directory.deleteRoomAlias(requesterOf(request), request.params.roomAlias);
    return {};
  });

  /** GET /_matrix/client/v3/rooms/{roomId}/aliases */
  app.get('/rooms/:roomId/aliases', { config: { auth: 'required' }, schema: { params: RoomParams } }, async (request) => ({
    aliases: await directory.localAliases(requesterOf(request), request.params.roomId as RoomId),
  }));

  /** GET /_matrix/client/v3/directory/list/room/{roomId} */
  app.get('/directory/list/room/:roomId', { schema: { params: RoomParams } }, async (request) => ({
    visibility: await directory.getVisibility(request.params.roomId as RoomId),
  }));

  /** PUT /_matrix/client/v3/directory/list/room/{roomId} */
  app.put(
    '/directory/list/room/:roomId',
    { config: { auth: 'required' }, schema: { params: RoomParams, body: VisibilityBody } },
    async (request) => {
      await directory.setVisibility(requesterOf(request), request.params.roomId as RoomId, request.body?.visibility ?? 'public');
      return {};
    },
  );

  /**
   * GET /_matrix/client/v3/publicRooms. The spec needs no access token, but Synapse requires one unless
   * `allow_public_rooms_without_auth` (default false) is set; Hearth follows Synapse's default.
   */
  app.get(
    '/publicRooms',
    { config: { auth: 'required', allowGuests: true }, schema: { querystring: PublicRoomsQuery } },
    async (request) => directory.publicRooms(request.query),
  );

  /** POST /_matrix/client/v3/publicRooms */
  app.post(
    '/publicRooms',
    { config: { auth: 'required', allowGuests: true }, schema: { querystring: ServerQuery, body: PublicRoomsBody } },
    async (request) => {
      const body = request.body ?? {};
      return directory.publicRooms({
        server: request.query.server,
        limit: body.limit,
        since: body.since,
        filter: body.filter ?? undefined,
        includeAllNetworks: body.include_all_networks,
        thirdPartyInstanceId: body.third_party_instance_id,
      });
    },
  );
}
