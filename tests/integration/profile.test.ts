// complement: TestProfileDisplayName, TestProfileAvatarURL; sytest: tests/10apidoc/20profile-displayname.pl, 21profile-avatar_url.pl
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer, type RegisteredUser, type TestServer } from '../helpers/test-server.js';

const V3 = '/_matrix/client/v3';
const profilePath = (userId: string, key?: string) =>
  `${V3}/profile/${encodeURIComponent(userId)}${key === undefined ? '' : `/${encodeURIComponent(key)}`}`;

async function put(hs: TestServer, user: RegisteredUser, key: string, body: unknown, target = user.userId) {
  return hs.request('PUT', profilePath(target, key), { token: user.accessToken, body });
}

test('a new account\'s profile has its localpart as display name, readable without a token', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');

  const whole = await hs.request('GET', profilePath(alice.userId));
  assert.equal(whole.status, 200, JSON.stringify(whole.body));
  assert.deepEqual(whole.body, { displayname: 'alice' });

  const field = await hs.request('GET', profilePath(alice.userId, 'displayname'));
  assert.equal(field.status, 200);
  assert.deepEqual(field.body, { displayname: 'alice' });

  // An unset field is 404, as is an unknown user.
  const avatar = await hs.request('GET', profilePath(alice.userId, 'avatar_url'));
  assert.equal(avatar.status, 404);
  assert.equal(avatar.body.errcode, 'M_NOT_FOUND');
  const nobody = await hs.request('GET', profilePath('@nobody:hearth.test'));
  assert.equal(nobody.status, 404);
  assert.equal(nobody.body.errcode, 'M_NOT_FOUND');
  const nobodyField = await hs.request('GET', profilePath('@nobody:hearth.test', 'displayname'));
  assert.equal(nobodyField.status, 404);
  assert.equal(nobodyField.body.errcode, 'M_NOT_FOUND');

  // With a (valid) token it reads the same; the r0 prefix serves it too.
  const authed = await hs.request('GET', profilePath(alice.userId), { token: alice.accessToken });
  assert.deepEqual(authed.body, { displayname: 'alice' });
  const r0 = await hs.request('GET', `/_matrix/client/r0/profile/${encodeURIComponent(alice.userId)}/displayname`);
  assert.deepEqual(r0.body, { displayname: 'alice' });
});

test('PUT /profile/{userId}/displayname sets my name, and it is publicly readable', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const set = await put(hs, alice, 'displayname', { displayname: 'Alice Margatroid' });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.deepEqual(set.body, {});
  const got = await hs.request('GET', profilePath(alice.userId, 'displayname'));
  assert.deepEqual(got.body, { displayname: 'Alice Margatroid' });

  // Unicode display names are stored exactly.
  await put(hs, alice, 'displayname', { displayname: 'Алиса 🐇' });
  assert.deepEqual((await hs.request('GET', profilePath(alice.userId))).body, { displayname: 'Алиса 🐇' });

  const notString = await put(hs, alice, 'displayname', { displayname: 42 });
  assert.equal(notString.status, 400);
  assert.equal(typeof notString.body.errcode, 'string');
  const tooLong = await put(hs, alice, 'displayname', { displayname: 'x'.repeat(257) });
  assert.equal(tooLong.status, 400);
  assert.deepEqual((await hs.request('GET', profilePath(alice.userId))).body, { displayname: 'Алиса 🐇' });
});

test('avatar_url must be an mxc:// URI', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const mxc = 'mxc://hearth.test/SDGdghriugerRg';
  const set = await put(hs, alice, 'avatar_url', { avatar_url: mxc });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.deepEqual((await hs.request('GET', profilePath(alice.userId, 'avatar_url'))).body, { avatar_url: mxc });
  assert.deepEqual((await hs.request('GET', profilePath(alice.userId))).body, { displayname: 'alice', avatar_url: mxc });

  for (const bad of ['https://example.com/a.png', 'mxc://', 'mxc://server', 'mxc://server/id/extra', 'javascript:alert(1)', 42]) {
    const res = await put(hs, alice, 'avatar_url', { avatar_url: bad });
    assert.equal(res.status, 400, `${JSON.stringify(bad)} → ${res.status}`);
    assert.ok(['M_INVALID_PARAM', 'M_BAD_JSON'].includes(res.body.errcode as string), JSON.stringify(res.body));
  }
  assert.deepEqual((await hs.request('GET', profilePath(alice.userId, 'avatar_url'))).body, { avatar_url: mxc });
});

