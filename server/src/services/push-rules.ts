/**
 * Push rules: a user's ruleset (the server-default rules merged with their own), the push rule API, and the
 * compiled rule sets the send path evaluates for every member of a room.
 * Spec: client-server-api "Push Rules", "Push Rules: API" (push.md, pushrules.yaml), "Push Rules: Events"
 * (`m.push_rules` account data), v1.19. Synapse: rest/client/push_rule.py, push/clientformat.py.
 */
import { badJson, invalidParam, MatrixError, notFound } from '../core/errors.js';
import type { UserId } from '../core/ids.js';
import { createLru } from '../core/lru.js';
import {
  compileRuleSet,
  PUSH_RULE_KINDS,
  type CompiledRuleSet,
  type PushAction,
  type PushCondition,
  type PushRule,
  type PushRuleKind,
  type PushRuleSet,
} from '../rooms/push-evaluator.js';
import { defaultChangeKey, defaultRuleKind, mergePushRules, type DefaultRuleChange } from '../rooms/push-rules-default.js';
import type { PushRulesStore, StoredPushRule, UserPushRules } from '../storage/types.js';

/** Publishes a user's new ruleset as global account data `m.push_rules` (the account data service's putInternal). */
export type PublishPushRules = (userId: UserId, content: Record<string, unknown>) => Promise<void>;

export interface PushRulesDeps {
  readonly store: PushRulesStore;
  /** Called after every change; /sync delivers it (spec "Push Rules: Events"). */
  readonly publish?: PublishPushRules | undefined;
  /** Users whose rulesets are kept in memory (default 5,000). */
  readonly cacheSize?: number | undefined;
}

export interface PushRuleBody {
  readonly [key: string]: unknown;
}

