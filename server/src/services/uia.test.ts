import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { createFakeClock } from '../core/clock.js';
import { MatrixError } from '../core/errors.js';
import type { DeviceId, UserId } from '../core/ids.js';
import { openSqliteStorage, type SqliteStorage } from '../storage/sqlite/index.js';
import type { Requester } from './requester.js';
import { createUiaService, UiaRequiredError, type UiaChallenge, type UiaFlow, type UiaService } from './uia.js';

const TIMEOUT = 30 * 60_000;
const PASSWORD: UiaFlow[] = [{ stages: ['m.login.password'] }];
const REGISTER: UiaFlow[] = [{ stages: ['m.login.dummy'] }, { stages: ['m.login.registration_token'] }];
const alice: Requester = { userId: '@alice:hs' as UserId, deviceId: 'DEV' as DeviceId, isGuest: false, isAdmin: false, accessTokenId: 1 };

let storage: SqliteStorage;
let clock: ReturnType<typeof createFakeClock>;
let uia: UiaService;
let passwordChecks: Array<Record<string, unknown>>;

beforeEach(() => {
  storage = openSqliteStorage(':memory:', { synchronous: 'NORMAL' });
  clock = createFakeClock();
  passwordChecks = [];
  uia = createUiaService({
    store: storage.uia,
    clock,
    sessionTimeoutMs: TIMEOUT,
    verifyPassword: async (_requester, auth) => {
      passwordChecks.push(auth);
      if (auth.password === 'limit') throw new MatrixError('M_LIMIT_EXCEEDED', 'slow down');
      return auth.password === 'right';
    },
  });
});

afterEach(() => storage.close());

/** Runs authenticate and returns the 401 it throws. */
async function challenged(request: UiaChallenge): Promise<{ error: UiaRequiredError; body: Record<string, unknown> }> {
  try {
    await uia.authenticate(request);
  } catch (error) {
    assert.ok(error instanceof UiaRequiredError, `expected a UIA 401, got ${String(error)}`);
    assert.equal(error.status, 401);
    return { error, body: error.toJSON() };
  }
  assert.fail('expected a UIA challenge');
}

