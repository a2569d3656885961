/**
 * The push actions service with the real evaluator and default rules, over rooms built with the room
 * builder: who is evaluated, with what context (kept in the per-room cache across state changes), and
 * which thread each event is counted in.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { EventId, RoomId, UserId } from '../core/ids.js';
import type { RoomEvent } from '../rooms/pdu.js';
import { compileRuleSet, evaluatePushRules, highlights, notifies, type CompiledRuleSet, type PushContext, type PushEvent } from '../rooms/push-evaluator.js';
import { defaultPushRules } from '../rooms/push-rules-default.js';
import { roomVersionRules } from '../rooms/room-versions.js';
import { buildRoom, type RoomBuilder } from '../rooms/testing/room-builder.js';
import type { StoredEvent } from '../storage/types.js';
import { createPushActionsService } from './push-actions.js';
import type { LiveRoom } from './room-events.js';

const alice = '@alice:hs.test';
const bob = '@bob:hs.test';
const carol = '@carol:hs.test';
const remote = '@dave:elsewhere.test';

function harness(options: { ignored?: Record<string, string[]>; throwFor?: string; notifyAll?: boolean } = {}) {
  const events = new Map<EventId, RoomEvent>();
  const seen: Array<{ userId: string; ctx: PushContext; event: PushEvent }> = [];
  const rulesets = new Map<string, CompiledRuleSet>();
  let loads = 0;
  const service = createPushActionsService<CompiledRuleSet>({
    rooms: {
      getEvents: async (ids) => {
        loads += ids.length;
        return new Map(ids.flatMap((id) => (events.has(id) ? [[id, events.get(id) as unknown as StoredEvent] as const] : [])));
      },
    },
    rules: {
      rulesetFor: async (userId) => {
        let rules = rulesets.get(userId);
        if (!rules) rulesets.set(userId, (rules = compileRuleSet({ global: defaultPushRules(userId) })));
        return rules;
      },
      evaluate: (rules, event, ctx) => {
        if (ctx.userId === options.throwFor) throw new Error('evaluator failure');
        seen.push({ userId: ctx.userId, ctx, event });
        return options.notifyAll ? ['notify'] : evaluatePushRules(rules, event, ctx);
      },
      notifies,
      highlights,
    },
    isLocal: (userId) => userId.endsWith(':hs.test'),
    ignoredUsers: async (userId) => new Set((options.ignored?.[userId] ?? []) as UserId[]),
    log: pino({ level: 'silent' }),
  });
  /** The room as the pipeline holds it before the next event: the builder's current state. */
  const live = (room: RoomBuilder): LiveRoom => {
    for (const event of room.events()) events.set(event.eventId, event);
    const state = room.stateIds();
    return {
      roomId: room.roomId,
      rules: roomVersionRules('10')!,
      stateGroup: 0,
      state,
      extremities: [room.latest().eventId],
      depth: room.latest().pdu.depth,
      create: room.events()[0] as RoomEvent,
    };
  };
  /** Builds the next event with `add` and computes its push actions against the state before it. */
  const send = async (room: RoomBuilder, add: () => RoomEvent) => {
    const before = live(room);
    const event = add();
    events.set(event.eventId, event);
    seen.length = 0;
    const rows = await service.actionsFor(before, event);
    return { event, rows, seen: [...seen] };
  };
  return { send, live, loads: () => loads };
}

function room(): RoomBuilder {
  const built = buildRoom({ version: '10', creator: alice, roomId: '!push:hs.test' as RoomId });
  built.join(bob, { displayname: 'Bobby' });
  built.join(carol);
  built.join(remote);
  return built;
}

test('every local joined member but the sender is evaluated, with the room context', async () => {
  const h = harness();
  const r = room();
  const { rows, seen } = await h.send(r, () => r.message(alice, 'hello'));
  assert.deepEqual(seen.map((s) => s.userId).sort(), [bob, carol]);
  const forBob = seen.find((s) => s.userId === bob)?.ctx;
  assert.deepEqual(forBob, {
    userId: bob,
    displayName: 'Bobby',
    roomMemberCount: 4,
    senderPowerLevel: 100,
    notificationPowerLevels: { room: 50 },
  });
  assert.equal(seen.find((s) => s.userId === carol)?.ctx.displayName, null);
  // Four members: .m.rule.message notifies both, no highlight.
  assert.deepEqual(
    rows.map((row) => [row.userId, row.threadId, row.notify, row.highlight]).sort(),
    [
      [bob, 'main', true, false],
      [carol, 'main', true, false],
    ],
  );
  assert.deepEqual(rows[0]?.actions, ['notify']);
});

