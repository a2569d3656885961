/**
 * User-interactive authentication (UIA).
 * Spec: client-server-api "User-Interactive Authentication API" (v1.19). A session is bound to one
 * operation (e.g. `delete_devices:@alice:hs`) so it can't authorise another; it lives in the database so
 * registration-token uses it reserves survive a restart, and expires after registration.session_timeout.
 */
import type { Clock } from '../core/clock.js';
import { MatrixError } from '../core/errors.js';
import type { UiaStore } from '../storage/types.js';
import type { Requester } from './requester.js';
import { generateSessionId } from './secrets.js';

export type UiaStage = 'm.login.password' | 'm.login.registration_token' | 'm.login.dummy';

export interface UiaFlow {
  readonly stages: readonly UiaStage[];
}

export interface UiaChallenge {
  /** Identifies what is being authorised; a session started for one operation can't complete another. */
  readonly operation: string;
  readonly flows: readonly UiaFlow[];
  /** The `auth` object of the request body, as the client sent it (unvalidated). */
  readonly auth: unknown;
  /** For m.login.password: the account whose password must be given. */
  readonly requester?: Requester | undefined;
}

export interface UiaOutcome {
  readonly sessionId: string;
  /** The registration token the session holds a pending use of, if any. */
  readonly registrationToken: string | null;
}

/** The 401 "more auth needed" reply: `{flows, params, session, completed?, errcode?, error?}`. */
export class UiaRequiredError extends MatrixError {
  constructor(
    readonly body: {
      flows: readonly UiaFlow[];
      params: Record<string, unknown>;
      session: string;
      completed?: readonly string[];
    },
    failure?: MatrixError,
  ) {
    super(failure?.errcode ?? 'M_UNAUTHORIZED', failure?.message ?? 'User-interactive authentication required', {
      status: 401,
    });
    this.failed = failure !== undefined;
  }

  private readonly failed: boolean;

  override toJSON(): Record<string, unknown> {
    const body: Record<string, unknown> = { ...this.body };
    if (this.failed) Object.assign(body, { errcode: this.errcode, error: this.message }, this.extras);
    return body;
  }
}

export interface UiaDeps {
  readonly store: UiaStore;
  readonly clock: Clock;
  readonly sessionTimeoutMs: number;
  /** Checks a password stage; resolves false on a wrong password. May throw (rate limits). */
  readonly verifyPassword: (requester: Requester, auth: Record<string, unknown>) => Promise<boolean>;
}

export type UiaService = ReturnType<typeof createUiaService>;

export function createUiaService(deps: UiaDeps) {
  const challenge = (flows: readonly UiaFlow[], session: string, completed: readonly string[], failure?: MatrixError) =>
    new UiaRequiredError({ flows, params: {}, session, ...(completed.length > 0 ? { completed } : {}) }, failure);

  const isDone = (flows: readonly UiaFlow[], completed: readonly string[]) =>
    flows.some((flow) => flow.stages.every((stage) => completed.includes(stage)));

  return {
    /**
     * Runs the request's `auth` through the session's stages.
     * @returns when a flow is complete @throws UiaRequiredError (401) while stages remain, MatrixError otherwise
     */
    async authenticate(request: UiaChallenge): Promise<UiaOutcome> {
      const auth = request.auth;
      if (auth !== undefined && (typeof auth !== 'object' || auth === null || Array.isArray(auth))) {
        throw new MatrixError('M_BAD_JSON', '"auth" must be an object');
      }
      const authDict = (auth ?? {}) as Record<string, unknown>;
      const now = deps.clock.now();

      const given = authDict.session;
      if (given !== undefined && typeof given !== 'string') throw new MatrixError('M_BAD_JSON', '"auth.session" must be a string');
      let sessionId: string;
      if (typeof given === 'string') sessionId = given;
      else {
        sessionId = generateSessionId();
        await deps.store.createSession(sessionId, request.operation, now);
      }
      const session = await deps.store.getSession(sessionId);
      if (!session || session.createdTs + deps.sessionTimeoutMs < now) {
        throw new MatrixError('M_UNKNOWN', 'Unknown or expired user-interactive auth session', { status: 400 });
      }
      if (session.operation !== request.operation) {
        throw new MatrixError('M_FORBIDDEN', 'The requested operation changed during the user-interactive auth session');
      }

      let completed = session.completed;
      let registrationToken = session.registrationToken;
      const type = authDict.type;
      if (auth === undefined || type === undefined) {
        if (isDone(request.flows, completed)) return { sessionId, registrationToken };
        throw challenge(request.flows, sessionId, completed);
      }
      if (typeof type !== 'string' || !request.flows.some((flow) => flow.stages.includes(type as UiaStage))) {
        throw challenge(request.flows, sessionId, completed, new MatrixError('M_UNRECOGNIZED', `Unsupported auth type: ${String(type)}`));
      }
      if (!completed.includes(type)) {
        const failure = await runStage(type as UiaStage, authDict, sessionId, request, now);
        if (failure) throw challenge(request.flows, sessionId, completed, failure);
        completed = [...completed, type];
        if (type === 'm.login.registration_token') registrationToken = authDict.token as string;
      }
      if (isDone(request.flows, completed)) return { sessionId, registrationToken };
      throw challenge(request.flows, sessionId, completed);
    },

    /** Ends a session whose operation has been carried out (registration does this in its own transaction). */
    finish: (sessionId: string): Promise<void> => deps.store.deleteSession(sessionId),

    /** Drops expired sessions, returning their pending registration-token uses. */
    expire: (): Promise<number> => deps.store.expireSessions(deps.clock.now() - deps.sessionTimeoutMs),
  };

  async function runStage(
    type: UiaStage,
    auth: Record<string, unknown>,
    sessionId: string,
    request: UiaChallenge,
    now: number,
  ): Promise<MatrixError | null> {
    switch (type) {
      case 'm.login.dummy':
        await deps.store.completeStage(sessionId, type);
        return null;
      case 'm.login.registration_token': {
        // Spec: "Token-authenticated registration" (v1.2+).
        const token = auth.token;
        if (typeof token !== 'string' || token.length === 0 || token.length > 64) {
          return new MatrixError('M_MISSING_PARAM', 'Missing or invalid "token"');
        }
        const ok = await deps.store.completeRegistrationTokenStage(sessionId, token, now);
        return ok ? null : new MatrixError('M_UNAUTHORIZED', 'Invalid registration token');
      }
      case 'm.login.password': {
        if (!request.requester) return new MatrixError('M_FORBIDDEN', 'Password authentication needs a logged-in user');
        if (typeof auth.password !== 'string') return new MatrixError('M_MISSING_PARAM', 'Missing "password"');
        const ok = await deps.verifyPassword(request.requester, auth);
        if (!ok) return new MatrixError('M_FORBIDDEN', 'Invalid username or password');
        await deps.store.completeStage(sessionId, type);
        return null;
      }
    }
  }
}
