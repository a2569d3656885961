import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkEventFormat, MAX_PDU_BYTES } from './event-format.js';
import { roomVersionRules, type RoomVersionRules } from './room-versions.js';

const rules = (id: string): RoomVersionRules => roomVersionRules(id) as RoomVersionRules;

function pduFor(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const v1 = rules(id).eventIdFormat === 'random';
  return {
    ...(v1 ? { event_id: '$e:x' } : {}),
    room_id: '!r:x',
    sender: '@a:x',
    type: 'm.room.message',
    content: { body: 'hi' },
    origin_server_ts: 1,
    depth: 3,
    prev_events: v1 ? [['$p:x', { sha256: 'h' }]] : ['$p'],
    auth_events: v1 ? [['$c:x', {}]] : ['$c'],
    hashes: { sha256: 'h' },
    signatures: { x: { 'ed25519:1': 's' } },
    unsigned: { age: 1 },
    ...extra,
  };
}

const reason = (pdu: unknown, id: string): string | null => {
  const result = checkEventFormat(pdu, rules(id));
  return result.ok ? null : result.error;
};

test('a well-formed event passes in every version', () => {
  for (const id of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']) {
    assert.equal(reason(pduFor(id), id), null, `v${id}`);
    assert.equal(reason(pduFor(id, { state_key: '' , type: 'm.room.topic' }), id), null, `v${id} state`);
  }
});

test('missing or mistyped required keys are refused with the key named', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ sender: undefined }, /sender/],
    [{ sender: 'a:x' }, /sender/],
    [{ sender: '@ax' }, /sender is not a user ID/],
    [{ type: 5 }, /type must be a string/],
    [{ room_id: undefined }, /room_id/],
    [{ room_id: '#r:x' }, /room_id must start with "!"/],
    [{ content: [] }, /content must be an object/],
    [{ content: undefined }, /content/],
    [{ origin_server_ts: '1' }, /origin_server_ts/],
    [{ depth: 1.5 }, /depth must be an integer/],
    [{ depth: -1 }, /depth must not be negative/],
    [{ hashes: {} }, /hashes.sha256/],
    [{ signatures: { x: 'nope' } }, /signatures.x/],
    [{ signatures: { x: { k: 1 } } }, /signatures.x.k/],
    [{ unsigned: 'x' }, /unsigned/],
    [{ state_key: 7 }, /state_key must be a string/],
    [{ redacts: 7 }, /redacts/],
    [{ prev_events: undefined }, /prev_events must be an array/],
  ];
  for (const [extra, expected] of cases) {
    for (const id of ['1', '11']) {
      const pdu = pduFor(id, extra);
      for (const [key, value] of Object.entries(extra)) if (value === undefined) delete pdu[key];
      assert.match(reason(pdu, id) ?? 'passed', expected, `${JSON.stringify(extra)} v${id}`);
    }
  }
  assert.equal(reason('x', '1'), 'the event must be a JSON object');
  assert.equal(reason([], '1'), 'the event must be a JSON object');
});

test('event_id is required in v1/v2 and refused from v3', () => {
  const withoutId = pduFor('1');
  delete withoutId.event_id;
  assert.match(reason(withoutId, '1') ?? '', /event_id/);
  assert.match(reason(pduFor('3', { event_id: '$e' }), '3') ?? '', /event_id is not allowed in room version 3/);
  assert.match(reason(pduFor('12', { event_id: '$e' }), '12') ?? '', /event_id is not allowed/);
});

