// Push rules API black-box over HTTP (spec client-server-api "Push Rules: API", pushrules.yaml, v1.19):
// the default ruleset, adding/replacing/deleting user rules of every kind, before/after ordering, enabling
// and re-acting server-default rules, and the errors clients get for bad requests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSdk, startClients, until, type SdkClient } from '../helpers/js-sdk.js';
import { enc, roomClient, V3, type RoomClient } from '../helpers/room-client.js';
import { startTestServer } from '../helpers/test-server.js';

interface Rule {
  rule_id: string;
  default: boolean;
  enabled: boolean;
  actions: unknown[];
  conditions?: unknown[];
  pattern?: string;
}
type Ruleset = Record<'override' | 'content' | 'room' | 'sender' | 'underride', Rule[]>;

async function setup(t: Parameters<typeof startTestServer>[0]) {
  const hs = await startTestServer(t);
  const [alice, bob] = await Promise.all([hs.register('alice'), hs.register('bob')]);
  return { hs, a: roomClient(hs, alice), b: roomClient(hs, bob) };
}

const rulePath = (kind: string, ruleId: string, scope = 'global') => `${V3}/pushrules/${scope}/${kind}/${enc(ruleId)}`;
const ruleset = async (c: RoomClient): Promise<Ruleset> => (await c.ok('GET', `${V3}/pushrules/`)).global;
const ids = (rules: Rule[]) => rules.map((rule) => rule.rule_id);

async function expectError(c: RoomClient, method: string, path: string, body: unknown, status: number, errcode: string) {
  const response = await c.raw(method, path, body);
  assert.equal(response.status, status, `${method} ${path}: ${JSON.stringify(response.body)}`);
  assert.equal(response.body.errcode, errcode, `${method} ${path}: ${JSON.stringify(response.body)}`);
  assert.equal(typeof response.body.error, 'string');
}

// sytest: Can fetch a user's pushrules; complement: TestPushRuleCacheHealth (defaults)
test('GET /pushrules/ gives the spec default rules for the user; /pushrules/global/ the same ruleset', async (t) => {
  const { a } = await setup(t);
  const all = await a.ok('GET', `${V3}/pushrules/`);
  assert.deepEqual(Object.keys(all), ['global']);
  const global: Ruleset = all.global;
  assert.deepEqual(Object.keys(global).sort(), ['content', 'override', 'room', 'sender', 'underride']);
  assert.deepEqual(ids(global.override), [
    '.m.rule.master',
    '.m.rule.suppress_notices',
    '.m.rule.invite_for_me',
    '.m.rule.member_event',
    '.m.rule.is_user_mention',
    '.m.rule.is_room_mention',
    '.m.rule.tombstone',
    '.m.rule.reaction',
    '.m.rule.room.server_acl',
    '.m.rule.suppress_edits',
  ]);
  assert.deepEqual(ids(global.underride), ['.m.rule.call', '.m.rule.encrypted_room_one_to_one', '.m.rule.room_one_to_one', '.m.rule.message', '.m.rule.encrypted']);
  assert.deepEqual([global.content, global.room, global.sender], [[], [], []]);
  assert.ok([...global.override, ...global.underride].every((rule) => rule.default === true));
  assert.equal(global.override[0]?.enabled, false);
  const mention = global.override.find((rule) => rule.rule_id === '.m.rule.is_user_mention');
  assert.deepEqual(mention?.conditions, [{ kind: 'event_property_contains', key: 'content.m\\.mentions.user_ids', value: a.userId }]);
  assert.deepEqual(await a.ok('GET', `${V3}/pushrules/global/`), global);

  // A single default rule, its enabled flag and actions.
  assert.deepEqual(await a.ok('GET', rulePath('underride', '.m.rule.message')), {
    rule_id: '.m.rule.message',
    default: true,
    enabled: true,
    conditions: [{ kind: 'event_match', key: 'type', pattern: 'm.room.message' }],
    actions: ['notify'],
  });
  assert.deepEqual(await a.ok('GET', `${rulePath('override', '.m.rule.master')}/enabled`), { enabled: false });
  assert.deepEqual(await a.ok('GET', `${rulePath('underride', '.m.rule.call')}/actions`), { actions: ['notify', { set_tweak: 'sound', value: 'ring' }] });

});

