/**
 * Push rule evaluation: which actions a user's push rules give an event.
 * Spec: client-server-api "Push Notifications" (modules/push.md, v1.19): "Push Rules" (kinds and their order),
 * "Actions" (incl. "Historical Actions"), "Conditions", "Predefined Rules"; appendices "Glob-style matching" and
 * "Dot-separated property paths". Synapse: rust/src/push/evaluator.rs (PushRuleEvaluator), push/mod.rs.
 *
 * This runs for every local member on every event, so a rule set is compiled once ({@link compileRuleSet}):
 * disabled rules and rules that can never match are dropped, dotted keys are split, glob patterns are
 * lower-cased and classified (literal or wildcard), `room_member_count` is parsed. Glob matching is linear in
 * the value (no backtracking regexes: a user's pattern must not be able to stall the send path).
 */
import { splitDottedPath } from './dotted-path.js';

export type PushAction = 'notify' | 'dont_notify' | 'coalesce' | { readonly set_tweak: string; readonly value?: unknown };

export interface PushCondition {
  readonly kind: string;
  readonly key?: string;
  readonly pattern?: string;
  readonly is?: string;
  readonly value?: unknown;
  readonly [extra: string]: unknown;
}

/** One rule as the API and `m.push_rules` show it (push_rule.yaml). */
export interface PushRule {
  readonly rule_id: string;
  readonly default: boolean;
  readonly enabled: boolean;
  readonly actions: readonly PushAction[];
  readonly conditions?: readonly PushCondition[];
  readonly pattern?: string;
}

export const PUSH_RULE_KINDS = ['override', 'content', 'room', 'sender', 'underride'] as const;
export type PushRuleKind = (typeof PUSH_RULE_KINDS)[number];

/** A ruleset (push_ruleset.yaml): each kind's rules, most important first. */
export type PushRules = { readonly [K in PushRuleKind]: readonly PushRule[] };
/** What GET /pushrules/ returns and `m.push_rules` holds. */
export interface PushRuleSet {
  readonly global: PushRules;
}

export interface PushContext {
  readonly userId: string;
  readonly displayName: string | null;
  readonly roomMemberCount: number;
  readonly senderPowerLevel: number;
  /** The room's power_levels `notifications` object (e.g. {room: 50}). */
  readonly notificationPowerLevels: Readonly<Record<string, number>>;
}

export interface PushEvent {
  readonly type: string;
  readonly content: Record<string, unknown>;
  readonly sender: string;
  readonly state_key?: string;
  readonly room_id: string;
}

type Matcher = (event: PushEvent, ctx: PushContext) => boolean;

interface CompiledRule {
  readonly ruleId: string;
  /** The event type a literal `type` event_match condition requires (lower-cased), checked up front; null: any. */
  readonly eventType: string | null;
  /** The other conditions. */
  readonly matchers: readonly Matcher[];
  readonly actions: readonly PushAction[];
  /** A pre-v1.17 body-mention rule: skipped for events carrying `m.mentions` (MSC3952, as Synapse does). */
  readonly legacyMention: boolean;
}

declare const opaque: unique symbol;
/** A rule set ready for {@link evaluatePushRules}. Opaque outside this module. */
export interface CompiledRuleSet {
  readonly [opaque]: true;
}
interface CompiledRuleSetImpl {
  readonly rules: readonly CompiledRule[];
  /** Per event type (as sent), the rules whose `type` condition it passes, in order: filled as types are seen. */
  readonly byType: Map<string, readonly CompiledRule[]>;
}

/** Event types whose rule lists a compiled set remembers (types are free-form: bounded). */
const MAX_TYPES_PER_SET = 64;

/** The `notifications` level a key needs when the power levels don't say (m.room.power_levels: `room` is 50). */
const DEFAULT_NOTIFICATION_LEVELS: Readonly<Record<string, number>> = { room: 50 };
const LEGACY_MENTION_RULES = new Set(['.m.rule.contains_display_name', '.m.rule.contains_user_name', '.m.rule.roomnotif']);
const EMPTY: readonly PushAction[] = Object.freeze([]);

