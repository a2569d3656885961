/**
 * GET /_matrix/client/v3/capabilities. Spec: capabilities.yaml (v1.19).
 */
import type { TypedApp } from '../../http/types.js';
import type { ServerInfo } from '../../services/index.js';

export function capabilitiesRoutes(app: TypedApp, server: Pick<ServerInfo, 'roomVersions'>): void {
  /** GET /capabilities */
  app.get('/capabilities', { config: { auth: 'required', allowGuests: true } }, async () => ({
    capabilities: {
      'm.change_password': { enabled: true },
      'm.set_displayname': { enabled: true },
      'm.set_avatar_url': { enabled: true },
      'm.profile_fields': { enabled: true },
      // No identity server, email or SMS: third-party IDs can't be added or removed.
      'm.3pid_changes': { enabled: false },
      'm.get_login_token': { enabled: false },
      'm.room_versions': { default: server.roomVersions.default, available: server.roomVersions.available },
    },
  }));
}
