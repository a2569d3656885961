/**
 * Walks of the auth graph (edges event → its auth_events): auth chains, the auth difference of state
 * sets, and the v2.1 conflicted state subgraph. Iterative (explicit stacks), so a chain of any length
 * can't overflow the call stack. Events that getEvent can't supply are kept as IDs but not walked
 * through. Spec: rooms/fragments v2-state-res "Auth chain", "Auth difference"; rooms/v12
 * "Conflicted state subgraph" (v1.19).
 */
import type { EventId } from '../core/ids.js';
import { authEventIds, type RoomEvent } from './pdu.js';

export type GetEvent = (id: EventId) => RoomEvent | undefined;

/**
 * The auth chain of a set of events: everything reachable through `auth_events`, not counting the
 * starting events themselves (unless one is an auth event of another).
 */
export function authChain(eventIds: Iterable<EventId>, getEvent: GetEvent): Set<EventId> {
  const chain = new Set<EventId>();
  const stack: EventId[] = [];
  const pushAuthEvents = (id: EventId): void => {
    const event = getEvent(id);
    if (!event) return;
    for (const authId of authEventIds(event.pdu)) {
      if (!chain.has(authId)) {
        chain.add(authId);
        stack.push(authId);
      }
    }
  };
  for (const id of eventIds) pushAuthEvents(id);
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) pushAuthEvents(id);
  return chain;
}

/**
 * The full auth chain of a state set, as the auth difference uses it: the state events and their auth
 * chains (Synapse counts the state events in, which only matters for an event that one set holds as
 * state and another only in its auth chain).
 */
export function stateSetAuthChain(stateEventIds: Iterable<EventId>, getEvent: GetEvent): Set<EventId> {
  const ids = [...stateEventIds];
  const chain = authChain(ids, getEvent);
  for (const id of ids) chain.add(id);
  return chain;
}

/** ∪ Cᵢ − ∩ Cᵢ: the events that are in some of the chains but not all. */
export function authDifference(chains: readonly ReadonlySet<EventId>[]): Set<EventId> {
  const counts = new Map<EventId, number>();
  for (const chain of chains) for (const id of chain) counts.set(id, (counts.get(id) ?? 0) + 1);
  const difference = new Set<EventId>();
  for (const [id, count] of counts) if (count < chains.length) difference.add(id);
  return difference;
}

/**
 * v2.1: the union of all auth-event paths between conflicted events, endpoints included (every
 * conflicted event is in it). These are the events reachable from a conflicted event that can
 * themselves reach a conflicted event.
 */
export function conflictedSubgraph(conflicted: Iterable<EventId>, getEvent: GetEvent): Set<EventId> {
  const targets = new Set(conflicted);
  // Forward: everything reachable from the conflicted events, with the reversed edges among them.
  const reachable = new Set<EventId>(targets);
  const citedBy = new Map<EventId, EventId[]>();
  const stack = [...targets];
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    const event = getEvent(id);
    if (!event) continue;
    for (const authId of authEventIds(event.pdu)) {
      const citers = citedBy.get(authId);
      if (citers) citers.push(id);
      else citedBy.set(authId, [id]);
      if (!reachable.has(authId)) {
        reachable.add(authId);
        stack.push(authId);
      }
    }
  }
  // Backward from the conflicted events along the reversed edges, within that reachable set.
  const subgraph = new Set<EventId>(targets);
  const back = [...targets];
  for (let id = back.pop(); id !== undefined; id = back.pop()) {
    for (const citer of citedBy.get(id) ?? []) {
      if (!subgraph.has(citer)) {
        subgraph.add(citer);
        back.push(citer);
      }
    }
  }
  return subgraph;
}
