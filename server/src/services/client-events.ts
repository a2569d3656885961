/**
 * Serialises stored events for clients: the ClientEvent format (spec client-server-api "Room Events",
 * "Redactions"; v1.19): no PDU internals, `unsigned` with age, transaction_id for the sending device,
 * prev_content/replaces_state for state events, and redacted events stripped with `redacted_because`.
 * Bundled aggregations (spec "Aggregations of child events") go under `unsigned.m.relations` of every
 * event served this way, on every endpoint (bundled-aggregations.ts decides what is bundled).
 */
import type { DeviceId, EventId, UserId } from '../core/ids.js';
import { EventType, stateKey, type Pdu } from '../rooms/pdu.js';
import { redactPdu } from '../rooms/redaction.js';
import { roomVersionRules } from '../rooms/room-versions.js';
import type { RoomsStore, StoredEvent } from '../storage/types.js';
import type { Bundle, BundledAggregations } from './bundled-aggregations.js';

export type ClientEvent = Record<string, unknown>;

export interface Viewer {
  readonly userId: UserId;
  readonly deviceId: DeviceId | null;
}

export interface FormatOptions {
  /** Sync's timeline and state omit room_id (ClientEventWithoutRoomID). */
  readonly omitRoomId?: boolean;
  /** unsigned.prev_content / replaces_state for state events (default true; sync's state section skips it). */
  readonly prevContent?: boolean;
  /** Bundled aggregations in unsigned.m.relations (default true). */
  readonly bundleAggregations?: boolean;
  /**
   * Events by these senders are served redacted (GET /threads: "If the thread root event was sent by an
   * ignored user, the event is returned redacted").
   */
  readonly redactSenders?: ReadonlySet<string>;
}

export interface ClientEventsDeps {
  readonly rooms: Pick<RoomsStore, 'getEvents' | 'getStateGroup' | 'getRoom'>;
  readonly now: () => number;
  /** Bundled aggregations; none when not given. */
  readonly aggregations?: Pick<BundledAggregations, 'forEvents'> | undefined;
}

