import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventId } from '../core/ids.js';
import { authEventKeys, selectAuthEvents, thirdPartyInviteToken } from './auth-events.js';
import { splitStateKey, stateKey, type StateKey } from './pdu.js';
import { ROOM_VERSIONS, roomVersionRules } from './room-versions.js';

const ALL = [...ROOM_VERSIONS.values()];
const keys = (list: StateKey[]): string[] => list.map((key) => splitStateKey(key).join('|'));
const withCreate = (id: string, rest: string[]): string[] => (roomVersionRules(id)!.roomIdFromCreateEvent ? rest : ['m.room.create|', ...rest]);

test('create events have no auth events', () => {
  for (const rules of ALL) {
    assert.deepEqual(authEventKeys({ type: 'm.room.create', sender: '@a:a', state_key: '', content: {} }, rules), []);
  }
});

test('a message: create (not v12), power levels, sender member', () => {
  for (const rules of ALL) {
    const got = keys(authEventKeys({ type: 'm.room.message', sender: '@a:a', content: { body: 'x' } }, rules));
    assert.deepEqual(got, withCreate(rules.id, ['m.room.power_levels|', 'm.room.member|@a:a']), `v${rules.id}`);
  }
});

test('member events add the target and, for join/invite/knock, the join rules', () => {
  for (const rules of ALL) {
    for (const membership of ['join', 'invite', 'knock', 'leave', 'ban']) {
      const got = keys(
        authEventKeys({ type: 'm.room.member', sender: '@a:a', state_key: '@b:b', content: { membership } }, rules),
      );
      const joinRules = ['join', 'invite', 'knock'].includes(membership) ? ['m.room.join_rules|'] : [];
      assert.deepEqual(
        got,
        withCreate(rules.id, ['m.room.power_levels|', 'm.room.member|@a:a', ...joinRules, 'm.room.member|@b:b']),
        `v${rules.id} ${membership}`,
      );
    }
    // Own join: sender and target are the same key, listed once.
    const own = keys(authEventKeys({ type: 'm.room.member', sender: '@a:a', state_key: '@a:a', content: { membership: 'join' } }, rules));
    assert.deepEqual(own, withCreate(rules.id, ['m.room.power_levels|', 'm.room.member|@a:a', 'm.room.join_rules|']));
  }
});

test('third-party invites add the m.room.third_party_invite for the token', () => {
  const content = { membership: 'invite', third_party_invite: { display_name: 'x', signed: { mxid: '@b:b', token: 'tok', signatures: {} } } };
  assert.equal(thirdPartyInviteToken(content), 'tok');
  assert.equal(thirdPartyInviteToken({ third_party_invite: { signed: { token: 5 } } }), null);
  for (const rules of ALL) {
    const got = keys(authEventKeys({ type: 'm.room.member', sender: '@a:a', state_key: '@b:b', content }, rules));
    assert.ok(got.includes('m.room.third_party_invite|tok'));
  }
});

test('v8+ restricted joins add the authorising user’s member event', () => {
  const content = { membership: 'join', join_authorised_via_users_server: '@mod:c' };
  for (const rules of ALL) {
    const got = keys(authEventKeys({ type: 'm.room.member', sender: '@b:b', state_key: '@b:b', content }, rules));
    assert.equal(got.includes('m.room.member|@mod:c'), rules.restrictedJoinRule, `v${rules.id}`);
  }
});

test('selectAuthEvents looks the keys up in the state and skips missing ones', () => {
  const state = new Map<StateKey, EventId>([
    [stateKey('m.room.create', ''), '$create' as EventId],
    [stateKey('m.room.power_levels', ''), '$pl' as EventId],
    [stateKey('m.room.member', '@a:a'), '$a' as EventId],
    [stateKey('m.room.join_rules', ''), '$jr' as EventId],
    [stateKey('m.room.name', ''), '$name' as EventId],
  ]);
  const draft = { type: 'm.room.member', sender: '@b:b', state_key: '@b:b', content: { membership: 'join' } };
  assert.deepEqual(selectAuthEvents(draft, state, roomVersionRules('11')!), ['$create', '$pl', '$jr']);
  assert.deepEqual(selectAuthEvents(draft, state, roomVersionRules('12')!), ['$pl', '$jr']);
  assert.deepEqual(selectAuthEvents({ type: 'm.room.name', sender: '@a:a', state_key: '', content: {} }, state, roomVersionRules('1')!), [
    '$create',
    '$pl',
    '$a',
  ]);
});