// sytest: Can add content push rule; Can delete a push rule; complement: TestPushRuleContent
test('a content rule: add, read back, replace in place, delete', async (t) => {
  const { a } = await setup(t);
  const cake = { pattern: 'cake', actions: ['notify', { set_tweak: 'sound', value: 'cakealarm.wav' }] };
  assert.deepEqual(await a.ok('PUT', rulePath('content', 'SSByZWFsbHkgbGlrZSBjYWtl'), cake), {});
  assert.deepEqual(await a.ok('GET', rulePath('content', 'SSByZWFsbHkgbGlrZSBjYWtl')), {
    rule_id: 'SSByZWFsbHkgbGlrZSBjYWtl',
    default: false,
    enabled: true,
    pattern: 'cake',
    actions: cake.actions,
  });
  assert.deepEqual(ids((await ruleset(a)).content), ['SSByZWFsbHkgbGlrZSBjYWtl']);

  // Replace: new pattern and actions, same rule.
  await a.ok('PUT', rulePath('content', 'SSByZWFsbHkgbGlrZSBjYWtl'), { pattern: 'pie', actions: [] });
  const replaced = await a.ok('GET', rulePath('content', 'SSByZWFsbHkgbGlrZSBjYWtl'));
  assert.equal(replaced.pattern, 'pie');
  assert.deepEqual(replaced.actions, []);
  assert.deepEqual(ids((await ruleset(a)).content), ['SSByZWFsbHkgbGlrZSBjYWtl']);

  assert.deepEqual(await a.ok('DELETE', rulePath('content', 'SSByZWFsbHkgbGlrZSBjYWtl')), {});
  await expectError(a, 'GET', rulePath('content', 'SSByZWFsbHkgbGlrZSBjYWtl'), undefined, 404, 'M_NOT_FOUND');
  await expectError(a, 'DELETE', rulePath('content', 'SSByZWFsbHkgbGlrZSBjYWtl'), undefined, 404, 'M_NOT_FOUND');
  assert.deepEqual((await ruleset(a)).content, []);
});

// sytest: Can add override push rule; complement: TestPushRuleOverride
test('override rules sit after .m.rule.master and before the other server-default override rules', async (t) => {
  const { a } = await setup(t);
  const beer = {
    conditions: [
      { kind: 'event_match', key: 'content.body', pattern: 'beer' },
      { kind: 'room_member_count', is: '<=10' },
    ],
    actions: ['notify', { set_tweak: 'sound', value: 'beeroclock.wav' }],
  };
  await a.ok('PUT', rulePath('override', 'U2VlIHlvdSBpbiBUaGUgRHVrZQ'), beer);
  const rules = await ruleset(a);
  assert.deepEqual(ids(rules.override).slice(0, 3), ['.m.rule.master', 'U2VlIHlvdSBpbiBUaGUgRHVrZQ', '.m.rule.suppress_notices']);
  assert.deepEqual(rules.override[1], { rule_id: 'U2VlIHlvdSBpbiBUaGUgRHVrZQ', default: false, enabled: true, ...beer });

  // An underride rule precedes the server-default underride rules; unknown condition kinds are kept.
  const future = { conditions: [{ kind: 'org.example.future', foo: 1 }], actions: ['notify'] };
  await a.ok('PUT', rulePath('underride', 'later'), future);
  const after = await ruleset(a);
  assert.deepEqual(ids(after.underride).slice(0, 2), ['later', '.m.rule.call']);
  assert.deepEqual(after.underride[0]?.conditions, future.conditions);
  // An empty condition list is allowed (the rule always matches).
  await a.ok('PUT', rulePath('override', 'everything'), { conditions: [], actions: [] });
  assert.deepEqual((await a.ok('GET', rulePath('override', 'everything'))).conditions, []);
});

