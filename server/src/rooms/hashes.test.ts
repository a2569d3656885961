import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { EventId } from '../core/ids.js';
import { canonicalJson } from './canonical-json.js';
import { computeEventId, contentHash, eventIdSha1Hex, randomId, referenceHash, roomIdFromCreateEventId } from './hashes.js';
import type { Pdu } from './pdu.js';
import { redactPdu } from './redaction.js';
import { roomVersionRules, type RoomVersionRules } from './room-versions.js';
import { MINIMAL_EVENT, REDACTABLE_EVENT } from './testing/spec-vectors.js';

const rules = (id: string): RoomVersionRules => roomVersionRules(id) as RoomVersionRules;

// Spec: appendices "Cryptographic Test Vectors" / "Event Signing" (v1.19): the content hashes of its two events.
const MINIMAL = MINIMAL_EVENT as Pdu;
const REDACTABLE = REDACTABLE_EVENT as Pdu;

test('content hashes match the spec event signing vectors', () => {
  assert.deepEqual(contentHash(MINIMAL), { ok: true, value: '5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos' });
  assert.deepEqual(contentHash(REDACTABLE), { ok: true, value: 'onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g' });
});

test('the content hash ignores unsigned, signatures and hashes but covers content', () => {
  const base = contentHash(MINIMAL);
  const noisy = { ...MINIMAL, unsigned: { age: 9 }, signatures: { x: { 'ed25519:1': 'y' } }, hashes: { sha256: 'z' } };
  assert.deepEqual(contentHash(noisy), base);
  assert.notDeepEqual(contentHash({ ...MINIMAL, content: { a: 1 } }), base);
  assert.equal(contentHash({ ...MINIMAL, content: { a: 0.5 } }).ok, false);
});

test('the reference hash is sha256 of the redacted event without signatures and unsigned', () => {
  const pdu = { ...REDACTABLE, hashes: { sha256: 'onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g' } };
  const { signatures: _s, unsigned: _u, ...rest } = redactPdu(pdu, rules('1'));
  const expected = createHash('sha256').update((canonicalJson(rest) as { value: string }).value).digest();
  const hash = referenceHash(pdu, rules('1'));
  assert.ok(hash.ok);
  assert.ok(hash.value.equals(expected));
  // Redacted-away content doesn't change it; signatures don't either.
  assert.ok((referenceHash({ ...pdu, content: {}, signatures: { a: { b: 'c' } } }, rules('1')) as { value: Buffer }).value.equals(expected));
});

test('event ID formats: v1/v2 carry event_id, v3 standard base64, v4+ URL-safe base64', () => {
  const pdu = { ...MINIMAL, hashes: { sha256: '5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos' } } as Pdu;
  assert.deepEqual(computeEventId({ ...pdu, event_id: '$abc:domain' }, rules('1')), { ok: true, value: '$abc:domain' });
  assert.deepEqual(computeEventId({ ...pdu, event_id: '$abc:domain' }, rules('2')), { ok: true, value: '$abc:domain' });
  assert.equal(computeEventId(pdu, rules('2')).ok, false);

  const hash = referenceHash(pdu, rules('3'));
  assert.ok(hash.ok);
  const v3 = computeEventId(pdu, rules('3'));
  assert.deepEqual(v3, { ok: true, value: `$${hash.value.toString('base64').replace(/=+$/, '')}` });
  const v4 = computeEventId(pdu, rules('4'));
  assert.deepEqual(v4, { ok: true, value: `$${hash.value.toString('base64url')}` });
  for (const id of ['3', '4', '11']) {
    const eventId = computeEventId(pdu, rules(id));
    assert.ok(eventId.ok);
    assert.equal(eventId.value.length, 44, 'sigil + 43 chars of unpadded base64');
    assert.doesNotMatch(eventId.value, /[=:]/);
    if (id !== '3') assert.doesNotMatch(eventId.value, /[+/]/);
  }
});

test('v3 and v4 IDs differ exactly by the URL-safe alphabet', () => {
  // Find an event whose hash has + or / in standard base64, then compare.
  for (let depth = 1; depth < 200; depth++) {
    const pdu = { ...MINIMAL, depth } as Pdu;
    const v3 = computeEventId(pdu, rules('3'));
    const v4 = computeEventId(pdu, rules('4'));
    assert.ok(v3.ok && v4.ok);
    assert.equal(v4.value, v3.value.replace(/\+/g, '-').replace(/\//g, '_'));
    if (/[+/]/.test(v3.value)) return;
  }
  assert.fail('no hash with + or / found');
});

test('v12 create events hash without room_id and name the room', () => {
  const create = {
    sender: '@a:x',
    type: 'm.room.create',
    state_key: '',
    content: { room_version: '12', 'm.federate': true },
    origin_server_ts: 5,
    depth: 1,
    prev_events: [],
    auth_events: [],
    hashes: { sha256: 'h' },
    signatures: {},
  } as unknown as Pdu;
  const eventId = computeEventId(create, rules('12'));
  assert.ok(eventId.ok);
  const roomId = roomIdFromCreateEventId(eventId.value);
  assert.equal(roomId, `!${eventId.value.slice(1)}`);
  // Content survives v12 redaction of a create event, so the room ID covers it.
  const other = computeEventId({ ...create, content: { room_version: '12' } }, rules('12'));
  assert.ok(other.ok);
  assert.notEqual(other.value, eventId.value);
});

test('random IDs and the v1 sha1 tie-break', () => {
  assert.match(randomId('$', 'example.org'), /^\$[A-Za-z0-9_-]{18}:example\.org$/);
  assert.match(randomId('!', 'example.org'), /^![A-Za-z0-9_-]{18}:example\.org$/);
  assert.notEqual(randomId('$', 'x'), randomId('$', 'x'));
  assert.equal(eventIdSha1Hex('$a:x' as EventId), createHash('sha1').update('$a:x').digest('hex'));
});
