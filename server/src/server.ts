/**
 * The composition root: the only module that wires concrete implementations together
 * (CONVENTIONS rule 2). Builds storage, services and the two fastify apps: the public listener
 * (client API, well-known) and the loopback admin listener.
 */
import { readFileSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { adminApi } from './api/admin/index.js';
import { clientApi } from './api/client/index.js';
import { discoveryRoutes } from './api/client/discovery.js';
import type { Clock } from './core/clock.js';
import { defaultPublicBaseUrl } from './config/load.js';
import type { HomeserverConfig } from './config/types.js';
import { createApp } from './http/app.js';
import type { TypedApp } from './http/types.js';
import { parseSigningKeyFile, type SigningKey } from './rooms/signing.js';
import { createAccountsService } from './services/accounts.js';
import { createAuthService } from './services/auth.js';
import { createClientIps } from './services/client-ips.js';
import { systemClock } from './services/clock.js';
import { createDevicesService } from './services/devices.js';
import type { ServerInfo, Services } from './services/index.js';
import { createPasswordHasher } from './services/password-hasher.js';
import { createProfileService } from './services/profile.js';
import { createRateLimiter } from './services/rate-limiter.js';
import { createRegistrationTokensService } from './services/registration-tokens.js';
import { createTokenIssuer } from './services/token-issuer.js';
import { createUiaService } from './services/uia.js';
import { availableRoomVersions } from './rooms/room-versions.js';
import { createClientEventsFormatter } from './services/client-events.js';
import { createBundledAggregations } from './services/bundled-aggregations.js';
import { createRelationsService } from './services/relations.js';
import { createThreadsService } from './services/threads.js';
import { createSpaceHierarchyService } from './services/space-hierarchy.js';
import { createDirectoryService } from './services/directory.js';
import { createMembershipService } from './services/membership.js';
import { createNotifier } from './services/notifier.js';
import { createRoomCreateService } from './services/room-create.js';
import { createRoomEventsService } from './services/room-events.js';
import { createRoomLock } from './services/room-lock.js';
import { createHistoryVisibility } from './services/history-visibility.js';
import { createRoomAccess } from './services/room-access.js';
import { createRoomMessagesService } from './services/room-messages.js';
import { createRoomReadService } from './services/room-read.js';
import { createRoomSendService } from './services/room-send.js';
import { createRoomUpgradeService } from './services/room-upgrade.js';
import { createFiltersService } from './services/filters.js';
import { createSyncService } from './services/sync.js';
import { createLegacySyncService } from './services/legacy-sync.js';
import { createPushRulesService } from './services/push-rules.js';
import { createPresenceService } from './services/presence.js';
import { createReceiptsService } from './services/receipts.js';
import { createToDeviceService } from './services/to-device.js';
import { createTypingService } from './services/typing.js';
import { createAccountDataService, PUSH_RULES } from './services/account-data.js';
import { createTagsService } from './services/tags.js';
import { createReadMarkersService } from './services/read-markers.js';
import { createPushActionsService } from './services/push-actions.js';
import { createPushDelivery } from './services/push-delivery.js';
import { createPushersService } from './services/pushers.js';
import { createNotificationsService } from './services/notifications.js';
import { createUnreadCounts } from './services/unread-counts.js';
import { evaluatePushRules, highlights, notifies } from './rooms/push-evaluator.js';
import { EventType, membershipOf } from './rooms/pdu.js';
import type { UserId } from './core/ids.js';
import { openSqliteStorage, type SqliteStorage } from './storage/sqlite/index.js';
import { createSearchService } from './services/search.js';
import { createUserDirectoryService } from './services/user-directory.js';
import { createReportsService } from './services/reports.js';
import { createOpenIdService } from './services/openid.js';
import { federationOpenIdRoutes } from './api/federation/openid.js';

export const HEARTH_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface ServerOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export interface Homeserver {
  readonly config: HomeserverConfig;
  readonly publicApp: TypedApp;
  readonly adminApp: TypedApp;
  readonly services: Services;
  readonly storage: SqliteStorage;
  readonly signingKey: SigningKey;
  readonly log: Logger;
  close(): Promise<void>;
}

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ['req.headers.authorization', '*.access_token', '*.password', '*.new_password', '*.refresh_token', '*.token'],
      censor: '<redacted>',
    },
  });
}

export function loadSigningKey(path: string) {
  const parsed = parseSigningKeyFile(readFileSync(path, 'utf8'));
  if (!parsed.ok) throw new Error(`Cannot read the signing key ${path}: ${parsed.error}`);
  return parsed.value;
}