interface Cached {
  readonly ruleset: PushRuleSet;
  readonly compiled: CompiledRuleSet;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isKind = (kind: string): kind is PushRuleKind => (PUSH_RULE_KINDS as readonly string[]).includes(kind);

/** The path's `scope` and `kind`: only the `global` scope exists; kinds are the five of the spec. */
function checkPath(scope: string, kind: string): PushRuleKind {
  if (scope !== 'global') throw invalidParam(`Unknown push rule scope "${scope}": only "global" is supported`);
  if (!isKind(kind)) throw invalidParam(`Unknown push rule kind "${kind}"`);
  return kind;
}

/** pushrules.yaml PUT: IDs starting with "." are server-default, "/" and "\" are not allowed; room/sender rules are named by their room/user ID. */
function checkNewRuleId(kind: PushRuleKind, ruleId: string): void {
  if (ruleId.length === 0) throw invalidParam('The rule ID must not be empty');
  if (ruleId.startsWith('.')) {
    if (defaultRuleKind(ruleId) !== null) throw invalidParam(`${ruleId} is a server-default rule: it can't be replaced (only enabled/disabled or given other actions)`);
    throw invalidParam('Rule IDs starting with "." are reserved for server-default rules');
  }
  if (ruleId.includes('/') || ruleId.includes('\\')) throw invalidParam('Rule IDs may not contain "/" or "\\"');
  if (kind === 'room' && !ruleId.startsWith('!')) throw invalidParam('The rule ID of a room rule is the room ID');
  if (kind === 'sender' && !ruleId.startsWith('@')) throw invalidParam('The rule ID of a sender rule is the user ID');
}

/**
 * The actions of a request body (spec "Actions"). The historical `dont_notify` and `coalesce` are accepted and
 * kept as sent (the evaluator ignores them, spec "Historical Actions"): clients still look for them, e.g.
 * matrix-js-sdk's setRoomMutePushRule only removes a room rule whose actions include `dont_notify`.
 */
function parseActions(actions: unknown): readonly PushAction[] {
  if (!Array.isArray(actions)) throw badJson('"actions" must be an array');
  for (const action of actions) {
    if (action === 'notify' || action === 'dont_notify' || action === 'coalesce') continue;
    if (isObject(action) && typeof action.set_tweak === 'string') continue;
    throw badJson(`Unrecognised action: ${JSON.stringify(action)}`);
  }
  return actions as PushAction[];
}

const SIMPLE_VALUE = (value: unknown): boolean =>
  value === null || typeof value === 'string' || typeof value === 'boolean' || Number.isSafeInteger(value);

/**
 * Conditions of an override/underride rule (push_condition.yaml). Known kinds must carry their parameters
 * with the right types; unknown kinds are kept (they make the rule never match, spec "Conditions").
 */
function parseConditions(conditions: unknown): readonly PushCondition[] {
  if (!Array.isArray(conditions)) throw badJson('"conditions" must be an array');
  for (const condition of conditions) {
    if (!isObject(condition) || typeof condition.kind !== 'string') throw badJson('Each condition must be an object with a string "kind"');
    const { kind } = condition;
    const needsKey = ['event_match', 'event_property_is', 'event_property_contains', 'sender_notification_permission'].includes(kind);
    if (needsKey && typeof condition.key !== 'string') throw badJson(`A ${kind} condition needs a string "key"`);
    if (kind === 'event_match' && typeof condition.pattern !== 'string') throw badJson('An event_match condition needs a string "pattern"');
    if ((kind === 'event_property_is' || kind === 'event_property_contains') && !SIMPLE_VALUE(condition.value)) {
      throw badJson(`A ${kind} condition needs a "value" that is a string, an integer, a boolean or null`);
    }
    if (kind === 'room_member_count' && (typeof condition.is !== 'string' || !/^(==|<=|>=|<|>)?[0-9]+$/.test(condition.is))) {
      throw badJson('A room_member_count condition needs "is": a decimal integer optionally prefixed by ==, <, >, <= or >=');
    }
  }
  return conditions as PushCondition[];
}

/** A stored user rule in its wire form: conditions only for override/underride, pattern only for content. */
function toWire(rule: StoredPushRule): PushRule {
  const wire: { -readonly [K in keyof PushRule]: PushRule[K] } = {
    rule_id: rule.ruleId,
    default: false,
    enabled: rule.enabled,
    actions: rule.actions,
  };
  if (rule.kind === 'override' || rule.kind === 'underride') wire.conditions = rule.conditions ?? [];
  if (rule.kind === 'content' && rule.pattern !== null) wire.pattern = rule.pattern;
  return wire;
}

function buildRuleset(userId: UserId, stored: UserPushRules): PushRuleSet {
  const own: Partial<Record<PushRuleKind, PushRule[]>> = {};
  for (const rule of stored.rules) (own[rule.kind] ??= []).push(toWire(rule));
  const changes = new Map<string, DefaultRuleChange>();
  for (const change of stored.defaults) {
    changes.set(defaultChangeKey(change.kind, change.ruleId), {
      ...(change.enabled === null ? {} : { enabled: change.enabled }),
      ...(change.actions === null ? {} : { actions: change.actions }),
    });
  }
  return mergePushRules(userId, own, changes);
}

export function createPushRulesService(deps: PushRulesDeps) {
  const { store } = deps;
  const cache = createLru<UserId, Cached>(deps.cacheSize ?? 5_000);
  /** Loads in flight, so concurrent misses for one user read storage once. */
  const loading = new Map<UserId, Promise<Cached>>();
  /** Bumped by every change, so a load that raced one is not cached. */
  let generation = 0;

  const load = (userId: UserId): Promise<Cached> => {
    const hit = cache.get(userId);
    if (hit !== undefined) return Promise.resolve(hit);
    const pending = loading.get(userId);
    if (pending !== undefined) return pending;
    const started = generation;
    const promise = store
      .getPushRules(userId)
      .then((stored) => {
        const ruleset = buildRuleset(userId, stored);
        const entry: Cached = { ruleset, compiled: compileRuleSet(ruleset) };
        if (generation === started) cache.set(userId, entry);
        return entry;
      })
      .finally(() => {
        if (loading.get(userId) === promise) loading.delete(userId);
      });
    loading.set(userId, promise);
    return promise;
  };

  /** After a change: drop the cached set, rebuild it and publish it as `m.push_rules`. */
  const changed = async (userId: UserId): Promise<void> => {
    generation++;
    cache.delete(userId);
    loading.delete(userId);
    const { ruleset } = await load(userId);
    await deps.publish?.(userId, ruleset as unknown as Record<string, unknown>);
  };

  /** The rule with this ID in the merged ruleset, or 404. */
  const findRule = async (userId: UserId, kind: PushRuleKind, ruleId: string): Promise<PushRule> => {
    const { ruleset } = await load(userId);
    const rule = ruleset.global[kind].find((candidate) => candidate.rule_id === ruleId);
    if (rule === undefined) throw notFound('The push rule was not found.');
    return rule;
  };

  return {
    /** The user's full ruleset: GET /pushrules/ and the content of `m.push_rules`. */
    ruleset: async (userId: UserId): Promise<PushRuleSet> => (await load(userId)).ruleset,

    /** The user's ruleset compiled for evaluation; cached in memory (bounded LRU), rebuilt on change. */
    rulesetFor: async (userId: UserId): Promise<CompiledRuleSet> => (await load(userId)).compiled,

    /** GET /pushrules/global/{kind}/{ruleId} */
    async getRule(userId: UserId, scope: string, kind: string, ruleId: string): Promise<PushRule> {
      return findRule(userId, checkPath(scope, kind), ruleId);
    },

    /** PUT /pushrules/global/{kind}/{ruleId}: adds or replaces a user-defined rule. */
    async putRule(
      userId: UserId,
      scope: string,
      kindParam: string,
      ruleId: string,
      body: PushRuleBody,
      placement: { before?: string | undefined; after?: string | undefined },
    ): Promise<void> {
      const kind = checkPath(scope, kindParam);
      checkNewRuleId(kind, ruleId);
      if (!isObject(body)) throw badJson('The push rule must be a JSON object');
      if (body.actions === undefined) throw new MatrixError('M_MISSING_PARAM', 'Missing property: actions');
      const actions = parseActions(body.actions);
      let conditions: readonly PushCondition[] | null = null;
      let pattern: string | null = null;
      if (kind === 'override' || kind === 'underride') {
        if (body.conditions === undefined) throw new MatrixError('M_MISSING_PARAM', `Missing property: conditions (required for ${kind} rules)`);
        conditions = parseConditions(body.conditions);
      } else if (kind === 'content') {
        if (body.pattern === undefined) throw new MatrixError('M_MISSING_PARAM', 'Missing property: pattern (required for content rules)');
        if (typeof body.pattern !== 'string') throw badJson('"pattern" must be a string');
        pattern = body.pattern;
      }
      const placed = await store.putPushRule(userId, { kind, ruleId, conditions, pattern, actions }, placement);
      if (!placed) {
        const anchor = placement.before ?? placement.after;
        // pushrules.yaml's example answer for a missing before/after rule.
        throw new MatrixError('M_UNKNOWN', `before/after rule not found: ${String(anchor)}`);
      }
      await changed(userId);
    },

    /** DELETE /pushrules/global/{kind}/{ruleId}: server-default rules can't be deleted. */
    async deleteRule(userId: UserId, scope: string, kindParam: string, ruleId: string): Promise<void> {
      const kind = checkPath(scope, kindParam);
      if (defaultRuleKind(ruleId) === kind) throw invalidParam(`${ruleId} is a server-default rule: it can't be deleted (disable it instead)`);
      if (!(await store.deletePushRule(userId, kind, ruleId))) throw notFound('The push rule was not found.');
      await changed(userId);
    },

    /** GET /pushrules/global/{kind}/{ruleId}/enabled */
    async isEnabled(userId: UserId, scope: string, kind: string, ruleId: string): Promise<{ enabled: boolean }> {
      return { enabled: (await findRule(userId, checkPath(scope, kind), ruleId)).enabled };
    },

    /** PUT /pushrules/global/{kind}/{ruleId}/enabled: for user rules and server-default ones alike. */
    async setEnabled(userId: UserId, scope: string, kindParam: string, ruleId: string, body: PushRuleBody): Promise<void> {
      const kind = checkPath(scope, kindParam);
      if (!isObject(body) || body.enabled === undefined) throw new MatrixError('M_MISSING_PARAM', 'Missing property: enabled');
      if (typeof body.enabled !== 'boolean') throw badJson('"enabled" must be a boolean');
      const enabled = body.enabled;
      if (defaultRuleKind(ruleId) === kind) await store.changeDefaultPushRule(userId, kind, ruleId, { enabled });
      else if (!(await store.setPushRuleEnabled(userId, kind, ruleId, enabled))) throw notFound('The push rule was not found.');
      await changed(userId);
    },

    /** GET /pushrules/global/{kind}/{ruleId}/actions */
    async getActions(userId: UserId, scope: string, kind: string, ruleId: string): Promise<{ actions: readonly PushAction[] }> {
      return { actions: (await findRule(userId, checkPath(scope, kind), ruleId)).actions };
    },

    /** PUT /pushrules/global/{kind}/{ruleId}/actions: also changes the actions of server-default rules. */
    async setActions(userId: UserId, scope: string, kindParam: string, ruleId: string, body: PushRuleBody): Promise<void> {
      const kind = checkPath(scope, kindParam);
      if (!isObject(body) || body.actions === undefined) throw new MatrixError('M_MISSING_PARAM', 'Missing property: actions');
      const actions = parseActions(body.actions);
      if (defaultRuleKind(ruleId) === kind) await store.changeDefaultPushRule(userId, kind, ruleId, { actions });
      else if (!(await store.setPushRuleActions(userId, kind, ruleId, actions))) throw notFound('The push rule was not found.');
      await changed(userId);
    },
  };
}

export type PushRulesService = ReturnType<typeof createPushRulesService>;
