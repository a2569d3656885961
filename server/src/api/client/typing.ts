/**
 * Typing notifications. Spec: client-server-api "Typing Notifications", typing.yaml (v1.19).
 */
import { Type } from 'typebox';
import type { RoomId } from '../../core/ids.js';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

const TypingParams = Type.Object({ roomId: Type.String(), userId: Type.String() });
// typing.yaml: `typing` required; `timeout` in ms (may be omitted when typing is false).
const TypingBody = Type.Object({ typing: Type.Boolean(), timeout: Type.Optional(Type.Integer({ minimum: 0 })) });

export function typingRoutes(app: TypedApp, services: Pick<Services, 'typing'>): void {
  /** PUT /_matrix/client/v3/rooms/{roomId}/typing/{userId} */
  app.put(
    '/rooms/:roomId/typing/:userId',
    { config: { auth: 'required', allowGuests: true }, schema: { params: TypingParams, body: TypingBody } },
    async (request) => {
      const { roomId, userId } = request.params;
      await services.typing.setTyping(requesterOf(request), roomId as RoomId, userId, request.body.typing, request.body.timeout);
      return {};
    },
  );
}