/** Compiles a ruleset; evaluation order is override, content, room, sender, underride, each in array order. */
export function compileRuleSet(rules: PushRuleSet): CompiledRuleSet {
  const out: CompiledRule[] = [];
  for (const kind of PUSH_RULE_KINDS) {
    for (const rule of rules.global[kind] ?? []) {
      if (rule.enabled === false) continue; // "Disabled rules never match."
      const compiled = compileRuleConditions(kind, rule);
      if (compiled === null) continue;
      out.push({
        ruleId: rule.rule_id,
        eventType: compiled.eventType,
        matchers: compiled.matchers,
        actions: normaliseActions(rule.actions),
        legacyMention: LEGACY_MENTION_RULES.has(rule.rule_id),
      });
    }
  }
  const impl: CompiledRuleSetImpl = { rules: out, byType: new Map() };
  return impl as unknown as CompiledRuleSet;
}

/**
 * The actions of the first enabled rule that matches; [] when none matches. Events the user sent
 * themselves never notify (spec "Push Rules": homeservers MUST NOT notify for the user's own events).
 */
export function evaluatePushRules(rules: CompiledRuleSet, event: PushEvent, ctx: PushContext): readonly PushAction[] {
  if (event.sender === ctx.userId) return EMPTY;
  let hasMentions: boolean | undefined;
  outer: for (const rule of rulesForType(rules as unknown as CompiledRuleSetImpl, event.type)) {
    if (rule.legacyMention) {
      hasMentions ??= isObject(event.content) && Object.hasOwn(event.content, 'm.mentions');
      if (hasMentions) continue;
    }
    for (const matcher of rule.matchers) if (!matcher(event, ctx)) continue outer;
    return rule.actions;
  }
  return EMPTY;
}

/** The rules an event of this type can match (their literal `type` condition passes), cached per type. */
function rulesForType(set: CompiledRuleSetImpl, type: string): readonly CompiledRule[] {
  let rules = set.byType.get(type);
  if (rules === undefined) {
    rules = set.rules.filter((rule) => rule.eventType === null || (typeof type === 'string' && equalsIgnoreCase(type, rule.eventType)));
    if (set.byType.size < MAX_TYPES_PER_SET) set.byType.set(type, rules);
  }
  return rules;
}

/** Whether the actions send a notification (contain `notify`). */
export const notifies = (actions: readonly PushAction[]): boolean => actions.includes('notify');

/** Whether the actions highlight: a `highlight` tweak whose value isn't false (omitted means true). */
export const highlights = (actions: readonly PushAction[]): boolean =>
  actions.some((action) => typeof action === 'object' && action.set_tweak === 'highlight' && action.value !== false);

/** The rule IDs in evaluation order that a compiled set kept (disabled and never-matching rules are gone). For tests. */
export function compiledRuleIds(rules: CompiledRuleSet): string[] {
  return (rules as unknown as CompiledRuleSetImpl).rules.map((rule) => rule.ruleId);
}

// --- compilation ---------------------------------------------------------------------------------------------

/**
 * The rule's conditions: a literal `type` event_match taken out as `eventType` (the commonest condition,
 * checked once per event type), the rest as matchers. Null when the rule can never match (an unknown or
 * malformed condition).
 */
function compileRuleConditions(kind: PushRuleKind, rule: PushRule): { eventType: string | null; matchers: Matcher[] } | null {
  switch (kind) {
    case 'content':
      // Predefined condition: `pattern` against content.body, word-boundary substring match.
      return typeof rule.pattern === 'string' ? { eventType: null, matchers: [compileEventMatch(['content', 'body'], rule.pattern)] } : null;
    case 'room': {
      const roomId = rule.rule_id;
      return { eventType: null, matchers: [(event) => event.room_id === roomId] };
    }
    case 'sender': {
      const sender = rule.rule_id;
      return { eventType: null, matchers: [(event) => event.sender === sender] };
    }
    default: {
      let eventType: string | null = null;
      const matchers: Matcher[] = [];
      for (const condition of rule.conditions ?? []) {
        if (
          eventType === null &&
          isObject(condition) &&
          condition.kind === 'event_match' &&
          condition.key === 'type' &&
          typeof condition.pattern === 'string' &&
          !/[*?]/.test(condition.pattern)
        ) {
          eventType = condition.pattern.toLowerCase();
          continue;
        }
        const matcher = compileCondition(condition);
        if (matcher === null) return null; // "Unrecognised conditions MUST NOT match any events"
        matchers.push(matcher);
      }
      return { eventType, matchers };
    }
  }
}

