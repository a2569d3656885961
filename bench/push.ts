/**
 * Push rule evaluation cost (in process: the pure evaluator the send path runs, no server involved).
 * A room of M members: each has their own compiled ruleset (the server defaults, with every 10th member
 * also holding a few user rules: a keyword content rule, a muted other room, a sender rule, an override),
 * and every event is evaluated once per member except the sender, as the send path does. Events:
 *   plain:    an m.room.message with no mention (decided late, by the underride .m.rule.message)
 *   mention:  the same with m.mentions naming one member (decided early, by .m.rule.is_user_mention)
 *   room:     an @room mention by a sender with power 100 (.m.rule.is_room_mention)
 * Reported per event (all members) and per member evaluation: p50/p99 in µs, over `events` timed events.
 */
import { performance } from 'node:perf_hooks';
import {
  compileRuleSet,
  evaluatePushRules,
  notifies,
  type CompiledRuleSet,
  type PushContext,
  type PushEvent,
  type PushRule,
} from '../server/src/rooms/push-evaluator.js';
import { mergePushRules } from '../server/src/rooms/push-rules-default.js';
import { log, percentile, round } from './lib/stats.js';

export interface PushBenchOptions {
  members: number;
  events: number;
  warmup: number;
}

interface Timing {
  /** Per event: evaluating it for every member but the sender. */
  per_event_us: { p50: number; p99: number; avg: number };
  /** One member's evaluation (per-event times divided by the members evaluated). */
  per_member_us: { p50: number; p99: number; avg: number };
  /** Members whose actions contain notify (a sanity check of what was evaluated). */
  notified_members: number;
}

export interface PushBenchResult {
  members: number;
  members_with_user_rules: number;
  events_timed: number;
  compile_us_per_ruleset: number;
  plain: Timing;
  mention: Timing;
  room_mention: Timing;
}

const ROOM = '!bench:bench.test';
const userId = (i: number) => `@member${i}:bench.test`;

function userRules(i: number): Partial<Record<'override' | 'content' | 'room' | 'sender' | 'underride', PushRule[]>> {
  const rule = (rule_id: string, extra: Partial<PushRule>): PushRule => ({ rule_id, default: false, enabled: true, actions: ['notify'], ...extra });
  return {
    override: [rule('mute-other', { conditions: [{ kind: 'event_match', key: 'room_id', pattern: '!muted:bench.test' }], actions: [] })],
    content: [
      rule('kw-deploy', { pattern: 'deploy*', actions: ['notify', { set_tweak: 'highlight' }] }),
      rule('kw-name', { pattern: `member${i}`, actions: ['notify', { set_tweak: 'sound', value: 'default' }] }),
    ],
    room: [rule('!quiet:bench.test', { actions: [] })],
    sender: [rule('@bot:bench.test', { actions: [] })],
  };
}

function time(label: string, sets: readonly CompiledRuleSet[], contexts: readonly PushContext[], event: PushEvent, options: PushBenchOptions): Timing {
  const evaluateAll = (): number => {
    let notified = 0;
    for (let m = 0; m < sets.length; m++) {
      if (contexts[m]?.userId === event.sender) continue;
      if (notifies(evaluatePushRules(sets[m] as CompiledRuleSet, event, contexts[m] as PushContext))) notified++;
    }
    return notified;
  };
  for (let i = 0; i < options.warmup; i++) evaluateAll();
  const samples = new Float64Array(options.events);
  let notified = 0;
  for (let i = 0; i < options.events; i++) {
    const started = performance.now();
    notified = evaluateAll();
    samples[i] = (performance.now() - started) * 1000;
  }
  samples.sort();
  const evaluated = sets.length - 1;
  const avg = samples.reduce((total, value) => total + value, 0) / samples.length;
  const summary = (scale: number) => ({
    p50: round(percentile(samples, 50) / scale, 3),
    p99: round(percentile(samples, 99) / scale, 3),
    avg: round(avg / scale, 3),
  });
  const result = { per_event_us: summary(1), per_member_us: summary(evaluated), notified_members: notified };
  log(`push ${label}: ${result.per_event_us.p50} µs/event p50, ${result.per_member_us.p50} µs/member p50`);
  return result;
}

export function benchPush(options: PushBenchOptions): PushBenchResult {
  log(`push: compiling ${options.members} rulesets`);
  const rulesets = Array.from({ length: options.members }, (_, i) => mergePushRules(userId(i), i % 10 === 0 ? userRules(i) : {}, new Map()));
  const compileStart = performance.now();
  const sets = rulesets.map((ruleset) => compileRuleSet(ruleset));
  const compileUs = ((performance.now() - compileStart) * 1000) / options.members;
  const contexts: PushContext[] = Array.from({ length: options.members }, (_, i) => ({
    userId: userId(i),
    displayName: `Member ${i}`,
    roomMemberCount: options.members,
    senderPowerLevel: 0,
    notificationPowerLevels: { room: 50 },
  }));
  const sender = userId(1);
  const body = 'Has anyone looked at the release notes for the next version yet? I have a few questions about it.';
  const plain: PushEvent = { type: 'm.room.message', content: { msgtype: 'm.text', body }, sender, room_id: ROOM };
  const mention: PushEvent = {
    type: 'm.room.message',
    content: { msgtype: 'm.text', body: `Member 42: ${body}`, 'm.mentions': { user_ids: [userId(42)] } },
    sender,
    room_id: ROOM,
  };
  const roomMention: PushEvent = { type: 'm.room.message', content: { msgtype: 'm.text', body: `@room ${body}`, 'm.mentions': { room: true } }, sender, room_id: ROOM };
  const powerful = contexts.map((ctx) => ({ ...ctx, senderPowerLevel: 100 }));
  return {
    members: options.members,
    members_with_user_rules: Math.ceil(options.members / 10),
    events_timed: options.events,
    compile_us_per_ruleset: round(compileUs, 2),
    plain: time('plain', sets, contexts, plain, options),
    mention: time('mention', sets, contexts, mention, options),
    room_mention: time('room mention', sets, powerful, roomMention, options),
  };
}
