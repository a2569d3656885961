/**
 * The streams /sync reads besides room events, and the token that records a position in each.
 * A token is `s<room>_<accountData>_<receipts>_<toDevice>_<presence>_<typing>` (Synapse's shape);
 * missing parts (older `s<N>` tokens) read as 0. Each stream's positions only grow, except typing,
 * which lives in memory and restarts with the server (a token from before is clamped to now).
 * Spec: client-server-api "Syncing" (sync.yaml), v1.19.
 */
import { MatrixError } from '../core/errors.js';
import type { DeviceId, RoomId, UserId } from '../core/ids.js';
import type { ClientEvent } from './client-events.js';
import type { SyncFilter } from './filters.js';

export const STREAMS = ['room', 'accountData', 'receipts', 'toDevice', 'presence', 'typing'] as const;
export type StreamName = (typeof STREAMS)[number];
export type SyncPosition = Readonly<Record<StreamName, number>>;

export function parseSyncToken(token: string): SyncPosition {
  const match = /^s(\d{1,15}(?:_\d{1,15}){0,9})$/.exec(token);
  if (!match?.[1]) throw new MatrixError('M_INVALID_PARAM', 'Invalid since token');
  const parts = match[1].split('_').map(Number);
  return Object.fromEntries(STREAMS.map((name, i) => [name, parts[i] ?? 0])) as SyncPosition;
}

export const formatSyncToken = (position: SyncPosition): string => `s${STREAMS.map((name) => position[name]).join('_')}`;

/** Each stream at the lower of the two positions (a token from the future is read as now). */
export const minPosition = (a: SyncPosition, b: SyncPosition): SyncPosition =>
  Object.fromEntries(STREAMS.map((name) => [name, Math.min(a[name], b[name])])) as SyncPosition;

/** What a source is told about the /sync being answered. */
export interface SyncContext {
  readonly userId: UserId;
  readonly deviceId: DeviceId;
  /** Null for an initial sync. */
  readonly since: SyncPosition | null;
  /** The positions this response reaches (its next_batch, unless a source holds its stream back). */
  readonly upTo: SyncPosition;
  readonly filter: SyncFilter;
  readonly fullState: boolean;
  /** Users whose events this user ignores (`m.ignored_user_list`). */
  readonly ignored: ReadonlySet<UserId>;
}

/** Top-level sections a source adds: each list is merged into `<section>.events`. */
export interface GlobalSections {
  readonly account_data?: readonly ClientEvent[];
  readonly presence?: readonly ClientEvent[];
  readonly to_device?: readonly ClientEvent[];
}

/** Sections a source adds to a joined or left room. Lists from several sources are concatenated. */
export interface RoomSections {
  readonly ephemeral?: readonly ClientEvent[];
  readonly account_data?: readonly ClientEvent[];
}

/**
 * A stream /sync reads. `global` and `rooms` return only what changed after `ctx.since` (everything
 * current for an initial sync) up to `ctx.upTo`; they should cost nothing when their stream hasn't moved.
 */
export interface SyncSource {
  readonly stream: StreamName;
  /** The stream's current position. */
  current(): number;
  global?(ctx: SyncContext): Promise<{ sections: GlobalSections; position?: number } | null>;
  /** For the given rooms (joined ones, and left ones up to their leave): what each gets. */
  rooms?(ctx: SyncContext, roomIds: readonly RoomId[]): Promise<ReadonlyMap<RoomId, RoomSections>>;
}

/** Per-room unread counts (spec "Receiving notifications"), computed for rooms a sync includes. */
export interface UnreadCounts {
  readonly unread_notifications: { readonly notification_count: number; readonly highlight_count: number };
  readonly unread_thread_notifications?: Readonly<Record<string, { readonly notification_count: number; readonly highlight_count: number }>>;
}

export type UnreadCountsFn = (userId: UserId, roomIds: readonly RoomId[], perThread: boolean) => Promise<ReadonlyMap<RoomId, UnreadCounts>>;