/** One condition, or null when it is unknown or malformed (and so never matches). */
export function compileCondition(condition: PushCondition): Matcher | null {
  if (!isObject(condition)) return null;
  switch (condition.kind) {
    case 'event_match': {
      if (typeof condition.key !== 'string' || typeof condition.pattern !== 'string') return null;
      return compileEventMatch(splitDottedPath(condition.key), condition.pattern);
    }
    case 'event_property_is': {
      if (typeof condition.key !== 'string' || !isSimpleValue(condition.value)) return null;
      const path = splitDottedPath(condition.key);
      const value = condition.value;
      return (event) => lookup(event, path) === value;
    }
    case 'event_property_contains': {
      if (typeof condition.key !== 'string' || !isSimpleValue(condition.value)) return null;
      const path = splitDottedPath(condition.key);
      const value = condition.value;
      return (event) => {
        const array = lookup(event, path);
        return Array.isArray(array) && array.includes(value);
      };
    }
    case 'contains_display_name':
      return (event, ctx) => {
        const name = ctx.displayName;
        if (!name) return false;
        const body = event.content.body;
        return typeof body === 'string' && literalWordMatch(body.toLowerCase(), name.toLowerCase());
      };
    case 'room_member_count': {
      const compare = parseMemberCount(condition.is);
      return compare === null ? null : (_event, ctx) => compare(ctx.roomMemberCount);
    }
    case 'sender_notification_permission': {
      if (typeof condition.key !== 'string') return null;
      const key = condition.key;
      return (_event, ctx) => {
        const required = Object.hasOwn(ctx.notificationPowerLevels, key)
          ? ctx.notificationPowerLevels[key]
          : DEFAULT_NOTIFICATION_LEVELS[key];
        return typeof required === 'number' && ctx.senderPowerLevel >= required;
      };
    }
    default:
      return null;
  }
}

/**
 * event_match: a case-insensitive glob against a string property, matching the whole value, except for
 * `content.body` where it matches any substring starting and ending at a word boundary.
 */
function compileEventMatch(path: readonly string[], pattern: string): Matcher {
  const glob = pattern.toLowerCase();
  const wildcard = /[*?]/.test(glob);
  const wordBoundary = path.length === 2 && path[0] === 'content' && path[1] === 'body';
  if (wordBoundary) {
    const match = wildcard ? compileWordGlob(glob) : (value: string) => literalWordMatch(value, glob);
    return (event) => {
      const value = lookup(event, path);
      return typeof value === 'string' && match(value.toLowerCase());
    };
  }
  if (!wildcard) {
    return (event) => {
      const value = lookup(event, path);
      return typeof value === 'string' && equalsIgnoreCase(value, glob);
    };
  }
  return (event) => {
    const value = lookup(event, path);
    return typeof value === 'string' && globMatchWhole(glob, value.toLowerCase());
  };
}

/** Spec "Conditions": room_member_count `is` = a decimal integer, optionally prefixed by ==, <, >, >= or <=. */
function parseMemberCount(is: unknown): ((count: number) => boolean) | null {
  if (typeof is !== 'string') return null;
  const match = /^(==|<=|>=|<|>)?([0-9]+)$/.exec(is);
  if (match === null) return null;
  const n = Number(match[2]);
  switch (match[1]) {
    case '<':
      return (count) => count < n;
    case '>':
      return (count) => count > n;
    case '<=':
      return (count) => count <= n;
    case '>=':
      return (count) => count >= n;
    default:
      return (count) => count === n;
  }
}

/** Strips the historical `dont_notify` and `coalesce` actions (spec: "Historical Actions"). */
export function normaliseActions(actions: readonly PushAction[] | undefined): readonly PushAction[] {
  if (!Array.isArray(actions) || actions.length === 0) return EMPTY;
  const kept = actions.filter((action) => action !== 'dont_notify' && action !== 'coalesce');
  return Object.freeze(kept.length === actions.length ? [...actions] : kept);
}

// --- matching ------------------------------------------------------------------------------------------------

