#!/usr/bin/env node
// A push gateway for the push tests, run as a child process (tests/helpers/push-gateway.ts): it serves
// POST /_matrix/push/v1/notify (push-gateway-api, push_notifier.yaml) on a loopback port, records every
// request, and answers as told per pushkey. It prints `{"port":N}` on stdout once listening.
//   GET  /_test/received            every notify request so far: [{ ts, status, body }]
//   POST /_test/behaviour           { pushkey, fail?: N (answer 500 N times), reject?: true }
import { createServer } from 'node:http';

const received = [];
/** pushkey → { fail: remaining 500 answers, reject } */
const behaviours = new Map();

const readBody = (request) =>
  new Promise((resolve, reject) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

const reply = (response, status, body) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

const server = createServer(async (request, response) => {
  const text = await readBody(request);
  if (request.method === 'GET' && request.url === '/_test/received') return reply(response, 200, received);
  if (request.method === 'POST' && request.url === '/_test/behaviour') {
    const { pushkey, ...behaviour } = JSON.parse(text);
    behaviours.set(pushkey, behaviour);
    return reply(response, 200, {});
  }
  if (request.method !== 'POST' || request.url !== '/_matrix/push/v1/notify') {
    return reply(response, 404, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
  }
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    received.push({ ts: Date.now(), status: 400, body: text });
    return reply(response, 400, { errcode: 'M_NOT_JSON', error: 'Not JSON' });
  }
  const pushkeys = (body?.notification?.devices ?? []).map((device) => device.pushkey);
  const failing = pushkeys.map((key) => behaviours.get(key)).find((b) => b && b.fail > 0);
  if (failing) {
    failing.fail -= 1;
    received.push({ ts: Date.now(), status: 500, body });
    return reply(response, 500, { errcode: 'M_UNKNOWN', error: 'Gateway failing on purpose' });
  }
  received.push({ ts: Date.now(), status: 200, body });
  reply(response, 200, { rejected: pushkeys.filter((key) => behaviours.get(key)?.reject === true) });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