test('m.tz and custom namespaced keys: set, read, delete', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');

  assert.equal((await put(hs, alice, 'm.tz', { 'm.tz': 'Europe/London' })).status, 200);
  const job = { title: 'Engineer', since: 2019, remote: true };
  const setJob = await put(hs, alice, 'org.example.job', { 'org.example.job': job });
  assert.equal(setJob.status, 200, JSON.stringify(setJob.body));

  assert.deepEqual((await hs.request('GET', profilePath(alice.userId, 'm.tz'))).body, { 'm.tz': 'Europe/London' });
  assert.deepEqual((await hs.request('GET', profilePath(alice.userId, 'org.example.job'))).body, { 'org.example.job': job });
  assert.deepEqual((await hs.request('GET', profilePath(alice.userId))).body, {
    displayname: 'alice',
    'm.tz': 'Europe/London',
    'org.example.job': job,
  });

  // Any JSON value is allowed for a custom key; m.tz must be a string.
  assert.equal((await put(hs, alice, 'org.example.count', { 'org.example.count': 3 })).status, 200);
  const badTz = await put(hs, alice, 'm.tz', { 'm.tz': 1 });
  assert.equal(badTz.status, 400);

  const del = await hs.request('DELETE', profilePath(alice.userId, 'org.example.job'), { token: alice.accessToken });
  assert.equal(del.status, 200, JSON.stringify(del.body));
  assert.deepEqual(del.body, {});
  const gone = await hs.request('GET', profilePath(alice.userId, 'org.example.job'));
  assert.equal(gone.status, 404);
  assert.equal(gone.body.errcode, 'M_NOT_FOUND');

  // Spec: 200 "The profile field was deleted or it doesn't exist."
  const again = await hs.request('DELETE', profilePath(alice.userId, 'org.example.job'), { token: alice.accessToken });
  assert.equal(again.status, 200);

  // displayname can be deleted too.
  assert.equal((await hs.request('DELETE', profilePath(alice.userId, 'displayname'), { token: alice.accessToken })).status, 200);
  assert.deepEqual((await hs.request('GET', profilePath(alice.userId))).body, { 'm.tz': 'Europe/London', 'org.example.count': 3 });
});

test('a null value is stored as null, not treated as a deletion', async (t) => {
  // Spec: "Servers MAY reject null values. Servers that accept null values SHOULD store them rather than
  // treating null as a deletion request."
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  assert.equal((await put(hs, alice, 'org.example.job', { 'org.example.job': 'Engineer' })).status, 200);
  const setNull = await put(hs, alice, 'org.example.job', { 'org.example.job': null });
  assert.equal(setNull.status, 200, JSON.stringify(setNull.body));
  const after = await hs.request('GET', profilePath(alice.userId, 'org.example.job'));
  assert.equal(after.status, 200);
  assert.deepEqual(after.body, { 'org.example.job': null });
  assert.deepEqual((await hs.request('GET', profilePath(alice.userId))).body, { displayname: 'alice', 'org.example.job': null });
  // The defined keys have string values: null is refused there.
  const nullName = await put(hs, alice, 'displayname', { displayname: null });
  assert.equal(nullName.status, 400);
});