/** Builds a homeserver from a loaded config. Nothing listens until main.ts (or a test) calls listen. */
export async function createHomeserver(config: HomeserverConfig, options: ServerOptions = {}): Promise<Homeserver> {
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? createLogger(config.log.level);
  const signingKey = loadSigningKey(config.signingKeyPath);
  const storage = openSqliteStorage(config.database.path, { synchronous: config.database.synchronous });
  let publicApp: TypedApp | null = null;
  const server: ServerInfo = {
    serverName: config.serverName,
    version: HEARTH_VERSION,
    roomVersions: { default: config.defaultRoomVersion, available: availableRoomVersions() },
    publicBaseUrl: () => {
      if (config.publicBaseUrl !== null) return config.publicBaseUrl;
      const bound = publicApp?.server.address();
      const port = bound && typeof bound === 'object' ? bound.port : config.listeners.public.port;
      return defaultPublicBaseUrl(config.listeners.public.host, port);
    },
  };

  const limiter = (name: keyof HomeserverConfig['rateLimits']) => createRateLimiter(config.rateLimits[name], clock);
  const hasher = createPasswordHasher(config.passwordHashing);
  const tokens = createTokenIssuer(clock, config.session);
  const clientIps = createClientIps({
    devices: storage.devices,
    clock,
    onFlushError: (error) => log.warn({ err: error }, 'writing device last-seen data failed; will retry'),
  });
  const auth = createAuthService({
    storage,
    serverName: config.serverName,
    clock,
    hasher,
    tokens,
    clientIps,
    limits: {
      loginAddress: limiter('loginAddress'),
      loginAccount: limiter('loginAccount'),
      loginFailedAttempts: limiter('loginFailedAttempts'),
    },
  });
  const uia = createUiaService({
    store: storage.uia,
    clock,
    sessionTimeoutMs: config.registration.sessionTimeoutMs,
    verifyPassword: (requester, authDict) => auth.verifyUiaPassword(requester, authDict),
  });
  const notifier = createNotifier(await storage.rooms.maxStreamOrdering());
  const accountData = createAccountDataService({
    store: storage.accountData,
    notifier,
    position: await storage.accountData.maxStreamId(),
    // Spec "Push Rules: Events": clients read the ruleset from m.push_rules account data (initial syncs get the computed one).
    computedDefaults: { [PUSH_RULES]: async (userId) => ({ ...(await pushRules.ruleset(userId)) }) },
  });
  const pushRules = createPushRulesService({
    store: storage.pushRules,
    publish: (userId, content) => accountData.putInternal(userId, PUSH_RULES, content),
  });
  // Push: actions computed on the send path (stored with each event), gateways notified after the commit.
  const pushDelivery = createPushDelivery({
    rooms: storage.rooms,
    pushers: storage.pushers,
    pushActions: storage.pushActions,
    clock,
    log: log.child({ svc: 'push' }),
  });
  const pushActions = createPushActionsService({
    rooms: storage.rooms,
    rules: {
      // `services` is built below; events are only sent once it is.
      rulesetFor: (userId) => services.pushRules.rulesetFor(userId),
      evaluate: evaluatePushRules,
      notifies,
      highlights,
    },
    isLocal: (userId) => userId.endsWith(`:${config.serverName}`),
    ignoredUsers: (userId) => accountData.ignoredUsers(userId),
    log: log.child({ svc: 'push' }),
  });
  const roomEvents = createRoomEventsService({
    rooms: storage.rooms,
    roomLock: createRoomLock(),
    notifier,
    clock,
    serverName: config.serverName,
    signingKey,
    log: log.child({ svc: 'rooms' }),
    pushActions: (room, event) => pushActions.actionsFor(room, event),
    afterPersist: (committed) => {
      pushDelivery.eventCommitted(committed);
      // Sending counts as presence activity, as Synapse (last active now; unavailable → online); `presence` is built below.
      const sender = committed.event.pdu.sender as UserId;
      if (sender.endsWith(`:${config.serverName}`)) presence.bumpActive(sender);
      // Leaving, a kick or a ban ends the member's typing (`typing` is built below; events are only sent once it is).
      const { pdu } = committed.event;
      if (pdu.type === EventType.Member && pdu.state_key !== undefined && membershipOf(pdu) !== 'join') {
        typing.userLeft(committed.event.roomId, pdu.state_key as UserId);
      }
    },
  });
  // Bundled aggregations (relations, threads, edits) go into every event served to clients.
  const aggregations = createBundledAggregations({
    relations: storage.relations,
    rooms: storage.rooms,
    ignoredUsers: (userId) => accountData.ignoredUsers(userId),
  });
  const clientEvents = createClientEventsFormatter({ rooms: storage.rooms, now: () => clock.now(), aggregations });
  const historyVisibility = createHistoryVisibility({ rooms: storage.rooms });
  const roomAccess = createRoomAccess({ events: roomEvents, rooms: storage.rooms, visibility: historyVisibility });
  const roomReadDeps = {
    events: roomEvents,
    rooms: storage.rooms,
    clientEvents,
    visibility: historyVisibility,
    access: roomAccess,
    ignoredUsers: (userId: UserId) => accountData.ignoredUsers(userId),
  };
  // displayname and avatar_url go into member events (spec "m.room.member").
  const memberProfile = async (userId: UserId) => {
    const profile = await storage.profiles.getProfile(userId);
    const fields: Record<string, unknown> = {};
    if (typeof profile.displayname === 'string') fields.displayname = profile.displayname;
    if (typeof profile.avatar_url === 'string') fields.avatar_url = profile.avatar_url;
    return fields;
  };
  const directory = createDirectoryService({
    rooms: storage.rooms,
    events: roomEvents,
    serverName: config.serverName,
    clock,
    log: log.child({ svc: 'directory' }),
  });
  const membership = createMembershipService({
    events: roomEvents,
    rooms: storage.rooms,
    users: storage.users,
    serverName: config.serverName,
    memberProfile,
    log: log.child({ svc: 'membership' }),
  });
  const filters = createFiltersService({ filters: storage.filters });
  // Ephemeral streams: presence, typing, receipts, to-device (each a SyncSource; positions loaded once).
  const presence = createPresenceService({
    presence: storage.presence,
    rooms: storage.rooms,
    users: storage.users,
    notifier,
    clock,
    serverName: config.serverName,
    log: log.child({ svc: 'presence' }),
    initial: await storage.presence.allPresence(),
  });
  const typing = createTypingService({ events: roomEvents, notifier, onActive: (userId) => presence.bumpActive(userId) });
  const receipts = createReceiptsService({
    receipts: storage.receipts,
    rooms: storage.rooms,
    events: roomEvents,
    notifier,
    clock,
    roomAccountData: {
      get: (userId, roomId, type) => accountData.getInternal(userId, roomId, type),
      set: (userId, roomId, type, content) => accountData.setRoomAccountDataInternal(userId, roomId, type, content),
    },
    initial: await storage.receipts.streamPositions(),
    onActive: (userId) => presence.bumpActive(userId),
    // A stored read receipt may lower the unread count: update the badge on the user's pushers.
    onReceiptStored: (userId) => pushDelivery.countsChanged(userId),
  });
  const toDevice = createToDeviceService({
    toDevice: storage.toDevice,
    notifier,
    clock,
    serverName: config.serverName,
    log: log.child({ svc: 'to-device' }),
    initial: await storage.toDevice.streamPositions(),
  });
  const sync = createSyncService({
    rooms: storage.rooms,
    notifier,
    filters,
    clientEvents,
    visibleEvents: (userId, events) => historyVisibility.visibleEvents(userId, events),
    sources: [accountData.syncSource, typing.source, receipts.source, presence.source, toDevice.source],
    syncPresence: (userId, state) => presence.syncing(userId, state),
    syncEnded: (userId, state) => presence.syncEnded(userId, state),
    ignoredUsers: (userId) => accountData.ignoredUsers(userId),
    unreadCounts: createUnreadCounts({ pushActions: storage.pushActions }),
    log: log.child({ svc: 'sync' }),
  });
  const roomRead = createRoomReadService(roomReadDeps);
  const roomMessages = createRoomMessagesService(roomReadDeps);
  const services: Services = {
    accountData,
    tags: createTagsService({ accountData, rooms: storage.rooms }),
    readMarkers: createReadMarkersService({
      accountData,
      rooms: storage.rooms,
      setReceipt: (requester, roomId, receiptType, eventId) => receipts.setReceipt(requester, roomId, receiptType, eventId),
    }),
    roomRead,
    roomMessages,
    relations: createRelationsService({ ...roomReadDeps, relations: storage.relations }),
    threads: createThreadsService({ ...roomReadDeps, relations: storage.relations }),
    spaceHierarchy: createSpaceHierarchyService({ events: roomEvents, rooms: storage.rooms, clock }),
    filters,
    sync,
    typing,
    receipts,
    presence,
    toDevice,
    legacySync: createLegacySyncService({
      sync,
      rooms: storage.rooms,
      clientEvents,
      roomRead,
      roomMessages,
      access: roomAccess,
      visibility: historyVisibility,
      notifier,
    }),
    pushRules,
    pushers: createPushersService({ pushers: storage.pushers, clock }),
    notifications: createNotificationsService({ pushActions: storage.pushActions, rooms: storage.rooms, clientEvents }),
    roomCreate: createRoomCreateService({
      events: roomEvents,
      membership,
      directory,
      rooms: storage.rooms,
      serverName: config.serverName,
      defaultRoomVersion: config.defaultRoomVersion,
      memberProfile,
      log: log.child({ svc: 'room-create' }),
    }),
    roomSend: createRoomSendService({ events: roomEvents, rooms: storage.rooms, relations: storage.relations, messageLimit: limiter('message') }),
    membership,
    directory,
    roomUpgrade: createRoomUpgradeService({
      events: roomEvents,
      rooms: storage.rooms,
      serverName: config.serverName,
      memberProfile,
      copyUserState: (userId, oldRoomId, newRoomId) => accountData.copyToUpgradedRoom(userId, oldRoomId, newRoomId),
      log: log.child({ svc: 'room-upgrade' }),
    }),
    auth,
    accounts: createAccountsService({
      storage,
      serverName: config.serverName,
      clock,
      hasher,
      tokens,
      uia,
      registration: config.registration,
      limits: { registration: limiter('registration'), availability: limiter('registrationTokenValidity') },
    }),
    devices: createDevicesService({ storage, clientIps, uia }),
    profile: createProfileService({
      storage,
      serverName: config.serverName,
      onMemberProfileChange: (userId) => membership.propagateProfile(userId),
    }),
    registrationTokens: createRegistrationTokensService({ storage, clock }),
    search: createSearchService({
      search: storage.search,
      rooms: storage.rooms,
      events: roomEvents,
      clientEvents,
      visibility: historyVisibility,
      access: roomAccess,
      ignoredUsers: (userId) => accountData.ignoredUsers(userId),
    }),
    userDirectory: createUserDirectoryService({ store: storage.userDirectory, serverName: config.serverName }),
    reports: createReportsService({
      reports: storage.reports,
      rooms: storage.rooms,
      users: storage.users,
      access: roomAccess,
      visibility: historyVisibility,
      serverName: config.serverName,
      clock,
    }),
    openId: createOpenIdService({ tokens: storage.openIdTokens, users: storage.users, serverName: config.serverName, clock }),
  };

  publicApp = createApp({
    logger: log.child({ listener: 'public' }),
    cors: true,
    trustProxy: config.listeners.public.xForwarded,
  });
  const inFlight = trackInFlight(publicApp);
  discoveryRoutes(publicApp, server);
  await clientApi(publicApp, services, server);
  // The federation API: only OpenID userinfo so far (no client auth hook: the token is in the query).
  await publicApp.register(async (scope: TypedApp) => federationOpenIdRoutes(scope, services), { prefix: '/_matrix/federation/v1' });

  const adminApp = createApp({ logger: log.child({ listener: 'admin' }) });
  const adminInFlight = trackInFlight(adminApp);
  await adminApi(adminApp, { server, adminToken: config.adminApi.token });

  // Expired UIA sessions give back the registration-token uses they reserved.
  const sweeper = setInterval(() => {
    uia.expire().catch((error: unknown) => log.warn({ err: error }, 'expiring UIA sessions failed'));
  }, 60_000);
  sweeper.unref();

  return {
    config,
    publicApp,
    adminApp,
    services,
    storage,
    signingKey,
    log,
    async close() {
      clearInterval(sweeper);
      // Long-polling syncs answer now instead of holding the close for their timeout.
      sync.wakeAll();
      await Promise.allSettled([publicApp?.close(), adminApp.close()]);
      // A handler can outlive its connection (the client hung up): let it finish before storage closes.
      await Promise.all([inFlight.settled(CLOSE_GRACE_MS), adminInFlight.settled(CLOSE_GRACE_MS)]);
      await clientIps.close();
      typing.close();
      await presence.close();
      pushDelivery.close();
      await storage.close();
    },
  };
}

