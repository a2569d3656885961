import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPasswordHasher } from './password-hasher.js';

// Small costs keep the suite fast; the production defaults are checked once below.
const fast = createPasswordHasher({ memoryKib: 1024, iterations: 1, parallelism: 1, maxConcurrent: 2 });

test('hashes are argon2id in the PHC string format, with the configured costs and a random salt', async () => {
  const hash = await fast.hash('correct horse battery staple');
  assert.match(hash, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
  const again = await fast.hash('correct horse battery staple');
  assert.notEqual(again, hash, 'a new salt every time');
});

test('verify: true for the password, false for anything else', async () => {
  const hash = await fast.hash('correct horse battery staple');
  assert.equal(await fast.verify(hash, 'correct horse battery staple'), true);
  assert.equal(await fast.verify(hash, 'Correct horse battery staple'), false);
  assert.equal(await fast.verify(hash, ''), false);
  assert.equal(await fast.verify(hash, 'correct horse battery staple '), false);
});

test('unicode passwords round-trip', async () => {
  const hash = await fast.hash('пароль 🔑 密码');
  assert.equal(await fast.verify(hash, 'пароль 🔑 密码'), true);
  assert.equal(await fast.verify(hash, 'пароль 🔑 密'), false);
});

test('a null hash (unknown user, no password) verifies false, as does a malformed one', async () => {
  assert.equal(await fast.verify(null, 'anything'), false);
  assert.equal(await fast.verify(null, ''), false);
  assert.equal(await fast.verify('not-a-hash', 'anything'), false);
  assert.equal(await fast.verify('$argon2id$v=19$m=1024,t=1,p=1$broken', 'anything'), false);
});

test('a hash made with other costs still verifies (costs are read from the hash)', async () => {
  const other = createPasswordHasher({ memoryKib: 2048, iterations: 2, parallelism: 1, maxConcurrent: 1 });
  const hash = await other.hash('pw');
  assert.match(hash, /m=2048,t=2,p=1/);
  assert.equal(await fast.verify(hash, 'pw'), true);
});

test('the production defaults (m=19 MiB, t=2, p=1) work', async () => {
  const real = createPasswordHasher({ memoryKib: 19456, iterations: 2, parallelism: 1, maxConcurrent: 4 });
  const hash = await real.hash('pw');
  assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.equal(await real.verify(hash, 'pw'), true);
});

test('many concurrent hashes all complete, past the concurrency cap', async () => {
  const limited = createPasswordHasher({ memoryKib: 1024, iterations: 1, parallelism: 1, maxConcurrent: 1 });
  const passwords = Array.from({ length: 8 }, (_, i) => `pw-${i}`);
  const hashes = await Promise.all(passwords.map((p) => limited.hash(p)));
  const checks = await Promise.all(hashes.map((h, i) => limited.verify(h, passwords[i]!)));
  assert.deepEqual(checks, passwords.map(() => true));
  // A failed verification releases its slot too.
  assert.deepEqual(await Promise.all([limited.verify('garbage', 'x'), limited.verify(null, 'x'), limited.verify(hashes[0]!, 'pw-0')]), [false, false, true]);
});
