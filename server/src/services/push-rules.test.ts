import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { MatrixError } from '../core/errors.js';
import type { UserId } from '../core/ids.js';
import { evaluatePushRules, highlights, notifies, type PushContext, type PushEvent } from '../rooms/push-evaluator.js';
import { openSqliteStorage, type SqliteStorage } from '../storage/sqlite/index.js';
import type { PushRulesStore } from '../storage/types.js';
import { createPushRulesService, type PushRulesService } from './push-rules.js';

const ALICE = '@alice:hs' as UserId;
const BOB = '@bob:hs' as UserId;

let storage: SqliteStorage;
let reads: UserId[];
let published: Array<[UserId, Record<string, unknown>]>;

/** The store with its reads counted (what the send path costs). */
function counting(store: PushRulesStore): PushRulesStore {
  return { ...store, getPushRules: (userId) => (reads.push(userId), store.getPushRules(userId)) };
}

function build(options: { cacheSize?: number; store?: PushRulesStore } = {}): PushRulesService {
  return createPushRulesService({
    store: options.store ?? counting(storage.pushRules),
    publish: async (userId, content) => void published.push([userId, content]),
    cacheSize: options.cacheSize,
  });
}

beforeEach(() => {
  storage = openSqliteStorage(':memory:', { synchronous: 'NORMAL' });
  reads = [];
  published = [];
});
afterEach(() => storage.close());

const ctx = (userId: UserId): PushContext => ({ userId, displayName: null, roomMemberCount: 3, senderPowerLevel: 0, notificationPowerLevels: {} });
const message = (body: string): PushEvent => ({ type: 'm.room.message', content: { msgtype: 'm.text', body }, sender: '@carol:hs', room_id: '!r:hs' });

test('rulesetFor reads storage once per user, then serves from memory', async () => {
  const service = build();
  const first = await service.rulesetFor(ALICE);
  assert.equal(await service.rulesetFor(ALICE), first);
  await service.ruleset(ALICE);
  assert.deepEqual(reads, [ALICE]);
  await service.rulesetFor(BOB);
  assert.deepEqual(reads, [ALICE, BOB]);
});

test('concurrent misses for one user share one read', async () => {
  const service = build();
  const sets = await Promise.all([service.rulesetFor(ALICE), service.rulesetFor(ALICE), service.ruleset(ALICE)]);
  assert.equal(sets[0], sets[1]);
  assert.deepEqual(reads, [ALICE]);
});

test('a change rebuilds the cached set, publishes the full ruleset, and applies to the next evaluation', async () => {
  const service = build();
  const before = await service.rulesetFor(ALICE);
  assert.ok(!highlights(evaluatePushRules(before, message('cake please'), ctx(ALICE))));
  await service.putRule(ALICE, 'global', 'content', 'cake', { pattern: 'cake', actions: ['notify', { set_tweak: 'highlight' }] }, {});
  const after = await service.rulesetFor(ALICE);
  assert.notEqual(after, before);
  assert.ok(highlights(evaluatePushRules(after, message('cake please'), ctx(ALICE))));
  assert.equal(published.length, 1);
  const [userId, content] = published[0] ?? [];
  assert.equal(userId, ALICE);
  assert.deepEqual(content, await service.ruleset(ALICE));
  // Bob's cached set is untouched by Alice's change.
  const bob = await service.rulesetFor(BOB);
  await service.setEnabled(ALICE, 'global', 'override', '.m.rule.master', { enabled: true });
  assert.equal(await service.rulesetFor(BOB), bob);
  assert.deepEqual(evaluatePushRules(await service.rulesetFor(ALICE), message('cake'), ctx(ALICE)), []);
  assert.equal(published.length, 2);
});

test('a load that races a change is not cached (the next call sees the change)', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const store = storage.pushRules;
  // The first read is held until after the change has committed.
  let held = false;
  const slow: PushRulesStore = {
    ...store,
    getPushRules: async (userId) => {
      const result = await store.getPushRules(userId);
      if (!held) {
        held = true;
        await gate;
      }
      return result;
    },
  };
  const service = build({ store: slow });
  const stale = service.rulesetFor(ALICE);
  await service.putRule(ALICE, 'global', 'override', 'mute', { conditions: [], actions: [] }, {});
  release();
  await stale;
  assert.deepEqual(evaluatePushRules(await service.rulesetFor(ALICE), message('x'), ctx(ALICE)), []);
});

test('the cache is bounded: the least recently used user is read again', async () => {
  const service = build({ cacheSize: 2 });
  const users = ['@u1:hs', '@u2:hs', '@u3:hs'] as UserId[];
  for (const userId of users) await service.rulesetFor(userId);
  await service.rulesetFor(users[2] as UserId);
  await service.rulesetFor(users[1] as UserId);
  assert.equal(reads.length, 3);
  await service.rulesetFor(users[0] as UserId);
  assert.equal(reads.length, 4);
  assert.ok(notifies(evaluatePushRules(await service.rulesetFor(users[0] as UserId), message('x'), ctx(users[0] as UserId))));
});

test('failed requests change nothing and publish nothing', async () => {
  const service = build();
  await assert.rejects(service.putRule(ALICE, 'global', 'content', '.x', { pattern: 'x', actions: [] }, {}), MatrixError);
  await assert.rejects(service.putRule(ALICE, 'global', 'content', 'x', { pattern: 'x', actions: [] }, { before: 'missing' }), (error: MatrixError) => error.errcode === 'M_UNKNOWN');
  await assert.rejects(service.deleteRule(ALICE, 'global', 'content', 'x'), (error: MatrixError) => error.errcode === 'M_NOT_FOUND');
  await assert.rejects(service.setActions(ALICE, 'device', 'content', 'x', { actions: [] }), (error: MatrixError) => error.errcode === 'M_INVALID_PARAM');
  assert.deepEqual(published, []);
  assert.deepEqual((await service.ruleset(ALICE)).global.content, []);
});
