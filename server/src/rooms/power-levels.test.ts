import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pdu } from './pdu.js';
import {
  canBan,
  canInvite,
  canKick,
  canNotify,
  canRedact,
  canSendEvent,
  canUnban,
  isCreator,
  notificationPowerLevel,
  parsePowerLevel,
  powerLevelsContentProblem,
  powerLevelsOf,
  requiredPowerForEvent,
  roomCreators,
  userPowerLevel,
} from './power-levels.js';
import { ROOM_VERSIONS, roomVersionRules, type RoomVersionRules } from './room-versions.js';

const ALL = [...ROOM_VERSIONS.values()];
const rulesOf = (id: string): RoomVersionRules => roomVersionRules(id)!;

const pdu = (type: string, sender: string, content: Record<string, unknown>): Pdu => ({
  type,
  sender,
  state_key: '',
  content,
  room_id: '!r:a',
  origin_server_ts: 0,
  depth: 1,
  prev_events: [],
  auth_events: [],
  hashes: { sha256: '' },
  signatures: {},
});
const createFor = (rules: RoomVersionRules, content: Record<string, unknown> = {}): Pdu =>
  pdu('m.room.create', '@alice:a', { ...(rules.implicitRoomCreator ? {} : { creator: '@alice:a' }), room_version: rules.id, ...content });
const plEvent = (content: Record<string, unknown>): Pdu => pdu('m.room.power_levels', '@alice:a', content);

test('parsePowerLevel: v1–v9 accept integer strings in the spec formats and truncate floats; v10+ integers only', () => {
  const stringy: [unknown, number | null][] = [
    [50, 50],
    ['100', 100],
    ['000100', 100],
    ['+100', 100],
    ['-100', -100],
    [' 100 ', 100],
    [' 00100 ', 100],
    [' +100 ', 100],
    ['\t-7\n', -7],
    ['-0', 0],
    [50.57, 50],
    [-1.9, -1],
    ['50.5', null],
    ['1e3', null],
    ['++1', null],
    ['', null],
    ['abc', null],
    [true, null],
    [null, null],
    [{}, null],
    [Infinity, null],
    [NaN, null],
    ['99999999999999999999', null],
  ];
  for (const rules of ALL.filter((r) => !r.enforceIntPowerLevels)) {
    for (const [value, expected] of stringy) assert.equal(parsePowerLevel(value, rules), expected, `v${rules.id} ${JSON.stringify(value)}`);
  }
  for (const rules of ALL.filter((r) => r.enforceIntPowerLevels)) {
    assert.equal(parsePowerLevel(50, rules), 50);
    assert.equal(parsePowerLevel(-3, rules), -3);
    for (const value of ['50', ' 50', 50.5, true, null, Infinity]) assert.equal(parsePowerLevel(value, rules), null, `v${rules.id} ${value}`);
  }
});

test('defaults with a power levels event that sets nothing', () => {
  for (const rules of ALL) {
    const levels = powerLevelsOf(plEvent({}), createFor(rules), rules);
    assert.deepEqual(
      [levels.usersDefault, levels.eventsDefault, levels.stateDefault, levels.ban, levels.kick, levels.redact, levels.invite],
      [0, 0, 50, 50, 50, 50, 0],
    );
    assert.equal(notificationPowerLevel(levels, 'room'), 50);
    assert.equal(userPowerLevel(levels, '@bob:b'), 0);
    // With an event, the v1–v11 creator has no implicit 100.
    assert.equal(userPowerLevel(levels, '@alice:a'), rules.privilegedCreators ? Infinity : 0);
    assert.equal(requiredPowerForEvent(levels, 'm.room.name', true), 50);
    assert.equal(requiredPowerForEvent(levels, 'm.room.message', false), 0);
  }
});

test('without a power levels event the creator has 100 (v12: infinite) and everyone else 0; state needs 50', () => {
  for (const rules of ALL) {
    const levels = powerLevelsOf(undefined, createFor(rules), rules);
    assert.equal(levels.fromEvent, false);
    assert.equal(userPowerLevel(levels, '@alice:a'), rules.privilegedCreators ? Infinity : 100);
    assert.equal(userPowerLevel(levels, '@bob:b'), 0);
    assert.equal(canSendEvent(levels, '@bob:b', 'm.room.message', false), true);
    assert.equal(canSendEvent(levels, '@bob:b', 'm.room.topic', true), false);
    assert.equal(canSendEvent(levels, '@alice:a', 'm.room.topic', true), true);
    assert.equal(canInvite(levels, '@bob:b'), true);
    assert.equal(canKick(levels, '@alice:a', '@bob:b'), true);
    assert.equal(canKick(levels, '@bob:b', '@carol:c'), false);
  }
});

