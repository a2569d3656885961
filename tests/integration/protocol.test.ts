// complement: TestVersionStructure, TestServerCapabilities, TestRequestEncodingFails; sytest: tests/10apidoc/04version.pl, tests/10apidoc/45server-capabilities.pl, tests/10apidoc/01request-encoding.pl
/**
 * Protocol-level behaviour of the public listener, black-box over HTTP: versions, well-known,
 * capabilities, the legacy r0 prefix, 404/405, body parsing and its errors, CORS, body size, and a
 * fuzz pass that no bad input turns into a 5xx. Spec: client-server-api "API standards", "Web Browser
 * Clients", "Server Discovery", "Capabilities negotiation" (v1.19).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestServer, type HttpResult, type RegisteredUser, type TestServer } from '../helpers/test-server.js';

const V3 = '/_matrix/client/v3';

let hs: TestServer;
let alice: RegisteredUser;

before(async () => {
  hs = await startTestServer(null, { config: { public_baseurl: 'https://matrix.hearth.test' } });
  alice = await hs.register('alice');
});
after(async () => {
  await hs.close();
});

interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** Sends bytes as they are (no client-side validation of the method, path or framing). */
function rawHttp(base: string, request: string | Buffer): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    // write, not end: a half-closed socket may be dropped before a slow reply; Connection: close ends it.
    const socket = connect(Number(url.port), url.hostname, () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n');
      const headers = new Map<string, string>();
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) });
    });
  });
}

function assertMatrixError(res: HttpResult, status: number, errcode: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body?.errcode, errcode, JSON.stringify(res.body));
  assert.equal(typeof res.body.error, 'string');
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
}

function assertCors(headers: Headers | Map<string, string>, what: string): void {
  assert.equal(headers.get('access-control-allow-origin'), '*', what);
  const methods = headers.get('access-control-allow-methods') ?? '';
  for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS']) assert.ok(methods.includes(method), `${what}: ${methods}`);
  const allowed = (headers.get('access-control-allow-headers') ?? '').toLowerCase();
  for (const header of ['x-requested-with', 'content-type', 'authorization']) assert.ok(allowed.includes(header), `${what}: ${allowed}`);
}

test('GET /_matrix/client/versions lists spec versions, without auth', async () => {
  const res = await hs.request('GET', '/_matrix/client/versions');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.ok(Array.isArray(res.body.versions));
  for (const version of res.body.versions) assert.match(version, /^(r0\.\d+\.\d+|v1\.\d+)$/);
  for (const needed of ['r0.6.1', 'v1.1', 'v1.2', 'v1.3']) assert.ok(res.body.versions.includes(needed), needed);
  assert.equal(typeof res.body.unstable_features, 'object');
  // A token, good or bad, is ignored.
  assert.equal((await hs.request('GET', '/_matrix/client/versions', { token: 'garbage' })).status, 200);
  assert.equal((await hs.request('GET', '/_matrix/client/versions', { token: alice.accessToken })).status, 200);
  assert.equal((await hs.request('GET', '/_matrix/client/versions/')).status, 200);
  const head = await fetch(new URL('/_matrix/client/versions', hs.baseUrl), { method: 'HEAD' });
  assert.equal(head.status, 200);
});

test('GET /.well-known/matrix/client announces the base URL, with CORS', async () => {
  const res = await hs.request('GET', '/.well-known/matrix/client');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(res.body, { 'm.homeserver': { base_url: 'https://matrix.hearth.test/' } });
  assertCors(res.headers, 'well-known');
});

test('without public_baseurl, well-known announces the address actually bound (port 0 resolved)', async (t) => {
  const local = await startTestServer(t);
  const res = await local.request('GET', '/.well-known/matrix/client');
  assert.equal(res.status, 200);
  assert.equal(res.body['m.homeserver'].base_url, `${local.baseUrl}/`);
  assert.notEqual(new URL(local.baseUrl).port, '0');
});