/** Runs authenticate and returns the plain MatrixError (not a 401 challenge) it throws. */
async function refused(request: UiaChallenge): Promise<MatrixError> {
  try {
    await uia.authenticate(request);
  } catch (error) {
    assert.ok(error instanceof MatrixError && !(error instanceof UiaRequiredError), `expected a MatrixError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an error');
}

const passwordRequest = (auth: unknown, operation = 'delete_devices:@alice:hs:X'): UiaChallenge => ({ operation, flows: PASSWORD, auth, requester: alice });

test('no auth: 401 with the flows, empty params and a new session, no error fields', async () => {
  const { body } = await challenged(passwordRequest(undefined));
  assert.deepEqual(Object.keys(body).sort(), ['flows', 'params', 'session']);
  assert.deepEqual(body.flows, PASSWORD);
  assert.deepEqual(body.params, {});
  assert.equal(typeof body.session, 'string');
  const stored = await storage.uia.getSession(body.session as string);
  assert.equal(stored?.operation, 'delete_devices:@alice:hs:X');
  assert.equal(stored?.createdTs, clock.now());
  assert.deepEqual(passwordChecks, []);
});

test('completing the only stage of a flow authorises the operation', async () => {
  const { body } = await challenged(passwordRequest(undefined));
  const session = body.session as string;
  const outcome = await uia.authenticate(passwordRequest({ type: 'm.login.password', password: 'right', session }));
  assert.deepEqual(outcome, { sessionId: session, registrationToken: null });
  assert.deepEqual((await storage.uia.getSession(session))?.completed, ['m.login.password']);
  // The session can be finished (deleted) once the operation is carried out.
  await uia.finish(session);
  assert.equal(await storage.uia.getSession(session), null);
  const reused = await refused(passwordRequest({ type: 'm.login.password', password: 'right', session }));
  assert.equal(reused.status, 400);
});

test('auth without a session is accepted in one step (a new session is made for it)', async () => {
  const outcome = await uia.authenticate(passwordRequest({ type: 'm.login.password', password: 'right' }));
  assert.equal(typeof outcome.sessionId, 'string');
});

test('a wrong password: 401 with errcode M_FORBIDDEN, the flows and the same session; a retry can succeed', async () => {
  const { body: first } = await challenged(passwordRequest(undefined));
  const session = first.session as string;
  const { body } = await challenged(passwordRequest({ type: 'm.login.password', password: 'wrong', session }));
  assert.equal(body.errcode, 'M_FORBIDDEN');
  assert.equal(typeof body.error, 'string');
  assert.deepEqual(body.flows, PASSWORD);
  assert.equal(body.session, session);
  assert.equal(body.completed, undefined);
  assert.deepEqual((await storage.uia.getSession(session))?.completed, []);
  await uia.authenticate(passwordRequest({ type: 'm.login.password', password: 'right', session }));
});

test('the password stage: missing password, no requester, and errors of the checker', async () => {
  const missing = await challenged(passwordRequest({ type: 'm.login.password' }));
  assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
  const anonymous = await challenged({ operation: 'op', flows: PASSWORD, auth: { type: 'm.login.password', password: 'right' } });
  assert.equal(anonymous.body.errcode, 'M_FORBIDDEN');
  // A rate-limit error from the checker is passed on as it is.
  const limit = await refused(passwordRequest({ type: 'm.login.password', password: 'limit' }));
  assert.equal(limit.errcode, 'M_LIMIT_EXCEEDED');
});

test('a session started for one operation can\'t complete another: 403 M_FORBIDDEN', async () => {
  const { body } = await challenged(passwordRequest(undefined, 'delete_devices:@alice:hs:A'));
  const session = body.session as string;
  const error = await refused(passwordRequest({ type: 'm.login.password', password: 'right', session }, 'delete_devices:@alice:hs:B'));
  assert.equal(error.errcode, 'M_FORBIDDEN');
  assert.equal(error.status, 403);
  assert.deepEqual(passwordChecks, [], 'the password isn\'t even checked');

  // Nor can a completed session be carried over to another operation.
  await uia.authenticate(passwordRequest({ type: 'm.login.password', password: 'right', session }, 'delete_devices:@alice:hs:A'));
  const carried = await refused(passwordRequest({ session }, 'password:@alice:hs'));
  assert.equal(carried.errcode, 'M_FORBIDDEN');
});

test('a session expires after the timeout; expire() removes it and gives back its token use', async () => {
  await storage.registrationTokens.create({ token: 'tok', usesAllowed: 1, expiryTime: null, grantsAdmin: false, now: clock.now() });
  const { body } = await challenged({ operation: 'register', flows: [{ stages: ['m.login.registration_token', 'm.login.dummy'] }], auth: undefined });
  const session = body.session as string;
  const flows: UiaFlow[] = [{ stages: ['m.login.registration_token', 'm.login.dummy'] }];
  await challenged({ operation: 'register', flows, auth: { type: 'm.login.registration_token', token: 'tok', session } });
  assert.equal((await storage.registrationTokens.get('tok'))?.pending, 1);

  clock.advance(TIMEOUT); // exactly the timeout: still valid
  await challenged({ operation: 'register', flows, auth: { session } });
  clock.advance(1);
  const expired = await refused({ operation: 'register', flows, auth: { type: 'm.login.dummy', session } });
  assert.equal(expired.status, 400);

  assert.equal(await uia.expire(), 1);
  assert.equal(await storage.uia.getSession(session), null);
  assert.equal((await storage.registrationTokens.get('tok'))?.pending, 0);
  assert.equal(await uia.expire(), 0);
});

test('multi-stage flow: each stage is recorded in `completed` until a flow is done', async () => {
  await storage.registrationTokens.create({ token: 'tok2', usesAllowed: null, expiryTime: null, grantsAdmin: false, now: clock.now() });
  const flows: UiaFlow[] = [{ stages: ['m.login.registration_token', 'm.login.dummy'] }];
  const { body: start } = await challenged({ operation: 'register', flows, auth: undefined });
  const session = start.session as string;
  const { body: mid } = await challenged({ operation: 'register', flows, auth: { type: 'm.login.registration_token', token: 'tok2', session } });
  assert.deepEqual(mid.completed, ['m.login.registration_token']);
  assert.equal(mid.errcode, undefined);
  // Polling the session without a stage repeats the state.
  const { body: poll } = await challenged({ operation: 'register', flows, auth: { session } });
  assert.deepEqual(poll.completed, ['m.login.registration_token']);
  const outcome = await uia.authenticate({ operation: 'register', flows, auth: { type: 'm.login.dummy', session } });
  assert.deepEqual(outcome, { sessionId: session, registrationToken: 'tok2' });
  // Once done, the session alone (the fallback's completion) authorises.
  assert.deepEqual(await uia.authenticate({ operation: 'register', flows, auth: { session } }), outcome);
});

test('registration token stage: invalid, missing and used-up tokens', async () => {
  await storage.registrationTokens.create({ token: 'once', usesAllowed: 1, expiryTime: null, grantsAdmin: false, now: clock.now() });
  const reg = (auth: unknown): UiaChallenge => ({ operation: 'register', flows: REGISTER, auth });
  const unknown = await challenged(reg({ type: 'm.login.registration_token', token: 'nope' }));
  assert.equal(unknown.body.errcode, 'M_UNAUTHORIZED');
  const missing = await challenged(reg({ type: 'm.login.registration_token' }));
  assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
  const tooLong = await challenged(reg({ type: 'm.login.registration_token', token: 'x'.repeat(65) }));
  assert.equal(tooLong.body.errcode, 'M_MISSING_PARAM');

  const first = await uia.authenticate(reg({ type: 'm.login.registration_token', token: 'once' }));
  assert.equal(first.registrationToken, 'once');
  const second = await challenged(reg({ type: 'm.login.registration_token', token: 'once' }));
  assert.equal(second.body.errcode, 'M_UNAUTHORIZED', 'its only use is pending in the first session');
  await uia.finish(first.sessionId);
  await uia.authenticate(reg({ type: 'm.login.registration_token', token: 'once' }));

  // The dummy flow needs nothing.
  const dummy = await uia.authenticate(reg({ type: 'm.login.dummy' }));
  assert.equal(dummy.registrationToken, null);
});

test('malformed auth: not an object → M_BAD_JSON; unknown stage → 401 M_UNRECOGNIZED; bad session → errors', async () => {
  for (const auth of ['string', 42, null, []]) {
    const error = await refused(passwordRequest(auth));
    assert.equal(error.errcode, 'M_BAD_JSON', JSON.stringify(auth));
  }
  const unknownStage = await challenged(passwordRequest({ type: 'm.login.dummy' }));
  assert.equal(unknownStage.body.errcode, 'M_UNRECOGNIZED');
  const numericType = await challenged(passwordRequest({ type: 7 }));
  assert.equal(numericType.body.errcode, 'M_UNRECOGNIZED');
  const badSession = await refused(passwordRequest({ type: 'm.login.password', password: 'right', session: 5 }));
  assert.equal(badSession.errcode, 'M_BAD_JSON');
  const unknownSession = await refused(passwordRequest({ type: 'm.login.password', password: 'right', session: 'nope' }));
  assert.equal(unknownSession.status, 400);
  assert.deepEqual(passwordChecks, []);
});
