/**
 * Account data, room tags and read markers.
 * Spec: client-server-api account-data.yaml ("Client Config"), tags.yaml ("Room Tagging"),
 * read_markers.yaml ("Read and unread markers"), v1.19. Not on the spec's guest list.
 */
import { Type } from 'typebox';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';
import type { ReadMarkersService } from '../../services/read-markers.js';

const GlobalParams = Type.Object({ userId: Type.String(), type: Type.String() });
const RoomParams = Type.Object({ userId: Type.String(), roomId: Type.String(), type: Type.String() });
const TagsParams = Type.Object({ userId: Type.String(), roomId: Type.String() });
const TagParams = Type.Object({ userId: Type.String(), roomId: Type.String(), tag: Type.String() });
const ReadMarkersParams = Type.Object({ roomId: Type.String() });
// Account data content and tag bodies (definitions/tag.yaml) are open JSON objects.
const JsonObject = Type.Record(Type.String(), Type.Unknown());

export function accountDataRoutes(app: TypedApp, services: Pick<Services, 'accountData' | 'tags'>): void {
  const { accountData, tags } = services;
  const user = { auth: 'required' } as const;

  /** GET /_matrix/client/v3/user/{userId}/account_data/{type} (getAccountData) */
  app.get('/user/:userId/account_data/:type', { config: user, schema: { params: GlobalParams } }, async (request) =>
    accountData.getGlobal(requesterOf(request), request.params.userId, request.params.type),
  );

  /** PUT /_matrix/client/v3/user/{userId}/account_data/{type} (setAccountData) */
  app.put('/user/:userId/account_data/:type', { config: user, schema: { params: GlobalParams, body: JsonObject } }, async (request) => {
    await accountData.setGlobal(requesterOf(request), request.params.userId, request.params.type, request.body);
    return {};
  });

  /** GET /_matrix/client/v3/user/{userId}/rooms/{roomId}/account_data/{type} (getAccountDataPerRoom) */
  app.get('/user/:userId/rooms/:roomId/account_data/:type', { config: user, schema: { params: RoomParams } }, async (request) =>
    accountData.getRoom(requesterOf(request), request.params.userId, request.params.roomId, request.params.type),
  );

  /** PUT /_matrix/client/v3/user/{userId}/rooms/{roomId}/account_data/{type} (setAccountDataPerRoom) */
  app.put('/user/:userId/rooms/:roomId/account_data/:type', { config: user, schema: { params: RoomParams, body: JsonObject } }, async (request) => {
    const { userId, roomId, type } = request.params;
    await accountData.setRoom(requesterOf(request), userId, roomId, type, request.body);
    return {};
  });

  /** GET /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags (getRoomTags) */
  app.get('/user/:userId/rooms/:roomId/tags', { config: user, schema: { params: TagsParams } }, async (request) =>
    tags.getTags(requesterOf(request), request.params.userId, request.params.roomId),
  );

  /** PUT /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags/{tag} (setRoomTag) */
  app.put('/user/:userId/rooms/:roomId/tags/:tag', { config: user, schema: { params: TagParams, body: JsonObject } }, async (request) => {
    const { userId, roomId, tag } = request.params;
    await tags.setTag(requesterOf(request), userId, roomId, tag, request.body);
    return {};
  });

  /** DELETE /_matrix/client/v3/user/{userId}/rooms/{roomId}/tags/{tag} (deleteRoomTag) */
  app.delete('/user/:userId/rooms/:roomId/tags/:tag', { config: user, schema: { params: TagParams } }, async (request) => {
    const { userId, roomId, tag } = request.params;
    await tags.deleteTag(requesterOf(request), userId, roomId, tag);
    return {};
  });
}

export function readMarkersRoutes(app: TypedApp, services: { readonly readMarkers: ReadMarkersService }): void {
  /** POST /_matrix/client/v3/rooms/{roomId}/read_markers (setReadMarker) */
  app.post('/rooms/:roomId/read_markers', { config: { auth: 'required' }, schema: { params: ReadMarkersParams, body: JsonObject } }, async (request) => {
    await services.readMarkers.setReadMarkers(requesterOf(request), request.params.roomId, request.body);
    return {};
  });
}
