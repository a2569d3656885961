/**
 * State resolution v2 (room versions 2–11) and v2.1 (room version 12), and `resolveState`, which picks
 * the algorithm for a room version (v1 lives in state-res-v1.ts).
 * Spec (v1.19): rooms/fragments/v2-state-res.md; rooms/v12.md "State resolution" (v2.1: the conflicted
 * state subgraph joins the full conflicted set, and the iterative auth checks start from an empty map).
 * Synapse: synapse/state/v2.py (its choices where the spec is silent are noted below).
 * Pure and synchronous: every event is read through `getEvent`; the caller loads what is needed first
 * (the state sets' events and their auth chains).
 */
import type { EventId } from '../core/ids.js';
import { authDifference, conflictedSubgraph, stateSetAuthChain } from './auth-chain.js';
import { authEventKeys } from './auth-events.js';
import { checkAuthRules, type AuthRulesOptions } from './auth-rules.js';
import { roomIdFromCreateEventId } from './hashes.js';
import { EventType, authEventIds, stateKey, type RoomEvent, type StateKey, type StateMap } from './pdu.js';
import type { RoomVersionRules } from './room-versions.js';
import { resolveStateV1 } from './state-res-v1.js';

export type GetEvent = (id: EventId) => RoomEvent | undefined;

export interface StateResOptions {
  /**
   * Whether an event was rejected. Rejected events are never used as auth events in the iterative auth
   * checks (spec), and, as Synapse does, a rejected event is not admitted into the resolved state.
   */
  isRejected?(id: EventId): boolean;
  /** Passed to checkAuthRules (signature checks for restricted joins and third-party invites). */
  authOptions?: AuthRulesOptions;
}

const CREATE_KEY = stateKey(EventType.Create, '');
const POWER_LEVELS_KEY = stateKey(EventType.PowerLevels, '');
/** Synapse's CREATOR_POWER_LEVEL: v12 creators outrank every integer level. */
const CREATOR_POWER = Number.POSITIVE_INFINITY;

/**
 * Resolves the states after several forward extremities into one, with the algorithm of the room version.
 * @param stateSets - each a state map (type, state_key) → event ID
 * @param getEvent - supplies every event the resolution touches (unknown conflicted events are dropped)
 */
export function resolveState(
  stateSets: readonly StateMap<EventId>[],
  rules: RoomVersionRules,
  getEvent: GetEvent,
  options: StateResOptions = {},
): StateMap<EventId> {
  return rules.stateRes === 'v1'
    ? resolveStateV1(stateSets, rules, getEvent, options)
    : resolveStateV2(stateSets, rules, getEvent, options);
}

/** The unconflicted state map, and each conflicted key's candidate events. */
export interface SeparatedState {
  readonly unconflicted: Map<StateKey, EventId>;
  readonly conflicted: Map<StateKey, Set<EventId>>;
}

/**
 * Splits state sets into the unconflicted state map (a key every set has, with the same event) and the
 * conflicted state. A key some set lacks is conflicted (spec: "present in every Sᵢ").
 */
export function separateState(stateSets: readonly StateMap<EventId>[]): SeparatedState {
  const unconflicted = new Map<StateKey, EventId>();
  const conflicted = new Map<StateKey, Set<EventId>>();
  const keys = new Set<StateKey>();
  for (const set of stateSets) for (const key of set.keys()) keys.add(key);
  for (const key of keys) {
    const values = new Set<EventId>();
    let missing = false;
    for (const set of stateSets) {
      const id = set.get(key);
      if (id === undefined) missing = true;
      else values.add(id);
    }
    if (!missing && values.size === 1) unconflicted.set(key, [...values][0] as EventId);
    else conflicted.set(key, values);
  }
  return { unconflicted, conflicted };
}

/** Power events: power levels, join rules (and create, as Synapse and ruma count it), kicks and bans. */
export function isPowerEvent(event: RoomEvent): boolean {
  const { pdu } = event;
  if (pdu.state_key === '' && (pdu.type === EventType.PowerLevels || pdu.type === EventType.JoinRules || pdu.type === EventType.Create)) {
    return true;
  }
  if (pdu.type === EventType.Member && typeof pdu.state_key === 'string') {
    const membership = pdu.content.membership;
    return (membership === 'leave' || membership === 'ban') && pdu.sender !== pdu.state_key;
  }
  return false;
}