// The spec's "Examples": suppress a room, suppress a sender.
test('room and sender rules are named by the room and user ID and carry no conditions', async (t) => {
  const { a, b } = await setup(t);
  const roomId = await a.createRoom({});
  await a.ok('PUT', rulePath('room', roomId), { actions: [] });
  await a.ok('PUT', rulePath('sender', b.userId), { actions: ['notify', { set_tweak: 'highlight', value: false }] });
  const rules = await ruleset(a);
  assert.deepEqual(rules.room, [{ rule_id: roomId, default: false, enabled: true, actions: [] }]);
  assert.deepEqual(rules.sender, [{ rule_id: b.userId, default: false, enabled: true, actions: ['notify', { set_tweak: 'highlight', value: false }] }]);
  // Conditions or a pattern sent with them are not kept.
  await a.ok('PUT', rulePath('room', roomId), { actions: ['notify'], conditions: [{ kind: 'event_match', key: 'type', pattern: 'x' }], pattern: 'p' });
  assert.deepEqual(await a.ok('GET', rulePath('room', roomId)), { rule_id: roomId, default: false, enabled: true, actions: ['notify'] });
  // The historical dont_notify is kept as sent (clients look for it; evaluation ignores it).
  await a.ok('PUT', rulePath('sender', b.userId), { actions: ['dont_notify'] });
  assert.deepEqual((await a.ok('GET', rulePath('sender', b.userId))).actions, ['dont_notify']);
  await a.ok('DELETE', rulePath('room', roomId));
  await a.ok('DELETE', rulePath('sender', b.userId));
  const empty = await ruleset(a);
  assert.deepEqual([empty.room, empty.sender], [[], []]);
});

// sytest: Can add global push rule before/after an existing rule; complement: TestPushRuleOrdering
test('before/after place new and existing rules; a new rule without them goes first', async (t) => {
  const { a } = await setup(t);
  const put = (id: string, query = '') => a.ok('PUT', `${rulePath('content', id)}${query}`, { pattern: id, actions: ['notify'] });
  await put('one');
  await put('two');
  assert.deepEqual(ids((await ruleset(a)).content), ['two', 'one']);
  // The spec's example: before the existing rule.
  await put('three', '?before=one');
  assert.deepEqual(ids((await ruleset(a)).content), ['two', 'three', 'one']);
  await put('four', '?after=one');
  assert.deepEqual(ids((await ruleset(a)).content), ['two', 'three', 'one', 'four']);
  // Moving an existing rule; with both, `before` decides.
  await put('four', '?before=two&after=one');
  assert.deepEqual(ids((await ruleset(a)).content), ['four', 'two', 'three', 'one']);
  await put('four', '?after=three');
  assert.deepEqual(ids((await ruleset(a)).content), ['two', 'three', 'four', 'one']);
  // Replacing without before/after keeps the place.
  await put('three');
  assert.deepEqual(ids((await ruleset(a)).content), ['two', 'three', 'four', 'one']);
  // An unknown anchor, or a server-default one, is refused and changes nothing.
  await expectError(a, 'PUT', `${rulePath('content', 'five')}?before=nope`, { pattern: 'x', actions: [] }, 400, 'M_UNKNOWN');
  await expectError(a, 'PUT', `${rulePath('override', 'o')}?after=.m.rule.master`, { conditions: [], actions: [] }, 400, 'M_UNKNOWN');
  const rules = await ruleset(a);
  assert.deepEqual(ids(rules.content), ['two', 'three', 'four', 'one']);
  assert.ok(!ids(rules.override).includes('o'));
  // Ordering works the same for override rules, still after the master rule.
  await a.ok('PUT', rulePath('override', 'x'), { conditions: [], actions: [] });
  await a.ok('PUT', `${rulePath('override', 'y')}?after=x`, { conditions: [], actions: [] });
  assert.deepEqual(ids((await ruleset(a)).override).slice(0, 4), ['.m.rule.master', 'x', 'y', '.m.rule.suppress_notices']);
});

