import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventId, RoomId } from '../core/ids.js';
import { authEventKeys } from './auth-events.js';
import { stateKey, type Pdu, type RoomEvent, type StateKey, type StateMap } from './pdu.js';
import { roomVersionRules, type RoomVersionRules } from './room-versions.js';
import { buildRoom } from './testing/room-builder.js';
import {
  compareIds,
  fullConflictedSet,
  lexicographicalTopologicalSort,
  resolveState,
  senderPowerLevel,
  separateState,
} from './state-res-v2.js';

// Ported from Synapse tests/state/test_v2.py: a DAG of fake events named by node ID, the state at each
// node computed by resolving the states after its prev events, auth events picked from the state before.
// Graphs are built here rather than with testing/room-builder.ts because building them needs state
// resolution at every merge, the thing under test.

const ALICE = '@alice:example.com';
const BOB = '@bob:example.com';
const CHARLIE = '@charlie:example.com';
const EVELYN = '@evelyn:example.com';
const ZARA = '@zara:example.com';

const rules = (id: string): RoomVersionRules => roomVersionRules(id) as RoomVersionRules;

interface FakeEvent {
  readonly id: string;
  readonly sender: string;
  readonly type: string;
  readonly stateKey?: string;
  readonly content: Record<string, unknown>;
}

const member = (id: string, sender: string, target: string, membership: string): FakeEvent => ({
  id, sender, type: 'm.room.member', stateKey: target, content: { membership },
});
const topic = (id: string, sender: string): FakeEvent => ({ id, sender, type: 'm.room.topic', stateKey: '', content: {} });
const power = (id: string, sender: string, users: Record<string, number>, extra: Record<string, unknown> = {}): FakeEvent => ({
  id, sender, type: 'm.room.power_levels', stateKey: '', content: { users, ...extra },
});

function initialEvents(v12: boolean): FakeEvent[] {
  return [
    { id: 'CREATE', sender: ALICE, type: 'm.room.create', stateKey: '', content: v12 ? {} : { creator: ALICE } },
    member('IMA', ALICE, ALICE, 'join'),
    // v12: the creator has infinite power and may not be listed; everyone else is as in Synapse's tests.
    power('IPOWER', ALICE, v12 ? {} : { [ALICE]: 100 }),
    { id: 'IJR', sender: ALICE, type: 'm.room.join_rules', stateKey: '', content: { join_rule: 'public' } },
    member('IMB', BOB, BOB, 'join'),
    member('IMC', CHARLIE, CHARLIE, 'join'),
    member('IMZ', ZARA, ZARA, 'join'),
    { id: 'START', sender: ZARA, type: 'm.room.message', content: {} },
    { id: 'END', sender: ZARA, type: 'm.room.message', content: {} },
  ];
}
const INITIAL_EDGES = ['START', 'IMZ', 'IMC', 'IMB', 'IJR', 'IPOWER', 'IMA', 'CREATE'];

interface Graph {
  readonly rules: RoomVersionRules;
  readonly events: Map<EventId, RoomEvent>;
  readonly stateAt: Map<string, StateMap<EventId>>;
  readonly eventId: (node: string) => EventId;
  readonly getEvent: (id: EventId) => RoomEvent | undefined;
}

