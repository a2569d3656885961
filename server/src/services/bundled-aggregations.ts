/**
 * Bundled aggregations: what goes under `unsigned.m.relations` of events served to clients.
 * Spec: client-server-api "Aggregations of child events" (v1.19) and the per-type formats:
 * - m.replace ("Server-side aggregation of m.replace relationships"): the most recent VALID replacement
 *   event, in full (origin_server_ts, then the larger event ID). The original's content is left intact
 *   (servers no longer apply the edit), and a redacted original gets none;
 * - m.thread ("Server-side aggregation of m.thread relationships"): latest_event, count and
 *   current_user_participated, ignored users' events left out of count and latest_event;
 * - m.reference ("Server-side aggregation of m.reference"): chunk of {event_id};
 * - m.annotation is not aggregated.
 * State events get none ("State events do not currently receive bundled aggregations"), nor do redacted
 * events. Computed for a whole page at once (RelationsStore.bundleRows: a few indexed queries) and
 * cheap when none of the events has children, the common case on /sync.
 */
import type { EventId, UserId } from '../core/ids.js';
import { isValidReplacement, isMoreRecent, RelType, type RelatedEventFacts } from '../rooms/relations.js';
import type { RelationRecord, RelationsStore, RoomsStore, StoredEvent } from '../storage/types.js';

export interface ThreadSummary {
  readonly latest: StoredEvent;
  readonly count: number;
  readonly participated: boolean;
}

/** The aggregations of one event, as stored events (client-events.ts formats them). */
export interface Bundle {
  readonly replace?: StoredEvent;
  readonly thread?: ThreadSummary;
  readonly references?: readonly EventId[];
}

export interface BundledAggregationsDeps {
  readonly relations: Pick<RelationsStore, 'bundleRows' | 'threadExcluding'>;
  readonly rooms: Pick<RoomsStore, 'getEvents'>;
  /** The users a user ignores (`m.ignored_user_list`); none when not given. */
  readonly ignoredUsers?: ((userId: UserId) => Promise<ReadonlySet<UserId>>) | undefined;
}

const NONE: ReadonlyMap<EventId, Bundle> = new Map();
const NOBODY: ReadonlySet<UserId> = new Set();

const factsOf = (event: StoredEvent): RelatedEventFacts => ({
  roomId: event.roomId,
  sender: event.pdu.sender,
  type: event.pdu.type,
  stateKey: event.pdu.state_key,
  content: event.pdu.content,
});

/** Whether an event can carry bundled aggregations at all. */
export const mayBundle = (event: StoredEvent): boolean => event.redactedBy === null && event.pdu.state_key === undefined;

export function createBundledAggregations(deps: BundledAggregationsDeps) {
  const { relations, rooms } = deps;

  /** The most recent valid replacement of `original` among candidate rows (newest first, loaded in one go). */
  function pickReplacement(original: StoredEvent, candidates: readonly RelationRecord[], loaded: ReadonlyMap<EventId, StoredEvent>): StoredEvent | undefined {
    for (const row of candidates) {
      const replacement = loaded.get(row.eventId);
      if (replacement && replacement.redactedBy === null && isValidReplacement(factsOf(original), factsOf(replacement))) return replacement;
    }
    return undefined;
  }

  return {
    /**
     * The bundles of these events as `userId` sees them (null: no user, e.g. nobody participated).
     * `threads: false` leaves m.thread out (a thread's latest_event, which can't be a root).
     */
    async forEvents(events: readonly StoredEvent[], userId: UserId | null, options: { threads: boolean } = { threads: true }): Promise<ReadonlyMap<EventId, Bundle>> {
      const parents = events.filter(mayBundle);
      if (parents.length === 0) return NONE;
      const rows = await relations.bundleRows(parents.map((event) => ({ eventId: event.eventId, roomId: event.roomId })), userId);
      const threads = options.threads ? rows.threads : [];
      if (rows.children.length === 0 && threads.length === 0) return NONE;

      const byId = new Map(parents.map((event) => [event.eventId, event]));
      const ignored = userId !== null && deps.ignoredUsers ? await deps.ignoredUsers(userId) : NOBODY;
      const replaceCandidates = new Map<EventId, RelationRecord[]>();
      const references = new Map<EventId, RelationRecord[]>();
      for (const row of rows.children) {
        const parent = byId.get(row.relatesTo);
        // Children are only related within the parent's room.
        if (!parent || parent.roomId !== row.roomId) continue;
        if (row.relType === RelType.Replace) {
          // Cheap rules first (same sender and type); the rest once the event is loaded.
          if (row.sender !== parent.pdu.sender || row.type !== parent.pdu.type) continue;
          const list = replaceCandidates.get(parent.eventId) ?? [];
          list.push(row);
          replaceCandidates.set(parent.eventId, list);
        } else if (row.relType === RelType.Reference && !ignored.has(row.sender)) {
          const list = references.get(parent.eventId) ?? [];
          list.push(row);
          references.set(parent.eventId, list);
        }
      }

      // Thread summaries (recounted without ignored users' replies when the user ignores anyone).
      const summaries = new Map<EventId, { latestId: EventId; count: number; participated: boolean }>();
      for (const thread of threads) {
        const root = byId.get(thread.threadId);
        if (!root || root.roomId !== thread.roomId) continue;
        let latestId = thread.latestEventId;
        let count = thread.count;
        if (ignored.size > 0) {
          const kept = await relations.threadExcluding(thread.roomId, thread.threadId, [...ignored]);
          if (!kept) continue;
          ({ latestEventId: latestId, count } = kept);
        }
        const participated = userId !== null && (root.pdu.sender === userId || rows.participated.has(thread.threadId));
        summaries.set(root.eventId, { latestId, count, participated });
      }

      for (const list of replaceCandidates.values()) {
        list.sort((a, b) => (isMoreRecent(a, b) ? -1 : isMoreRecent(b, a) ? 1 : 0));
      }
      const toLoad = [...[...replaceCandidates.values()].flat().map((row) => row.eventId), ...[...summaries.values()].map((s) => s.latestId)];
      const loaded = toLoad.length > 0 ? await rooms.getEvents(toLoad) : new Map<EventId, StoredEvent>();

      const bundles = new Map<EventId, Bundle>();
      for (const parent of parents) {
        const bundle: { replace?: StoredEvent; thread?: ThreadSummary; references?: EventId[] } = {};
        const candidates = replaceCandidates.get(parent.eventId);
        const replacement = candidates ? pickReplacement(parent, candidates, loaded) : undefined;
        if (replacement) bundle.replace = replacement;
        const summary = summaries.get(parent.eventId);
        const latest = summary ? loaded.get(summary.latestId) : undefined;
        if (summary && latest) bundle.thread = { latest, count: summary.count, participated: summary.participated };
        const refs = references.get(parent.eventId);
        if (refs && refs.length > 0) {
          bundle.references = [...refs].sort((a, b) => a.depth - b.depth || a.streamOrdering - b.streamOrdering).map((row) => row.eventId);
        }
        if (bundle.replace || bundle.thread || bundle.references) bundles.set(parent.eventId, bundle);
      }
      return bundles;
    },
  };
}

export type BundledAggregations = ReturnType<typeof createBundledAggregations>;
