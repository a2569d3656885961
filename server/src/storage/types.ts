/**
 * Storage ports: async, intention-level methods, each one transaction (CONVENTIONS §1 rule 5), so a
 * PostgreSQL backend can sit beside SQLite. Internal records are camelCase; JSON stays as the wire has it.
 */
import type { DeviceId, EventId, RoomId, UserId } from '../core/ids.js';
import type { Membership, RoomEvent, StateKey } from '../rooms/pdu.js';
import type { PushAction, PushCondition, PushRuleKind } from '../rooms/push-evaluator.js';

export interface UserRecord {
  readonly userId: UserId;
  readonly passwordHash: string | null;
  readonly isAdmin: boolean;
  readonly isGuest: boolean;
  readonly deactivated: boolean;
  readonly createdTs: number;
}

export interface DeviceRecord {
  readonly userId: UserId;
  readonly deviceId: DeviceId;
  readonly displayName: string | null;
  readonly createdTs: number;
  readonly lastSeenTs: number | null;
  readonly lastSeenIp: string | null;
  readonly lastSeenUserAgent: string | null;
}

/** Tokens are never stored: only their SHA-256. */
export interface NewTokens {
  readonly accessTokenHash: Buffer;
  /** Null: the access token doesn't expire. */
  readonly accessExpiresTs: number | null;
  /** Present when the client asked for a refresh token. */
  readonly refresh?: { readonly tokenHash: Buffer; readonly expiresTs: number | null } | undefined;
}

/** A new login session: the device (created, or taken over with its old tokens revoked) and its tokens. */
export interface NewSession {
  readonly userId: UserId;
  readonly deviceId: DeviceId;
  /** Applied when the device is new, or when given for an existing one. */
  readonly deviceDisplayName: string | null;
  readonly tokens: NewTokens;
  readonly now: number;
}

export interface NewAccount {
  /** Null allocates the next numeric localpart (guests). */
  readonly localpart: string | null;
  readonly serverName: string;
  readonly passwordHash: string | null;
  readonly isAdmin: boolean;
  readonly isGuest: boolean;
  readonly displayName: string | null;
  /** Completes this registration token's pending use (Synapse's semantics). */
  readonly registrationToken: string | null;
  /** The finished user-interactive auth session, deleted with the registration. */
  readonly uiaSessionId: string | null;
  /** Omitted with `inhibit_login`. */
  readonly session: Omit<NewSession, 'userId' | 'now'> | null;
  readonly now: number;
}

/**
 * `uia_session_gone`: the auth session ended (expired, giving its registration-token use back) between
 * being checked and the registration being written, so the token use can't be completed.
 */
export type RegisterResult =
  | { readonly ok: true; readonly userId: UserId }
  | { readonly ok: false; readonly reason: 'user_in_use' | 'uia_session_gone' };

export interface UsersStore {
  /** Creates the account, its profile and (unless inhibited) its first device and tokens, atomically. */
  register(account: NewAccount): Promise<RegisterResult>;
  getUser(userId: UserId): Promise<UserRecord | null>;
  countUsers(): Promise<number>;
  hasAdmin(): Promise<boolean>;
  setAdmin(userId: UserId, isAdmin: boolean): Promise<boolean>;
  /**
   * Sets the password hash. With `logoutExcept`, deletes every other device and its tokens
   * (null: all of them). Returns the deleted device IDs.
   */
  setPasswordHash(userId: UserId, hash: string, logout: { readonly except: DeviceId | null } | null): Promise<DeviceId[]>;
  /** Marks the account deactivated, removes its password, devices, tokens and profile. */
  deactivate(userId: UserId): Promise<void>;
}

export interface ProfilesStore {
  /** The user's profile fields, values as JSON values. */
  getProfile(userId: UserId): Promise<Record<string, unknown>>;
  /**
   * Sets one field to a JSON value (`null` is stored as null, spec: "Servers that accept null values SHOULD
   * store them"). With `maxProfileBytes`, atomically refuses a change that would make the whole profile, as
   * UTF-8 JSON, reach that size (spec: "the total profile MUST be under 64 KiB").
   */
  setField(userId: UserId, field: string, value: unknown, maxProfileBytes?: number): Promise<SetProfileFieldResult>;
  /** Removes one field; nothing happens when it isn't set. */
  deleteField(userId: UserId, field: string): Promise<void>;
}

export type SetProfileFieldResult = { readonly ok: true } | { readonly ok: false; readonly reason: 'too_large' };

