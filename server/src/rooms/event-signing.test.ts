import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkContentHash, hashAndSignEvent, verifyEventSignatures, type KeyLookup, type UnsignedPdu } from './event-signing.js';
import type { Pdu } from './pdu.js';
import { redactPdu } from './redaction.js';
import { roomVersionRules, type RoomVersionRules } from './room-versions.js';
import { generateSigningKey, signingKeyFromSeed, signJson, verifyJsonSignature } from './signing.js';
import { MINIMAL_EVENT, REDACTABLE_EVENT } from './testing/spec-vectors.js';

// Spec: appendices "Cryptographic Test Vectors" (v1.19).
const KEY = signingKeyFromSeed('1', Buffer.from('YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1', 'base64'));
const rules = (id: string): RoomVersionRules => roomVersionRules(id) as RoomVersionRules;
const V1 = rules('1');
const lookup: KeyLookup = (server, keyId) =>
  server === 'domain' && keyId === 'ed25519:1' ? { publicKeyBase64: KEY.publicKeyBase64 } : undefined;

const MINIMAL = MINIMAL_EVENT as UnsignedPdu;
const REDACTABLE = REDACTABLE_EVENT as UnsignedPdu;

test('signs the spec minimal event vector', () => {
  const signed = hashAndSignEvent(MINIMAL, 'domain', KEY, V1);
  assert.ok(signed.ok);
  assert.deepEqual(signed.value, {
    auth_events: [],
    content: {},
    depth: 3,
    hashes: { sha256: '5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos' },
    origin: 'domain',
    origin_server_ts: 1000000,
    prev_events: [],
    room_id: '!x:domain',
    sender: '@a:domain',
    signatures: {
      domain: {
        'ed25519:1': 'KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg',
      },
    },
    type: 'X',
    unsigned: { age_ts: 1000000 },
  });
});

test('signs the spec redactable event vector', () => {
  const signed = hashAndSignEvent(REDACTABLE, 'domain', KEY, V1);
  assert.ok(signed.ok);
  assert.equal(signed.value.hashes.sha256, 'onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g');
  assert.deepEqual(signed.value.signatures, {
    domain: {
      'ed25519:1': 'Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA',
    },
  });
  assert.deepEqual(signed.value.content, { body: 'Here is the message content' });
  assert.deepEqual(signed.value.unsigned, { age_ts: 1000000 });
});

test('verifyJsonSignature accepts the spec JSON vectors and refuses tampering', () => {
  const signed = signJson({ one: 1, two: 'Two' }, 'domain', KEY);
  assert.ok(signed.ok);
  assert.equal(verifyJsonSignature(signed.value, 'domain', 'ed25519:1', KEY.publicKeyBase64), true);
  assert.equal(verifyJsonSignature({ ...signed.value, unsigned: { x: 1 } }, 'domain', 'ed25519:1', KEY.publicKeyBase64), true);
  assert.equal(verifyJsonSignature({ ...signed.value, two: 'Three' }, 'domain', 'ed25519:1', KEY.publicKeyBase64), false);
  assert.equal(verifyJsonSignature(signed.value, 'other', 'ed25519:1', KEY.publicKeyBase64), false);
  assert.equal(verifyJsonSignature(signed.value, 'domain', 'ed25519:2', KEY.publicKeyBase64), false);
  assert.equal(verifyJsonSignature(signed.value, 'domain', 'ed25519:1', generateSigningKey().publicKeyBase64), false);
  assert.equal(verifyJsonSignature(signed.value, 'domain', 'ed25519:1', 'not base64!'), false);
  assert.equal(verifyJsonSignature({ one: 1 }, 'domain', 'ed25519:1', KEY.publicKeyBase64), false);
  const empty = {
    signatures: { domain: { 'ed25519:1': 'K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ' } },
  };
  assert.equal(verifyJsonSignature(empty, 'domain', 'ed25519:1', KEY.publicKeyBase64), true);
});