/** The value at a split dotted path; undefined when absent or when the path crosses a non-object. */
function lookup(event: PushEvent, path: readonly string[]): unknown {
  let value: unknown = event;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Spec: values event_property_is/contains may compare: strings, integers in the canonical JSON range, booleans, null. */
function isSimpleValue(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || Number.isSafeInteger(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `value` lower-cased equals `lower` (already lower-cased), without allocating for ASCII values. */
function equalsIgnoreCase(value: string, lower: string): boolean {
  if (value.length === lower.length) {
    for (let i = 0; i < value.length; i++) {
      let c = value.charCodeAt(i);
      if (c >= 65 && c <= 90) c += 32;
      if (c === lower.charCodeAt(i)) continue;
      return c >= 128 ? value.toLowerCase() === lower : false;
    }
    return true;
  }
  // Lower-casing can change the length only outside ASCII.
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) >= 128) return value.toLowerCase() === lower;
  return false;
}

/** A word character per the spec's word boundary definition: `[A-Za-z0-9_]`. */
function isWordChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95
  );
}

const boundaryBefore = (text: string, i: number): boolean => i === 0 || !isWordChar(text.charCodeAt(i - 1));
const boundaryAfter = (text: string, end: number): boolean => end >= text.length || !isWordChar(text.charCodeAt(end));

/** Whether `literal` occurs in `text` starting and ending at word boundaries (both already lower-cased). */
function literalWordMatch(text: string, literal: string): boolean {
  if (literal.length === 0) return matchesEmptyAnywhere(text);
  for (let at = text.indexOf(literal); at !== -1; at = text.indexOf(literal, at + 1)) {
    if (boundaryBefore(text, at) && boundaryAfter(text, at + literal.length)) return true;
  }
  return false;
}

/** An empty pattern matches where a boundary precedes and follows the same position. */
function matchesEmptyAnywhere(text: string): boolean {
  for (let i = 0; i <= text.length; i++) if (boundaryBefore(text, i) && boundaryAfter(text, i)) return true;
  return false;
}

/**
 * Whole-value glob match (`*` any run, `?` one character), greedy with single-star backtracking:
 * O(value × pattern) in the worst case, never exponential.
 */
export function globMatchWhole(glob: string, value: string): boolean {
  let g = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    const c = glob.charCodeAt(g);
    if (g < glob.length && (c === 63 /* ? */ || c === value.charCodeAt(v))) {
      g++;
      v++;
    } else if (g < glob.length && c === 42 /* * */) {
      star = g++;
      mark = v;
    } else if (star !== -1) {
      g = star + 1;
      v = ++mark;
    } else return false;
  }
  while (g < glob.length && glob.charCodeAt(g) === 42) g++;
  return g === glob.length;
}

/**
 * A word-boundary substring glob matcher: simulates the glob's automaton over the value (states = pattern
 * positions), adding a start state at every word boundary and accepting when the end state is reached at a
 * word boundary. O(value × pattern), never exponential.
 */
function compileWordGlob(glob: string): (text: string) => boolean {
  const chars = Array.from({ length: glob.length }, (_, i) => glob.charCodeAt(i));
  const m = chars.length;
  // Enters state j and, since a `*` may match nothing, every state after a run of `*`s from j.
  const enter = (set: Uint8Array, j: number): void => {
    set[j] = 1;
    while (j < m && chars[j] === 42) set[++j] = 1;
  };
  // Prefilter: every literal run of the pattern must occur somewhere (a native substring search), which
  // settles almost every non-matching value without running the automaton.
  const literals = glob.split(/[*?]+/).filter((literal) => literal.length > 0);
  return (text) => {
    for (const literal of literals) if (!text.includes(literal)) return false;
    let active = new Uint8Array(m + 1);
    let next = new Uint8Array(m + 1);
    for (let i = 0; ; i++) {
      if (boundaryBefore(text, i)) enter(active, 0); // a match may start at a word boundary
      if (active[m] === 1 && boundaryAfter(text, i)) return true;
      if (i === text.length) return false;
      const c = text.charCodeAt(i);
      next.fill(0);
      for (let j = 0; j < m; j++) {
        if (active[j] !== 1) continue;
        const p = chars[j];
        if (p === 42) enter(next, j); // `*` consumes c and stays
        else if (p === 63 || p === c) enter(next, j + 1);
      }
      [active, next] = [next, active];
    }
  };
}