export interface DevicesStore {
  listDevices(userId: UserId): Promise<DeviceRecord[]>;
  getDevice(userId: UserId, deviceId: DeviceId): Promise<DeviceRecord | null>;
  /** Returns false when the device doesn't exist. */
  renameDevice(userId: UserId, deviceId: DeviceId, displayName: string | null): Promise<boolean>;
  /** Deletes the devices with all their tokens; returns the IDs that existed. */
  deleteDevices(userId: UserId, deviceIds: readonly DeviceId[]): Promise<DeviceId[]>;
  deleteAllDevices(userId: UserId): Promise<DeviceId[]>;
  /** Batched write of last-seen data (client IPs), flushed off the request path. */
  recordLastSeen(entries: readonly LastSeen[]): Promise<void>;
}

export interface LastSeen {
  readonly userId: UserId;
  readonly deviceId: DeviceId;
  readonly ts: number;
  readonly ip: string;
  readonly userAgent: string | null;
}

export interface AccessTokenInfo {
  readonly tokenId: number;
  readonly userId: UserId;
  readonly deviceId: DeviceId;
  readonly expiresTs: number | null;
  readonly used: boolean;
  readonly refreshTokenId: number | null;
  readonly isGuest: boolean;
  readonly isAdmin: boolean;
  readonly deactivated: boolean;
}

export type RefreshResult =
  | { readonly ok: true; readonly userId: UserId; readonly deviceId: DeviceId }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'superseded' };

export interface SessionsStore {
  /** Creates or takes over the device (revoking its previous tokens) and issues tokens, atomically. */
  createSession(session: NewSession): Promise<void>;
  lookupAccessToken(tokenHash: Buffer): Promise<AccessTokenInfo | null>;
  /**
   * First use of a refreshed access token: marks it used and revokes the refresh token it replaced
   * (spec: "The old refresh token remains valid until the new access token or refresh token is used").
   */
  markAccessTokenUsed(tokenId: number, refreshTokenId: number | null): Promise<void>;
  /**
   * Exchanges a refresh token for new tokens on the same device. The old one stays valid until the new
   * pair is used; once they are, it is `superseded`.
   */
  refresh(oldRefreshHash: Buffer, tokens: NewTokens & { refresh: NonNullable<NewTokens['refresh']> }, now: number): Promise<RefreshResult>;
}

export interface RegistrationTokenRecord {
  readonly token: string;
  readonly usesAllowed: number | null;
  readonly pending: number;
  readonly completed: number;
  readonly expiryTime: number | null;
  /** Hearth's bootstrap token: the account it registers becomes a server admin. */
  readonly grantsAdmin: boolean;
}

export interface NewRegistrationToken {
  readonly token: string;
  readonly usesAllowed: number | null;
  readonly expiryTime: number | null;
  readonly grantsAdmin: boolean;
  readonly now: number;
}

export interface RegistrationTokensStore {
  /** False when the token already exists. */
  create(token: NewRegistrationToken): Promise<boolean>;
  get(token: string): Promise<RegistrationTokenRecord | null>;
  list(): Promise<RegistrationTokenRecord[]>;
  delete(token: string): Promise<boolean>;
}

export interface UiaSessionRecord {
  readonly sessionId: string;
  /** What the session authorises, e.g. `register` or `delete_devices:@a:hs`: a session can't be reused elsewhere. */
  readonly operation: string;
  readonly createdTs: number;
  readonly completed: readonly string[];
  /** The registration token this session holds a pending use of. */
  readonly registrationToken: string | null;
}

export interface UiaStore {
  createSession(sessionId: string, operation: string, now: number): Promise<void>;
  getSession(sessionId: string): Promise<UiaSessionRecord | null>;
  completeStage(sessionId: string, stage: string): Promise<void>;
  /**
   * Completes the m.login.registration_token stage: takes a pending use of the token when it is valid
   * at `now` (uses left, not expired), atomically. False when it is not.
   */
  completeRegistrationTokenStage(sessionId: string, token: string, now: number): Promise<boolean>;
  deleteSession(sessionId: string): Promise<void>;
  /** Deletes sessions created before `createdBefore`, giving back their pending token uses. */
  expireSessions(createdBefore: number): Promise<number>;
}

/** A client transaction: the device, the endpoint (`send/<type>`, `redact/<eventId>`) and the transaction ID. */
export interface TxnScope {
  readonly deviceId: DeviceId;
  readonly endpoint: string;
  readonly txnId: string;
}

/**
 * One event to persist, with the state group of the state before it: null only for a create event,
 * 'previous' for the state after the batch's previous event.
 */
