/**
 * PushRulesStore contract: what every backend must do (storage/types.ts). Run by each backend's test file.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { UserId } from '../../core/ids.js';
import type { PushRuleKind } from '../../rooms/push-evaluator.js';
import type { Storage, StoredPushRule } from '../types.js';
import { storages, userId, type StorageFactory } from './fixtures.js';

const content = (ruleId: string, pattern = ruleId): Omit<StoredPushRule, 'enabled'> => ({
  kind: 'content',
  ruleId,
  conditions: null,
  pattern,
  actions: ['notify'],
});

async function order(s: Storage, user: UserId, kind: PushRuleKind): Promise<string[]> {
  return (await s.pushRules.getPushRules(user)).rules.filter((rule) => rule.kind === kind).map((rule) => rule.ruleId);
}

export function pushRulesContract(factory: StorageFactory): void {
  describe('PushRulesStore contract', () => {
    const { shared, reopen } = storages(factory);

    test('a user without rules has none; rules round-trip with their JSON', async () => {
      const s = shared();
      const alice = userId('pr-alice');
      assert.deepEqual(await s.pushRules.getPushRules(alice), { rules: [], defaults: [] });
      const override: Omit<StoredPushRule, 'enabled'> = {
        kind: 'override',
        ruleId: 'beer',
        conditions: [
          { kind: 'event_match', key: 'content.body', pattern: 'beer' },
          { kind: 'room_member_count', is: '<=10' },
          { kind: 'event_property_is', key: 'content.m\\.x', value: null },
        ],
        pattern: null,
        actions: ['notify', { set_tweak: 'sound', value: 'beeroclock.wav' }],
      };
      assert.equal(await s.pushRules.putPushRule(alice, override, {}), true);
      assert.equal(await s.pushRules.putPushRule(alice, content('cake', 'cake*lie'), {}), true);
      const { rules } = await s.pushRules.getPushRules(alice);
      assert.deepEqual(rules, [
        { ...override, enabled: true },
        { ...content('cake', 'cake*lie'), enabled: true },
      ]);
      assert.deepEqual(await s.pushRules.getPushRules(userId('pr-other')), { rules: [], defaults: [] });
    });

    test('rules come grouped in evaluation order of their kinds', async () => {
      const s = shared();
      const u = userId('pr-kinds');
      const kinds: PushRuleKind[] = ['underride', 'sender', 'room', 'content', 'override'];
      for (const kind of kinds) {
        await s.pushRules.putPushRule(u, { kind, ruleId: `r-${kind}`, conditions: null, pattern: null, actions: [] }, {});
      }
      const { rules } = await s.pushRules.getPushRules(u);
      assert.deepEqual(rules.map((rule) => rule.kind), ['override', 'content', 'room', 'sender', 'underride']);
    });

    test('new rules go first; replacing keeps the place; before/after move a rule', async () => {
      const s = shared();
      const u = userId('pr-order');
      for (const id of ['a', 'b', 'c']) assert.ok(await s.pushRules.putPushRule(u, content(id), {}));
      assert.deepEqual(await order(s, u, 'content'), ['c', 'b', 'a']);
      // Replace in place.
      assert.ok(await s.pushRules.putPushRule(u, content('b', 'bee'), {}));
      assert.deepEqual(await order(s, u, 'content'), ['c', 'b', 'a']);
      assert.equal((await s.pushRules.getPushRules(u)).rules.find((rule) => rule.ruleId === 'b')?.pattern, 'bee');
      // New rule after a.
      assert.ok(await s.pushRules.putPushRule(u, content('d'), { after: 'a' }));
      assert.deepEqual(await order(s, u, 'content'), ['c', 'b', 'a', 'd']);
      // New rule before b.
      assert.ok(await s.pushRules.putPushRule(u, content('e'), { before: 'b' }));
      assert.deepEqual(await order(s, u, 'content'), ['c', 'e', 'b', 'a', 'd']);
      // Move an existing rule: before wins over after.
      assert.ok(await s.pushRules.putPushRule(u, content('d'), { before: 'c', after: 'a' }));
      assert.deepEqual(await order(s, u, 'content'), ['d', 'c', 'e', 'b', 'a']);
      assert.ok(await s.pushRules.putPushRule(u, content('d'), { after: 'a' }));
      assert.deepEqual(await order(s, u, 'content'), ['c', 'e', 'b', 'a', 'd']);
    });

    test('an unknown before/after rule writes nothing', async () => {
      const s = shared();
      const u = userId('pr-anchor');
      assert.ok(await s.pushRules.putPushRule(u, content('x'), {}));
      assert.equal(await s.pushRules.putPushRule(u, content('y'), { before: 'nope' }), false);
      assert.equal(await s.pushRules.putPushRule(u, content('x', 'changed'), { after: 'nope' }), false);
      // A rule of another kind is not an anchor.
      await s.pushRules.putPushRule(u, { kind: 'room', ruleId: '!r:hs', conditions: null, pattern: null, actions: [] }, {});
      assert.equal(await s.pushRules.putPushRule(u, content('z'), { before: '!r:hs' }), false);
      // Nor is the rule itself.
      assert.equal(await s.pushRules.putPushRule(u, content('x'), { before: 'x' }), false);
      const { rules } = await s.pushRules.getPushRules(u);
      assert.deepEqual(rules.map((rule) => [rule.kind, rule.ruleId, rule.pattern]), [['content', 'x', 'x'], ['room', '!r:hs', null]]);
    });

    test('enabled and actions of a user rule; a replaced rule keeps enabled', async () => {
      const s = shared();
      const u = userId('pr-enabled');
      assert.ok(await s.pushRules.putPushRule(u, content('k'), {}));
      assert.equal(await s.pushRules.setPushRuleEnabled(u, 'content', 'k', false), true);
      assert.equal(await s.pushRules.setPushRuleActions(u, 'content', 'k', [{ set_tweak: 'highlight', value: false }]), true);
      let rule = (await s.pushRules.getPushRules(u)).rules[0];
      assert.equal(rule?.enabled, false);
      assert.deepEqual(rule?.actions, [{ set_tweak: 'highlight', value: false }]);
      assert.ok(await s.pushRules.putPushRule(u, content('k', 'kk'), {}));
      rule = (await s.pushRules.getPushRules(u)).rules[0];
      assert.equal(rule?.enabled, false);
      assert.deepEqual(rule?.actions, ['notify']);
      // Unknown rules, or the same ID under another kind, report false.
      assert.equal(await s.pushRules.setPushRuleEnabled(u, 'content', 'missing', true), false);
      assert.equal(await s.pushRules.setPushRuleActions(u, 'override', 'k', []), false);
      assert.equal(await s.pushRules.setPushRuleEnabled(userId('pr-someone'), 'content', 'k', true), false);
    });

    test('delete removes one rule of one user', async () => {
      const s = shared();
      const u = userId('pr-delete');
      const v = userId('pr-delete-other');
      for (const id of ['a', 'b']) await s.pushRules.putPushRule(u, content(id), {});
      await s.pushRules.putPushRule(v, content('a'), {});
      assert.equal(await s.pushRules.deletePushRule(u, 'content', 'a'), true);
      assert.equal(await s.pushRules.deletePushRule(u, 'content', 'a'), false);
      assert.equal(await s.pushRules.deletePushRule(u, 'override', 'b'), false);
      assert.deepEqual(await order(s, u, 'content'), ['b']);
      assert.deepEqual(await order(s, v, 'content'), ['a']);
      // A new rule still goes first after a delete.
      await s.pushRules.putPushRule(u, content('c'), {});
      assert.deepEqual(await order(s, u, 'content'), ['c', 'b']);
    });

    test('changes to server-default rules merge field by field', async () => {
      const s = shared();
      const u = userId('pr-defaults');
      await s.pushRules.changeDefaultPushRule(u, 'override', '.m.rule.master', { enabled: true });
      await s.pushRules.changeDefaultPushRule(u, 'underride', '.m.rule.message', { actions: [] });
      await s.pushRules.changeDefaultPushRule(u, 'underride', '.m.rule.message', { enabled: false });
      await s.pushRules.changeDefaultPushRule(u, 'override', '.m.rule.master', { actions: ['notify'] });
      const { defaults, rules } = await s.pushRules.getPushRules(u);
      assert.deepEqual(rules, []);
      const byId = new Map(defaults.map((change) => [change.ruleId, change]));
      assert.deepEqual(byId.get('.m.rule.master'), { kind: 'override', ruleId: '.m.rule.master', enabled: true, actions: ['notify'] });
      assert.deepEqual(byId.get('.m.rule.message'), { kind: 'underride', ruleId: '.m.rule.message', enabled: false, actions: [] });
      assert.deepEqual((await s.pushRules.getPushRules(userId('pr-defaults-other'))).defaults, []);
    });

    test('concurrent puts of new rules all land, each once', async () => {
      const s = shared();
      const u = userId('pr-concurrent');
      const ids = ['p', 'q', 'r', 's', 't'];
      const results = await Promise.all(ids.map((id) => s.pushRules.putPushRule(u, content(id), {})));
      assert.ok(results.every(Boolean));
      assert.deepEqual([...(await order(s, u, 'content'))].sort(), ids);
    });

    test('rules survive reopening the storage', async (t) => {
      if (!factory.reopen) return t.skip('backend cannot reopen');
      const s = shared();
      const u = userId('pr-reopen');
      await s.pushRules.putPushRule(u, content('one'), {});
      await s.pushRules.changeDefaultPushRule(u, 'override', '.m.rule.master', { enabled: true });
      const again = await reopen(s);
      assert.deepEqual(await again.pushRules.getPushRules(u), await s.pushRules.getPushRules(u));
      assert.equal((await again.pushRules.getPushRules(u)).rules.length, 1);
    });
  });
}