/** The full conflicted set: conflicted state ∪ auth difference (∪ the conflicted state subgraph in v2.1). */
export function fullConflictedSet(
  stateSets: readonly StateMap<EventId>[],
  conflicted: ReadonlyMap<StateKey, ReadonlySet<EventId>>,
  rules: RoomVersionRules,
  getEvent: GetEvent,
): Set<EventId> {
  const conflictedIds = new Set<EventId>();
  for (const ids of conflicted.values()) for (const id of ids) conflictedIds.add(id);
  const chains = stateSets.map((set) => stateSetAuthChain(set.values(), getEvent));
  const full = new Set<EventId>([...conflictedIds, ...authDifference(chains)]);
  if (rules.stateRes === 'v2.1') for (const id of conflictedSubgraph(conflictedIds, getEvent)) full.add(id);
  return full;
}

/** Resolution v2 / v2.1 (by `rules.stateRes`). */
export function resolveStateV2(
  stateSets: readonly StateMap<EventId>[],
  rules: RoomVersionRules,
  getEvent: GetEvent,
  options: StateResOptions = {},
): StateMap<EventId> {
  const { unconflicted, conflicted } = separateState(stateSets);
  if (conflicted.size === 0) return unconflicted;

  const events = new Map<EventId, RoomEvent>();
  for (const id of fullConflictedSet(stateSets, conflicted, rules, getEvent)) {
    const event = getEvent(id);
    if (event) events.set(id, event);
  }

  const ctx: Ctx = { rules, getEvent, options };
  // 1. Power events and their auth chains within the full conflicted set, in reverse topological power order.
  const powerIds = [...events.values()].filter(isPowerEvent).map((event) => event.eventId);
  const sortedPower = reverseTopologicalPowerSort(powerIds, events, ctx);
  // 2. Iterative auth checks from the unconflicted state (v2.1: from an empty state).
  const base = rules.stateRes === 'v2.1' ? new Map<StateKey, EventId>() : new Map(unconflicted);
  const partial = iterativeAuthChecks(sortedPower, base, ctx);
  // 3. The other events, in mainline order of the resolved power levels.
  const picked = new Set(sortedPower);
  const leftover = [...events.keys()].filter((id) => !picked.has(id));
  const sortedLeftover = mainlineSort(leftover, partial.get(POWER_LEVELS_KEY), ctx);
  // 4. Iterative auth checks on top of the partial state.
  const resolved = iterativeAuthChecks(sortedLeftover, partial, ctx);
  // 5. The unconflicted state map wins.
  for (const [key, id] of unconflicted) resolved.set(key, id);
  return resolved;
}

interface Ctx {
  readonly rules: RoomVersionRules;
  readonly getEvent: GetEvent;
  readonly options: StateResOptions;
}

/** Code-point order (Python's str order, which Synapse's tie-breaks use); plain `<` differs only on astral characters. */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const surrogate = (x >= 0xd800 && x <= 0xdfff) || (y >= 0xd800 && y <= 0xdfff);
    return surrogate ? (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0) : x - y;
  }
  return a.length - b.length;
}

/** The (type, '') event among an event's auth events, if getEvent has it. */
function authEventOfType(event: RoomEvent, type: string, getEvent: GetEvent): RoomEvent | undefined {
  for (const id of authEventIds(event.pdu)) {
    const authEvent = getEvent(id);
    if (authEvent && authEvent.pdu.type === type && authEvent.pdu.state_key === '') return authEvent;
  }
  return undefined;
}

/** A v12 room's create event, implied by its room ID. */
function impliedCreate(event: RoomEvent, getEvent: GetEvent): RoomEvent | undefined {
  return getEvent(`$${event.roomId.slice(1)}` as EventId);
}

/** A power level value as Synapse's `int(...)` reads it: integers, truncated floats, integer strings. */
function levelValue(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return Number(value);
  return null;
}

/**
 * The sender's power level by the event's own auth events (Synapse `_get_power_level_for_sender`):
 * v12 creators are above all; without power levels, the creator has 100 and everyone else 0.
 */