export interface EventToPersist {
  readonly event: RoomEvent;
  readonly stateBefore: number | null | 'previous';
  /** Local sends: the sending device and its transaction ID (made idempotent per device). */
  readonly txn?: TxnScope | undefined;
  /** For an m.room.redaction whose redaction is to be applied: the event it redacts. */
  readonly applyRedaction?: EventId | undefined;
  /** The push actions the event's push rules gave local users (stored with it; see PushActionsStore). */
  readonly pushActions?: readonly PushActionRow[] | undefined;
}

export interface NewRoom {
  readonly roomVersion: string;
  readonly creator: UserId;
  readonly createdTs: number;
}

/**
 * Events of one room to persist atomically, in order: each one's state after is computed (a state event
 * makes a new group, a delta over its state before), current state, memberships, forward extremities and
 * redactions follow the last event.
 */
export interface PersistBatch {
  readonly roomId: RoomId;
  /** Set when the batch creates the room (its first event is m.room.create). */
  readonly newRoom?: NewRoom | undefined;
  readonly events: readonly EventToPersist[];
}

export interface PersistedEvent {
  readonly eventId: EventId;
  readonly streamOrdering: number;
  readonly stateAfter: number;
}

export interface RoomRecord {
  readonly roomId: RoomId;
  readonly roomVersion: string;
  readonly creator: UserId;
  readonly isPublic: boolean;
  readonly currentStateGroup: number;
  readonly forwardExtremities: readonly EventId[];
  /** Depth of the deepest forward extremity. */
  readonly maxDepth: number;
  readonly createdTs: number;
}

export interface StoredEvent extends RoomEvent {
  readonly streamOrdering: number;
  readonly stateBefore: number | null;
  readonly stateAfter: number;
  /** The m.room.redaction event that redacted this one. */
  readonly redactedBy: EventId | null;
  /** For the sender's own device: the transaction ID it sent the event with. */
  readonly senderDevice: DeviceId | null;
  readonly txnId: string | null;
}

export interface UserMembership {
  readonly roomId: RoomId;
  readonly membership: Membership;
  readonly eventId: EventId;
  readonly streamOrdering: number;
  readonly forgotten: boolean;
}

export interface MemberEntry {
  readonly userId: UserId;
  readonly membership: Membership;
  readonly eventId: EventId;
}

/** A position in a room's timeline for pagination: (depth, stream_ordering), Synapse's topological token. */
export interface TimelinePosition {
  readonly depth: number;
  readonly stream: number;
}

export interface PaginateQuery {
  readonly roomId: RoomId;
  /** Exclusive bound to start from; null: the end of the timeline in the given direction. */
  readonly from: TimelinePosition | null;
  /** Exclusive bound to stop at. */
  readonly to?: TimelinePosition | null | undefined;
  readonly direction: 'b' | 'f';
  readonly limit: number;
  readonly types?: readonly string[] | undefined;
  readonly notTypes?: readonly string[] | undefined;
  readonly senders?: readonly string[] | undefined;
  readonly notSenders?: readonly string[] | undefined;
}