test('users, users_default and events override the defaults; stringy values read in v1–v9 only', () => {
  const content = {
    users: { '@bob:b': '75', '@carol:c': 20 },
    users_default: '10',
    events: { 'm.room.name': '30', 'm.room.message': 5 },
    state_default: 40,
    notifications: { room: '20' },
  };
  for (const rules of ALL) {
    const levels = powerLevelsOf(plEvent(content), createFor(rules), rules);
    const stringy = !rules.enforceIntPowerLevels;
    assert.equal(userPowerLevel(levels, '@bob:b'), stringy ? 75 : 0, `v${rules.id}`);
    assert.equal(userPowerLevel(levels, '@carol:c'), 20);
    assert.equal(userPowerLevel(levels, '@dan:d'), stringy ? 10 : 0);
    assert.equal(requiredPowerForEvent(levels, 'm.room.name', true), stringy ? 30 : 40);
    assert.equal(requiredPowerForEvent(levels, 'm.room.message', false), 5);
    assert.equal(requiredPowerForEvent(levels, 'm.room.topic', true), 40);
    assert.equal(notificationPowerLevel(levels, 'room'), stringy ? 20 : 50);
  }
});

test('creators: content.creator (v1–v10), the sender (v11), plus additional_creators (v12 only)', () => {
  const content = { creator: '@carol:c', additional_creators: ['@bob:b'] };
  const create = (_rules: RoomVersionRules): Pdu => pdu('m.room.create', '@alice:a', content);
  for (const rules of ALL) {
    const expected = rules.privilegedCreators ? ['@alice:a', '@bob:b'] : rules.implicitRoomCreator ? ['@alice:a'] : ['@carol:c'];
    assert.deepEqual([...roomCreators(create(rules), rules)], expected, `v${rules.id}`);
    assert.equal(isCreator(create(rules), '@bob:b', rules), rules.privilegedCreators);
  }
  const v12 = rulesOf('12');
  const levels = powerLevelsOf(plEvent({ users: { '@bob:b': 10 }, users_default: 0 }), create(v12), v12);
  assert.equal(userPowerLevel(levels, '@bob:b'), Infinity, 'creators ignore their users entry');
  assert.equal(canKick(levels, '@alice:a', '@bob:b'), false, 'creators cannot kick each other');
  assert.equal(canBan(levels, '@alice:a', '@dan:d'), true);
});

test('kick, ban, unban, redact and notify helpers', () => {
  const rules = rulesOf('10');
  const levels = powerLevelsOf(
    plEvent({
      users: { '@mod:a': 50, '@admin:a': 100, '@kicker:a': 60 },
      ban: 70,
      kick: 50,
      redact: 60,
      invite: 10,
      events: { 'm.room.redaction': 5 },
      notifications: { room: 60 },
    }),
    createFor(rules),
    rules,
  );
  assert.equal(canKick(levels, '@mod:a', '@user:a'), true);
  assert.equal(canKick(levels, '@mod:a', '@admin:a'), false, 'target above');
  assert.equal(canKick(levels, '@kicker:a', '@mod:a'), true);
  assert.equal(canKick(levels, '@user:a', '@other:a'), false, 'below kick level');
  assert.equal(canBan(levels, '@mod:a', '@user:a'), false, 'below ban level');
  assert.equal(canBan(levels, '@admin:a', '@mod:a'), true);
  assert.equal(canUnban(levels, '@kicker:a', '@user:a'), false, 'kick but not ban level');
  assert.equal(canUnban(levels, '@admin:a', '@user:a'), true);
  assert.equal(canInvite(levels, '@user:a'), false);
  assert.equal(canInvite(levels, '@mod:a'), true);
  assert.equal(canRedact(levels, '@user:a', '@user:a'), false, 'm.room.redaction needs 5');
  assert.equal(canRedact(levels, '@mod:a', '@mod:a'), true, 'own event');
  assert.equal(canRedact(levels, '@mod:a', '@user:a'), false, 'below redact');
  assert.equal(canRedact(levels, '@admin:a', '@user:a'), true);
  assert.equal(canNotify(levels, '@mod:a'), false);
  assert.equal(canNotify(levels, '@admin:a', 'room'), true);
});

test('powerLevelsContentProblem: users in every version, named levels and maps strictly in v10+', () => {
  const cases: [Record<string, unknown>, 'ok' | 'v10' | 'all'][] = [
    [{}, 'ok'],
    [{ users: { '@a:a': 100 }, ban: 50, events: { x: 1 }, notifications: { room: 1 } }, 'ok'],
    [{ users: { '@a:a': '100' } }, 'v10'],
    [{ ban: '50' }, 'v10'],
    [{ events: { x: '1' } }, 'v10'],
    [{ notifications: { room: ' 1' } }, 'v10'],
    [{ users_default: 1.5 }, 'v10'],
    [{ users: { 'not-a-user': 1 } }, 'all'],
    [{ users: { '@a:a': 'x' } }, 'all'],
    [{ users: { '@a:a': true } }, 'all'],
    [{ users: [] }, 'all'],
    [{ users: 'x' }, 'all'],
    [{ kick: 'fifty' }, 'all'],
    [{ events: [] }, 'all'],
    [{ notifications: 5 }, 'all'],
  ];
  for (const rules of ALL) {
    for (const [content, bad] of cases) {
      const expectProblem = bad === 'all' || (bad === 'v10' && rules.enforceIntPowerLevels);
      assert.equal(powerLevelsContentProblem(content, rules) !== null, expectProblem, `v${rules.id} ${JSON.stringify(content)}`);
    }
  }
});