export function senderPowerLevel(event: RoomEvent, rules: RoomVersionRules, getEvent: GetEvent): number {
  const { pdu } = event;
  const powerLevels = authEventOfType(event, EventType.PowerLevels, getEvent);
  const create =
    pdu.type === EventType.Create
      ? event
      : rules.roomIdFromCreateEvent
        ? impliedCreate(event, getEvent)
        : authEventOfType(event, EventType.Create, getEvent);
  if (rules.privilegedCreators && create) {
    const additional = create.pdu.content.additional_creators;
    if (create.pdu.sender === pdu.sender || (Array.isArray(additional) && additional.includes(pdu.sender))) return CREATOR_POWER;
  }
  if (!powerLevels) {
    if (!create) return 0;
    const creator = rules.implicitRoomCreator ? create.pdu.sender : create.pdu.content.creator;
    return creator === pdu.sender ? 100 : 0;
  }
  const content = powerLevels.pdu.content;
  const users = content.users;
  const own = typeof users === 'object' && users !== null && Object.hasOwn(users, pdu.sender)
    ? levelValue((users as Record<string, unknown>)[pdu.sender])
    : null;
  return own ?? levelValue(content.users_default) ?? 0;
}

/** A binary min-heap under a comparator. */
class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i] as T, items[parent] as T)) break;
      [items[i], items[parent]] = [items[parent] as T, items[i] as T];
      i = parent;
    }
  }
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && this.less(items[left] as T, items[smallest] as T)) smallest = left;
        if (right < items.length && this.less(items[right] as T, items[smallest] as T)) smallest = right;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest] as T, items[i] as T];
        i = smallest;
      }
    }
    return top;
  }
}

/**
 * Kahn's algorithm on `graph` (node → the nodes it points at, i.e. its auth events), emitting a node once
 * everything it points at is emitted, the smallest by `less` first: the lexicographically smallest
 * reverse topological order. Nodes pointed at but absent from `graph` are ignored.
 */
export function lexicographicalTopologicalSort<T>(graph: ReadonlyMap<T, ReadonlySet<T>>, less: (a: T, b: T) => boolean): T[] {
  const outDegree = new Map<T, number>();
  const pointedBy = new Map<T, T[]>();
  const ready = new Heap<T>(less);
  for (const [node, edges] of graph) {
    let degree = 0;
    for (const target of edges) {
      if (!graph.has(target) || target === node) continue;
      degree++;
      const list = pointedBy.get(target);
      if (list) list.push(node);
      else pointedBy.set(target, [node]);
    }
    outDegree.set(node, degree);
    if (degree === 0) ready.push(node);
  }
  const sorted: T[] = [];
  for (let node = ready.pop(); node !== undefined; node = ready.pop()) {
    sorted.push(node);
    for (const parent of pointedBy.get(node) ?? []) {
      const degree = (outDegree.get(parent) ?? 0) - 1;
      outDegree.set(parent, degree);
      if (degree === 0) ready.push(parent);
    }
  }
  return sorted; // a cycle's nodes never become ready; auth graphs are acyclic by construction (hashes)
}

/**
 * Step 1: the power events with the parts of their auth chains inside the full conflicted set, sorted
 * by the reverse topological power ordering (higher sender power, then earlier origin_server_ts, then
 * smaller event ID first).
 */
function reverseTopologicalPowerSort(powerIds: readonly EventId[], full: ReadonlyMap<EventId, RoomEvent>, ctx: Ctx): EventId[] {
  const graph = new Map<EventId, Set<EventId>>();
  const stack = [...powerIds];
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    if (graph.has(id)) continue;
    const edges = new Set<EventId>();
    graph.set(id, edges);
    const event = full.get(id);
    if (!event) continue;
    for (const authId of authEventIds(event.pdu)) {
      if (!full.has(authId)) continue;
      edges.add(authId);
      if (!graph.has(authId)) stack.push(authId);
    }
  }
  const order = new Map<EventId, { power: number; ts: number }>();
  for (const id of graph.keys()) {
    const event = full.get(id) as RoomEvent;
    order.set(id, { power: senderPowerLevel(event, ctx.rules, ctx.getEvent), ts: event.pdu.origin_server_ts });
  }
  return lexicographicalTopologicalSort(graph, (a, b) => {
    const x = order.get(a) as { power: number; ts: number };
    const y = order.get(b) as { power: number; ts: number };
    if (x.power !== y.power) return x.power > y.power;
    if (x.ts !== y.ts) return x.ts < y.ts;
    return compareIds(a, b) < 0;
  });
}