test('reference formats: pairs in v1/v2, strings from v3', () => {
  assert.match(reason(pduFor('1', { prev_events: ['$p:x'] }), '1') ?? '', /prev_events\[0\] must be an \[event_id, hashes\] pair/);
  assert.match(reason(pduFor('2', { auth_events: [['$c:x', 'h']] }), '2') ?? '', /auth_events\[0\]\[1\]/);
  assert.match(reason(pduFor('3', { prev_events: [['$p', {}]] }), '3') ?? '', /prev_events\[0\] must be a string/);
  assert.match(reason(pduFor('4', { auth_events: ['c'] }), '4') ?? '', /auth_events\[0\] must start with "\$"/);
  assert.match(reason(pduFor('4', { auth_events: Array.from({ length: 11 }, (_, i) => `$a${i}`) }), '4') ?? '', /11 events \(at most 10\)/);
  assert.match(reason(pduFor('4', { prev_events: Array.from({ length: 21 }, (_, i) => `$a${i}`) }), '4') ?? '', /21 events \(at most 20\)/);
  assert.equal(reason(pduFor('4', { prev_events: Array.from({ length: 20 }, (_, i) => `$a${i}`) }), '4'), null);
});

test('v12 create events have no room_id; other v12 events and earlier creates need one', () => {
  const create = pduFor('12', { type: 'm.room.create', state_key: '', auth_events: [], prev_events: [] });
  assert.match(reason(create, '12') ?? '', /must not have a room_id/);
  delete create.room_id;
  assert.equal(reason(create, '12'), null);
  const oldCreate = pduFor('11', { type: 'm.room.create', state_key: '', auth_events: [], prev_events: [] });
  delete oldCreate.room_id;
  assert.match(reason(oldCreate, '11') ?? '', /room_id must be a string/);
  const message = pduFor('12');
  delete message.room_id;
  assert.match(reason(message, '12') ?? '', /room_id/);
});

test('size limits: 255 bytes per ID field (counted in UTF-8), 65536 bytes for the event', () => {
  const long = (n: number) => 'a'.repeat(n);
  assert.equal(reason(pduFor('11', { type: long(255) }), '11'), null);
  assert.match(reason(pduFor('11', { type: long(256) }), '11') ?? '', /type exceeds 255 bytes/);
  assert.match(reason(pduFor('11', { state_key: 'é'.repeat(128) }), '11') ?? '', /state_key exceeds 255 bytes/);
  assert.equal(reason(pduFor('11', { state_key: 'é'.repeat(127) }), '11'), null);
  assert.match(reason(pduFor('11', { sender: `@${long(250)}:x.org` }), '11') ?? '', /sender exceeds/);
  assert.match(reason(pduFor('11', { room_id: `!${long(250)}:x.org` }), '11') ?? '', /room_id exceeds/);
  assert.match(reason(pduFor('1', { event_id: `$${long(250)}:x.org` }), '1') ?? '', /event_id exceeds/);

  const base = pduFor('11', { content: { body: '' } });
  const baseSize = Buffer.byteLength(JSON.stringify(base));
  const fits = pduFor('11', { content: { body: long(MAX_PDU_BYTES - baseSize) } });
  assert.equal(reason(fits, '11'), null);
  const tooBig = pduFor('11', { content: { body: long(MAX_PDU_BYTES - baseSize + 1) } });
  assert.match(reason(tooBig, '11') ?? '', /65537 bytes as canonical JSON \(at most 65536\)/);
  // Signatures count towards the limit.
  const signedTooBig = { ...fits, signatures: { x: { 'ed25519:1': 's', 'ed25519:2': 't' } } };
  assert.match(reason(signedTooBig, '11') ?? '', /at most 65536/);
});

test('v6+ refuses floats and out-of-range integers anywhere; v1-v5 accept them', () => {
  for (const content of [{ n: 1.5 }, { deep: [{ n: 2 ** 53 }] }, { n: -(2 ** 53) }]) {
    assert.equal(reason(pduFor('5', { content }), '5'), null);
    assert.match(reason(pduFor('6', { content }), '6') ?? '', /not canonical JSON/);
  }
  assert.equal(reason(pduFor('6', { content: { n: 2 ** 53 - 1, m: -(2 ** 53) + 1 } }), '6'), null);
  assert.match(reason(pduFor('6', { depth: 2 ** 53 }), '6') ?? '', /depth is too large/);
  assert.equal(reason(pduFor('5', { depth: 2 ** 53 }), '5'), null);
});