export interface RoomsStore {
  /** Persists a batch atomically. Idempotent per event ID (an event already stored is skipped). */
  persistEvents(batch: PersistBatch): Promise<PersistedEvent[]>;
  getRoom(roomId: RoomId): Promise<RoomRecord | null>;
  getEvents(eventIds: readonly EventId[]): Promise<Map<EventId, StoredEvent>>;
  /** The full state of a state group, resolved through its delta chain. */
  getStateGroup(groupId: number): Promise<ReadonlyMap<StateKey, EventId>>;
  /** The event a device sent with this transaction ID, if any. */
  getTxnEvent(userId: UserId, roomId: RoomId, txn: TxnScope): Promise<EventId | null>;
  /** Every room the user has a membership in (including leave), with the membership's position. */
  membershipsOf(userId: UserId): Promise<UserMembership[]>;
  /** The room's current m.room.member entries. */
  currentMembers(roomId: RoomId): Promise<MemberEntry[]>;
  /** Users in the room with the given membership. */
  usersInRoom(roomId: RoomId, membership: Membership): Promise<UserId[]>;
  /** Marks a room the user has left as forgotten (returns false if the user has no membership there). */
  forgetRoom(userId: UserId, roomId: RoomId): Promise<boolean>;
  /** Events with stream ordering in (after, upTo], newest `limit` of them, returned oldest first. */
  recentEvents(roomId: RoomId, after: number, upTo: number, limit: number): Promise<StoredEvent[]>;
  /** The newest event of the room with stream ordering ≤ `stream` (to find the state at a sync token). */
  lastEventAtOrBefore(roomId: RoomId, stream: number): Promise<StoredEvent | null>;
  /** Rooms with an event after `after` (among `roomIds`): room → newest stream ordering. */
  roomsWithEventsAfter(roomIds: readonly RoomId[], after: number): Promise<Map<RoomId, number>>;
  /** The highest stream ordering persisted (0 when none). */
  maxStreamOrdering(): Promise<number>;
  /** A page of the timeline in topological order. */
  paginate(query: PaginateQuery): Promise<StoredEvent[]>;
  /** The event closest to `ts` in the direction (`f`: at or after, `b`: at or before). */
  eventAtTimestamp(roomId: RoomId, ts: number, direction: 'b' | 'f'): Promise<StoredEvent | null>;
  setRoomPublic(roomId: RoomId, isPublic: boolean): Promise<boolean>;
  publicRoomIds(): Promise<RoomId[]>;
  /** Creates an alias; false if it is taken. */
  createAlias(alias: string, roomId: RoomId, creator: UserId, now: number): Promise<boolean>;
  getAlias(alias: string): Promise<{ roomId: RoomId; creator: UserId } | null>;
  deleteAlias(alias: string): Promise<boolean>;
  aliasesOfRoom(roomId: RoomId): Promise<string[]>;
  /** Moves every alias of one room to another (room upgrades). */
  moveAliases(from: RoomId, to: RoomId): Promise<void>;
}

export interface FiltersStore {
  createFilter(userId: UserId, json: string): Promise<number>;
  getFilter(userId: UserId, filterId: number): Promise<string | null>;
}

/** One account data entry (spec "Client Config"): global (roomId null) or of one room. */
export interface AccountDataEntry {
  readonly roomId: RoomId | null;
  readonly type: string;
  readonly content: Record<string, unknown>;
  /** Its position in the account data stream (the last write to it). */
  readonly streamId: number;
}

/**
 * Account data per user: one entry per (room or global, type), each write at the next position of the
 * account data stream. `upTo` bounds reads to positions a sync token can name.
 */
export interface AccountDataStore {
  /** Sets an entry's content; returns its new stream position. */
  put(userId: UserId, roomId: RoomId | null, type: string, content: Record<string, unknown>): Promise<number>;
  /**
   * Reads and rewrites one entry atomically: `change` gets the current content (null: unset) and returns
   * the new content, or null to leave it as it is. Returns the new position and content, or null if unchanged.
   */
  update(
    userId: UserId,
    roomId: RoomId | null,
    type: string,
    change: (current: Record<string, unknown> | null) => Record<string, unknown> | null,
  ): Promise<{ streamId: number; content: Record<string, unknown> } | null>;
  get(userId: UserId, roomId: RoomId | null, type: string): Promise<Record<string, unknown> | null>;
  /** The user's global entries at positions up to `upTo`. */
  globalEntries(userId: UserId, upTo: number): Promise<AccountDataEntry[]>;
  /** The user's entries of these rooms at positions up to `upTo`. */
  roomEntries(userId: UserId, roomIds: readonly RoomId[], upTo: number): Promise<AccountDataEntry[]>;
  /** The user's entries (global and room) written at positions after `after`, up to `upTo`. */
  changedSince(userId: UserId, after: number, upTo: number): Promise<AccountDataEntry[]>;
  /** The position of the user's last write (0: none). */
  lastStreamIdOf(userId: UserId): Promise<number>;
  /** The stream's position: the last position given out. */
  maxStreamId(): Promise<number>;
}

/** One local user's push actions for a new event (spec "Push Rules": actions), stored with the event. */
export interface PushActionRow {
  readonly userId: UserId;
  /** 'main' for the main timeline, else the thread root's event ID. */
  readonly threadId: string;
  /** The actions of the push rule that matched, as JSON values. */
  readonly actions: readonly unknown[];
  readonly notify: boolean;
  readonly highlight: boolean;
}

/** Unread push actions of one (room, thread) after the user's read receipts. */
export interface UnreadCountRow {
  readonly roomId: RoomId;
  readonly threadId: string;
  readonly notifications: number;
  readonly highlights: number;
}

export interface NotificationRecord {
  readonly eventId: EventId;
  readonly roomId: RoomId;
  readonly streamOrdering: number;
  readonly actions: readonly unknown[];
  readonly highlight: boolean;
  readonly ts: number;
  /** At or before the user's read receipt (unthreaded, or of its thread). */
  readonly read: boolean;
}