test('invalid key names → 400 M_INVALID_PARAM; over 255 bytes → M_KEY_TOO_LARGE', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  for (const key of ['job', 'Org.example.job', 'org..job', 'org.example.', '.org.example', 'org.Example', '1org.example', 'org.ex-ample']) {
    const res = await put(hs, alice, key, { [key]: 'x' });
    assert.equal(res.status, 400, `${key} → ${res.status} ${JSON.stringify(res.body)}`);
    assert.equal(res.body.errcode, 'M_INVALID_PARAM', key);
    const get = await hs.request('GET', profilePath(alice.userId, key));
    assert.equal(get.status, 400, `GET ${key}`);
    assert.equal(get.body.errcode, 'M_INVALID_PARAM');
    const del = await hs.request('DELETE', profilePath(alice.userId, key), { token: alice.accessToken });
    assert.equal(del.status, 400, `DELETE ${key}`);
    assert.equal(del.body.errcode, 'M_INVALID_PARAM');
  }

  const longKey = `org.example.${'k'.repeat(244)}`; // 256 bytes
  assert.equal(Buffer.byteLength(longKey), 256);
  const tooLarge = await put(hs, alice, longKey, { [longKey]: 'x' });
  assert.equal(tooLarge.status, 400, JSON.stringify(tooLarge.body));
  assert.equal(tooLarge.body.errcode, 'M_KEY_TOO_LARGE');

  const maxKey = `org.example.${'k'.repeat(243)}`; // exactly 255 bytes: allowed
  const ok = await put(hs, alice, maxKey, { [maxKey]: 'x' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

test('a profile over 64 KiB → M_PROFILE_TOO_LARGE; the previous value stays', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const chunk = 'x'.repeat(30 * 1024);
  assert.equal((await put(hs, alice, 'org.example.a', { 'org.example.a': chunk })).status, 200);
  assert.equal((await put(hs, alice, 'org.example.b', { 'org.example.b': chunk })).status, 200);
  const tooBig = await put(hs, alice, 'org.example.c', { 'org.example.c': chunk });
  assert.equal(tooBig.status, 400, JSON.stringify(tooBig.body).slice(0, 200));
  assert.equal(tooBig.body.errcode, 'M_PROFILE_TOO_LARGE');
  assert.equal((await hs.request('GET', profilePath(alice.userId, 'org.example.c'))).status, 404);

  // Replacing a field counts its new size, not old + new.
  const replace = await put(hs, alice, 'org.example.b', { 'org.example.b': chunk.slice(1) });
  assert.equal(replace.status, 200, JSON.stringify(replace.body).slice(0, 200));
  // Multi-byte characters count as bytes, not characters.
  const emoji = '🐇'.repeat(2 * 1024); // 8 KiB of UTF-8 in 4 K UTF-16 units
  const bytes = await put(hs, alice, 'org.example.c', { 'org.example.c': emoji });
  assert.equal(bytes.status, 400);
  assert.equal(bytes.body.errcode, 'M_PROFILE_TOO_LARGE');
});

test('concurrent writes can\'t together push the profile over 64 KiB', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const chunk = 'y'.repeat(40 * 1024);
  const results = await Promise.all(
    ['org.example.one', 'org.example.two', 'org.example.three'].map((key) => put(hs, alice, key, { [key]: chunk })),
  );
  assert.deepEqual(results.map((r) => r.status).sort(), [200, 400, 400]);
  const profile = await hs.request('GET', profilePath(alice.userId));
  assert.ok(Buffer.byteLength(JSON.stringify(profile.body)) < 64 * 1024);
});

test('a body without the key → M_MISSING_PARAM; no body or a non-object body → 400', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const missing = await put(hs, alice, 'displayname', { avatar_url: 'mxc://hearth.test/abc' });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
  const empty = await put(hs, alice, 'org.example.job', {});
  assert.equal(empty.status, 400);
  assert.equal(empty.body.errcode, 'M_MISSING_PARAM');

  const noBody = await hs.request('PUT', profilePath(alice.userId, 'displayname'), { token: alice.accessToken });
  assert.equal(noBody.status, 400);
  assert.equal(noBody.body.errcode, 'M_NOT_JSON');
  const notJson = await hs.request('PUT', profilePath(alice.userId, 'displayname'), {
    token: alice.accessToken,
    rawBody: '{"displayname": ',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(notJson.status, 400);
  assert.equal(notJson.body.errcode, 'M_NOT_JSON');
  const array = await put(hs, alice, 'displayname', ['x']);
  assert.equal(array.status, 400);
  assert.equal(array.body.errcode, 'M_BAD_JSON');
});

test('nobody may change or delete another user\'s profile; writes need a token', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const bob = await hs.register('bob');

  const setOther = await put(hs, alice, 'displayname', { displayname: 'Bob is mine' }, bob.userId);
  assert.equal(setOther.status, 403, JSON.stringify(setOther.body));
  assert.equal(setOther.body.errcode, 'M_FORBIDDEN');
  const delOther = await hs.request('DELETE', profilePath(bob.userId, 'displayname'), { token: alice.accessToken });
  assert.equal(delOther.status, 403);
  assert.equal(delOther.body.errcode, 'M_FORBIDDEN');
  assert.deepEqual((await hs.request('GET', profilePath(bob.userId))).body, { displayname: 'bob' });

  const anonymous = await hs.request('PUT', profilePath(alice.userId, 'displayname'), { body: { displayname: 'x' } });
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.errcode, 'M_MISSING_TOKEN');
  const badToken = await hs.request('PUT', profilePath(alice.userId, 'displayname'), { token: 'hat_nope', body: { displayname: 'x' } });
  assert.equal(badToken.status, 401);
  assert.equal(badToken.body.errcode, 'M_UNKNOWN_TOKEN');
  // An invalid token on a public GET is still an error (spec: a given token must be valid).
  const badRead = await hs.request('GET', profilePath(alice.userId), { token: 'hat_nope' });
  assert.equal(badRead.status, 401);
  assert.equal(badRead.body.errcode, 'M_UNKNOWN_TOKEN');
});

test('unknown local users are 404, malformed user IDs 400, other servers\' users 404', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const unknown = await hs.request('GET', profilePath('@ghost:hearth.test'));
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errcode, 'M_NOT_FOUND');
  const remote = await hs.request('GET', profilePath('@bob:elsewhere.example'));
  assert.equal(remote.status, 404);
  for (const bad of ['alice', '@alice', '@alice:', '@alice:bad server']) {
    const res = await hs.request('GET', profilePath(bad));
    assert.equal(res.status, 400, `${bad} → ${res.status}`);
    assert.equal(res.body.errcode, 'M_INVALID_PARAM');
  }
  // Setting a field of a non-existent local user is refused (it isn't the requester).
  const ghost = await put(hs, alice, 'displayname', { displayname: 'boo' }, '@ghost:hearth.test');
  assert.equal(ghost.status, 403);
});