/** Builds the initial events plus `events`; `edges` are chains of prev_events, e.g. [A, B, C]: A → B → C. */
function buildGraph(versionRules: RoomVersionRules, events: FakeEvent[], edges: string[][]): Graph {
  const v12 = versionRules.roomIdFromCreateEvent;
  const all = [...initialEvents(v12), ...events];
  const fake = new Map(all.map((event) => [event.id, event]));
  const prevs = new Map<string, Set<string>>(all.map((event) => [event.id, new Set<string>()]));
  for (const chain of [INITIAL_EDGES, ...edges]) {
    for (let i = 0; i + 1 < chain.length; i++) prevs.get(chain[i] as string)?.add(chain[i + 1] as string);
  }
  const eventId = (node: string): EventId => `$${node}:example.com` as EventId;
  const roomId = (v12 ? `!CREATE:example.com` : '!test:example.com') as RoomId;
  const built = new Map<EventId, RoomEvent>();
  const getEvent = (id: EventId): RoomEvent | undefined => built.get(id);
  const stateAt = new Map<string, StateMap<EventId>>();
  const depthAt = new Map<string, number>();
  let ts = 0;
  for (const node of lexicographicalTopologicalSort(prevs, (a, b) => a < b)) {
    const event = fake.get(node) as FakeEvent;
    const prevNodes = [...(prevs.get(node) as Set<string>)];
    let before: StateMap<EventId>;
    if (prevNodes.length === 0) before = new Map();
    else if (prevNodes.length === 1) before = stateAt.get(prevNodes[0] as string) as StateMap<EventId>;
    else before = resolveState(prevNodes.map((p) => stateAt.get(p) as StateMap<EventId>), versionRules, getEvent);
    const draft = { type: event.type, sender: event.sender, state_key: event.stateKey, content: event.content };
    const authIds = authEventKeys(draft, versionRules)
      .map((key) => before.get(key))
      .filter((id): id is EventId => id !== undefined);
    const ref = (id: string): unknown => (versionRules.eventIdFormat === 'random' ? [id, {}] : id);
    const depth = Math.max(0, ...prevNodes.map((p) => depthAt.get(p) ?? 0)) + 1;
    depthAt.set(node, depth);
    const pdu = {
      ...(versionRules.eventIdFormat === 'random' ? { event_id: eventId(node) } : {}),
      ...(v12 && event.type === 'm.room.create' ? {} : { room_id: roomId }),
      sender: event.sender,
      type: event.type,
      ...(event.stateKey === undefined ? {} : { state_key: event.stateKey }),
      content: { ...event.content, ...(event.type === 'm.room.create' ? { room_version: versionRules.id } : {}) },
      origin_server_ts: ts++,
      depth,
      prev_events: prevNodes.map((p) => ref(eventId(p))),
      auth_events: authIds.map(ref),
      hashes: { sha256: '' },
      signatures: {},
    } as unknown as Pdu;
    built.set(eventId(node), { eventId: eventId(node), roomId, pdu });
    const after = new Map(before);
    if (event.stateKey !== undefined) after.set(stateKey(event.type, event.stateKey), eventId(node));
    stateAt.set(node, after);
  }
  return { rules: versionRules, events: built, stateAt, eventId, getEvent };
}

/** Asserts the state at END: the expected nodes, and nothing else changed since START. */
function check(versionId: string, events: FakeEvent[], edges: string[][], expectedNodes: string[]): void {
  const graph = buildGraph(rules(versionId), events, edges);
  const expected = new Map<StateKey, EventId>();
  for (const node of expectedNodes) {
    const { pdu } = graph.events.get(graph.eventId(node)) as RoomEvent;
    expected.set(stateKey(pdu.type, pdu.state_key as string), graph.eventId(node));
  }
  const start = graph.stateAt.get('START') as StateMap<EventId>;
  const end = graph.stateAt.get('END') as StateMap<EventId>;
  const changed = new Map([...end].filter(([key, id]) => expected.has(key) || start.get(key) !== id));
  assert.deepEqual(changed, expected, `room version ${versionId}`);
}

const V2_VERSIONS = ['2', '3', '6', '10', '11'];

test('ban vs power levels: the ban by the higher-powered user wins', () => {
  for (const version of V2_VERSIONS) {
    check(
      version,
      [
        power('PA', ALICE, { [ALICE]: 100, [BOB]: 50 }),
        member('MA', ALICE, ALICE, 'join'),
        member('MB', ALICE, BOB, 'ban'),
        power('PB', BOB, { [ALICE]: 100, [BOB]: 50 }),
      ],
      [['END', 'MB', 'MA', 'PA', 'START'], ['END', 'PB', 'PA']],
      ['PA', 'MA', 'MB'],
    );
  }
});