test('the per-room cache follows joins, leaves, display names and power levels', async () => {
  const h = harness();
  const r = room();
  await h.send(r, () => r.message(alice, 'warm the cache'));
  const loadsAfterFirst = h.loads();
  await h.send(r, () => r.message(alice, 'no state change'));
  assert.equal(h.loads(), loadsAfterFirst, 'unchanged state reads nothing');

  r.leave(carol);
  r.add({ type: 'm.room.member', sender: bob, state_key: bob, content: { membership: 'join', displayname: 'Robert' } });
  r.setPowerLevels(alice, { users: { [alice]: 100, [bob]: 50 }, notifications: { room: 20 } });
  const { seen } = await h.send(r, () => r.message(bob, 'after changes'));
  // Carol left; bob is the sender now; alice is evaluated.
  assert.deepEqual(seen.map((s) => s.userId), [alice]);
  assert.deepEqual(seen[0]?.ctx, {
    userId: alice,
    displayName: null,
    roomMemberCount: 3,
    senderPowerLevel: 50,
    notificationPowerLevels: { room: 20 },
  });
  const { seen: again } = await h.send(r, () => r.message(alice, 'to robert'));
  assert.equal(again.find((s) => s.userId === bob)?.ctx.displayName, 'Robert');
});

test('mentions highlight; the sender never gets a row; ignoring the sender drops the row', async () => {
  const h = harness({ ignored: { [carol]: [alice] } });
  const r = room();
  const { rows } = await h.send(r, () => r.add({ type: 'm.room.message', sender: alice, content: { msgtype: 'm.text', body: 'hi', 'm.mentions': { user_ids: [bob, carol] } } }));
  assert.deepEqual(rows.map((row) => [row.userId, row.highlight]), [[bob, true]]);
  assert.ok(rows[0]?.actions.some((action) => (action as { set_tweak?: string } | null)?.set_tweak === 'highlight'));
});

test('events in a thread are counted in it, also through a relation to a thread reply; others in main', async () => {
  // Every event notifies here, so that edits and references (silent by default) get rows too.
  const h = harness({ notifyAll: true });
  const r = room();
  const rootEvent = r.message(alice, 'root');
  const { event: reply, rows: replyRows } = await h.send(r, () =>
    r.add({ type: 'm.room.message', sender: alice, content: { msgtype: 'm.text', body: 'in thread', 'm.relates_to': { rel_type: 'm.thread', event_id: rootEvent.eventId } } }),
  );
  assert.deepEqual([...new Set(replyRows.map((row) => row.threadId))], [rootEvent.eventId]);
  // An edit of the reply (its own rules aside) belongs to the reply's thread.
  const { rows: editRows } = await h.send(r, () =>
    r.add({
      type: 'm.room.message',
      sender: alice,
      content: { msgtype: 'm.text', body: '* edited', 'm.new_content': { msgtype: 'm.text', body: 'edited' }, 'm.relates_to': { rel_type: 'm.replace', event_id: reply.eventId } },
    }),
  );
  assert.deepEqual([...new Set(editRows.map((row) => row.threadId))], [rootEvent.eventId]);
  const { rows: reference } = await h.send(r, () =>
    r.add({ type: 'm.room.message', sender: alice, content: { msgtype: 'm.text', body: 'ref', 'm.relates_to': { rel_type: 'm.reference', event_id: rootEvent.eventId } } }),
  );
  assert.deepEqual([...new Set(reference.map((row) => row.threadId))], ['main']);
});

test('an invite is evaluated for its local invitee', async () => {
  const h = harness();
  const r = room();
  const erin = '@erin:hs.test';
  const { rows, seen } = await h.send(r, () => r.invite(alice, erin));
  assert.ok(seen.some((s) => s.userId === erin && s.event.state_key === erin));
  assert.deepEqual(rows.filter((row) => row.userId === erin).map((row) => [row.notify, row.highlight]), [[true, false]]);
});

test('a failing evaluation sends the event without push actions', async () => {
  const h = harness({ throwFor: carol });
  const r = room();
  assert.deepEqual((await h.send(r, () => r.message(alice, 'hello'))).rows, []);
});