test('GET /capabilities needs auth and lists the account capabilities', async () => {
  assertMatrixError(await hs.request('GET', `${V3}/capabilities`), 401, 'M_MISSING_TOKEN');
  assertMatrixError(await hs.request('GET', `${V3}/capabilities`, { token: 'nope' }), 401, 'M_UNKNOWN_TOKEN');
  for (const prefix of [V3, '/_matrix/client/r0']) {
    const res = await hs.request('GET', `${prefix}/capabilities`, { token: alice.accessToken });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const caps = res.body.capabilities;
    assert.equal(typeof caps, 'object');
    for (const name of ['m.change_password', 'm.set_displayname', 'm.set_avatar_url', 'm.3pid_changes']) {
      assert.equal(typeof caps[name]?.enabled, 'boolean', name);
    }
    assert.equal(caps['m.change_password'].enabled, true);
    assert.equal(caps['m.3pid_changes'].enabled, false);
  }
});

test('the legacy /_matrix/client/r0 prefix serves register, login, whoami and logout', async () => {
  const r0 = '/_matrix/client/r0';
  const challenge = await hs.request('POST', `${r0}/register`, { body: { username: 'legacy', password: 'legacy password' } });
  assert.equal(challenge.status, 401);
  const token = await hs.createRegistrationToken(1);
  const registered = await hs.request('POST', `${r0}/register`, {
    body: {
      username: 'legacy',
      password: 'legacy password',
      auth: { type: 'm.login.registration_token', token, session: challenge.body.session },
    },
  });
  assert.equal(registered.status, 200, JSON.stringify(registered.body));
  assert.equal(registered.body.user_id, '@legacy:hearth.test');

  const login = await hs.request('POST', `${r0}/login`, {
    body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'legacy' }, password: 'legacy password' },
  });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const me = await hs.request('GET', `${r0}/account/whoami`, { token: login.body.access_token });
  assert.deepEqual([me.status, me.body.user_id], [200, '@legacy:hearth.test']);
  assert.equal((await hs.request('GET', `${r0}/login`)).status, 200);
  assert.equal((await hs.request('POST', `${r0}/logout`, { token: login.body.access_token })).status, 200);
  assertMatrixError(await hs.request('GET', `${r0}/account/whoami`, { token: login.body.access_token }), 401, 'M_UNKNOWN_TOKEN');
});

test('unknown endpoints are 404 M_UNRECOGNIZED, a known path with the wrong method 405 M_UNRECOGNIZED', async () => {
  for (const path of [
    `${V3}/nonexistent`,
    `${V3}/`,
    '/_matrix/client/v4/login',
    '/_matrix/client/v1/login',
    '/_matrix/client/unstable/login',
    '/_matrix/federation/v1/version',
    '/',
    '/favicon.ico',
    `${V3}/account/whoami/extra`,
  ]) {
    const res = await hs.request('GET', path, { token: alice.accessToken });
    assertMatrixError(res, 404, 'M_UNRECOGNIZED');
    assertCors(res.headers, path);
  }
  for (const [method, path] of [
    ['PUT', `${V3}/login`],
    ['DELETE', `${V3}/register`],
    ['GET', `${V3}/logout`],
    ['POST', `${V3}/account/whoami`],
    ['PATCH', `${V3}/login`],
    ['GET', `${V3}/refresh`],
    ['POST', '/_matrix/client/versions'],
    ['PUT', '/.well-known/matrix/client'],
    ['POST', `${V3}/capabilities`],
    ['DELETE', '/_matrix/client/r0/login'],
    ['POST', '/_matrix/client/v1/register/m.login.registration_token/validity'],
  ] as const) {
    const res = await hs.request(method, path, method === 'GET' ? {} : { body: {} });
    assertMatrixError(res, 405, 'M_UNRECOGNIZED');
    assertCors(res.headers, `${method} ${path}`);
  }
});