test('a signed event verifies in full and redacted form, and its hash checks', () => {
  for (const id of ['1', '3', '10', '11', '12']) {
    const r = rules(id);
    const draft = { ...(REDACTABLE as Record<string, unknown>) } as UnsignedPdu;
    if (r.eventIdFormat !== 'random') delete draft.event_id;
    const signed = hashAndSignEvent(draft, 'domain', KEY, r);
    assert.ok(signed.ok);
    assert.deepEqual(verifyEventSignatures(signed.value, r, lookup), { ok: true, value: undefined }, `v${id}`);
    assert.deepEqual(checkContentHash(signed.value), { ok: true, value: undefined });
    const redacted = redactPdu(signed.value, r);
    assert.ok(verifyEventSignatures(redacted, r, lookup).ok, `v${id} redacted`);
    // The redacted copy fails the content hash: the receiver must keep the redacted form.
    assert.deepEqual(checkContentHash(redacted), { ok: false, error: 'content hash mismatch' });
  }
});

test('verifyEventSignatures refuses missing, bad or unknown-key signatures', () => {
  const signed = hashAndSignEvent(REDACTABLE, 'domain', KEY, V1);
  assert.ok(signed.ok);
  const pdu = signed.value;
  assert.equal(verifyEventSignatures({ ...pdu, signatures: {} }, V1, lookup).ok, false);
  // A change to a field the redaction keeps breaks the signature.
  assert.equal(verifyEventSignatures({ ...pdu, origin_server_ts: 1 }, V1, lookup).ok, false);
  // A change to content (not covered by the redacted form) does not.
  assert.equal(verifyEventSignatures({ ...pdu, content: { body: 'x' } }, V1, lookup).ok, true);
  assert.equal(verifyEventSignatures(pdu, V1, () => undefined).ok, false);
  // An extra signature by an unknown key is skipped.
  const extra = { ...pdu, signatures: { domain: { ...pdu.signatures.domain, 'ed25519:zzz': 'AAAA' } } };
  assert.equal(verifyEventSignatures(extra, V1, lookup).ok, true);
  // v1/v2: the event ID's server must sign too.
  const foreignId = hashAndSignEvent({ ...REDACTABLE, event_id: '$0:elsewhere' }, 'domain', KEY, V1);
  assert.ok(foreignId.ok);
  const result = verifyEventSignatures(foreignId.value, V1, lookup);
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.error, /elsewhere/);
});

test('v5+ skips keys that expired before origin_server_ts, v1-v4 do not', () => {
  const expired: KeyLookup = (server, keyId) => {
    const key = lookup(server, keyId);
    return key ? { ...key, validUntilTs: 999_999 } : undefined;
  };
  const draft = { ...(REDACTABLE as Record<string, unknown>) } as UnsignedPdu;
  delete draft.event_id;
  for (const [id, valid] of [['4', true], ['5', false]] as const) {
    const signed = hashAndSignEvent(draft, 'domain', KEY, rules(id));
    assert.ok(signed.ok);
    assert.equal(verifyEventSignatures(signed.value, rules(id), expired).ok, valid, `v${id}`);
  }
});

test('a restricted join needs the authorising server signature (v8+)', () => {
  const join = {
    type: 'm.room.member',
    state_key: '@u:domain',
    sender: '@u:domain',
    room_id: '!r:domain',
    content: { membership: 'join', join_authorised_via_users_server: '@admin:other' },
    origin_server_ts: 1,
    depth: 1,
    prev_events: [],
    auth_events: [],
  } as unknown as UnsignedPdu;
  const signed = hashAndSignEvent(join, 'domain', KEY, rules('8'));
  assert.ok(signed.ok);
  assert.equal(verifyEventSignatures(signed.value, rules('8'), lookup).ok, false);
  assert.equal(verifyEventSignatures(signed.value, rules('7'), lookup).ok, true);
});

test('checkContentHash reports a missing hash and floats', () => {
  const pdu = { ...(MINIMAL as Record<string, unknown>), hashes: {} } as unknown as Pdu;
  assert.deepEqual(checkContentHash(pdu), { ok: false, error: 'the event has no hashes.sha256' });
  assert.equal(hashAndSignEvent({ ...MINIMAL, content: { x: 1.5 } }, 'domain', KEY, V1).ok, false);
});
