import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compileCondition,
  compiledRuleIds,
  compileRuleSet,
  evaluatePushRules,
  globMatchWhole,
  highlights,
  notifies,
  type PushCondition,
  type PushContext,
  type PushEvent,
  type PushRule,
  type PushRules,
} from './push-evaluator.js';
import { defaultChangeKey, defaultPushRules, mergePushRules, type DefaultRuleChange } from './push-rules-default.js';

const ME = '@alice:hs';
const ROOM = '!room:hs';

const ctx = (over: Partial<PushContext> = {}): PushContext => ({
  userId: ME,
  displayName: 'Alice',
  roomMemberCount: 5,
  senderPowerLevel: 0,
  notificationPowerLevels: { room: 50 },
  ...over,
});

const message = (content: Record<string, unknown>, over: Partial<PushEvent> = {}): PushEvent => ({
  type: 'm.room.message',
  content: { msgtype: 'm.text', ...content },
  sender: '@bob:hs',
  room_id: ROOM,
  ...over,
});

const defaults = (
  userRules: Partial<Record<keyof PushRules, PushRule[]>> = {},
  changes: ReadonlyMap<string, DefaultRuleChange> = new Map(),
) => compileRuleSet(mergePushRules(ME, userRules, changes));

/** The rule ID that decides, found by evaluating against each prefix (keeps assertions about *why*). */
function decidingRule(rules: PushRules, event: PushEvent, c: PushContext): string | null {
  const ordered: Array<[keyof PushRules, PushRule]> = [];
  for (const kind of ['override', 'content', 'room', 'sender', 'underride'] as const) for (const rule of rules[kind]) ordered.push([kind, rule]);
  for (const [kind, rule] of ordered) {
    const single = { override: [], content: [], room: [], sender: [], underride: [], [kind]: [{ ...rule, actions: ['notify'] }] } as PushRules;
    if (rule.enabled && evaluatePushRules(compileRuleSet({ global: single }), event, c).length > 0) return rule.rule_id;
  }
  return null;
}

const own = (rule_id: string, extra: Partial<PushRule> = {}): PushRule => ({ rule_id, default: false, enabled: true, actions: ['notify'], ...extra });

