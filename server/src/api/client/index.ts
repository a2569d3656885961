/**
 * The client-server API surface: every endpoint under /_matrix/client/v3 and, as Synapse serves them,
 * the legacy /_matrix/client/r0 (matrix-nio and older bots call only those); a few live under v1.
 */
import type { ServerInfo, Services } from '../../services/index.js';
import { installAuthHook } from '../../http/auth-hook.js';
import type { TypedApp } from '../../http/types.js';
import { accountRoutes } from './account.js';
import { accountDataRoutes, readMarkersRoutes } from './account-data.js';
import { capabilitiesRoutes } from './capabilities.js';
import { devicesRoutes } from './devices.js';
import { directoryRoutes } from './directory.js';
import { membershipRoutes } from './membership.js';
import { roomsRoutes } from './rooms.js';
import { roomReadRoutes, roomReadRoutesV1 } from './room-read.js';
import { roomUpgradeRoutes } from './room-upgrade.js';
import { relationsRoutesV1 } from './relations.js';
import { hierarchyRoutesV1 } from './hierarchy.js';
import { syncRoutes } from './sync.js';
import { legacySyncRoutes } from './legacy-sync.js';
import { pushRulesRoutes } from './push-rules.js';
import { pushersRoutes } from './pushers.js';
import { notificationsRoutes } from './notifications.js';
import { profileRoutes } from './profile.js';
import { presenceRoutes } from './presence.js';
import { receiptsRoutes } from './receipts.js';
import { toDeviceRoutes } from './to-device.js';
import { typingRoutes } from './typing.js';
import { searchRoutes } from './search.js';
import { userDirectoryRoutes } from './user-directory.js';
import { reportsRoutes } from './reports.js';
import { openIdRoutes } from './openid.js';
import { registerRoutes, registerRoutesV1 } from './register.js';
import { sessionRoutes } from './session.js';

export async function clientApi(app: TypedApp, services: Services, server: ServerInfo): Promise<void> {
  const versioned = async (scope: TypedApp): Promise<void> => {
    installAuthHook(scope, services.auth);
    registerRoutes(scope, services);
    sessionRoutes(scope, services);
    accountRoutes(scope, services);
    accountDataRoutes(scope, services);
    readMarkersRoutes(scope, services);
    capabilitiesRoutes(scope, server);
    roomsRoutes(scope, services);
    roomReadRoutes(scope, services);
    membershipRoutes(scope, services);
    directoryRoutes(scope, services);
    roomUpgradeRoutes(scope, services);
    syncRoutes(scope, services);
    legacySyncRoutes(scope, services);
    pushRulesRoutes(scope, services);
    pushersRoutes(scope, services);
    notificationsRoutes(scope, services);
    devicesRoutes(scope, services);
    profileRoutes(scope, services);
    typingRoutes(scope, services);
    receiptsRoutes(scope, services);
    presenceRoutes(scope, services);
    toDeviceRoutes(scope, services);
    searchRoutes(scope, services);
    userDirectoryRoutes(scope, services);
    reportsRoutes(scope, services);
    openIdRoutes(scope, services);
  };
  await app.register(versioned, { prefix: '/_matrix/client/v3' });
  await app.register(versioned, { prefix: '/_matrix/client/r0' });
  await app.register(
    async (scope: TypedApp) => {
      installAuthHook(scope, services.auth);
      registerRoutesV1(scope, services);
      roomReadRoutesV1(scope, services);
      relationsRoutesV1(scope, services);
      hierarchyRoutesV1(scope, services);
    },
    { prefix: '/_matrix/client/v1' },
  );
}