test('bodies: invalid JSON is M_NOT_JSON, the wrong shape M_BAD_JSON, missing fields M_MISSING_PARAM', async () => {
  for (const path of [`${V3}/login`, `${V3}/register`, `${V3}/refresh`]) {
    for (const raw of ['{', '{"type": "m.login.password",}', "{'a': 1}", 'not json', '{"a":1}{"b":2}', 'NaN', '\u0000']) {
      const res = await hs.request('POST', path, { rawBody: raw, headers: { 'content-type': 'application/json' } });
      assertMatrixError(res, 400, 'M_NOT_JSON');
    }
    for (const raw of ['[]', '"a string"', '42', 'true', 'null', '[{"type":"m.login.password"}]']) {
      const res = await hs.request('POST', path, { rawBody: raw, headers: { 'content-type': 'application/json' } });
      assertMatrixError(res, 400, 'M_BAD_JSON');
    }
    // No body at all where one is required.
    assertMatrixError(await hs.request('POST', path), 400, 'M_NOT_JSON');
  }
  assertMatrixError(await hs.request('POST', `${V3}/login`, { body: { type: ['m.login.password'] } }), 400, 'M_BAD_JSON');
  assertMatrixError(await hs.request('POST', `${V3}/register`, { body: { username: 5, password: 'x' } }), 400, 'M_BAD_JSON');
  assertMatrixError(await hs.request('POST', `${V3}/register`, { body: { inhibit_login: 'yes' } }), 400, 'M_BAD_JSON');
  assertMatrixError(await hs.request('POST', `${V3}/login`, { body: {} }), 400, 'M_MISSING_PARAM');
  const missing = await hs.request('POST', `${V3}/refresh`, { body: {} });
  assertMatrixError(missing, 400, 'M_MISSING_PARAM');
  assert.match(missing.body.error, /refresh_token/);
});

test('JSON is parsed whatever the Content-Type says, or with none', async () => {
  const body = JSON.stringify({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: alice.password });
  for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/json; charset=utf-8', 'nonsense']) {
    const res = await hs.request('POST', `${V3}/login`, { rawBody: body, headers: { 'content-type': contentType } });
    assert.equal(res.status, 200, `${contentType}: ${JSON.stringify(res.body)}`);
  }
  // fetch sends a string as text/plain;charset=UTF-8.
  const plain = await fetch(new URL(`${V3}/login`, hs.baseUrl), { method: 'POST', body });
  assert.equal(plain.status, 200);
  // A Buffer body carries no Content-Type at all.
  const none = await rawHttp(
    hs.baseUrl,
    `POST ${V3}/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  assert.equal(none.status, 200, none.body);
  assert.equal(JSON.parse(none.body).user_id, alice.userId);
  // A UTF-8 byte-order mark is tolerated.
  const bom = await hs.request('POST', `${V3}/login`, { rawBody: `\uFEFF${body}`, headers: { 'content-type': 'application/json' } });
  assert.equal(bom.status, 200, JSON.stringify(bom.body));
});

test('CORS headers on 200, 401, 404, 405 and 400 replies (429: login tests), and OPTIONS preflight (204) on any path', async () => {
  const replies: Array<[string, HttpResult]> = [
    ['200', await hs.request('GET', '/_matrix/client/versions')],
    ['401', await hs.request('GET', `${V3}/account/whoami`)],
    ['404', await hs.request('GET', '/no/such/path')],
    ['405', await hs.request('PUT', `${V3}/login`)],
    ['400', await hs.request('POST', `${V3}/login`, { rawBody: '{' })],
  ];
  for (const [label, res] of replies) assertCors(res.headers, label);

  for (const path of [`${V3}/login`, `${V3}/account/whoami`, `${V3}/rooms/!a:b/send/m.room.message/1`, '/anything/at/all', '/', '/.well-known/matrix/client']) {
    const res = await fetch(new URL(path, hs.baseUrl), {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.element.io',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    assert.equal(res.status, 204, path);
    assertCors(res.headers, `OPTIONS ${path}`);
    assert.equal(await res.text(), '');
  }
  // Preflight needs no token even on authenticated endpoints, and a bad one doesn't matter.
  const withBadToken = await fetch(new URL(`${V3}/account/whoami`, hs.baseUrl), { method: 'OPTIONS', headers: { authorization: 'Bearer nope' } });
  assert.equal(withBadToken.status, 204);
});

test('bodies over 1 MiB are 413 M_TOO_LARGE, with or without a Content-Length', async () => {
  const big = JSON.stringify({ type: 'm.login.password', user: 'alice', password: 'x'.repeat(1024 * 1024 + 10) });
  const res = await hs.request('POST', `${V3}/login`, { rawBody: big, headers: { 'content-type': 'application/json' } });
  assertMatrixError(res, 413, 'M_TOO_LARGE');
  assertCors(res.headers, '413');

  const chunk = 'a'.repeat(512 * 1024);
  const chunked = await rawHttp(
    hs.baseUrl,
    `POST ${V3}/register HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `${(chunk.length).toString(16)}\r\n${chunk}\r\n`.repeat(3) + '0\r\n\r\n',
  );
  assert.equal(chunked.status, 413, chunked.body);
  assert.equal(JSON.parse(chunked.body).errcode, 'M_TOO_LARGE');

  // Just under the limit is read (and then judged on its content).
  const fits = JSON.stringify({ type: 'm.login.password', user: 'alice', password: 'x'.repeat(1000 * 1000) });
  const under = await hs.request('POST', `${V3}/login`, { rawBody: fits, headers: { 'content-type': 'application/json' } });
  assertMatrixError(under, 403, 'M_FORBIDDEN');
});

