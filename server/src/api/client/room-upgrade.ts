/**
 * Room upgrades. Spec: client-server-api room_upgrades.yaml (v1.19).
 */
import { Type } from 'typebox';
import type { RoomId } from '../../core/ids.js';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

const RoomParams = Type.Object({ roomId: Type.String() });
// `additional_creators` (v1.16) is checked by the service, and only for versions that have them.
const UpgradeBody = Type.Object({ new_version: Type.String(), additional_creators: Type.Optional(Type.Array(Type.String())) });

export function roomUpgradeRoutes(app: TypedApp, services: Pick<Services, 'roomUpgrade'>): void {
  /** POST /_matrix/client/v3/rooms/{roomId}/upgrade */
  app.post(
    '/rooms/:roomId/upgrade',
    { config: { auth: 'required' }, schema: { params: RoomParams, body: UpgradeBody } },
    async (request) => ({
      replacement_room: await services.roomUpgrade.upgradeRoom(
        requesterOf(request),
        request.params.roomId as RoomId,
        request.body.new_version,
        request.body.additional_creators,
      ),
    }),
  );
}