test('join rule evasion: a join racing a private join rule is dropped', () => {
  for (const version of V2_VERSIONS) {
    check(
      version,
      [
        // Synapse's test has "join_rules" (sic): a join rule without join_rule isn't public either.
        { id: 'JR', sender: ALICE, type: 'm.room.join_rules', stateKey: '', content: { join_rules: 'private' } },
        member('ME', EVELYN, EVELYN, 'join'),
      ],
      [['END', 'JR', 'START'], ['END', 'ME', 'START']],
      ['JR'],
    );
  }
});

test('offtopic power levels: the last valid power levels change stands', () => {
  for (const version of V2_VERSIONS) {
    check(
      version,
      [
        power('PA', ALICE, { [ALICE]: 100, [BOB]: 50 }),
        power('PB', BOB, { [ALICE]: 100, [BOB]: 50, [CHARLIE]: 50 }),
        power('PC', CHARLIE, { [ALICE]: 100, [BOB]: 50, [CHARLIE]: 0 }),
      ],
      [['END', 'PC', 'PB', 'PA', 'START'], ['END', 'PA']],
      ['PC'],
    );
  }
});

test('topic basic: the topic from the mainline branch wins', () => {
  for (const version of V2_VERSIONS) {
    check(
      version,
      [
        topic('T1', ALICE),
        power('PA1', ALICE, { [ALICE]: 100, [BOB]: 50 }),
        topic('T2', ALICE),
        power('PA2', ALICE, { [ALICE]: 100, [BOB]: 0 }),
        power('PB', BOB, { [ALICE]: 100, [BOB]: 50 }),
        topic('T3', BOB),
      ],
      [['END', 'PA2', 'T2', 'PA1', 'T1', 'START'], ['END', 'T3', 'PB', 'PA1']],
      ['PA2', 'T2'],
    );
  }
});

test('topic reset: a ban resets a topic set by the banned user', () => {
  for (const version of V2_VERSIONS) {
    check(
      version,
      [
        topic('T1', ALICE),
        power('PA', ALICE, { [ALICE]: 100, [BOB]: 50 }),
        topic('T2', BOB),
        member('MB', ALICE, BOB, 'ban'),
      ],
      [['END', 'MB', 'T2', 'PA', 'T1', 'START'], ['END', 'T1']],
      ['T1', 'MB', 'PA'],
    );
  }
});

test('topic: messages between state events do not change the outcome', () => {
  for (const version of V2_VERSIONS) {
    check(
      version,
      [
        topic('T1', ALICE),
        power('PA1', ALICE, { [ALICE]: 100, [BOB]: 50 }),
        topic('T2', ALICE),
        power('PA2', ALICE, { [ALICE]: 100, [BOB]: 0 }),
        power('PB', BOB, { [ALICE]: 100, [BOB]: 50 }),
        topic('T3', BOB),
        { id: 'MZ1', sender: ZARA, type: 'm.room.message', content: {} },
        topic('T4', ALICE),
      ],
      [['END', 'T4', 'MZ1', 'PA2', 'T2', 'PA1', 'T1', 'START'], ['END', 'MZ1', 'T3', 'PB', 'PA1']],
      ['T4', 'PA2'],
    );
  }
});

test('mainline sort: the topic based on the newer power levels wins over a later one', () => {
  for (const version of V2_VERSIONS) {
    check(
      version,
      [
        topic('T1', ALICE),
        power('PA1', ALICE, { [ALICE]: 100, [BOB]: 50 }),
        topic('T2', ALICE),
        power('PA2', ALICE, { [ALICE]: 100, [BOB]: 50 }, { events: { 'm.room.power_levels': 100 } }),
        power('PB', BOB, { [ALICE]: 100, [BOB]: 50 }),
        topic('T3', BOB),
        topic('T4', ALICE),
      ],
      [['END', 'T3', 'PA2', 'T2', 'PA1', 'T1', 'START'], ['END', 'T4', 'PB', 'PA1']],
      ['T3', 'PA2'],
    );
  }
});

