/**
 * The space hierarchy (v1). Spec: client-server-api space_hierarchy.yaml, "Spaces" (v1.19).
 * Replies carry stripped events: no response schema.
 */
import { Type } from 'typebox';
import type { RoomId } from '../../core/ids.js';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

const RoomParams = Type.Object({ roomId: Type.String() });
// space_hierarchy.yaml: suggested_only, limit (> 0), max_depth (≥ 0), from. Ranges are checked by the
// service so the errors read as Synapse's.
const HierarchyQuery = Type.Object({
  suggested_only: Type.Optional(Type.Boolean()),
  limit: Type.Optional(Type.Integer()),
  max_depth: Type.Optional(Type.Integer()),
  from: Type.Optional(Type.String()),
});

export function hierarchyRoutesV1(app: TypedApp, services: Pick<Services, 'spaceHierarchy'>): void {
  /** GET /_matrix/client/v1/rooms/{roomId}/hierarchy (getSpaceHierarchy) */
  app.get('/rooms/:roomId/hierarchy', { config: { auth: 'required' }, schema: { params: RoomParams, querystring: HierarchyQuery } }, async (request) =>
    services.spaceHierarchy.hierarchy(requesterOf(request), request.params.roomId as RoomId, {
      suggestedOnly: request.query.suggested_only,
      limit: request.query.limit,
      maxDepth: request.query.max_depth,
      from: request.query.from,
    }),
  );
}