export interface NotificationsQuery {
  /** Only rows with stream ordering below this (paging); null: from the newest. */
  readonly before: number | null;
  readonly limit: number;
  readonly onlyHighlight: boolean;
}

/**
 * Push actions written by the event persister (EventToPersist.pushActions). A user's read position in a
 * room or thread is the furthest of their m.read and m.read.private receipts; an unthreaded receipt
 * reads everything before it, a threaded one its thread ('main': the main timeline).
 */
export interface PushActionsStore {
  /** Per (room, thread) counts of the user's unread push actions in these rooms (rows with none left out). */
  unreadCounts(userId: UserId, roomIds: readonly RoomId[]): Promise<UnreadCountRow[]>;
  /** Unread notifying push actions of the user across the rooms they are joined to (the push badge). */
  badgeCount(userId: UserId): Promise<number>;
  /** The user's push actions, newest first. */
  notifications(userId: UserId, query: NotificationsQuery): Promise<NotificationRecord[]>;
}

export interface PusherRecord {
  readonly id: number;
  readonly userId: UserId;
  /** The device that set it: deleting the device deletes the pusher. */
  readonly deviceId: DeviceId;
  readonly kind: string;
  readonly appId: string;
  readonly pushkey: string;
  readonly appDisplayName: string;
  readonly deviceDisplayName: string;
  readonly profileTag: string | null;
  readonly lang: string;
  /** The pusher's `data`, including `url`. */
  readonly data: Readonly<Record<string, unknown>>;
  /** When the pushkey was set, in milliseconds. */
  readonly pushkeyTs: number;
}

export type NewPusher = Omit<PusherRecord, 'id'>;

export interface PushersStore {
  /**
   * Creates or replaces the user's pusher with this app ID and pushkey. Unless `append`, other users'
   * pushers with the same app ID and pushkey are deleted (spec pusher.yaml `append`).
   */
  setPusher(pusher: NewPusher, append: boolean): Promise<void>;
  /** Returns false when there was none. */
  deletePusher(userId: UserId, appId: string, pushkey: string): Promise<boolean>;
  pushersOf(userId: UserId): Promise<PusherRecord[]>;
  /** The pushers of any of these users. */
  pushersOfUsers(userIds: readonly UserId[]): Promise<PusherRecord[]>;
  getPusher(id: number): Promise<PusherRecord | null>;
}

/**
 * A relationship from a stored event (the child) to its parent (spec "Forming relationships between
 * events"): a well-formed `m.relates_to`, kept until the child is redacted.
 */
export interface RelationRecord {
  readonly eventId: EventId;
  readonly relatesTo: EventId;
  readonly relType: string;
  readonly roomId: RoomId;
  readonly sender: UserId;
  /** The child's event type. */
  readonly type: string;
  /** m.annotation's `key`. */
  readonly key: string | null;
  readonly depth: number;
  readonly streamOrdering: number;
  readonly originServerTs: number;
}

/**
 * Children of an event in one room, in topological (depth, stream_ordering) order. Bounds read as
 * pagination tokens do (the position just after an event): backwards, events at or before `from` and
 * after `to`; forwards, events after `from` and at or before `to`.
 */
export interface RelationsQuery {
  readonly roomId: RoomId;
  readonly parentId: EventId;
  readonly relType?: string | undefined;
  readonly eventType?: string | undefined;
  /** 1: direct children; n: up to n levels down, each level passing relType/eventType. */
  readonly maxDepth: number;
  readonly from: TimelinePosition | null;
  readonly to: TimelinePosition | null;
  readonly direction: 'b' | 'f';
  readonly limit: number;
}

/** A thread (spec "Threading"): its root, its newest m.thread child and how many there are. */
export interface ThreadRecord {
  readonly roomId: RoomId;
  readonly threadId: EventId;
  readonly latestEventId: EventId;
  readonly latestStreamOrdering: number;
  readonly count: number;
}

export interface ThreadsQuery {
  readonly roomId: RoomId;
  /** Threads whose latest activity is before this stream ordering (paging); null: from the newest. */
  readonly before: number | null;
  /** Only threads this user participated in (sent the root or an m.thread child). */
  readonly participant: UserId | null;
  readonly limit: number;
}

/** What bundled aggregations of a page of events are built from. */
export interface BundleRows {
  /** The m.replace and m.reference children of the events. */
  readonly children: readonly RelationRecord[];
  /** The threads rooted at the events. */
  readonly threads: readonly ThreadRecord[];
  /** Thread roots among them the user sent an m.thread child to. */
  readonly participated: ReadonlySet<EventId>;
}