// sytest: Can disable a push rule; Can change the actions of default rules; complement: TestPushRuleEnabled
test('server-default rules: enable/disable and new actions, visible in GET; never replaced or deleted', async (t) => {
  const { a, b } = await setup(t);
  await a.ok('PUT', `${rulePath('override', '.m.rule.master')}/enabled`, { enabled: true });
  assert.deepEqual(await a.ok('GET', `${rulePath('override', '.m.rule.master')}/enabled`), { enabled: true });
  const master = (await ruleset(a)).override[0];
  assert.equal(master?.rule_id, '.m.rule.master');
  assert.equal(master?.enabled, true);
  assert.equal(master?.default, true);

  const actions = ['notify', { set_tweak: 'sound', value: 'bing' }];
  await a.ok('PUT', `${rulePath('underride', '.m.rule.message')}/actions`, { actions });
  assert.deepEqual(await a.ok('GET', `${rulePath('underride', '.m.rule.message')}/actions`), { actions });
  // Enabling again keeps the changed actions; the rule keeps its conditions and place.
  await a.ok('PUT', `${rulePath('underride', '.m.rule.message')}/enabled`, { enabled: false });
  const message = await a.ok('GET', rulePath('underride', '.m.rule.message'));
  assert.deepEqual(message, { rule_id: '.m.rule.message', default: true, enabled: false, conditions: [{ kind: 'event_match', key: 'type', pattern: 'm.room.message' }], actions });
  assert.equal(ids((await ruleset(a)).underride).indexOf('.m.rule.message'), 3);

  // Bob's rules are his own.
  assert.deepEqual(await b.ok('GET', `${rulePath('override', '.m.rule.master')}/enabled`), { enabled: false });
  assert.deepEqual(await b.ok('GET', `${rulePath('underride', '.m.rule.message')}/actions`), { actions: ['notify'] });

  await expectError(a, 'PUT', rulePath('override', '.m.rule.master'), { conditions: [], actions: ['notify'] }, 400, 'M_INVALID_PARAM');
  await expectError(a, 'DELETE', rulePath('underride', '.m.rule.message'), undefined, 400, 'M_INVALID_PARAM');
  // A server-default rule under the wrong kind doesn't exist.
  await expectError(a, 'GET', rulePath('underride', '.m.rule.master'), undefined, 404, 'M_NOT_FOUND');
  await expectError(a, 'PUT', `${rulePath('underride', '.m.rule.master')}/enabled`, { enabled: true }, 404, 'M_NOT_FOUND');
  await expectError(a, 'PUT', `${rulePath('content', '.m.rule.nope')}/actions`, { actions: [] }, 404, 'M_NOT_FOUND');
});

test('a user rule can be disabled and given new actions; a replaced rule keeps its enabled flag', async (t) => {
  const { a } = await setup(t);
  await a.ok('PUT', rulePath('content', 'tea'), { pattern: 'tea', actions: ['notify'] });
  await a.ok('PUT', `${rulePath('content', 'tea')}/enabled`, { enabled: false });
  assert.deepEqual(await a.ok('GET', `${rulePath('content', 'tea')}/enabled`), { enabled: false });
  await a.ok('PUT', `${rulePath('content', 'tea')}/actions`, { actions: [{ set_tweak: 'highlight' }] });
  assert.deepEqual(await a.ok('GET', rulePath('content', 'tea')), { rule_id: 'tea', default: false, enabled: false, pattern: 'tea', actions: [{ set_tweak: 'highlight' }] });
  await a.ok('PUT', rulePath('content', 'tea'), { pattern: 'tea*', actions: ['notify'] });
  assert.equal((await a.ok('GET', rulePath('content', 'tea'))).enabled, false);
  await a.ok('PUT', `${rulePath('content', 'tea')}/enabled`, { enabled: true });
  assert.equal((await a.ok('GET', rulePath('content', 'tea'))).enabled, true);
});

