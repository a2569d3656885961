/**
 * GET /_matrix/client/v3/capabilities. Spec: capabilities.yaml (v1.19).
 * m.room_versions joins when rooms do (issue 3); until then clients can't create rooms here at all.
 */
import type { TypedApp } from '../../http/types.js';

export function capabilitiesRoutes(app: TypedApp): void {
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
    },
  }));
}