describe('default rules', () => {
  const set = defaults();
  const rules = mergePushRules(ME, {}, new Map()).global;

  test('a plain message in a 2-person room notifies with a sound (.m.rule.room_one_to_one)', () => {
    const event = message({ body: 'hi' });
    const actions = evaluatePushRules(set, event, ctx({ roomMemberCount: 2 }));
    assert.deepEqual(actions, ['notify', { set_tweak: 'sound', value: 'default' }]);
    assert.ok(notifies(actions));
    assert.ok(!highlights(actions));
    assert.equal(decidingRule(rules, event, ctx({ roomMemberCount: 2 })), '.m.rule.room_one_to_one');
  });

  test('a plain message in a bigger room notifies without sound (.m.rule.message)', () => {
    const actions = evaluatePushRules(set, message({ body: 'hi' }), ctx({ roomMemberCount: 3 }));
    assert.deepEqual(actions, ['notify']);
    assert.equal(decidingRule(rules, message({ body: 'hi' }), ctx()), '.m.rule.message');
  });

  test('an m.mentions user mention highlights (.m.rule.is_user_mention)', () => {
    const event = message({ body: 'hey you', 'm.mentions': { user_ids: ['@carol:hs', ME] } });
    const actions = evaluatePushRules(set, event, ctx());
    assert.ok(notifies(actions) && highlights(actions));
    assert.equal(decidingRule(rules, event, ctx()), '.m.rule.is_user_mention');
    // Someone else mentioned: a plain message.
    assert.deepEqual(evaluatePushRules(set, message({ body: 'x', 'm.mentions': { user_ids: ['@carol:hs'] } }), ctx()), ['notify']);
    // The user ID in the body alone does not mention (legacy body rules are gone since v1.17).
    assert.deepEqual(evaluatePushRules(set, message({ body: `hi ${ME}` }), ctx()), ['notify']);
  });

  test('@room by someone with enough power highlights (.m.rule.is_room_mention)', () => {
    const event = message({ body: 'everyone!', 'm.mentions': { room: true } });
    const actions = evaluatePushRules(set, event, ctx({ senderPowerLevel: 50 }));
    assert.deepEqual(actions, ['notify', { set_tweak: 'highlight' }]);
    assert.ok(highlights(actions));
    // Not enough power: an ordinary message.
    assert.deepEqual(evaluatePushRules(set, event, ctx({ senderPowerLevel: 49 })), ['notify']);
    // The room lowers the level: now it highlights.
    assert.ok(highlights(evaluatePushRules(set, event, ctx({ senderPowerLevel: 0, notificationPowerLevels: { room: 0 } }))));
    // No `room` entry: the power levels default of 50 applies.
    assert.ok(highlights(evaluatePushRules(set, event, ctx({ senderPowerLevel: 50, notificationPowerLevels: {} }))));
    assert.ok(!highlights(evaluatePushRules(set, event, ctx({ senderPowerLevel: 10, notificationPowerLevels: {} }))));
    // `room: "true"` (a string) is not `true`.
    assert.deepEqual(evaluatePushRules(set, message({ body: 'x', 'm.mentions': { room: 'true' } }), ctx({ senderPowerLevel: 100 })), ['notify']);
  });

  test('the master rule, once enabled, silences everything', () => {
    const muted = defaults({}, new Map([[defaultChangeKey('override', '.m.rule.master'), { enabled: true }]]));
    assert.deepEqual(evaluatePushRules(muted, message({ body: 'hi', 'm.mentions': { user_ids: [ME] } }), ctx()), []);
    assert.deepEqual(evaluatePushRules(muted, message({ body: 'hi' }), ctx({ roomMemberCount: 2 })), []);
    // Even above a user's own override rule.
    const mutedWithOwn = defaults(
      { override: [own('always', { conditions: [] })] },
      new Map([[defaultChangeKey('override', '.m.rule.master'), { enabled: true }]]),
    );
    assert.deepEqual(evaluatePushRules(mutedWithOwn, message({ body: 'hi' }), ctx()), []);
  });

  test('notices are suppressed (.m.rule.suppress_notices), even in one-to-one rooms', () => {
    const event = message({ body: 'bot says', msgtype: 'm.notice' });
    assert.deepEqual(evaluatePushRules(set, event, ctx({ roomMemberCount: 2 })), []);
    assert.equal(decidingRule(rules, event, ctx()), '.m.rule.suppress_notices');
  });

  test('member events do not notify (.m.rule.member_event) except an invite for me (.m.rule.invite_for_me)', () => {
    const join: PushEvent = { type: 'm.room.member', content: { membership: 'join' }, sender: '@bob:hs', state_key: '@bob:hs', room_id: ROOM };
    assert.deepEqual(evaluatePushRules(set, join, ctx({ roomMemberCount: 2 })), []);
    assert.equal(decidingRule(rules, join, ctx()), '.m.rule.member_event');
    const inviteOther: PushEvent = { ...join, content: { membership: 'invite' }, state_key: '@carol:hs' };
    assert.deepEqual(evaluatePushRules(set, inviteOther, ctx()), []);
    const inviteMe: PushEvent = { ...join, content: { membership: 'invite' }, state_key: ME };
    assert.deepEqual(evaluatePushRules(set, inviteMe, ctx()), ['notify', { set_tweak: 'sound', value: 'default' }]);
    assert.equal(decidingRule(rules, inviteMe, ctx()), '.m.rule.invite_for_me');
  });

  test('encrypted events: one-to-one rooms with sound, bigger rooms without', () => {
    const event: PushEvent = { type: 'm.room.encrypted', content: { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'x' }, sender: '@bob:hs', room_id: ROOM };
    assert.deepEqual(evaluatePushRules(set, event, ctx({ roomMemberCount: 2 })), ['notify', { set_tweak: 'sound', value: 'default' }]);
    assert.equal(decidingRule(rules, event, ctx({ roomMemberCount: 2 })), '.m.rule.encrypted_room_one_to_one');
    assert.deepEqual(evaluatePushRules(set, event, ctx({ roomMemberCount: 3 })), ['notify']);
    assert.equal(decidingRule(rules, event, ctx({ roomMemberCount: 3 })), '.m.rule.encrypted');
  });

  test('a tombstone state event highlights; a tombstone without state_key is not one', () => {
    const event: PushEvent = { type: 'm.room.tombstone', content: { body: 'moved', replacement_room: '!new:hs' }, sender: '@bob:hs', state_key: '', room_id: ROOM };
    assert.deepEqual(evaluatePushRules(set, event, ctx()), ['notify', { set_tweak: 'highlight' }]);
    const { state_key: _omit, ...notState } = event;
    assert.deepEqual(evaluatePushRules(set, notState, ctx()), []);
  });

  test('reactions, server ACLs and edits do not notify', () => {
    const reaction: PushEvent = { type: 'm.reaction', content: { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$e', key: '👍' } }, sender: '@bob:hs', room_id: ROOM };
    assert.deepEqual(evaluatePushRules(set, reaction, ctx({ roomMemberCount: 2 })), []);
    assert.equal(decidingRule(rules, reaction, ctx()), '.m.rule.reaction');
    const acl: PushEvent = { type: 'm.room.server_acl', content: { allow: ['*'] }, sender: '@bob:hs', state_key: '', room_id: ROOM };
    assert.equal(decidingRule(rules, acl, ctx()), '.m.rule.room.server_acl');
    assert.deepEqual(evaluatePushRules(set, acl, ctx()), []);
    const edit = message({ body: '* fixed', 'm.new_content': { body: 'fixed' }, 'm.relates_to': { rel_type: 'm.replace', event_id: '$e' } });
    assert.deepEqual(evaluatePushRules(set, edit, ctx({ roomMemberCount: 2 })), []);
    assert.equal(decidingRule(rules, edit, ctx()), '.m.rule.suppress_edits');
  });

  test('calls ring (.m.rule.call); other event types match no rule', () => {
    const call: PushEvent = { type: 'm.call.invite', content: { call_id: 'c', version: '1' }, sender: '@bob:hs', room_id: ROOM };
    assert.deepEqual(evaluatePushRules(set, call, ctx()), ['notify', { set_tweak: 'sound', value: 'ring' }]);
    const topic: PushEvent = { type: 'm.room.topic', content: { topic: 'x' }, sender: '@bob:hs', state_key: '', room_id: ROOM };
    assert.deepEqual(evaluatePushRules(set, topic, ctx({ roomMemberCount: 2 })), []);
  });

  test('event types match case-insensitively, also for rules filtered by type; many types stay correct', () => {
    assert.deepEqual(evaluatePushRules(set, message({ body: 'x' }, { type: 'M.ROOM.MESSAGE' }), ctx()), ['notify']);
    const member: PushEvent = { type: 'M.Room.Member', content: { membership: 'invite' }, sender: '@bob:hs', state_key: ME, room_id: ROOM };
    assert.ok(notifies(evaluatePushRules(set, member, ctx())));
    // More event types than the per-set cache keeps: results don't change.
    const fresh = defaults();
    for (let i = 0; i < 100; i++) assert.deepEqual(evaluatePushRules(fresh, { type: `org.example.t${i}`, content: {}, sender: '@b:hs', room_id: ROOM }, ctx()), []);
    assert.deepEqual(evaluatePushRules(fresh, message({ body: 'x' }), ctx()), ['notify']);
    assert.deepEqual(evaluatePushRules(fresh, message({ body: 'x' }, { type: 'm.room.messagE' }), ctx({ roomMemberCount: 2 })), ['notify', { set_tweak: 'sound', value: 'default' }]);
  });

  test('events the user sent themselves never notify', () => {
    assert.deepEqual(evaluatePushRules(set, message({ body: 'me', 'm.mentions': { user_ids: [ME] } }, { sender: ME }), ctx({ roomMemberCount: 2 })), []);
  });

  test('disabled default rules are skipped and changed actions apply', () => {
    const changed = defaults(
      {},
      new Map<string, DefaultRuleChange>([
        [defaultChangeKey('underride', '.m.rule.room_one_to_one'), { enabled: false }],
        [defaultChangeKey('underride', '.m.rule.message'), { actions: ['notify', { set_tweak: 'sound', value: 'bing' }] }],
      ]),
    );
    assert.deepEqual(evaluatePushRules(changed, message({ body: 'x' }), ctx({ roomMemberCount: 2 })), ['notify', { set_tweak: 'sound', value: 'bing' }]);
    assert.ok(!compiledRuleIds(changed).includes('.m.rule.room_one_to_one'));
    assert.ok(!compiledRuleIds(changed).includes('.m.rule.master'));
  });
});

describe('user rules and kind order', () => {
  test('a user override outranks server-default overrides (mute a room)', () => {
    const mute = own(ROOM, { conditions: [{ kind: 'event_match', key: 'room_id', pattern: ROOM }], actions: [] });
    const set = defaults({ override: [mute] });
    assert.deepEqual(evaluatePushRules(set, message({ body: 'x', 'm.mentions': { user_ids: [ME] } }), ctx()), []);
    assert.deepEqual(evaluatePushRules(set, message({ body: 'x' }, { room_id: '!other:hs' }), ctx()), ['notify']);
  });

  test('server-default overrides outrank user content, room, sender and underride rules', () => {
    const set = defaults({ room: [own(ROOM, { actions: [] })], sender: [own('@bob:hs', { actions: [] })] });
    // is_user_mention (override) beats the room rule.
    assert.ok(highlights(evaluatePushRules(set, message({ body: 'x', 'm.mentions': { user_ids: [ME] } }), ctx())));
    // Without a mention the room rule silences.
    assert.deepEqual(evaluatePushRules(set, message({ body: 'x' }), ctx({ roomMemberCount: 2 })), []);
  });

  test('content beats room beats sender beats underride', () => {
    const content = own('cake', { pattern: 'cake', actions: ['notify', { set_tweak: 'sound', value: 'cakealarm.wav' }] });
    const room = own(ROOM, { actions: [{ set_tweak: 'sound', value: 'room' }] });
    const sender = own('@bob:hs', { actions: [{ set_tweak: 'sound', value: 'sender' }] });
    const underride = own('u', { conditions: [], actions: [{ set_tweak: 'sound', value: 'underride' }] });
    const set = defaults({ content: [content], room: [room], sender: [sender], underride: [underride] });
    assert.deepEqual(evaluatePushRules(set, message({ body: 'I like cake' }), ctx()), content.actions);
    assert.deepEqual(evaluatePushRules(set, message({ body: 'I like pie' }), ctx()), room.actions);
    assert.deepEqual(evaluatePushRules(set, message({ body: 'pie' }, { room_id: '!x:hs' }), ctx()), sender.actions);
    assert.deepEqual(evaluatePushRules(set, message({ body: 'pie' }, { room_id: '!x:hs', sender: '@carol:hs' }), ctx()), underride.actions);
    // The user's underride precedes .m.rule.message.
    assert.deepEqual(evaluatePushRules(defaults({ underride: [underride] }), message({ body: 'x' }), ctx()), underride.actions);
  });

  test('within a kind the first matching rule wins (the spec example "time for tea")', () => {
    const tea = own('tea', { pattern: 'tea', actions: [{ set_tweak: 'sound', value: 'tea' }] });
    const time = own('time', { pattern: 'time', actions: [{ set_tweak: 'sound', value: 'time' }] });
    const event = message({ body: "It's time for tea" });
    assert.deepEqual(evaluatePushRules(defaults({ content: [tea, time] }), event, ctx()), tea.actions);
    assert.deepEqual(evaluatePushRules(defaults({ content: [time, tea] }), event, ctx()), time.actions);
  });

  test('disabled user rules never match', () => {
    const set = defaults({ override: [own('off', { conditions: [], enabled: false, actions: [] })] });
    assert.deepEqual(evaluatePushRules(set, message({ body: 'x' }), ctx()), ['notify']);
  });

  test('a rule with an unknown condition kind never matches; one with no conditions always does', () => {
    const unknown = own('u', { conditions: [{ kind: 'org.example.future' }], actions: [] });
    assert.deepEqual(evaluatePushRules(defaults({ override: [unknown] }), message({ body: 'x' }), ctx()), ['notify']);
    const always = own('a', { conditions: [], actions: [{ set_tweak: 'x' }] });
    assert.deepEqual(evaluatePushRules(defaults({ override: [always] }), { type: 'anything', content: {}, sender: '@b:hs', room_id: ROOM }, ctx()), always.actions);
    const missingConditions = own('m', { actions: [{ set_tweak: 'y' }] });
    assert.deepEqual(evaluatePushRules(defaults({ override: [missingConditions] }), message({ body: 'x' }), ctx()), missingConditions.actions);
  });

  test('the historical dont_notify and coalesce actions are stripped', () => {
    const rule = own('d', { conditions: [], actions: ['dont_notify', 'coalesce'] });
    assert.deepEqual(evaluatePushRules(defaults({ override: [rule] }), message({ body: 'x' }), ctx()), []);
    const mixed = own('m', { conditions: [], actions: ['notify', 'coalesce', { set_tweak: 'sound', value: 'a' }] });
    assert.deepEqual(evaluatePushRules(defaults({ override: [mixed] }), message({ body: 'x' }), ctx()), ['notify', { set_tweak: 'sound', value: 'a' }]);
  });

  test('a content rule without a pattern never matches', () => {
    const set = defaults({ content: [own('nopattern', { actions: [] })] });
    assert.deepEqual(evaluatePushRules(set, message({ body: 'x' }), ctx()), ['notify']);
  });

  test('legacy display-name rule (.m.rule.contains_display_name, pre-v1.17) highlights, unless the event has m.mentions', () => {
    // The rule as the spec defined it before v1.17; a server or user that still has it gets it evaluated.
    const legacy: PushRule = {
      rule_id: '.m.rule.contains_display_name',
      default: true,
      enabled: true,
      conditions: [{ kind: 'contains_display_name' }],
      actions: ['notify', { set_tweak: 'sound', value: 'default' }, { set_tweak: 'highlight' }],
    };
    const rules = mergePushRules(ME, {}, new Map()).global;
    const set = compileRuleSet({ global: { ...rules, override: [...rules.override, legacy] } });
    assert.ok(highlights(evaluatePushRules(set, message({ body: 'hello alice, how are you' }), ctx())));
    assert.ok(highlights(evaluatePushRules(set, message({ body: 'ALICE!' }), ctx())));
    assert.ok(!highlights(evaluatePushRules(set, message({ body: 'malice aforethought' }), ctx())));
    assert.ok(!highlights(evaluatePushRules(set, message({ body: 'alice_bot' }), ctx())));
    assert.ok(!highlights(evaluatePushRules(set, message({ body: 'hello alice' }), ctx({ displayName: null }))));
    assert.ok(!highlights(evaluatePushRules(set, message({ body: 'hello alice' }), ctx({ displayName: '' }))));
    // Intentional mentions (m.mentions present) switch the body-based rule off.
    assert.ok(!highlights(evaluatePushRules(set, message({ body: 'hello alice', 'm.mentions': {} }), ctx())));
    // Display names are literal: glob characters in them match only themselves.
    assert.ok(highlights(evaluatePushRules(set, message({ body: 'hi a*e' }), ctx({ displayName: 'a*e' }))));
    assert.ok(!highlights(evaluatePushRules(set, message({ body: 'hi alice' }), ctx({ displayName: 'a*e' }))));
  });
});

describe('conditions', () => {
  const matches = (condition: PushCondition, event: PushEvent, c: PushContext = ctx()): boolean => {
    const matcher = compileCondition(condition);
    assert.ok(matcher, 'condition compiles');
    return matcher(event, c);
  };
  const topic = (value: unknown): PushEvent => ({ type: 'm.room.topic', content: { topic: value }, sender: '@b:hs', state_key: '', room_id: ROOM });

  test('event_match: the spec example `lunc?*` on content.topic', () => {
    const condition = { kind: 'event_match', key: 'content.topic', pattern: 'lunc?*' };
    for (const value of ['Lunch plans', 'LUNCH']) assert.ok(matches(condition, topic(value)), value);
    for (const value of [' lunch', 'lunc', null, 5, ['lunch'], { a: 'lunch' }]) assert.ok(!matches(condition, topic(value)), String(value));
    assert.ok(!matches(condition, { ...topic('x'), content: {} }));
  });

  test('event_match: `*` does not match an absent or non-string property', () => {
    const condition = { kind: 'event_match', key: 'content.topic', pattern: '*' };
    assert.ok(matches(condition, topic('')));
    assert.ok(!matches(condition, topic(undefined)));
    assert.ok(!matches(condition, topic(true)));
  });

  test('event_match: whole-value match outside content.body, case-insensitive', () => {
    const condition = { kind: 'event_match', key: 'type', pattern: 'm.room.message' };
    assert.ok(matches(condition, message({})));
    assert.ok(matches(condition, message({}, { type: 'M.Room.Message' })));
    assert.ok(!matches(condition, message({}, { type: 'm.room.message.extra' })));
    assert.ok(!matches(condition, message({}, { type: 'xm.room.message' })));
    assert.ok(matches({ kind: 'event_match', key: 'type', pattern: 'm.room.*' }, message({})));
    assert.ok(matches({ kind: 'event_match', key: 'type', pattern: 'M.ROOM.MESS?GE' }, message({})));
    assert.ok(!matches({ kind: 'event_match', key: 'type', pattern: 'm.room.' }, message({})));
    assert.ok(matches({ kind: 'event_match', key: 'sender', pattern: '@bob:*' }, message({})));
  });

  test('event_match on content.body: the spec example `ex*ple` at word boundaries', () => {
    const condition = { kind: 'event_match', key: 'content.body', pattern: 'ex*ple' };
    for (const body of ['An example event.', 'exple', 'An exciting triple-whammy', 'EXAMPLE', 'ex\nple'])
      assert.ok(matches(condition, message({ body })), body);
    for (const body of ['examples', 'anexample', 'exampl', 'example_', 'ex ple_']) assert.ok(!matches(condition, message({ body })), body);
  });

  test('event_match on content.body: literal words, `?`, leading/trailing `*`', () => {
    const cake = { kind: 'event_match', key: 'content.body', pattern: 'cake' };
    for (const body of ['cake', 'I want CAKE!', 'cake-time', '(cake)', 'café cake', 'cake cakes']) assert.ok(matches(cake, message({ body })), body);
    for (const body of ['cakes', 'pancake', 'cake_1', '1cake', '']) assert.ok(!matches(cake, message({ body })), body);
    const q = { kind: 'event_match', key: 'content.body', pattern: 'c?t' };
    assert.ok(matches(q, message({ body: 'a cat sat' })));
    assert.ok(!matches(q, message({ body: 'a coat sat' })));
    const prefix = { kind: 'event_match', key: 'content.body', pattern: 'beer*' };
    assert.ok(matches(prefix, message({ body: 'beers please' })));
    assert.ok(matches(prefix, message({ body: 'I want beer' })));
    const star = { kind: 'event_match', key: 'content.body', pattern: '*' };
    assert.ok(matches(star, message({ body: 'anything' })));
    assert.ok(matches(star, message({ body: '' })));
    const cakeLie = { kind: 'event_match', key: 'content.body', pattern: 'cake*lie' };
    assert.ok(matches(cakeLie, message({ body: 'the cake is a lie' })));
    assert.ok(matches(cakeLie, message({ body: 'the cake is a lie!x' })));
    assert.ok(!matches(cakeLie, message({ body: 'the cake is a lies' })));
    // Patterns starting with a non-word character still need a boundary before them.
    const room = { kind: 'event_match', key: 'content.body', pattern: '@room' };
    assert.ok(matches(room, message({ body: 'hey @room!' })));
    assert.ok(!matches(room, message({ body: 'hey x@room' })));
  });

  test('event_match: case folding beyond ASCII', () => {
    assert.ok(matches({ kind: 'event_match', key: 'content.topic', pattern: 'CAFÉ' }, topic('café')));
    assert.ok(matches({ kind: 'event_match', key: 'content.topic', pattern: 'k' }, topic('\u212A'))); // KELVIN SIGN lower-cases to k
    assert.ok(!matches({ kind: 'event_match', key: 'content.topic', pattern: 'k' }, topic('kk')));
    assert.ok(matches({ kind: 'event_match', key: 'content.body', pattern: 'ÉCLAIR' }, message({ body: 'an éclair please' })));
  });

  test('event_match: regex metacharacters in patterns are literal', () => {
    const condition = { kind: 'event_match', key: 'content.body', pattern: 'a.b(c)' };
    assert.ok(matches(condition, message({ body: 'say a.b(c) now' })));
    assert.ok(!matches(condition, message({ body: 'say axb(c) now' })));
    assert.ok(matches({ kind: 'event_match', key: 'type', pattern: '[x]+' }, message({}, { type: '[x]+' })));
  });

  test('event_match: pathological patterns stay fast (no exponential backtracking)', () => {
    const body = `${'a '.repeat(20_000)}c`;
    const started = process.hrtime.bigint();
    assert.ok(!matches({ kind: 'event_match', key: 'content.body', pattern: '*a*a*a*a*a*a*a*a*b' }, message({ body })));
    assert.ok(!matches({ kind: 'event_match', key: 'content.topic', pattern: '*a*a*a*a*a*a*a*a*b' }, topic('a'.repeat(40_000))));
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 2_000);
  });

  test('dotted keys: escaped dots and backslashes (spec "Dot-separated property paths")', () => {
    const event = message({ 'm.relates_to': { rel_type: 'm.thread' }, 'm\\foo': 'bar', m: { relates_to: { rel_type: 'nested' } } });
    assert.ok(matches({ kind: 'event_match', key: 'content.m\\.relates_to.rel_type', pattern: 'm.thread' }, event));
    assert.ok(matches({ kind: 'event_match', key: 'content.m.relates_to.rel_type', pattern: 'nested' }, event));
    assert.ok(matches({ kind: 'event_match', key: 'content.m\\\\foo', pattern: 'bar' }, event));
    // Paths do not descend into arrays.
    assert.ok(!matches({ kind: 'event_match', key: 'content.list.0', pattern: 'x' }, message({ list: ['x'] })));
  });

  test('event_property_is: exact values, no casting (spec example m.federate)', () => {
    const create: PushEvent = {
      type: 'm.room.create',
      content: { creator: '@e:hs', 'm.federate': true, room_version: '1', n: 3, nothing: null, s: 'Text' },
      sender: '@e:hs',
      state_key: '',
      room_id: ROOM,
    };
    assert.ok(matches({ kind: 'event_property_is', key: 'content.m\\.federate', value: true }, create));
    assert.ok(!matches({ kind: 'event_property_is', key: 'content.m\\.federate', value: 'true' }, create));
    assert.ok(!matches({ kind: 'event_property_is', key: 'content.m\\.federate', value: 1 }, create));
    assert.ok(matches({ kind: 'event_property_is', key: 'content.n', value: 3 }, create));
    assert.ok(matches({ kind: 'event_property_is', key: 'content.nothing', value: null }, create));
    assert.ok(!matches({ kind: 'event_property_is', key: 'content.absent', value: null }, create));
    assert.ok(matches({ kind: 'event_property_is', key: 'content.s', value: 'Text' }, create));
    assert.ok(!matches({ kind: 'event_property_is', key: 'content.s', value: 'text' }, create));
    // Compound or non-integer values can't be compared: the condition never matches.
    assert.equal(compileCondition({ kind: 'event_property_is', key: 'content.x', value: { a: 1 } }), null);
    assert.equal(compileCondition({ kind: 'event_property_is', key: 'content.x', value: 1.5 }), null);
    assert.equal(compileCondition({ kind: 'event_property_is', key: 'content.x' }), null);
  });

  test('event_property_contains: the spec example alt_aliases', () => {
    const aliases: PushEvent = {
      type: 'm.room.canonical_alias',
      content: { alias: '#somewhere:localhost', alt_aliases: ['#somewhere:example.org', '#myroom:example.com', { x: 1 }, 7, null] },
      sender: '@e:hs',
      state_key: '',
      room_id: ROOM,
    };
    assert.ok(matches({ kind: 'event_property_contains', key: 'content.alt_aliases', value: '#myroom:example.com' }, aliases));
    assert.ok(!matches({ kind: 'event_property_contains', key: 'content.alt_aliases', value: ':example.com' }, aliases));
    assert.ok(matches({ kind: 'event_property_contains', key: 'content.alt_aliases', value: 7 }, aliases));
    assert.ok(matches({ kind: 'event_property_contains', key: 'content.alt_aliases', value: null }, aliases));
    assert.ok(!matches({ kind: 'event_property_contains', key: 'content.alias', value: '#somewhere:localhost' }, aliases));
    assert.ok(!matches({ kind: 'event_property_contains', key: 'content.absent', value: 'x' }, aliases));
  });

  test('room_member_count: every prefix', () => {
    const cases: Array<[string, number, boolean]> = [
      ['2', 2, true], ['2', 3, false], ['==2', 2, true], ['==2', 1, false],
      ['<2', 1, true], ['<2', 2, false], ['>2', 3, true], ['>2', 2, false],
      ['<=2', 2, true], ['<=2', 3, false], ['>=2', 2, true], ['>=2', 1, false], ['<=10', 10, true],
    ];
    for (const [is, count, expected] of cases)
      assert.equal(matches({ kind: 'room_member_count', is }, message({}), ctx({ roomMemberCount: count })), expected, `${is} vs ${count}`);
    for (const is of ['=2', '!=2', '2.5', '', 'two', '< 2', '=<2']) assert.equal(compileCondition({ kind: 'room_member_count', is }), null, is);
    assert.equal(compileCondition({ kind: 'room_member_count', is: 2 as unknown as string }), null);
  });

  test('sender_notification_permission: against the notifications power levels', () => {
    const condition = { kind: 'sender_notification_permission', key: 'room' };
    assert.ok(matches(condition, message({}), ctx({ senderPowerLevel: 50 })));
    assert.ok(!matches(condition, message({}), ctx({ senderPowerLevel: 49 })));
    assert.ok(matches(condition, message({}), ctx({ senderPowerLevel: 10, notificationPowerLevels: { room: 10 } })));
    const other = { kind: 'sender_notification_permission', key: 'custom' };
    assert.ok(!matches(other, message({}), ctx({ senderPowerLevel: 100 })));
    assert.ok(matches(other, message({}), ctx({ senderPowerLevel: 5, notificationPowerLevels: { custom: 5 } })));
    assert.equal(compileCondition({ kind: 'sender_notification_permission' }), null);
  });

  test('malformed known conditions never match', () => {
    assert.equal(compileCondition({ kind: 'event_match', key: 'type' }), null);
    assert.equal(compileCondition({ kind: 'event_match', pattern: 'x' }), null);
    assert.equal(compileCondition({ kind: 'event_match', key: 5 as unknown as string, pattern: 'x' }), null);
    assert.equal(compileCondition(null as unknown as PushCondition), null);
  });
});

test('globMatchWhole', () => {
  const cases: Array<[string, string, boolean]> = [
    ['', '', true], ['*', '', true], ['?', '', false], ['a*', 'abc', true], ['*c', 'abc', true], ['a*c', 'ac', true],
    ['a?c', 'abc', true], ['a?c', 'ac', false], ['*b*', 'abc', true], ['a*b*c', 'aXbYc', true], ['a*b*c', 'aXbY', false],
    ['**', 'x', true], ['a', 'ab', false],
  ];
  for (const [glob, value, expected] of cases) assert.equal(globMatchWhole(glob, value), expected, `${glob} ~ ${value}`);
});

test('notifies and highlights', () => {
  assert.ok(notifies(['notify']));
  assert.ok(!notifies([{ set_tweak: 'sound', value: 'default' }]));
  assert.ok(highlights([{ set_tweak: 'highlight' }]));
  assert.ok(highlights([{ set_tweak: 'highlight', value: true }]));
  assert.ok(!highlights([{ set_tweak: 'highlight', value: false }]));
  assert.ok(!highlights(['notify']));
});

test('a default ruleset compiled for one user does not match another user', () => {
  const bobRules = compileRuleSet({ global: defaultPushRules('@bob:hs') });
  const event = message({ body: 'x', 'm.mentions': { user_ids: [ME] } }, { sender: '@carol:hs' });
  assert.ok(!highlights(evaluatePushRules(bobRules, event, ctx({ userId: '@bob:hs' }))));
});