test('malformed HTTP and URLs get Matrix errors, never a bare framework body', async () => {
  const cases: Array<[string, string | Buffer, number]> = [
    ['bad percent-encoding in the path', `GET ${V3}/profile/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 400],
    ['a path parameter over the router limit', `GET ${V3}/profile/@${'a'.repeat(2000)}:hearth.test HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 414],
    ['headers over the limit', `GET ${V3}/${'a'.repeat(20000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 431],
    ['not HTTP', 'HELLO\r\n\r\n', 400],
    ['an unknown method', 'FROB /_matrix/client/versions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 400],
    ['a bad Content-Length', `POST ${V3}/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n{}`, 400],
  ];
  for (const [label, request, status] of cases) {
    const res = await rawHttp(hs.baseUrl, request);
    assert.equal(res.status, status, `${label}: ${res.body}`);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/, label);
    const body = JSON.parse(res.body) as { errcode?: unknown; error?: unknown };
    assert.equal(typeof body.errcode, 'string', `${label}: ${res.body}`);
    assert.equal(typeof body.error, 'string', label);
  }
});

/** Requests that must all be refused cleanly: status below 500 and a Matrix error body. */
function fuzzCases(token: string, userId: string): Array<{ method: string; path: string; body?: unknown; raw?: string; token?: string }> {
  const me = encodeURIComponent(userId);
  // A lone surrogate can't be percent-encoded as UTF-8: send the bytes it would have been (invalid UTF-8).
  const enc = (text: string): string => {
    try {
      return encodeURIComponent(text);
    } catch {
      return '%ED%A0%80';
    }
  };
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  const weirdStrings = ['', '\u0000', '\uD800', '\uFFFF', '@', ':', '@:', '@a:b:c', '!room:x', '$event', '../../etc/passwd', '%00', 'a'.repeat(5000), '😀'.repeat(100), '<script>', 'null', '__proto__', 'constructor'];
  const cases: Array<{ method: string; path: string; body?: unknown; raw?: string; token?: string }> = [];
  for (const s of weirdStrings) {
    cases.push({ method: 'POST', path: `${V3}/login`, body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: s }, password: s } });
    cases.push({ method: 'POST', path: `${V3}/login`, body: { type: s, user: s, password: 'x' } });
    cases.push({ method: 'POST', path: `${V3}/register`, body: { username: s, password: 'a good password' } });
    cases.push({ method: 'POST', path: `${V3}/register`, body: { username: 'fuzzer', password: 'pw', auth: { type: 'm.login.registration_token', token: s, session: s } } });
    cases.push({ method: 'GET', path: `${V3}/register/available?username=${enc(s)}` });
    cases.push({ method: 'POST', path: `${V3}/refresh`, body: { refresh_token: s } });
    cases.push({ method: 'GET', path: `${V3}/profile/${enc(s)}` });
    cases.push({ method: 'GET', path: `${V3}/devices/${enc(s)}`, token });
    cases.push({ method: 'GET', path: `${V3}/account/whoami?access_token=${enc(s)}` });
  }
  cases.push(
    { method: 'POST', path: `${V3}/register`, body: { auth: 'a string' } },
    { method: 'POST', path: `${V3}/register`, body: { auth: [] } },
    { method: 'POST', path: `${V3}/register`, body: { auth: { session: 5 } } },
    { method: 'POST', path: `${V3}/register`, body: { auth: { type: 5 } } },
    { method: 'POST', path: `${V3}/register`, body: { auth: { type: null, session: null } } },
    { method: 'POST', path: `${V3}/register`, body: { username: 'fuzzer', password: 'pw', auth: { type: 'm.login.password', password: 'x' } } },
    { method: 'POST', path: `${V3}/register`, body: { device_id: 'd'.repeat(600), username: 'fuzzer', password: 'pw' } },
    { method: 'POST', path: `${V3}/register?kind=guest`, body: { refresh_token: 'yes' } },
    { method: 'POST', path: `${V3}/register?kind=guest&kind=user`, body: {} },
    { method: 'POST', path: `${V3}/register?kind=`, body: {} },
    { method: 'POST', path: `${V3}/register`, raw: `{"auth":${deep(100_000)}}` },
    { method: 'POST', path: `${V3}/login`, raw: `{"identifier":${deepObject(100_000)}}` },
    { method: 'POST', path: `${V3}/login`, raw: '{"__proto__":{"type":"m.login.password"},"user":"alice","password":"x"}' },
    { method: 'POST', path: `${V3}/login`, raw: '{"type":"m.login.password","constructor":{"prototype":{"polluted":1}},"user":"alice","password":"x"}' },
    { method: 'POST', path: `${V3}/login`, body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: 'x', device_id: '' } },
    { method: 'POST', path: `${V3}/login`, body: { type: 'm.login.password', identifier: null, password: 'x' } },
    { method: 'POST', path: `${V3}/login`, body: { type: 'm.login.password', identifier: [], password: 'x' } },
    { method: 'POST', path: `${V3}/login`, body: { type: 'm.login.password', identifier: { type: 'm.id.thirdparty' }, password: 'x' } },
    { method: 'POST', path: `${V3}/login`, body: { type: 'm.login.password', user: 'alice', password: 'x', initial_device_display_name: 'n'.repeat(600) } },
    { method: 'POST', path: `${V3}/login`, raw: '{"type":"m.login.password","user":"alice","password":"x","refresh_token":1e999}' },
    { method: 'GET', path: `${V3}/register/available` },
    { method: 'GET', path: `${V3}/register/available?username[]=a` },
    { method: 'GET', path: `${V3}/register/available?username=a&username=b` },
    { method: 'GET', path: '/_matrix/client/v1/register/m.login.registration_token/validity?token=a&token=b' },
    { method: 'GET', path: `${V3}/account/whoami`, token: 'a'.repeat(10_000) },
    { method: 'GET', path: `${V3}/account/whoami?access_token=a&access_token=b` },
    { method: 'POST', path: `${V3}/account/password`, token, body: { new_password: 5 } },
    { method: 'POST', path: `${V3}/account/password`, token, body: { new_password: 'new password', auth: 'x' } },
    { method: 'POST', path: `${V3}/account/password`, token, body: { new_password: 'new password', auth: { type: 'm.login.password', session: 'nope' } } },
    { method: 'POST', path: `${V3}/account/password`, token, body: { new_password: 'new password', auth: { type: 'm.login.password', password: 5 } } },
    { method: 'POST', path: `${V3}/account/password`, token, body: { new_password: 'new password', auth: { type: 'm.login.password', identifier: 'x', password: 'y' } } },
    { method: 'POST', path: `${V3}/account/password`, token, body: { new_password: 'new password', auth: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 5 }, password: 'y' } } },
    { method: 'POST', path: `${V3}/account/deactivate`, token, body: { auth: [] } },
    { method: 'POST', path: `${V3}/account/deactivate`, token, body: { auth: { type: 'm.login.password', user: '@bob:hearth.test', password: 'x' } } },
    { method: 'POST', path: `${V3}/account/deactivate`, token, raw: 'null' },
    { method: 'POST', path: `${V3}/delete_devices`, token, body: { devices: [1, 2] } },
    { method: 'POST', path: `${V3}/delete_devices`, token, body: { devices: 'all' } },
    { method: 'POST', path: `${V3}/delete_devices`, token, body: { devices: Array.from({ length: 2000 }, (_, i) => `D${i}`) } },
    { method: 'DELETE', path: `${V3}/devices/NOPE`, token, body: { auth: 'x' } },
    { method: 'DELETE', path: `${V3}/devices/NOPE`, token, raw: '[]' },
    { method: 'PUT', path: `${V3}/devices/NOPE`, token, body: { display_name: 'x' } },
    { method: 'PUT', path: `${V3}/devices/NOPE`, token, body: { display_name: 5 } },
    { method: 'PUT', path: `${V3}/profile/${me}/displayname`, token, body: { displayname: 5 } },
    { method: 'PUT', path: `${V3}/profile/${me}/displayname`, token, body: {} },
    { method: 'PUT', path: `${V3}/profile/${me}/avatar_url`, token, body: { avatar_url: 'http://evil' } },
    { method: 'PUT', path: `${V3}/profile/${me}/Not-A-Key`, token, body: { 'Not-A-Key': 1 } },
    { method: 'PUT', path: `${V3}/profile/${me}/${'k'.repeat(300)}`, token, body: {} },
    { method: 'PUT', path: `${V3}/profile/${encodeURIComponent('@bob:hearth.test')}/displayname`, token, body: { displayname: 'x' } },
    { method: 'PUT', path: `${V3}/profile/${encodeURIComponent('@a:other.example')}/displayname`, token, body: { displayname: 'x' } },
    { method: 'PUT', path: `${V3}/profile/not-an-id/displayname`, token, body: { displayname: 'x' } },
    { method: 'PUT', path: `${V3}/profile/${me}/displayname`, token, raw: '"x"' },
    { method: 'GET', path: `${V3}/profile/${encodeURIComponent('@nobody:hearth.test')}/displayname` },
    { method: 'GET', path: `${V3}/profile/${encodeURIComponent('@a:other.example')}` },
    { method: 'DELETE', path: `${V3}/profile/${me}/not a key`, token },
    { method: 'GET', path: `${V3}/capabilities?access_token=` },
    { method: 'POST', path: `${V3}/logout/all`, token: 'invalid' },
    { method: 'POST', path: `${V3}/account/3pid/add`, token, body: { sid: 1 } },
    { method: 'POST', path: `${V3}/account/3pid/email/requestToken`, body: { email: 5 } },
    { method: 'POST', path: `${V3}/register/email/requestToken`, raw: '{' },
  );
  return cases;
}

test('fuzz: no malformed body, path or parameter produces a 5xx, and every refusal is a Matrix error', async () => {
  const victim = await hs.register('victim');
  const cases = fuzzCases(victim.accessToken, victim.userId);
  assert.ok(cases.length > 100);
  const failures: string[] = [];
  for (const c of cases) {
    const res = await hs.request(c.method, c.path, {
      ...(c.body !== undefined ? { body: c.body } : {}),
      ...(c.raw !== undefined ? { rawBody: c.raw, headers: { 'content-type': 'application/json' } } : {}),
      ...(c.token !== undefined ? { token: c.token } : {}),
    });
    const label = `${c.method} ${c.path.slice(0, 120)} ${(c.raw ?? JSON.stringify(c.body) ?? '').slice(0, 120)}`;
    // A 401 UIA challenge (flows, no errcode) is a fine answer to a well-formed registration.
    const challenge = res.status === 401 && Array.isArray(res.body?.flows);
    if (res.status >= 500) failures.push(`${label} → ${res.status} ${JSON.stringify(res.body)}`);
    else if (res.status >= 400 && !challenge && (typeof res.body !== 'object' || typeof res.body?.errcode !== 'string')) {
      failures.push(`${label} → ${res.status} without errcode: ${JSON.stringify(res.body)}`);
    }
  }
  assert.deepEqual(failures, []);

  // The stored accounts survive all of it.
  const login = await hs.login('victim', victim.password);
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const again = await hs.login('alice', alice.password);
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal((await hs.request('GET', `${V3}/account/whoami`, { token: alice.accessToken })).status, 200);
  assert.equal((await hs.hs.storage.users.getUser(victim.userId as never))?.deactivated, false);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
