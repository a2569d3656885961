/**
 * OpenID tokens. Spec: client-server-api "OpenID", openid.yaml (v1.19).
 */
import { Type } from 'typebox';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

const UserParams = Type.Object({ userId: Type.String() });
// "An empty object. Reserved for future expansion."
const RequestTokenBody = Type.Object({});
const TokenReply = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  matrix_server_name: Type.String(),
  expires_in: Type.Integer(),
});

export function openIdRoutes(app: TypedApp, services: Pick<Services, 'openId'>): void {
  /** POST /_matrix/client/v3/user/{userId}/openid/request_token */
  app.post(
    '/user/:userId/openid/request_token',
    { config: { auth: 'required' }, schema: { params: UserParams, body: RequestTokenBody, response: { 200: TokenReply } } },
    async (request) => services.openId.requestToken(requesterOf(request), request.params.userId),
  );
}
