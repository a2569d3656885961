import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson } from './canonical-json.js';
import {
  formatSigningKeyFile,
  generateSigningKey,
  parseSigningKeyFile,
  signingKeyFromSeed,
  signJson,
} from './signing.js';

// Spec: appendices "Cryptographic test vectors" (v1.19).
const SEED = Buffer.from('YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1', 'base64');

test('signs the spec test vector for an empty object', () => {
  const key = signingKeyFromSeed('1', SEED);
  const signed = signJson({}, 'domain', key);
  assert.ok(signed.ok);
  assert.deepEqual(signed.value, {
    signatures: {
      domain: {
        'ed25519:1': 'K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ',
      },
    },
  });
});

test('signs the spec test vector with data values', () => {
  const signed = signJson({ one: 1, two: 'Two' }, 'domain', signingKeyFromSeed('1', SEED));
  assert.ok(signed.ok);
  assert.equal(
    signed.value.signatures.domain?.['ed25519:1'],
    'KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw',
  );
});

test('a generated key round-trips through the Synapse key-file format', () => {
  const key = generateSigningKey();
  assert.match(key.keyId, /^ed25519:a_[A-Za-z0-9]{4}$/);
  const text = formatSigningKeyFile(key);
  assert.match(text, /^ed25519 a_[A-Za-z0-9]{4} [A-Za-z0-9+/]{43}\n$/);
  const parsed = parseSigningKeyFile(text);
  assert.ok(parsed.ok);
  assert.equal(parsed.value.keyId, key.keyId);
  assert.equal(parsed.value.publicKeyBase64, key.publicKeyBase64);
});

test('a malformed key file is refused with a reason', () => {
  assert.equal(parseSigningKeyFile('').ok, false);
  assert.equal(parseSigningKeyFile('ed25519 a_1 c2hvcnQ').ok, false);
  assert.equal(parseSigningKeyFile('ed25519 bad-version! ' + 'A'.repeat(43)).ok, false);
});

test('canonical JSON sorts keys by code point and refuses floats', () => {
  assert.deepEqual(canonicalJson({ b: 1, a: [true, null, 'é'] }), { ok: true, value: '{"a":[true,null,"é"],"b":1}' });
  // U+1F600 sorts after U+FFFD by code point, though its UTF-16 code unit 0xD83D sorts before.
  assert.deepEqual(canonicalJson({ '\u{1F600}': 1, '\uFFFD': 2 }), { ok: true, value: '{"\uFFFD":2,"\u{1F600}":1}' });
  assert.equal(canonicalJson({ a: 1.5 }).ok, false);
  assert.equal(canonicalJson({ a: 2 ** 53 }).ok, false);
});
