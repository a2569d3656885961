import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_USER_ID_BYTES, isUserId, isValidLocalpart, isValidServerName, makeUserId, parseUserId } from './ids.js';

test('localparts of new user IDs: a-z, 0-9 and . _ = - / + only', () => {
  for (const ok of ['alice', 'bob2', '0123', 'a.b_c=d-e/f+g', '_bridge', 'x']) assert.equal(isValidLocalpart(ok), true, ok);
  for (const bad of ['', 'Alice', 'al ice', 'a:b', 'a@b', 'é', 'a#b', 'a!b', 'tab\t', '🐇']) assert.equal(isValidLocalpart(bad), false, bad);
});

test('server names: DNS names, IPv4, bracketed IPv6, each with an optional port', () => {
  for (const ok of [
    'example.org',
    'matrix.example.org',
    'EXAMPLE.org',
    'localhost',
    'my-server',
    'example.org:8448',
    'localhost:1',
    'localhost:65535',
    '192.0.2.1',
    '192.0.2.1:8008',
    '[::1]',
    '[::1]:8448',
    '[2001:db8::1]',
    '[2001:db8:0:0:0:0:0:1]:443',
    '[::ffff:192.0.2.1]',
  ]) {
    assert.equal(isValidServerName(ok), true, ok);
  }
  for (const bad of [
    '',
    'exa mple.org',
    'example.org:',
    'example.org:0',
    'example.org:65536',
    'example.org:123456',
    'example.org:port',
    '.example.org',
    'example.org.',
    'example..org',
    'ex_ample.org',
    '::1',
    '[::1',
    '::1]',
    '[::1]:',
    '[::1]x',
    '[not-ipv6]',
    '300.1.1.1',
    'a'.repeat(256),
    'host:80:80',
  ]) {
    assert.equal(isValidServerName(bad), false, bad);
  }
});

test('parseUserId splits at the first colon; the rest is the server name, port included', () => {
  assert.deepEqual(parseUserId('@alice:example.org'), { localpart: 'alice', serverName: 'example.org' });
  assert.deepEqual(parseUserId('@alice:example.org:8448'), { localpart: 'alice', serverName: 'example.org:8448' });
  assert.deepEqual(parseUserId('@alice:[::1]:8448'), { localpart: 'alice', serverName: '[::1]:8448' });
  assert.deepEqual(parseUserId('@alice:192.0.2.1'), { localpart: 'alice', serverName: '192.0.2.1' });
});

test('parseUserId accepts historical localparts: any code point but ":" and NUL, even empty', () => {
  // Spec appendices, "Historical User IDs".
  for (const localpart of ['Alice', 'a b', 'ünïcödé', '🐇', 'a#b!c', 'tab\tin', '']) {
    assert.deepEqual(parseUserId(`@${localpart}:example.org`), { localpart, serverName: 'example.org' }, JSON.stringify(localpart));
  }
  assert.equal(parseUserId('@a\0b:example.org'), null);
});

test('parseUserId rejects what is not a user ID', () => {
  for (const bad of ['alice', 'alice:example.org', '#room:example.org', '!room:example.org', '@alice', '@alice:', '@alice:bad server', '@alice:example.org:0', '']) {
    assert.equal(parseUserId(bad), null, bad);
    assert.equal(isUserId(bad), false, bad);
  }
});

test('a user ID is at most 255 bytes, counted in UTF-8', () => {
  const server = 'example.org';
  const fits = `@${'a'.repeat(MAX_USER_ID_BYTES - server.length - 2)}:${server}`;
  assert.equal(new TextEncoder().encode(fits).length, 255);
  assert.ok(parseUserId(fits));
  assert.equal(parseUserId(`@a${fits.slice(1)}`), null);
  // 'é' is two bytes: 121 of them make exactly 255 bytes, 122 too many, though the string is far shorter.
  assert.ok(parseUserId(`@${'é'.repeat(121)}:${server}`));
  const wide = `@${'é'.repeat(122)}:${server}`;
  assert.equal(wide.length, 135);
  assert.equal(parseUserId(wide), null);
});

test('makeUserId builds @localpart:server; isUserId checks it', () => {
  const id = makeUserId('alice', 'example.org');
  assert.equal(id, '@alice:example.org');
  assert.equal(isUserId(id), true);
});

test(
  'parseUserId rejects localparts with lone surrogates ("any legal non-surrogate Unicode code points")',
  () => {
    assert.equal(parseUserId('@a\uD800b:example.org'), null);
  },
);