/** How long close() waits for handlers still running after their connections are gone. */
const CLOSE_GRACE_MS = 5_000;

/**
 * Counts requests whose handlers haven't finished, so close() can wait for them: fastify's close()
 * doesn't wait for a handler whose client already hung up. A reply passes onSend when its handler
 * finishes, whether or not the client is still there; onResponse covers replies without a payload.
 */
function trackInFlight(app: TypedApp) {
  const running = new Set<object>();
  let waiters: Array<() => void> = [];
  const finish = async (request: object) => {
    if (running.delete(request) && running.size === 0) {
      for (const wake of waiters) wake();
      waiters = [];
    }
  };
  app.addHook('onRequest', async (request) => {
    running.add(request);
  });
  const handled = new WeakSet<object>();
  app.addHook('preHandler', async (request) => {
    handled.add(request);
  });
  app.addHook('onSend', finish);
  app.addHook('onResponse', finish);
  // Aborted before its handler ran: nothing more will happen for it.
  app.addHook('onRequestAbort', async (request) => {
    if (!handled.has(request)) await finish(request);
  });
  return {
    /** Resolves when no handler runs, or after `maxMs` at the latest. */
    settled(maxMs: number): Promise<void> {
      if (running.size === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, maxMs);
        timer.unref();
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
