import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultPushRules } from './push-rules-default.js';

test('the default rules name the user where the spec has its placeholder', () => {
  const rules = defaultPushRules('@alice:hs') as { override: Array<Record<string, unknown>>; underride: Array<Record<string, unknown>> };
  const text = JSON.stringify(rules);
  assert.ok(!text.includes("the user's Matrix ID"));
  const invite = rules.override.find((rule) => rule.rule_id === '.m.rule.invite_for_me');
  assert.deepEqual((invite?.conditions as Array<Record<string, unknown>>)[2], { key: 'state_key', kind: 'event_match', pattern: '@alice:hs' });
  assert.equal(rules.override[0]?.rule_id, '.m.rule.master');
  assert.equal(rules.override[0]?.enabled, false);
  assert.ok(rules.underride.some((rule) => rule.rule_id === '.m.rule.message'));
  assert.ok([...rules.override, ...rules.underride].every((rule) => rule.default === true));
});
