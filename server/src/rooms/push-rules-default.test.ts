import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PushRule } from './push-evaluator.js';
import { defaultChangeKey, defaultPushRules, defaultRuleKind, mergePushRules } from './push-rules-default.js';

test('the default rules name the user where the spec has its placeholder', () => {
  const rules = defaultPushRules('@alice:hs');
  const text = JSON.stringify(rules);
  assert.ok(!text.includes("the user's Matrix ID"));
  const invite = rules.override.find((rule) => rule.rule_id === '.m.rule.invite_for_me');
  assert.deepEqual(invite?.conditions?.[2], { key: 'state_key', kind: 'event_match', pattern: '@alice:hs' });
  const mention = rules.override.find((rule) => rule.rule_id === '.m.rule.is_user_mention');
  assert.deepEqual(mention?.conditions?.[0], { kind: 'event_property_contains', key: 'content.m\\.mentions.user_ids', value: '@alice:hs' });
  assert.equal(rules.override[0]?.rule_id, '.m.rule.master');
  assert.equal(rules.override[0]?.enabled, false);
  assert.ok(rules.underride.some((rule) => rule.rule_id === '.m.rule.message'));
  assert.ok([...rules.override, ...rules.underride].every((rule) => rule.default === true));
  assert.deepEqual([rules.content, rules.room, rules.sender], [[], [], []]);
});

test('user IDs with JSON-significant characters are substituted safely', () => {
  const rules = defaultPushRules('@a"b\\c:hs');
  const invite = rules.override.find((rule) => rule.rule_id === '.m.rule.invite_for_me');
  assert.equal(invite?.conditions?.[2]?.pattern, '@a"b\\c:hs');
});

test('each call returns a fresh copy', () => {
  const a = defaultPushRules('@a:hs');
  (a.override as PushRule[]).pop();
  assert.equal(defaultPushRules('@a:hs').override.length, a.override.length + 1);
});

test('defaultRuleKind finds server-default rules by ID', () => {
  assert.equal(defaultRuleKind('.m.rule.master'), 'override');
  assert.equal(defaultRuleKind('.m.rule.message'), 'underride');
  assert.equal(defaultRuleKind('.m.rule.nope'), null);
  assert.equal(defaultRuleKind('mine'), null);
});

const own = (rule_id: string, extra: Partial<PushRule> = {}): PushRule => ({ rule_id, default: false, enabled: true, actions: ['notify'], ...extra });

test('merge: master first, then user override rules, then the other server-default override rules', () => {
  const merged = mergePushRules('@a:hs', { override: [own('o1', { conditions: [] }), own('o2', { conditions: [] })] }, new Map());
  const ids = merged.global.override.map((rule) => rule.rule_id);
  assert.deepEqual(ids.slice(0, 4), ['.m.rule.master', 'o1', 'o2', '.m.rule.suppress_notices']);
  assert.equal(ids.length, defaultPushRules('@a:hs').override.length + 2);
});

test('merge: user content/room/sender/underride rules come before server-default ones of their kind', () => {
  const merged = mergePushRules(
    '@a:hs',
    { content: [own('c1', { pattern: 'cake' })], room: [own('!r:hs')], sender: [own('@s:hs')], underride: [own('u1', { conditions: [] })] },
    new Map(),
  );
  assert.deepEqual(merged.global.content.map((rule) => rule.rule_id), ['c1']);
  assert.deepEqual(merged.global.room.map((rule) => rule.rule_id), ['!r:hs']);
  assert.deepEqual(merged.global.sender.map((rule) => rule.rule_id), ['@s:hs']);
  assert.equal(merged.global.underride[0]?.rule_id, 'u1');
  assert.equal(merged.global.underride[1]?.rule_id, '.m.rule.call');
});

test('merge: changes to server-default rules apply enabled and actions only', () => {
  const changes = new Map([
    [defaultChangeKey('override', '.m.rule.master'), { enabled: true }],
    [defaultChangeKey('underride', '.m.rule.message'), { actions: [] }],
    [defaultChangeKey('underride', '.m.rule.gone'), { enabled: false }],
  ]);
  const merged = mergePushRules('@a:hs', {}, changes);
  const master = merged.global.override[0];
  assert.equal(master?.enabled, true);
  assert.deepEqual(master?.actions, []);
  const message = merged.global.underride.find((rule) => rule.rule_id === '.m.rule.message');
  assert.deepEqual(message?.actions, []);
  assert.equal(message?.enabled, true);
  assert.deepEqual(message?.conditions, [{ kind: 'event_match', key: 'type', pattern: 'm.room.message' }]);
  assert.equal(message?.default, true);
});