export interface RelationsStore {
  getRelation(eventId: EventId): Promise<RelationRecord | null>;
  relations(query: RelationsQuery): Promise<RelationRecord[]>;
  /** Rows for the bundled aggregations of these events (a few queries for the whole page). */
  bundleRows(parents: readonly { readonly eventId: EventId; readonly roomId: RoomId }[], userId: UserId | null): Promise<BundleRows>;
  /** A thread's newest child and count leaving out some senders (ignored users); null if none is left. */
  threadExcluding(roomId: RoomId, threadId: EventId, excluded: readonly UserId[]): Promise<{ latestEventId: EventId; count: number } | null>;
  /** A room's threads, most recently active first. */
  threads(query: ThreadsQuery): Promise<ThreadRecord[]>;
  /**
   * Whether `annotation.sender` already has an unredacted m.annotation of `annotation.type` with this key on
   * the parent (spec "Avoiding duplicate annotations"; a redaction removes the row).
   */
  hasAnnotation(annotation: AnnotationQuery): Promise<boolean>;
}

export interface AnnotationQuery {
  readonly roomId: RoomId;
  readonly parentId: EventId;
  readonly sender: UserId;
  /** The annotation's event type (m.reaction). */
  readonly type: string;
  readonly key: string;
}

/** The kinds of receipt stored (m.fully_read is room account data, not a receipt). */
export type ReceiptType = 'm.read' | 'm.read.private';

export interface NewReceipt {
  readonly roomId: RoomId;
  readonly receiptType: ReceiptType;
  readonly userId: UserId;
  /** '' for an unthreaded receipt, 'main', or a thread root's event ID. */
  readonly threadId: string;
  readonly eventId: EventId;
  /** The stream ordering of `eventId`: receipts only move forward in it. */
  readonly eventStreamOrdering: number;
  readonly ts: number;
  /** The receipt's data as clients see it (`{ts, thread_id?}`). */
  readonly data: Record<string, unknown>;
}

export interface ReceiptRecord extends NewReceipt {
  /** Its position in the receipts stream. */
  readonly streamId: number;
}

/** Read receipts (spec "Receipts"), one per (room, type, user, thread), on the 'receipts' stream. */
export interface ReceiptsStore {
  /**
   * Stores the receipt at the next stream position, unless the stored one for the same (room, type, user,
   * thread) is for the same or a later event (as Synapse: receipts never move back). Returns the new
   * position, or null when nothing changed.
   */
  setReceipt(receipt: NewReceipt): Promise<number | null>;
  /** Receipts of these rooms whose stream position is in (after, upTo]. */
  receiptsInRooms(roomIds: readonly RoomId[], after: number, upTo: number): Promise<ReceiptRecord[]>;
  /** The stream's position, and each room's last receipt position (loaded once at startup). */
  streamPositions(): Promise<{ readonly position: number; readonly rooms: ReadonlyMap<RoomId, number> }>;
}

export type PresenceStateName = 'online' | 'unavailable' | 'offline';

export interface PresenceRecord {
  readonly userId: UserId;
  readonly state: PresenceStateName;
  readonly statusMsg: string | null;
  readonly lastActiveTs: number;
  readonly lastUserSyncTs: number;
  readonly currentlyActive: boolean;
  /** Its position in the presence stream (the service allocates them). */
  readonly streamId: number;
}

/** Users' presence as last announced (spec "Presence"). */
export interface PresenceStore {
  /** Inserts or replaces the user's row. */
  setPresence(record: PresenceRecord): Promise<void>;
  /** Every stored row (loaded once at startup; the service keeps them in memory). */
  allPresence(): Promise<PresenceRecord[]>;
}

export interface ToDeviceMessage {
  readonly streamId: number;
  readonly sender: UserId;
  readonly type: string;
  readonly content: Record<string, unknown>;
}

/** One PUT /sendToDevice: messages to local devices (`*`: each of the user's devices). */
export interface ToDeviceBatch {
  readonly sender: UserId;
  readonly senderDevice: DeviceId;
  readonly txnId: string;
  readonly type: string;
  readonly messages: ReadonlyArray<{ readonly userId: UserId; readonly deviceId: DeviceId | '*'; readonly content: Record<string, unknown> }>;
  readonly now: number;
}

export interface QueuedToDevice {
  readonly userId: UserId;
  readonly deviceId: DeviceId;
  readonly streamId: number;
}