test('v12 (v2.1): the same scenarios resolve the same way with privileged creators', () => {
  check(
    '12',
    [member('MA', ALICE, ALICE, 'join'), member('MB', ALICE, BOB, 'ban'), power('PB', BOB, { [BOB]: 50 })],
    [['END', 'MB', 'MA', 'START'], ['END', 'PB', 'START']],
    ['MA', 'MB'],
  );
  check(
    '12',
    [topic('T1', ALICE), power('PA', ALICE, { [BOB]: 50 }), topic('T2', BOB), member('MB', ALICE, BOB, 'ban')],
    [['END', 'MB', 'T2', 'PA', 'T1', 'START'], ['END', 'T1']],
    ['T1', 'MB', 'PA'],
  );
});

test('lexicographical topological sort (Synapse LexicographicalTestCase)', () => {
  const graph = new Map<string, Set<string>>([
    ['l', new Set(['o'])],
    ['m', new Set(['n', 'o'])],
    ['n', new Set(['o'])],
    ['o', new Set()],
    ['p', new Set(['o'])],
  ]);
  assert.deepEqual(lexicographicalTopologicalSort(graph, (a, b) => a < b), ['o', 'l', 'n', 'm', 'p']);
});

test('simple fork: two joins merge (Synapse SimpleParamStateTestCase)', () => {
  for (const version of ['2', '11', '12']) {
    const graph = buildGraph(
      rules(version),
      [member('IMB2', BOB, BOB, 'join'), member('IMC2', CHARLIE, CHARLIE, 'join')],
      [['END', 'IMB2', 'START'], ['END', 'IMC2', 'START']],
    );
    const end = graph.stateAt.get('END') as StateMap<EventId>;
    assert.equal(end.get(stateKey('m.room.member', BOB)), graph.eventId('IMB2'));
    assert.equal(end.get(stateKey('m.room.member', CHARLIE)), graph.eventId('IMC2'));
  }
});

test('reverse topological power ordering: power, then origin_server_ts, then event ID', () => {
  // Three independent power levels changes off START: Alice (100) sorts first, then Bob's two by ts,
  // which are equal here, so by event ID. The last one applied that passes auth wins.
  const version = rules('10');
  const graph = buildGraph(
    version,
    [
      power('PA', ALICE, { [ALICE]: 100, [BOB]: 100, [CHARLIE]: 100 }),
      power('PB1', ALICE, { [ALICE]: 100, [BOB]: 100, [CHARLIE]: 100 }),
    ],
    [['PB1', 'PA', 'START']],
  );
  const pb1 = graph.events.get(graph.eventId('PB1')) as RoomEvent;
  const make = (id: string, sender: string, ts: number, users: Record<string, number>): RoomEvent => {
    const eventId = `$${id}:example.com` as EventId;
    return { eventId, roomId: pb1.roomId, pdu: { ...pb1.pdu, sender, origin_server_ts: ts, content: { users } } };
  };
  const users = { [ALICE]: 100, [BOB]: 100, [CHARLIE]: 100 };
  const byAlice = make('Z_ALICE', ALICE, 100, { ...users, '@x:example.com': 1 });
  const byBobA = make('A_BOB', BOB, 100, { ...users, '@x:example.com': 2 });
  const byBobB = make('B_BOB', BOB, 100, { ...users, '@x:example.com': 3 });
  const byCharlieEarly = make('C_CHARLIE', CHARLIE, 50, { ...users, '@x:example.com': 4 });
  const extra = new Map([byAlice, byBobA, byBobB, byCharlieEarly].map((event) => [event.eventId, event]));
  const getEvent = (id: EventId) => extra.get(id) ?? graph.getEvent(id);
  for (const event of extra.values()) assert.equal(senderPowerLevel(event, version, getEvent), 100);
  const base = graph.stateAt.get('PB1') as StateMap<EventId>;
  const sets = [...extra.keys()].map((id) => new Map(base).set(stateKey('m.room.power_levels', ''), id));
  // All senders have 100; by ts: Charlie (50) first, then the three at 100 by event ID: A_BOB, B_BOB, Z_ALICE.
  const resolved = resolveState(sets, version, getEvent);
  assert.equal(resolved.get(stateKey('m.room.power_levels', '')), byAlice.eventId);
  // Drop Alice's: B_BOB is last.
  assert.equal(resolveState(sets.slice(1), version, getEvent).get(stateKey('m.room.power_levels', '')), byBobB.eventId);
});

