/** The services a surface's routes are given (built in server.ts; routes import these types only). */
import type { ServerName } from '../core/ids.js';
import type { AccountsService } from './accounts.js';
import type { AccountDataService } from './account-data.js';
import type { TagsService } from './tags.js';
import type { ReadMarkersService } from './read-markers.js';
import type { AuthService } from './auth.js';
import type { DevicesService } from './devices.js';
import type { DirectoryService } from './directory.js';
import type { FiltersService } from './filters.js';
import type { SyncService } from './sync.js';
import type { LegacySyncService } from './legacy-sync.js';
import type { PushRulesService } from './push-rules.js';
import type { PushersService } from './pushers.js';
import type { NotificationsService } from './notifications.js';
import type { MembershipService } from './membership.js';
import type { RoomCreateService } from './room-create.js';
import type { RoomMessagesService } from './room-messages.js';
import type { RoomReadService } from './room-read.js';
import type { RoomSendService } from './room-send.js';
import type { RoomUpgradeService } from './room-upgrade.js';
import type { RelationsService } from './relations.js';
import type { ThreadsService } from './threads.js';
import type { SpaceHierarchyService } from './space-hierarchy.js';
import type { ProfileService } from './profile.js';
import type { PresenceService } from './presence.js';
import type { ReceiptsService } from './receipts.js';
import type { ToDeviceService } from './to-device.js';
import type { TypingService } from './typing.js';
import type { RegistrationTokensService } from './registration-tokens.js';
import type { SearchService } from './search.js';
import type { UserDirectoryService } from './user-directory.js';
import type { ReportsService } from './reports.js';
import type { OpenIdService } from './openid.js';

export interface Services {
  readonly auth: AuthService;
  readonly accounts: AccountsService;
  readonly accountData: AccountDataService;
  readonly tags: TagsService;
  readonly readMarkers: ReadMarkersService;
  readonly devices: DevicesService;
  readonly profile: ProfileService;
  readonly registrationTokens: RegistrationTokensService;
  readonly search: SearchService;
  readonly userDirectory: UserDirectoryService;
  readonly reports: ReportsService;
  readonly openId: OpenIdService;
  readonly roomCreate: RoomCreateService;
  readonly roomSend: RoomSendService;
  readonly roomRead: RoomReadService;
  readonly roomMessages: RoomMessagesService;
  readonly membership: MembershipService;
  readonly directory: DirectoryService;
  readonly roomUpgrade: RoomUpgradeService;
  readonly relations: RelationsService;
  readonly threads: ThreadsService;
  readonly spaceHierarchy: SpaceHierarchyService;
  readonly filters: FiltersService;
  readonly sync: SyncService;
  readonly legacySync: LegacySyncService;
  readonly pushRules: PushRulesService;
  readonly typing: TypingService;
  readonly receipts: ReceiptsService;
  readonly presence: PresenceService;
  readonly toDevice: ToDeviceService;
  readonly pushers: PushersService;
  readonly notifications: NotificationsService;
}

/** Facts about this server that replies mention. */
export interface ServerInfo {
  readonly serverName: ServerName;
  /** The URL clients reach this server at (`public_baseurl`, or the public listener's bound address). */
  publicBaseUrl(): string;
  readonly version: string;
  /** For /capabilities m.room_versions. */
  readonly roomVersions: { readonly default: string; readonly available: Readonly<Record<string, 'stable'>> };
}