export function createClientEventsFormatter(deps: ClientEventsDeps) {
  const versionOf = new Map<string, string>();

  async function rulesFor(roomId: string) {
    let version = versionOf.get(roomId);
    if (!version) {
      version = (await deps.rooms.getRoom(roomId as never))?.roomVersion ?? '12';
      versionOf.set(roomId, version);
    }
    const rules = roomVersionRules(version);
    if (!rules) throw new Error(`room ${roomId} has unknown version ${version}`);
    return rules;
  }

  async function base(event: StoredEvent, viewer: Viewer | null, options: FormatOptions, now: number): Promise<ClientEvent> {
    const rules = await rulesFor(event.roomId);
    const redacted = event.redactedBy !== null || options.redactSenders?.has(event.pdu.sender) === true;
    const pdu: Pdu = redacted ? redactPdu(event.pdu, rules) : event.pdu;
    const out: ClientEvent = {
      type: pdu.type,
      content: pdu.content,
      sender: pdu.sender,
      origin_server_ts: pdu.origin_server_ts,
      event_id: event.eventId,
    };
    if (!options.omitRoomId) out.room_id = event.roomId;
    if (pdu.state_key !== undefined) out.state_key = pdu.state_key;
    // Clients read `redacts` at the top level in every version (v11 moved it into content; Synapse serves both).
    if (pdu.type === EventType.Redaction) {
      const redacts = pdu.redacts ?? (pdu.content.redacts as string | undefined);
      if (typeof redacts === 'string') out.redacts = redacts;
    }
    const unsigned: Record<string, unknown> = { age: Math.max(0, now - pdu.origin_server_ts) };
    if (viewer && event.txnId !== null && event.senderDevice === viewer.deviceId && pdu.sender === viewer.userId) {
      unsigned.transaction_id = event.txnId;
    }
    out.unsigned = unsigned;
    return out;
  }

  /** Adds unsigned.m.relations to the formatted events that have aggregations. */
  async function bundle(events: readonly StoredEvent[], formatted: ClientEvent[], viewer: Viewer | null, options: FormatOptions, threads: boolean): Promise<void> {
    const aggregations = deps.aggregations;
    if (!aggregations) return;
    // Events served redacted for redactSenders keep theirs (GET /threads: every root has its summary).
    const bundles = await aggregations.forEvents(events, viewer?.userId ?? null, { threads });
    if (bundles.size === 0) return;
    const entries = [...bundles.entries()];
    // The replacements are formatted as normal, without aggregations of their own; a thread's latest
    // event in the same form as the event itself, with its own (edit) aggregations (spec).
    const replacements = entries.flatMap(([, b]) => (b.replace ? [b.replace] : []));
    const latest = entries.flatMap(([, b]) => (b.thread ? [b.thread.latest] : []));
    const formattedReplacements = await formatEvents(replacements, viewer, { ...options, bundleAggregations: false }, false);
    const formattedLatest = await formatEvents(latest, viewer, options, false);
    const replacementOf = new Map(replacements.map((event, i) => [event.eventId, formattedReplacements[i]]));
    const latestOf = new Map(latest.map((event, i) => [event.eventId, formattedLatest[i]]));
    events.forEach((event, i) => {
      const found: Bundle | undefined = bundles.get(event.eventId);
      const out = formatted[i];
      if (!found || !out) return;
      const relations: Record<string, unknown> = {};
      if (found.replace) relations['m.replace'] = replacementOf.get(found.replace.eventId);
      if (found.thread) {
        relations['m.thread'] = {
          latest_event: latestOf.get(found.thread.latest.eventId),
          count: found.thread.count,
          current_user_participated: found.thread.participated,
        };
      }
      if (found.references) relations['m.reference'] = { chunk: found.references.map((eventId) => ({ event_id: eventId })) };
      (out.unsigned as Record<string, unknown>)['m.relations'] = relations;
    });
  }

  /** Formats events in order; state events get prev_content, redacted ones their redaction. */
  async function format(events: readonly StoredEvent[], viewer: Viewer | null, options: FormatOptions = {}): Promise<ClientEvent[]> {
    return formatEvents(events, viewer, options, true);
  }

  async function formatEvents(events: readonly StoredEvent[], viewer: Viewer | null, options: FormatOptions, threads: boolean): Promise<ClientEvent[]> {
    const now = deps.now();
    const formatted: ClientEvent[] = [];
    for (const event of events) {
      const out = await base(event, viewer, options, now);
      const unsigned = out.unsigned as Record<string, unknown>;
      if (options.prevContent !== false && event.pdu.state_key !== undefined && event.stateBefore !== null) {
        const before = await deps.rooms.getStateGroup(event.stateBefore);
        const previousId = before.get(stateKey(event.pdu.type, event.pdu.state_key));
        if (previousId) {
          unsigned.replaces_state = previousId;
          const previous = (await deps.rooms.getEvents([previousId])).get(previousId);
          if (previous) {
            unsigned.prev_content = previous.redactedBy ? redactPdu(previous.pdu, await rulesFor(previous.roomId)).content : previous.pdu.content;
            unsigned.prev_sender = previous.pdu.sender;
          }
        }
      }
      if (event.redactedBy) {
        const redaction = (await deps.rooms.getEvents([event.redactedBy])).get(event.redactedBy);
        if (redaction) unsigned.redacted_because = await base(redaction, null, options, now);
      }
      formatted.push(out);
    }
    if (options.bundleAggregations !== false && events.length > 0) await bundle(events, formatted, viewer, options, threads);
    return formatted;
  }

  return {
    format,
    async formatOne(event: StoredEvent, viewer: Viewer | null, options: FormatOptions = {}): Promise<ClientEvent> {
      return (await format([event], viewer, options))[0] as ClientEvent;
    },
    /** Loads and formats events by ID (missing ones are skipped). */
    async formatIds(ids: readonly EventId[], viewer: Viewer | null, options: FormatOptions = {}): Promise<ClientEvent[]> {
      const found = await deps.rooms.getEvents(ids);
      return format(ids.flatMap((id) => (found.has(id) ? [found.get(id) as StoredEvent] : [])), viewer, options);
    },
  };
}

export type ClientEventsFormatter = ReturnType<typeof createClientEventsFormatter>;