/** The send-to-device inbox (spec "Send-to-Device messaging"): messages wait until their device acknowledges them. */
export interface ToDeviceStore {
  /**
   * Queues the batch for the recipients' existing devices, atomically, unless the sending device already
   * used this transaction ID (then null). Returns what was queued, at which stream positions.
   */
  enqueue(batch: ToDeviceBatch): Promise<QueuedToDevice[] | null>;
  /** Deletes the device's messages at stream positions ≤ `upTo` (the device's sync acknowledged them). */
  acknowledge(userId: UserId, deviceId: DeviceId, upTo: number): Promise<void>;
  /** The device's messages in (after, upTo], oldest first, at most `limit`. */
  pending(userId: UserId, deviceId: DeviceId, after: number, upTo: number, limit: number): Promise<ToDeviceMessage[]>;
  /** The stream's position (never reused), and each device's highest waiting message (loaded once at startup). */
  streamPositions(): Promise<{ readonly position: number; readonly devices: ReadonlyArray<QueuedToDevice> }>;
}

/** A user-defined push rule as stored (spec "Push Rules"; rooms/push-evaluator.ts PushRule is its wire form). */
export interface StoredPushRule {
  readonly kind: PushRuleKind;
  readonly ruleId: string;
  /** override/underride rules; null for the other kinds. */
  readonly conditions: readonly PushCondition[] | null;
  /** content rules; null for the other kinds. */
  readonly pattern: string | null;
  readonly actions: readonly PushAction[];
  readonly enabled: boolean;
}

/** A user's change to one server-default push rule: null fields are as the server default has them. */
export interface PushRuleDefaultChange {
  readonly kind: PushRuleKind;
  readonly ruleId: string;
  readonly enabled: boolean | null;
  readonly actions: readonly PushAction[] | null;
}

export interface UserPushRules {
  /** Grouped by kind, each kind most important first. */
  readonly rules: readonly StoredPushRule[];
  readonly defaults: readonly PushRuleDefaultChange[];
}

/** Where PUT places a rule among the user's rules of its kind (pushrules.yaml `before` / `after`). */
export interface PushRulePlacement {
  /** Make the rule the next more important than this one (wins over `after`). */
  readonly before?: string | undefined;
  /** Make the rule the next less important than this one. */
  readonly after?: string | undefined;
}

export interface PushRulesStore {
  getPushRules(userId: UserId): Promise<UserPushRules>;
  /**
   * Adds or replaces a user-defined rule. A new rule is enabled; a replaced one keeps its enabled flag.
   * Without a placement a replaced rule keeps its place and a new one becomes the kind's most important.
   * Returns false, writing nothing, when the `before`/`after` rule is not one of the user's rules of that kind.
   */
  putPushRule(userId: UserId, rule: Omit<StoredPushRule, 'enabled'>, placement: PushRulePlacement): Promise<boolean>;
  /** False when the user has no such rule. */
  deletePushRule(userId: UserId, kind: PushRuleKind, ruleId: string): Promise<boolean>;
  /** Of a user-defined rule; false when the user has no such rule. */
  setPushRuleEnabled(userId: UserId, kind: PushRuleKind, ruleId: string, enabled: boolean): Promise<boolean>;
  /** Of a user-defined rule; false when the user has no such rule. */
  setPushRuleActions(userId: UserId, kind: PushRuleKind, ruleId: string, actions: readonly PushAction[]): Promise<boolean>;
  /** Records a change to a server-default rule; fields left undefined keep their earlier change. */
  changeDefaultPushRule(
    userId: UserId,
    kind: PushRuleKind,
    ruleId: string,
    change: { readonly enabled?: boolean; readonly actions?: readonly PushAction[] },
  ): Promise<void>;
}

/** The keys server-side search covers (spec "Server Side Search", room_events). */
export type SearchKey = 'content.body' | 'content.name' | 'content.topic';

/** Where a page of search hits ends: the next page continues strictly after it in the query's order. */
export interface SearchCursor {
  readonly rank: number;
  readonly streamOrdering: number;
}

/**
 * A full-text query over indexed events. `term` is the user's text as typed: the backend turns it into
 * its own query syntax (words as prefixes, "quoted phrases", `OR`, `-excluded`), so no term can make
 * the query fail. The list filters are exact (type wildcards are the caller's to apply afterwards).
 */