test('sender power: creator without power levels, users_default, v12 creators', () => {
  const graph = buildGraph(rules('11'), [], []);
  const get = graph.getEvent;
  const ima = graph.events.get(graph.eventId('IMA')) as RoomEvent; // cites no power levels
  assert.equal(senderPowerLevel(ima, rules('11'), get), 100);
  const imb = graph.events.get(graph.eventId('IMB')) as RoomEvent;
  assert.equal(senderPowerLevel(imb, rules('11'), get), 0);
  const v12 = buildGraph(rules('12'), [], []);
  const ipower = v12.events.get(v12.eventId('IPOWER')) as RoomEvent;
  assert.equal(senderPowerLevel(ipower, rules('12'), v12.getEvent), Number.POSITIVE_INFINITY);
});

test('separation: a key missing from one set is conflicted; identical keys are not', () => {
  const a = stateKey('m.room.topic', '');
  const b = stateKey('m.room.name', '');
  const { unconflicted, conflicted } = separateState([
    new Map([[a, '$1' as EventId], [b, '$2' as EventId]]),
    new Map([[a, '$1' as EventId]]),
  ]);
  assert.deepEqual([...unconflicted], [[a, '$1']]);
  assert.deepEqual([...conflicted], [[b, new Set(['$2'])]]);
  assert.equal(resolveState([new Map([[a, '$1' as EventId]])], rules('10'), () => undefined).get(a), '$1');
});

test('v2.1 starts the iterative auth checks from an empty state, v2 from the unconflicted state', () => {
  // Bob (50 under PA) sets topic TZ (sent after TA by origin_server_ts); Alice demotes Bob (PB) and sets topic TA. Both state sets hold PB;
  // the topic is conflicted. v2 authorises TZ against the unconflicted PB (Bob 0): refused, TA stays.
  // v2.1 authorises it against its own auth events (PA): allowed, and as the later by
  // origin_server_ts (both have mainline position 0 when there is no resolved power level yet) it wins.
  for (const [version, winner] of [['11', 'TA'], ['12', 'TZ']] as const) {
    const v12 = version === '12';
    const graph = buildGraph(
      rules(version),
      [
        power('PA', ALICE, v12 ? { [BOB]: 50 } : { [ALICE]: 100, [BOB]: 50 }),
        power('PB', ALICE, v12 ? { [BOB]: 0 } : { [ALICE]: 100, [BOB]: 0 }),
        topic('TA', ALICE),
        topic('TZ', BOB),
      ],
      [['TA', 'PB', 'PA', 'START'], ['TZ', 'PA']],
    );
    const stateTA = graph.stateAt.get('TA') as StateMap<EventId>;
    const stateTZ = new Map(graph.stateAt.get('TZ') as StateMap<EventId>).set(stateKey('m.room.power_levels', ''), graph.eventId('PB'));
    const resolved = resolveState([stateTA, stateTZ], rules(version), graph.getEvent);
    assert.equal(resolved.get(stateKey('m.room.topic', '')), graph.eventId(winner), `v${version}`);
    assert.equal(resolved.get(stateKey('m.room.power_levels', '')), graph.eventId('PB'));
  }
});

