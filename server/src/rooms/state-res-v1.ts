/**
 * State resolution for room version 1. Spec: rooms/v1.md "State resolution" (v1.19). The spec's prose
 * leaves details open; this follows Synapse (synapse/state/v1.py), which every v1 room in the wild was
 * resolved with:
 *  - a key only some state sets have is not a conflict;
 *  - the auth state R starts as the unconflicted entries for the auth keys the conflicted events need;
 *  - power levels, then join rules, then member events are resolved by taking the events from lowest
 *    to highest depth (ties: higher sha1(event_id) first), applying each while it passes auth against R
 *    with the previous one applied (the first is taken unchecked), stopping at the first failure;
 *  - every other key takes the highest-depth (ties: lowest sha1) event that passes auth against R, or
 *    the lowest-depth one when none does.
 */
import type { EventId } from '../core/ids.js';
import { authEventKeys } from './auth-events.js';
import { checkAuthRules } from './auth-rules.js';
import { eventIdSha1Hex } from './hashes.js';
import { EventType, stateKey, type RoomEvent, type StateKey, type StateMap } from './pdu.js';
import type { RoomVersionRules } from './room-versions.js';
import type { GetEvent, StateResOptions } from './state-res-v2.js';

const POWER_LEVELS_KEY = stateKey(EventType.PowerLevels, '');

/** v1 separation: keys with two or more different events are conflicted; the rest is the union. */
function separateV1(stateSets: readonly StateMap<EventId>[]): {
  unconflicted: Map<StateKey, EventId>;
  conflicted: Map<StateKey, Set<EventId>>;
} {
  const unconflicted = new Map<StateKey, EventId>();
  const conflicted = new Map<StateKey, Set<EventId>>();
  for (const set of stateSets) {
    for (const [key, id] of set) {
      const candidates = conflicted.get(key);
      if (candidates) {
        candidates.add(id);
        continue;
      }
      const existing = unconflicted.get(key);
      if (existing === undefined) unconflicted.set(key, id);
      else if (existing !== id) {
        conflicted.set(key, new Set([existing, id]));
        unconflicted.delete(key);
      }
    }
  }
  return { unconflicted, conflicted };
}

/** Highest depth first, then lowest sha1(event_id) (Synapse `_ordered_events`). */
function orderedEvents(events: readonly RoomEvent[]): RoomEvent[] {
  const keyed = events.map((event) => ({ event, depth: Number(event.pdu.depth), sha1: eventIdSha1Hex(event.eventId) }));
  keyed.sort((a, b) => b.depth - a.depth || (a.sha1 < b.sha1 ? -1 : a.sha1 > b.sha1 ? 1 : 0));
  return keyed.map((entry) => entry.event);
}

export function resolveStateV1(
  stateSets: readonly StateMap<EventId>[],
  rules: RoomVersionRules,
  getEvent: GetEvent,
  options: StateResOptions = {},
): StateMap<EventId> {
  if (stateSets.length === 1) return new Map(stateSets[0]);
  const { unconflicted, conflicted: conflictedIds } = separateV1(stateSets);

  // Conflicts among events we can't load shrink; a single survivor is unconflicted.
  const conflicted = new Map<StateKey, RoomEvent[]>();
  for (const [key, ids] of conflictedIds) {
    const events = [...ids].map(getEvent).filter((event): event is RoomEvent => event !== undefined);
    if (events.length > 1) conflicted.set(key, events);
    else if (events.length === 1) unconflicted.set(key, (events[0] as RoomEvent).eventId);
  }
  if (conflicted.size === 0) return unconflicted;

  // R: the unconflicted entries for the keys the conflicted events' auth needs.
  const authState = new Map<StateKey, RoomEvent>();
  for (const events of conflicted.values()) {
    for (const event of events) {
      for (const key of authEventKeys(event.pdu, rules)) {
        const id = unconflicted.get(key);
        const authEvent = id === undefined || authState.has(key) ? undefined : getEvent(id);
        if (authEvent) authState.set(key, authEvent);
      }
    }
  }

  const allowed = (event: RoomEvent, state: ReadonlyMap<StateKey, RoomEvent>): boolean => {
    // checkAuthRules takes the selected keys only.
    const selected = new Map<StateKey, RoomEvent>();
    for (const key of authEventKeys(event.pdu, rules)) {
      const entry = state.get(key);
      if (entry) selected.set(key, entry);
    }
    return checkAuthRules(event, selected, rules, options.authOptions).allowed;
  };

  const resolveAuthEvents = (events: RoomEvent[]): RoomEvent => {
    const reverse = orderedEvents(events).reverse();
    const state = new Map(authState);
    let previous = reverse[0] as RoomEvent;
    for (const event of reverse.slice(1)) {
      state.set(stateKey(previous.pdu.type, previous.pdu.state_key ?? ''), previous);
      if (!allowed(event, state)) return previous;
      previous = event;
    }
    return previous;
  };

  const resolveNormalEvents = (events: RoomEvent[]): RoomEvent => {
    const ordered = orderedEvents(events);
    return ordered.find((event) => allowed(event, authState)) ?? (ordered[ordered.length - 1] as RoomEvent);
  };

  const resolved = new Map<StateKey, RoomEvent>();
  const phase = (match: (key: StateKey) => boolean): void => {
    for (const [key, events] of conflicted) if (!resolved.has(key) && match(key)) resolved.set(key, resolveAuthEvents(events));
    for (const [key, event] of resolved) authState.set(key, event);
  };
  phase((key) => key === POWER_LEVELS_KEY);
  phase((key) => key.startsWith(`${EventType.JoinRules}\u0000`));
  phase((key) => key.startsWith(`${EventType.Member}\u0000`));
  for (const [key, events] of conflicted) if (!resolved.has(key)) resolved.set(key, resolveNormalEvents(events));

  const result = new Map(unconflicted);
  for (const [key, event] of resolved) result.set(key, event.eventId);
  return result;
}
