import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pdu } from './pdu.js';
import { redactPdu } from './redaction.js';
import { roomVersionRules, type RoomVersionRules } from './room-versions.js';

// Spec: rooms/fragments v1-redactions, v6-redactions, v9-redactions, v11-redactions (v1.19).
const rules = (id: string): RoomVersionRules => roomVersionRules(id) as RoomVersionRules;

function event(type: string, content: Record<string, unknown>, extra: Record<string, unknown> = {}): Pdu {
  return {
    event_id: '$e:x',
    room_id: '!r:x',
    sender: '@a:x',
    type,
    state_key: '',
    content,
    origin_server_ts: 1,
    depth: 2,
    prev_events: [],
    auth_events: [],
    hashes: { sha256: 'h' },
    signatures: { x: { 'ed25519:1': 's' } },
    unsigned: { age: 3 },
    origin: 'x',
    membership: 'join',
    prev_state: [],
    redacts: '$other:x',
    extra_key: 'dropped',
    ...extra,
  } as Pdu;
}

const contentAfter = (id: string, type: string, content: Record<string, unknown>) =>
  redactPdu(event(type, content), rules(id)).content;

test('top-level keys: v1 keeps origin, membership, prev_state; v11 drops them; both drop unsigned, redacts and unknown keys', () => {
  const v1 = redactPdu(event('m.room.message', { body: 'hi' }), rules('1'));
  assert.deepEqual(Object.keys(v1).sort(), [
    'auth_events', 'content', 'depth', 'event_id', 'hashes', 'membership', 'origin', 'origin_server_ts',
    'prev_events', 'prev_state', 'room_id', 'sender', 'signatures', 'state_key', 'type',
  ]);
  assert.deepEqual(v1.content, {});
  const v11 = redactPdu(event('m.room.message', { body: 'hi' }), rules('11'));
  assert.deepEqual(Object.keys(v11).sort(), [
    'auth_events', 'content', 'depth', 'event_id', 'hashes', 'origin_server_ts', 'prev_events', 'room_id',
    'sender', 'signatures', 'state_key', 'type',
  ]);
  for (const id of ['1', '6', '9', '10']) assert.equal(redactPdu(event('m.room.message', {}), rules(id)).origin, 'x');
});

test('member events keep membership, and join_authorised_via_users_server from v9', () => {
  const content = { membership: 'join', displayname: 'A', join_authorised_via_users_server: '@b:x' };
  assert.deepEqual(contentAfter('1', 'm.room.member', content), { membership: 'join' });
  assert.deepEqual(contentAfter('8', 'm.room.member', content), { membership: 'join' });
  assert.deepEqual(contentAfter('9', 'm.room.member', content), { membership: 'join', join_authorised_via_users_server: '@b:x' });
  assert.deepEqual(contentAfter('11', 'm.room.member', content), { membership: 'join', join_authorised_via_users_server: '@b:x' });
});

test('v11 member events keep only third_party_invite.signed', () => {
  const content = { membership: 'invite', third_party_invite: { display_name: 'x', signed: { mxid: '@a:x', token: 't' } } };
  assert.deepEqual(contentAfter('10', 'm.room.member', content), { membership: 'invite' });
  assert.deepEqual(contentAfter('11', 'm.room.member', content), {
    membership: 'invite',
    third_party_invite: { signed: { mxid: '@a:x', token: 't' } },
  });
  assert.deepEqual(contentAfter('11', 'm.room.member', { membership: 'invite', third_party_invite: { display_name: 'x' } }), {
    membership: 'invite',
  });
});

test('create keeps creator before v11 and all content from v11', () => {
  const content = { creator: '@a:x', room_version: '1', 'm.federate': false, predecessor: { room_id: '!p:x' } };
  assert.deepEqual(contentAfter('1', 'm.room.create', content), { creator: '@a:x' });
  assert.deepEqual(contentAfter('10', 'm.room.create', content), { creator: '@a:x' });
  assert.deepEqual(contentAfter('11', 'm.room.create', content), content);
  assert.deepEqual(contentAfter('12', 'm.room.create', content), content);
});

test('join rules keep allow from v9', () => {
  const content = { join_rule: 'restricted', allow: [{ type: 'm.room_membership', room_id: '!s:x' }], other: 1 };
  assert.deepEqual(contentAfter('8', 'm.room.join_rules', content), { join_rule: 'restricted' });
  assert.deepEqual(contentAfter('9', 'm.room.join_rules', content), { join_rule: 'restricted', allow: content.allow });
});

test('power levels keep invite only from v11', () => {
  const content = {
    ban: 50, events: { 'm.room.name': 50 }, events_default: 0, invite: 0, kick: 50, redact: 50,
    state_default: 50, users: { '@a:x': 100 }, users_default: 0, notifications: { room: 50 },
  };
  const { invite: _invite, notifications: _notifications, ...pre11 } = content;
  assert.deepEqual(contentAfter('1', 'm.room.power_levels', content), pre11);
  assert.deepEqual(contentAfter('10', 'm.room.power_levels', content), pre11);
  const { notifications: _n, ...v11 } = content;
  assert.deepEqual(contentAfter('11', 'm.room.power_levels', content), v11);
});

test('aliases keep aliases in v1-v5 only; history_visibility always keeps its key', () => {
  assert.deepEqual(contentAfter('5', 'm.room.aliases', { aliases: ['#a:x'] }), { aliases: ['#a:x'] });
  assert.deepEqual(contentAfter('6', 'm.room.aliases', { aliases: ['#a:x'] }), {});
  for (const id of ['1', '6', '11']) {
    assert.deepEqual(contentAfter(id, 'm.room.history_visibility', { history_visibility: 'shared', x: 1 }), {
      history_visibility: 'shared',
    });
  }
});

test('redaction events keep content.redacts from v11; top-level redacts is never kept', () => {
  const pdu = event('m.room.redaction', { redacts: '$t:x', reason: 'spam' });
  const v10 = redactPdu(pdu, rules('10'));
  assert.deepEqual(v10.content, {});
  assert.equal(v10.redacts, undefined);
  const v11 = redactPdu(pdu, rules('11'));
  assert.deepEqual(v11.content, { redacts: '$t:x' });
  assert.equal(v11.redacts, undefined);
});

test('redaction copies, never mutates, and tolerates odd content', () => {
  const pdu = event('m.room.create', { creator: '@a:x' });
  const before = structuredClone(pdu);
  redactPdu(pdu, rules('11'));
  assert.deepEqual(pdu, before);
  // A JSON "__proto__" key in v11 create content is kept as an own key.
  const parsed = JSON.parse('{"__proto__": {"x": 1}, "creator": "@a:x"}') as Record<string, unknown>;
  const redacted = redactPdu(event('m.room.create', parsed), rules('11')).content;
  assert.ok(Object.hasOwn(redacted, '__proto__'));
  assert.deepEqual(Object.keys(redacted).sort(), ['__proto__', 'creator']);
  // Inherited names are not content keys.
  assert.deepEqual(contentAfter('1', 'm.room.member', Object.create({ membership: 'join' }) as Record<string, unknown>), {});
  assert.deepEqual(redactPdu(event('m.room.member', 'oops' as unknown as Record<string, unknown>), rules('1')).content, {});
});