test('v2.1 adds the conflicted state subgraph to the full conflicted set', () => {
  // Bob (100 under PA) sends PX citing his join IMB; then re-joins (MB2) citing PX and IMB.
  // Set 1 has MB2, set 2 IMB; both have PX. Auth difference: {MB2}. The subgraph adds PX (on the path
  // MB2 → PX → IMB), which v2 leaves out.
  for (const version of ['11', '12']) {
    const v12 = version === '12';
    const graph = buildGraph(
      rules(version),
      [
        power('PA', ALICE, v12 ? { [BOB]: 100 } : { [ALICE]: 100, [BOB]: 100 }),
        power('PX', BOB, v12 ? { [BOB]: 100, [CHARLIE]: 1 } : { [ALICE]: 100, [BOB]: 100, [CHARLIE]: 1 }),
        member('MB2', BOB, BOB, 'join'),
      ],
      [['MB2', 'PX', 'PA', 'START']],
    );
    const set1 = graph.stateAt.get('MB2') as StateMap<EventId>;
    const set2 = new Map(set1).set(stateKey('m.room.member', BOB), graph.eventId('IMB'));
    const { conflicted } = separateState([set1, set2]);
    const full = fullConflictedSet([set1, set2], conflicted, rules(version), graph.getEvent);
    assert.deepEqual(
      [...full].sort(),
      (v12 ? ['MB2', 'IMB', 'PX'] : ['MB2', 'IMB']).map(graph.eventId).sort(),
      `v${version}`,
    );
    const resolved = resolveState([set1, set2], rules(version), graph.getEvent);
    assert.equal(resolved.get(stateKey('m.room.member', BOB)), graph.eventId('MB2'));
    assert.equal(resolved.get(stateKey('m.room.power_levels', '')), graph.eventId('PX'));
  }
});

test('deterministic: the order of the state sets does not matter', () => {
  const graph = buildGraph(
    rules('10'),
    [
      topic('T1', ALICE),
      power('PA1', ALICE, { [ALICE]: 100, [BOB]: 50 }),
      topic('T2', ALICE),
      power('PA2', ALICE, { [ALICE]: 100, [BOB]: 0 }),
      power('PB', BOB, { [ALICE]: 100, [BOB]: 50 }),
      topic('T3', BOB),
    ],
    [['X', 'PA2', 'T2', 'PA1', 'T1', 'START'], ['Y', 'T3', 'PB', 'PA1']].map((chain) => chain.slice(1)),
  );
  const a = graph.stateAt.get('PA2') as StateMap<EventId>;
  const b = graph.stateAt.get('T3') as StateMap<EventId>;
  assert.deepEqual(resolveState([a, b], rules('10'), graph.getEvent), resolveState([b, a], rules('10'), graph.getEvent));
});

test('compareIds orders by code point', () => {
  assert.ok(compareIds('$a', '$b') < 0);
  assert.ok(compareIds('$\uFFFD', '$\u{1F600}') < 0); // '<' on UTF-16 units says otherwise
  assert.equal(compareIds('$a', '$a'), 0);
  assert.ok(compareIds('$a', '$ab') < 0);
});

test('with real hashed events (room builder): a ban beats a concurrent power levels change by the banned user', () => {
  for (const version of ['1', '4', '10', '11', '12']) {
    const room = buildRoom({ version, creator: ALICE });
    room.join(BOB);
    const users = room.rules.privilegedCreators ? { [BOB]: 50 } : { [ALICE]: 100, [BOB]: 50 };
    const pa = room.setPowerLevels(ALICE, { users });
    const ban = room.ban(ALICE, BOB, { prevEvents: [pa.eventId] });
    const pb = room.setPowerLevels(BOB, { users: { ...users, [CHARLIE]: 10 } }, { prevEvents: [pa.eventId] });
    const toIds = (state: Map<StateKey, RoomEvent>) => new Map([...state].map(([key, event]) => [key, event.eventId]));
    const sets = [toIds(room.stateAfter(ban.eventId)), toIds(room.stateAfter(pb.eventId))];
    const resolved = resolveState(sets, room.rules, (id) => {
      try {
        return room.event(id);
      } catch {
        return undefined;
      }
    });
    assert.equal(resolved.get(stateKey('m.room.member', BOB)), ban.eventId, `v${version}`);
    // v1 gets there another way: pb is checked against pa with Bob's (conflicted) membership left out of R.
    assert.equal(resolved.get(stateKey('m.room.power_levels', '')), pa.eventId, `v${version}`);
  }
});
