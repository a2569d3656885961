/**
 * The user directory. Spec: client-server-api "User Directory", users.yaml (v1.19).
 */
import { Type } from 'typebox';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

// users.yaml searchUserDirectory: `limit` defaults to 10.
const SearchBody = Type.Object({ search_term: Type.String(), limit: Type.Optional(Type.Integer({ minimum: 0 })) });

export function userDirectoryRoutes(app: TypedApp, services: Pick<Services, 'userDirectory'>): void {
  /** POST /_matrix/client/v3/user_directory/search */
  app.post('/user_directory/search', { config: { auth: 'required' }, schema: { body: SearchBody } }, async (request) =>
    services.userDirectory.search(requesterOf(request), request.body.search_term, request.body.limit),
  );
}
