/**
 * The federation API's OpenID userinfo: a third party exchanges a user's OpenID token for their user ID.
 * Spec: server-server-api "OpenID" (data/api/server-server/openid.yaml, v1.19). The token is the only
 * credential: no Authorization, no X-Matrix signature (this is called by services, not servers).
 */
import { Type } from 'typebox';
import { MatrixError } from '../../core/errors.js';
import type { TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

const UserInfoQuery = Type.Object({ access_token: Type.Optional(Type.String()) });
const UserInfoReply = Type.Object({ sub: Type.String() });

/** Mounted under /_matrix/federation/v1. */
export function federationOpenIdRoutes(app: TypedApp, services: Pick<Services, 'openId'>): void {
  /** GET /_matrix/federation/v1/openid/userinfo */
  app.get('/openid/userinfo', { schema: { querystring: UserInfoQuery, response: { 200: UserInfoReply } } }, async (request) => {
    const token = request.query.access_token;
    // Synapse answers a missing token with 401 as well (the spec lists only 401 for a bad token).
    if (token === undefined || token === '') throw new MatrixError('M_MISSING_TOKEN', 'Access token required');
    return services.openId.userInfo(token);
  });
}