/**
 * Step 3: sorts events by mainline position against the resolved power levels event (events whose
 * power levels chain meets the mainline earlier come first), then origin_server_ts, then event ID.
 */
function mainlineSort(ids: readonly EventId[], powerLevelsId: EventId | undefined, ctx: Ctx): EventId[] {
  if (ids.length === 0) return [];
  // The mainline, newest first: P₀ = the resolved power levels, Pᵢ₊₁ = the power levels in Pᵢ's auth events.
  const mainline: EventId[] = [];
  const seen = new Set<EventId>();
  for (let current = powerLevelsId ? ctx.getEvent(powerLevelsId) : undefined; current && !seen.has(current.eventId); ) {
    seen.add(current.eventId);
    mainline.push(current.eventId);
    current = authEventOfType(current, EventType.PowerLevels, ctx.getEvent);
  }
  // Depth counted from the oldest (1) to P₀ (n + 1); 0 for a chain that never meets the mainline.
  const depthOf = new Map<EventId, number>(mainline.map((id, index) => [id, mainline.length - index]));
  const memo = new Map<EventId, number>();
  const mainlineDepth = (event: RoomEvent): number => {
    // Walk the power levels chain until it meets the mainline (or a chain walked before).
    const walked = new Set<EventId>();
    let depth = 0;
    for (let current: RoomEvent | undefined = event; current; ) {
      const known = depthOf.get(current.eventId) ?? memo.get(current.eventId);
      if (known !== undefined) {
        depth = known;
        break;
      }
      if (walked.has(current.eventId)) break;
      walked.add(current.eventId);
      current = authEventOfType(current, EventType.PowerLevels, ctx.getEvent);
    }
    for (const id of walked) memo.set(id, depth);
    return depth;
  };
  const keyed = ids.map((id) => {
    const event = ctx.getEvent(id) as RoomEvent;
    return { id, depth: mainlineDepth(event), ts: event.pdu.origin_server_ts };
  });
  keyed.sort((a, b) => a.depth - b.depth || a.ts - b.ts || compareIds(a.id, b.id));
  return keyed.map((entry) => entry.id);
}

/**
 * The iterative auth checks: applies each event, in order, that the auth rules allow against the state
 * so far. An event's auth state is its own (non-rejected) auth events, overridden by the state so far
 * for each key the auth events selection names (Synapse `_iterative_auth_checks`); v12 adds the create
 * event the room ID implies.
 */
export function iterativeAuthChecks(
  ids: readonly EventId[],
  base: ReadonlyMap<StateKey, EventId>,
  ctx: Ctx,
): Map<StateKey, EventId> {
  const state = new Map(base);
  const rejected = (id: EventId): boolean => ctx.options.isRejected?.(id) ?? false;
  for (const id of ids) {
    const event = ctx.getEvent(id);
    if (!event || typeof event.pdu.state_key !== 'string') continue;
    if (rejected(id)) continue;
    const keys = authEventKeys(event.pdu, ctx.rules);
    const wanted = new Set<StateKey>(keys);
    const authState = new Map<StateKey, RoomEvent>();
    for (const authId of authEventIds(event.pdu)) {
      const authEvent = ctx.getEvent(authId);
      if (!authEvent || typeof authEvent.pdu.state_key !== 'string' || rejected(authId)) continue;
      const key = stateKey(authEvent.pdu.type, authEvent.pdu.state_key);
      if (wanted.has(key)) authState.set(key, authEvent);
    }
    for (const key of keys) {
      const current = state.get(key);
      if (current === undefined || rejected(current)) continue;
      const currentEvent = ctx.getEvent(current);
      if (currentEvent) authState.set(key, currentEvent);
    }
    if (ctx.rules.roomIdFromCreateEvent && event.pdu.type !== EventType.Create) {
      const create = impliedCreate(event, ctx.getEvent);
      if (create && event.roomId === roomIdFromCreateEventId(create.eventId)) authState.set(CREATE_KEY, create);
    }
    if (checkAuthRules(event, authState, ctx.rules, ctx.options.authOptions).allowed) {
      state.set(stateKey(event.pdu.type, event.pdu.state_key), id);
    }
  }
  return state;
}