test('bad requests get clear Matrix errors and change nothing', async (t) => {
  const { a } = await setup(t);
  const before = await ruleset(a);
  const content = { pattern: 'x', actions: ['notify'] };
  // Rule IDs.
  await expectError(a, 'PUT', rulePath('content', '.mine'), content, 400, 'M_INVALID_PARAM');
  await expectError(a, 'PUT', rulePath('content', 'a/b'), content, 400, 'M_INVALID_PARAM');
  await expectError(a, 'PUT', rulePath('content', 'a\\b'), content, 400, 'M_INVALID_PARAM');
  await expectError(a, 'PUT', rulePath('room', 'not-a-room'), { actions: [] }, 400, 'M_INVALID_PARAM');
  await expectError(a, 'PUT', rulePath('sender', 'not-a-user'), { actions: [] }, 400, 'M_INVALID_PARAM');
  // Kind and scope.
  await expectError(a, 'PUT', rulePath('bogus', 'r'), content, 400, 'M_INVALID_PARAM');
  await expectError(a, 'GET', rulePath('bogus', 'r'), undefined, 400, 'M_INVALID_PARAM');
  await expectError(a, 'GET', `${rulePath('bogus', 'r')}/enabled`, undefined, 400, 'M_INVALID_PARAM');
  await expectError(a, 'PUT', rulePath('content', 'r', 'device'), content, 400, 'M_INVALID_PARAM');
  await expectError(a, 'GET', rulePath('override', '.m.rule.master', 'device'), undefined, 400, 'M_INVALID_PARAM');
  // Bodies.
  await expectError(a, 'PUT', rulePath('content', 'r'), { pattern: 'x' }, 400, 'M_MISSING_PARAM');
  await expectError(a, 'PUT', rulePath('content', 'r'), { actions: ['notify'] }, 400, 'M_MISSING_PARAM');
  await expectError(a, 'PUT', rulePath('content', 'r'), { pattern: 5, actions: ['notify'] }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', rulePath('content', 'r'), { pattern: 'x', actions: 'notify' }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', rulePath('content', 'r'), { pattern: 'x', actions: ['bogus'] }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', rulePath('content', 'r'), { pattern: 'x', actions: [{ value: 'x' }] }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', rulePath('content', 'r'), { pattern: 'x', actions: [5] }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', rulePath('override', 'r'), { actions: [] }, 400, 'M_MISSING_PARAM');
  await expectError(a, 'PUT', rulePath('override', 'r'), { conditions: {}, actions: [] }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', rulePath('override', 'r'), { conditions: [{ key: 'type' }], actions: [] }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', rulePath('override', 'r'), { conditions: ['x'], actions: [] }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', rulePath('override', 'r'), { conditions: [{ kind: 'event_match', key: 'type' }], actions: [] }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', rulePath('override', 'r'), { conditions: [{ kind: 'event_match', pattern: 'x' }], actions: [] }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', rulePath('underride', 'r'), { conditions: [{ kind: 'event_property_is', key: 'k', value: { a: 1 } }], actions: [] }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', rulePath('underride', 'r'), { conditions: [{ kind: 'event_property_contains', key: 'k', value: 1.5 }], actions: [] }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', rulePath('underride', 'r'), { conditions: [{ kind: 'room_member_count', is: 'many' }], actions: [] }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', rulePath('underride', 'r'), { conditions: [{ kind: 'sender_notification_permission' }], actions: [] }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', rulePath('underride', 'r'), [], 400, 'M_BAD_JSON');
  // enabled / actions bodies.
  await expectError(a, 'PUT', `${rulePath('override', '.m.rule.master')}/enabled`, { enabled: 'yes' }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', `${rulePath('override', '.m.rule.master')}/enabled`, {}, 400, 'M_MISSING_PARAM');
  await expectError(a, 'PUT', `${rulePath('override', '.m.rule.master')}/actions`, { actions: [{}] }, 400, 'M_BAD_JSON');
  await expectError(a, 'PUT', `${rulePath('override', '.m.rule.master')}/actions`, {}, 400, 'M_MISSING_PARAM');
  // Unknown rules.
  await expectError(a, 'GET', rulePath('override', 'nope'), undefined, 404, 'M_NOT_FOUND');
  await expectError(a, 'GET', `${rulePath('override', 'nope')}/enabled`, undefined, 404, 'M_NOT_FOUND');
  await expectError(a, 'GET', `${rulePath('override', 'nope')}/actions`, undefined, 404, 'M_NOT_FOUND');
  await expectError(a, 'PUT', `${rulePath('override', 'nope')}/enabled`, { enabled: true }, 404, 'M_NOT_FOUND');
  await expectError(a, 'PUT', `${rulePath('override', 'nope')}/actions`, { actions: [] }, 404, 'M_NOT_FOUND');
  await expectError(a, 'DELETE', rulePath('override', 'nope'), undefined, 404, 'M_NOT_FOUND');
  assert.deepEqual(await ruleset(a), before);
});

test("one user's rules are invisible to and untouchable by another; requests need a token", async (t) => {
  const { hs, a, b } = await setup(t);
  await a.ok('PUT', rulePath('content', 'secret'), { pattern: 'secret', actions: ['notify'] });
  await expectError(b, 'GET', rulePath('content', 'secret'), undefined, 404, 'M_NOT_FOUND');
  await expectError(b, 'DELETE', rulePath('content', 'secret'), undefined, 404, 'M_NOT_FOUND');
  await expectError(b, 'PUT', `${rulePath('content', 'secret')}/enabled`, { enabled: false }, 404, 'M_NOT_FOUND');
  assert.deepEqual((await ruleset(b)).content, []);
  assert.equal((await a.ok('GET', rulePath('content', 'secret'))).enabled, true);
  const anonymous = await hs.request('GET', `${V3}/pushrules/`);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.errcode, 'M_MISSING_TOKEN');
  const anonymousPut = await hs.request('PUT', rulePath('content', 'x'), { body: { pattern: 'x', actions: [] } });
  assert.equal(anonymousPut.status, 401);
});

test('rules persist across a restart', async (t) => {
  const first = await startTestServer(null);
  const alice = await first.register('alice');
  const a = roomClient(first, alice);
  await a.ok('PUT', rulePath('content', 'kept'), { pattern: 'kept', actions: ['notify'] });
  await a.ok('PUT', `${rulePath('override', '.m.rule.master')}/enabled`, { enabled: true });
  const expected = await ruleset(a);
  const dataDir = first.dataDir;
  await first.hs.close();
  const second = await startTestServer(t, { dataDir });
  t.after(() => import('node:fs').then((fs) => fs.rmSync(dataDir, { recursive: true, force: true })));
  const again = roomClient(second, alice);
  assert.deepEqual(await ruleset(again), expected);
  assert.deepEqual(ids(expected.content), ['kept']);
});

// Spec "Push Rules: Events": the ruleset reaches clients as m.push_rules account data in /sync.
test('/sync delivers m.push_rules: the computed ruleset on an initial sync, the new one after each change', async (t) => {
  const { a } = await setup(t);
  const pushRulesIn = (sync: { account_data?: { events?: Array<{ type: string; content: { global: Ruleset } }> } }) =>
    sync.account_data?.events?.find((event) => event.type === 'm.push_rules')?.content;
  const initial = await a.sync();
  assert.deepEqual(pushRulesIn(initial), { global: await ruleset(a) });
  const idle = await a.sync({ since: initial.next_batch, timeout: 0 });
  assert.equal(pushRulesIn(idle), undefined, 'nothing new when nothing changed');

  await a.ok('PUT', rulePath('content', 'cake'), { pattern: 'cake', actions: ['notify'] });
  const afterPut = await a.sync({ since: idle.next_batch, timeout: 0 });
  assert.deepEqual(ids(pushRulesIn(afterPut)?.global.content ?? []), ['cake']);
  await a.ok('PUT', `${rulePath('override', '.m.rule.master')}/enabled`, { enabled: true });
  const afterEnable = await a.sync({ since: afterPut.next_batch, timeout: 0 });
  assert.equal(pushRulesIn(afterEnable)?.global.override[0]?.enabled, true);
  assert.deepEqual(pushRulesIn(afterEnable), { global: await ruleset(a) });
  // The account data API shows the same, and refuses to set it (only /pushrules changes rules).
  assert.deepEqual(await a.ok('GET', `${V3}/user/${enc(a.userId)}/account_data/m.push_rules`), { global: await ruleset(a) });
  const refused = await a.raw('PUT', `${V3}/user/${enc(a.userId)}/account_data/m.push_rules`, { global: {} });
  assert.ok(refused.status >= 400 && refused.status < 500, String(refused.status));
  // A long-polling sync wakes for a change.
  const waiting = a.sync({ since: afterEnable.next_batch, timeout: 10_000 });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await a.ok('DELETE', rulePath('content', 'cake'));
  assert.deepEqual((pushRulesIn(await waiting)?.global.content ?? ['still there']), []);
});

// Rules take effect on the send path: the unread counts /sync reports follow the user's current rules.
test('changed rules apply to the next event: a muted room stops counting, a keyword highlights', async (t) => {
  const { a, b } = await setup(t);
  const roomId = await a.createRoom({ preset: 'public_chat' });
  await b.join(roomId);
  const counts = async () => (await a.sync()).rooms.join[roomId].unread_notifications;
  await b.say(roomId, 'hello');
  assert.deepEqual(await counts(), { notification_count: 1, highlight_count: 0 });

  await a.ok('PUT', rulePath('content', 'cake'), { pattern: 'cake', actions: ['notify', { set_tweak: 'highlight' }] });
  await b.say(roomId, 'is there CAKE?');
  assert.deepEqual(await counts(), { notification_count: 2, highlight_count: 1 });

  await a.ok('PUT', rulePath('room', roomId), { actions: [] });
  await b.say(roomId, 'more');
  assert.deepEqual(await counts(), { notification_count: 2, highlight_count: 1 });
  // Content rules outrank room rules.
  await b.say(roomId, 'cake again');
  assert.deepEqual(await counts(), { notification_count: 3, highlight_count: 2 });

  await a.ok('DELETE', rulePath('room', roomId));
  await a.ok('PUT', `${rulePath('override', '.m.rule.master')}/enabled`, { enabled: true });
  await b.say(roomId, 'cake while muted');
  assert.deepEqual(await counts(), { notification_count: 3, highlight_count: 2 });
  await a.ok('PUT', `${rulePath('override', '.m.rule.master')}/enabled`, { enabled: false });
  await b.say(roomId, 'back');
  assert.deepEqual(await counts(), { notification_count: 4, highlight_count: 2 });
});

// A real client: matrix-js-sdk reads the ruleset from m.push_rules in its sync loop, changes rules with its
// own calls (incl. its room mute, which uses the historical dont_notify), and shows the server's counts.
test('matrix-js-sdk: push rules from sync, its rule calls, room mute/unmute, and highlight counts', async (t) => {
  const sdk = await loadSdk();
  const hs = await startTestServer(t);
  const [alice, bob] = (await startClients(t, sdk, hs, 'alice', 'bob')) as [SdkClient, SdkClient];
  const aliceId = alice.getUserId()!;
  const global = () => alice.pushRules?.global;
  await until(sdk, alice, () => global()?.override?.[0]?.rule_id === '.m.rule.master', 'the ruleset from the initial sync');

  await alice.addPushRule('global', sdk.PushRuleKind.ContentSpecific, 'cake', { pattern: 'cake', actions: [sdk.PushRuleActionName.Notify] });
  await until(sdk, alice, () => global()?.content?.some((rule) => rule.rule_id === 'cake') === true, 'the content rule');
  await alice.setPushRuleEnabled('global', sdk.PushRuleKind.Override, '.m.rule.suppress_notices', false);
  await until(sdk, alice, () => global()?.override?.find((rule) => rule.rule_id === '.m.rule.suppress_notices')?.enabled === false, 'the disabled default rule');
  await alice.setPushRuleActions('global', sdk.PushRuleKind.Underride, '.m.rule.call', [sdk.PushRuleActionName.Notify]);
  await until(sdk, alice, () => global()?.underride?.find((rule) => rule.rule_id === '.m.rule.call')?.actions.length === 1, 'the new actions');
  await alice.deletePushRule('global', sdk.PushRuleKind.ContentSpecific, 'cake');
  await until(sdk, alice, () => global()?.content?.some((rule) => rule.rule_id === 'cake') === false, 'the deleted rule');
  const fetched = await alice.getPushRules();
  assert.equal(fetched.global.override?.find((rule) => rule.rule_id === '.m.rule.suppress_notices')?.enabled, false);

  // Mentions highlight, counted by the server.
  const { room_id: roomId } = await alice.createRoom({ preset: sdk.Preset.PublicChat });
  await bob.joinRoom(roomId);
  await until(sdk, alice, () => alice.getRoom(roomId)?.getJoinedMemberCount() === 2, 'bob joined');
  await bob.sendMessage(roomId, { msgtype: sdk.MsgType.Text, body: 'Alice, look', 'm.mentions': { user_ids: [aliceId] } });
  await until(sdk, alice, () => alice.getRoom(roomId)?.getUnreadNotificationCount(sdk.NotificationCountType.Highlight) === 1, 'a highlight');

  // The sdk's room mute (a room rule with dont_notify) silences the room; unmuting removes the rule.
  await alice.setRoomMutePushRule('global', roomId, true);
  assert.deepEqual(alice.getRoomPushRule('global', roomId)?.actions, ['dont_notify']);
  const before = alice.getRoom(roomId)?.getUnreadNotificationCount(sdk.NotificationCountType.Total);
  await bob.sendTextMessage(roomId, 'muted message');
  await bob.sendTextMessage(roomId, 'marker');
  await until(sdk, alice, () => alice.getRoom(roomId)?.timeline.some((event) => event.getContent().body === 'marker') === true, 'the messages');
  assert.equal(alice.getRoom(roomId)?.getUnreadNotificationCount(sdk.NotificationCountType.Total), before);
  await alice.setRoomMutePushRule('global', roomId, false);
  assert.equal(alice.getRoomPushRule('global', roomId), undefined);
  await bob.sendTextMessage(roomId, 'heard again');
  await until(sdk, alice, () => alice.getRoom(roomId)?.getUnreadNotificationCount(sdk.NotificationCountType.Total) === (before ?? 0) + 1, 'the count moving again');
});