export interface EventSearchQuery {
  readonly term: string;
  readonly keys: readonly SearchKey[];
  readonly roomIds: readonly RoomId[];
  readonly types?: readonly string[] | undefined;
  readonly notTypes?: readonly string[] | undefined;
  readonly senders?: readonly string[] | undefined;
  readonly notSenders?: readonly string[] | undefined;
  /** `rank`: most relevant first (ties newest first); `recent`: newest (stream order) first. */
  readonly order: 'rank' | 'recent';
  readonly after: SearchCursor | null;
  readonly limit: number;
}

export interface SearchHit {
  readonly eventId: EventId;
  readonly roomId: RoomId;
  readonly streamOrdering: number;
  /** Relevance: higher is closer. */
  readonly rank: number;
}

/**
 * The search index, written with each persisted event (m.room.message body, m.room.name name,
 * m.room.topic topic) and cleared of redacted events.
 */
export interface SearchStore {
  searchEvents(query: EventSearchQuery): Promise<SearchHit[]>;
  /** How many indexed events match (every page together). */
  countEvents(query: Omit<EventSearchQuery, 'order' | 'after' | 'limit'>): Promise<number>;
}

/** A user the user directory may show (spec user_directory/search). */
export interface DirectoryCandidate {
  readonly userId: UserId;
  readonly displayName: string | null;
  readonly avatarUrl: string | null;
}

export interface UserDirectoryStore {
  /**
   * Users visible to `requester` (sharing a joined room with them, or joined to a room whose join rule
   * is public or whose history is world_readable), not deactivated, whose user ID or display name
   * contains every one of `words` (case- and accent-insensitively), at most `max` of them. A superset
   * of the word-prefix matches: the caller ranks and checks word boundaries.
   */
  candidates(requester: UserId, words: readonly string[], max: number): Promise<DirectoryCandidate[]>;
}

export type ReportKind = 'event' | 'room' | 'user';

/** A report of content (spec "Reporting Content"), kept for the admin API. */
export interface ContentReport {
  readonly id: number;
  readonly kind: ReportKind;
  readonly reporter: UserId;
  readonly receivedTs: number;
  readonly reason: string | null;
  /** Event reports (before spec v1.18): -100 (most offensive) to 0. */
  readonly score: number | null;
  /** The room reported, or the room of the event reported. */
  readonly roomId: RoomId | null;
  readonly eventId: EventId | null;
  readonly targetUserId: UserId | null;
}

export type NewContentReport = Omit<ContentReport, 'id'>;

export interface ReportsQuery {
  readonly kind?: ReportKind | undefined;
  readonly roomId?: RoomId | undefined;
  readonly reporter?: UserId | undefined;
  /** Reports with an ID below this (paging); null: from the newest. */
  readonly before: number | null;
  readonly limit: number;
}

export interface ReportsStore {
  /** Stores a report; returns its ID. */
  add(report: NewContentReport): Promise<number>;
  get(id: number): Promise<ContentReport | null>;
  /** Newest first. */
  list(query: ReportsQuery): Promise<ContentReport[]>;
  /** How many reports match the query's filters (kind, roomId, reporter). */
  count(query: Omit<ReportsQuery, 'before' | 'limit'>): Promise<number>;
  /** Returns false when there was none. */
  delete(id: number): Promise<boolean>;
}

/** OpenID tokens (spec client-server "OpenID"): only their SHA-256 is stored. */
export interface OpenIdTokensStore {
  /** Stores a token; tokens expired at `now` are deleted on the way. */
  add(tokenHash: Buffer, userId: UserId, expiresTs: number, now: number): Promise<void>;
  /** The owner of a token that hasn't expired at `now`. */
  lookup(tokenHash: Buffer, now: number): Promise<UserId | null>;
}

export interface Storage {
  readonly rooms: RoomsStore;
  readonly filters: FiltersStore;
  readonly users: UsersStore;
  readonly profiles: ProfilesStore;
  readonly devices: DevicesStore;
  readonly sessions: SessionsStore;
  readonly registrationTokens: RegistrationTokensStore;
  readonly uia: UiaStore;
  readonly receipts: ReceiptsStore;
  readonly presence: PresenceStore;
  readonly toDevice: ToDeviceStore;
  readonly relations: RelationsStore;
  readonly accountData: AccountDataStore;
  readonly pushActions: PushActionsStore;
  readonly pushers: PushersStore;
  readonly pushRules: PushRulesStore;
  readonly search: SearchStore;
  readonly userDirectory: UserDirectoryStore;
  readonly reports: ReportsStore;
  readonly openIdTokens: OpenIdTokensStore;
  /** Waits for queued writes, then closes. */
  close(): Promise<void>;
}
