// OpenID black-box over HTTP (spec client-server "OpenID", server-server openid/userinfo): request a token for
// yourself, exchange it at the federation userinfo endpoint without any Authorization, expiry, unknown and
// malformed tokens, other users. Plus matrix-js-sdk's getOpenIdToken.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, test } from 'node:test';
import { loadSdk, startClient, type Sdk } from '../helpers/js-sdk.js';
import { enc, V3 } from '../helpers/room-client.js';
import { startTestServer, type RegisteredUser, type TestServer } from '../helpers/test-server.js';

let sdk: Sdk;
before(async () => {
  sdk = await loadSdk();
});

const USERINFO = '/_matrix/federation/v1/openid/userinfo';

const requestToken = (hs: TestServer, who: RegisteredUser, userId = who.userId, body: unknown = {}) =>
  hs.request('POST', `${V3}/user/${enc(userId)}/openid/request_token`, { token: who.accessToken, body });

const userInfo = (hs: TestServer, token: string, headers: Record<string, string> = {}) =>
  hs.request('GET', `${USERINFO}?access_token=${enc(token)}`, { headers });

// sytest: Can generate a openid access_token that can be exchanged for information about a user
test('a token for yourself is exchanged for your user ID at userinfo, with no Authorization needed', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const reply = await requestToken(hs, alice);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  assert.deepEqual(Object.keys(reply.body).sort(), ['access_token', 'expires_in', 'matrix_server_name', 'token_type']);
  assert.equal(reply.body.token_type, 'Bearer');
  assert.equal(reply.body.matrix_server_name, 'hearth.test');
  assert.equal(reply.body.expires_in, 3600);
  assert.ok(reply.body.access_token.length >= 32);

  const info = await userInfo(hs, reply.body.access_token);
  assert.equal(info.status, 200, JSON.stringify(info.body));
  assert.deepEqual(info.body, { sub: alice.userId });
  // An Authorization header (even a bogus one) is not looked at: the query token is the credential.
  assert.deepEqual((await userInfo(hs, reply.body.access_token, { authorization: 'Bearer nonsense' })).body, { sub: alice.userId });

  // Each request gives a new token; both work. Stored hashed only.
  const second = await requestToken(hs, alice);
  assert.notEqual(second.body.access_token, reply.body.access_token);
  assert.equal((await userInfo(hs, second.body.access_token)).status, 200);
  const rows = hs.hs.storage.db.prepare('SELECT token_hash, user_id FROM openid_tokens').all() as Array<{ token_hash: Buffer; user_id: string }>;
  assert.equal(rows.length, 2);
  const digest = createHash('sha256').update(reply.body.access_token).digest();
  assert.ok(rows.some((row) => row.token_hash.equals(digest) && row.user_id === alice.userId));
  assert.ok(!JSON.stringify(rows).includes(reply.body.access_token));
});

// sytest: Invalid openid access tokens are rejected
test('userinfo: unknown, expired, missing tokens and client access tokens are 401', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const unknown = await userInfo(hs, 'hoi_not-a-real-token');
  assert.equal(unknown.status, 401);
  assert.equal(unknown.body.errcode, 'M_UNKNOWN_TOKEN');
  // A client access token is not an OpenID token.
  assert.equal((await userInfo(hs, alice.accessToken)).status, 401);
  const missing = await hs.request('GET', USERINFO);
  assert.equal(missing.status, 401);
  assert.equal(missing.body.errcode, 'M_MISSING_TOKEN');

  // Expired: move its expiry into the past in the SQLite file.
  const token = (await requestToken(hs, alice)).body.access_token as string;
  assert.equal((await userInfo(hs, token)).status, 200);
  hs.hs.storage.db.prepare('UPDATE openid_tokens SET expires_ts = ?').run(Date.now() - 1);
  const expired = await userInfo(hs, token);
  assert.equal(expired.status, 401);
  assert.equal(expired.body.errcode, 'M_UNKNOWN_TOKEN');
  // Expired rows are cleared when the next token is issued.
  await requestToken(hs, alice);
  assert.equal((hs.hs.storage.db.prepare('SELECT count(*) AS n FROM openid_tokens').get() as { n: number }).n, 1);
});

test('request_token: only for yourself, authenticated, with a JSON object body; the OpenID token is no access token', async (t) => {
  const hs = await startTestServer(t);
  const alice = await hs.register('alice');
  const bob = await hs.register('bob');
  const other = await requestToken(hs, alice, bob.userId);
  assert.equal(other.status, 403);
  assert.equal(other.body.errcode, 'M_FORBIDDEN');
  const noToken = await hs.request('POST', `${V3}/user/${enc(alice.userId)}/openid/request_token`, { body: {} });
  assert.equal(noToken.status, 401);
  const notObject = await requestToken(hs, alice, alice.userId, [1]);
  assert.equal(notObject.status, 400);

  const token = (await requestToken(hs, alice)).body.access_token as string;
  // "It cannot be used to request another OpenID access token or call /sync."
  const asAccess = await hs.request('GET', `${V3}/account/whoami`, { token });
  assert.equal(asAccess.status, 401);
  assert.equal(asAccess.body.errcode, 'M_UNKNOWN_TOKEN');

  // A deactivated account's tokens stop vouching for it.
  const first = await hs.request('POST', `${V3}/account/deactivate`, { token: alice.accessToken, body: {} });
  const auth = { type: 'm.login.password', identifier: { type: 'm.id.user', user: alice.userId }, password: alice.password, session: first.body.session };
  assert.equal((await hs.request('POST', `${V3}/account/deactivate`, { token: alice.accessToken, body: { auth } })).status, 200);
  assert.equal((await userInfo(hs, token)).status, 401);
});

test('matrix-js-sdk getOpenIdToken round trip', async (t) => {
  const hs = await startTestServer(t);
  const client = await startClient(sdk, hs, 'alice');
  t.after(() => client.stopClient());
  const token = await client.getOpenIdToken();
  assert.equal(token.matrix_server_name, 'hearth.test');
  const info = await userInfo(hs, token.access_token);
  assert.deepEqual(info.body, { sub: client.getUserId() });
});
