/**
 * Push rules: a user's own rules, ordered per kind, and their changes to the server-default rules.
 * Spec: client-server-api "Push Rules: API" (pushrules.yaml, v1.19). Migration 0006-push-rules.sql.
 */
import type { UserId } from '../../core/ids.js';
import type { PushAction, PushCondition, PushRuleKind } from '../../rooms/push-evaluator.js';
import type { PushRuleDefaultChange, PushRulesStore, StoredPushRule } from '../types.js';
import type { SqliteDatabase } from './open.js';
import type { WriteQueue } from './write-queue.js';

interface RuleRow {
  kind: PushRuleKind;
  rule_id: string;
  conditions: string | null;
  pattern: string | null;
  actions: string;
  enabled: number;
}

interface DefaultRow {
  kind: PushRuleKind;
  rule_id: string;
  enabled: number | null;
  actions: string | null;
}

/** Evaluation order of the kinds, for reading a user's rules grouped by kind. */
const KIND_ORDER = "CASE kind WHEN 'override' THEN 0 WHEN 'content' THEN 1 WHEN 'room' THEN 2 WHEN 'sender' THEN 3 ELSE 4 END";

export function createSqlitePushRulesStore(db: SqliteDatabase, writes: WriteQueue): PushRulesStore {
  const selectRules = db.prepare(
    `SELECT kind, rule_id, conditions, pattern, actions, enabled FROM push_rules WHERE user_id = ? ORDER BY ${KIND_ORDER}, position`,
  );
  const selectDefaults = db.prepare('SELECT kind, rule_id, enabled, actions FROM push_rule_defaults WHERE user_id = ?');
  const selectOrder = db.prepare('SELECT rule_id FROM push_rules WHERE user_id = ? AND kind = ? ORDER BY position').pluck();
  const upsert = db.prepare(
    `INSERT INTO push_rules (user_id, kind, rule_id, position, conditions, pattern, actions, enabled)
     VALUES (?, ?, ?, ?, ?, ?, ?, 1)
     ON CONFLICT (user_id, kind, rule_id) DO UPDATE SET conditions = excluded.conditions, pattern = excluded.pattern, actions = excluded.actions`,
  );
  const setPosition = db.prepare('UPDATE push_rules SET position = ? WHERE user_id = ? AND kind = ? AND rule_id = ?');
  const remove = db.prepare('DELETE FROM push_rules WHERE user_id = ? AND kind = ? AND rule_id = ?');
  const setEnabled = db.prepare('UPDATE push_rules SET enabled = ? WHERE user_id = ? AND kind = ? AND rule_id = ?');
  const setActions = db.prepare('UPDATE push_rules SET actions = ? WHERE user_id = ? AND kind = ? AND rule_id = ?');
  const upsertDefault = db.prepare(
    `INSERT INTO push_rule_defaults (user_id, kind, rule_id, enabled, actions) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (user_id, kind, rule_id) DO UPDATE SET
       enabled = COALESCE(excluded.enabled, enabled), actions = COALESCE(excluded.actions, actions)`,
  );

  const putTx = db.transaction(
    (userId: UserId, rule: Omit<StoredPushRule, 'enabled'>, before: string | undefined, after: string | undefined): boolean => {
      const order = selectOrder.all(userId, rule.kind) as string[];
      const existing = order.indexOf(rule.ruleId);
      const others = order.filter((id) => id !== rule.ruleId);
      let at: number;
      if (before !== undefined) {
        at = others.indexOf(before);
        if (at === -1) return false;
      } else if (after !== undefined) {
        at = others.indexOf(after);
        if (at === -1) return false;
        at += 1;
      } else at = existing === -1 ? 0 : existing;
      others.splice(at, 0, rule.ruleId);
      upsert.run(
        userId,
        rule.kind,
        rule.ruleId,
        at,
        rule.conditions === null ? null : JSON.stringify(rule.conditions),
        rule.pattern,
        JSON.stringify(rule.actions),
      );
      // Renumber only when the order changed (a replace in place writes one row).
      if (existing !== at || others.length !== order.length) {
        others.forEach((id, position) => setPosition.run(position, userId, rule.kind, id));
      }
      return true;
    },
  );

  return {
    async getPushRules(userId) {
      const rules = (selectRules.all(userId) as RuleRow[]).map(
        (row): StoredPushRule => ({
          kind: row.kind,
          ruleId: row.rule_id,
          conditions: row.conditions === null ? null : (JSON.parse(row.conditions) as PushCondition[]),
          pattern: row.pattern,
          actions: JSON.parse(row.actions) as PushAction[],
          enabled: row.enabled === 1,
        }),
      );
      const defaults = (selectDefaults.all(userId) as DefaultRow[]).map(
        (row): PushRuleDefaultChange => ({
          kind: row.kind,
          ruleId: row.rule_id,
          enabled: row.enabled === null ? null : row.enabled === 1,
          actions: row.actions === null ? null : (JSON.parse(row.actions) as PushAction[]),
        }),
      );
      return { rules, defaults };
    },
    putPushRule: (userId, rule, placement) => writes.run(() => putTx(userId, rule, placement.before, placement.after)),
    deletePushRule: (userId, kind, ruleId) => writes.run(() => remove.run(userId, kind, ruleId).changes > 0),
    setPushRuleEnabled: (userId, kind, ruleId, enabled) =>
      writes.run(() => setEnabled.run(enabled ? 1 : 0, userId, kind, ruleId).changes > 0),
    setPushRuleActions: (userId, kind, ruleId, actions) =>
      writes.run(() => setActions.run(JSON.stringify(actions), userId, kind, ruleId).changes > 0),
    changeDefaultPushRule: (userId, kind, ruleId, change) =>
      writes.run(() => {
        upsertDefault.run(
          userId,
          kind,
          ruleId,
          change.enabled === undefined ? null : change.enabled ? 1 : 0,
          change.actions === undefined ? null : JSON.stringify(change.actions),
        );
      }),
  };
}
