/**
 * The one error type a Matrix client ever sees.
 * Spec: client-server-api "Standard error response" and "Common error codes" (v1.19).
 */

/** Default HTTP status per error code, as the spec and Synapse use them. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  M_FORBIDDEN: 403,
  M_UNKNOWN_TOKEN: 401,
  M_MISSING_TOKEN: 401,
  M_USER_LOCKED: 401,
  M_USER_SUSPENDED: 403,
  M_BAD_JSON: 400,
  M_NOT_JSON: 400,
  M_NOT_FOUND: 404,
  M_LIMIT_EXCEEDED: 429,
  M_UNRECOGNIZED: 404,
  M_UNAUTHORIZED: 401,
  M_USER_DEACTIVATED: 403,
  M_USER_IN_USE: 400,
  M_INVALID_USERNAME: 400,
  M_EXCLUSIVE: 400,
  M_MISSING_PARAM: 400,
  M_INVALID_PARAM: 400,
  M_TOO_LARGE: 413,
  M_GUEST_ACCESS_FORBIDDEN: 403,
  M_THREEPID_IN_USE: 400,
  M_THREEPID_NOT_FOUND: 400,
  M_THREEPID_AUTH_FAILED: 401,
  M_THREEPID_DENIED: 403,
  M_THREEPID_MEDIUM_NOT_SUPPORTED: 400,
  M_SERVER_NOT_TRUSTED: 403,
  M_WEAK_PASSWORD: 400,
  M_PROFILE_TOO_LARGE: 400,
  M_KEY_TOO_LARGE: 400,
  M_ROOM_IN_USE: 400,
  M_INVALID_ROOM_STATE: 400,
  M_UNSUPPORTED_ROOM_VERSION: 400,
  M_INCOMPATIBLE_ROOM_VERSION: 400,
  M_BAD_ALIAS: 400,
  M_CANNOT_LEAVE_SERVER_NOTICE_ROOM: 403,
  // client-server-api "Event annotations": a second identical annotation by the same user.
  M_DUPLICATE_ANNOTATION: 400,
  M_UNKNOWN: 400,
};

export type ErrorExtras = Readonly<Record<string, unknown>>;

export class MatrixError extends Error {
  readonly errcode: string;
  readonly status: number;
  readonly extras: ErrorExtras;

  constructor(errcode: string, message: string, options: { status?: number; extras?: ErrorExtras } = {}) {
    super(message);
    this.name = 'MatrixError';
    this.errcode = errcode;
    this.status = options.status ?? STATUS_BY_CODE[errcode] ?? 400;
    this.extras = options.extras ?? {};
  }

  /** The standard error body `{errcode, error, ...extras}`. */
  toJSON(): Record<string, unknown> {
    return { errcode: this.errcode, error: this.message, ...this.extras };
  }
}

export const forbidden = (message: string): MatrixError => new MatrixError('M_FORBIDDEN', message);
export const notFound = (message: string): MatrixError => new MatrixError('M_NOT_FOUND', message);
export const badJson = (message: string): MatrixError => new MatrixError('M_BAD_JSON', message);
export const invalidParam = (message: string): MatrixError => new MatrixError('M_INVALID_PARAM', message);
export const missingParam = (message: string): MatrixError => new MatrixError('M_MISSING_PARAM', message);
export const unrecognized = (message = 'Unrecognized request', status = 404): MatrixError =>
  new MatrixError('M_UNRECOGNIZED', message, { status });
export const guestForbidden = (): MatrixError =>
  new MatrixError('M_GUEST_ACCESS_FORBIDDEN', 'Guest access is not allowed for this endpoint');

/** 429 with `retry_after_ms` (spec: "Rate limiting"). */
export const limitExceeded = (retryAfterMs: number): MatrixError =>
  new MatrixError('M_LIMIT_EXCEEDED', 'Too many requests', {
    extras: { retry_after_ms: Math.max(0, Math.ceil(retryAfterMs)) },
  });

/** 401 M_UNKNOWN_TOKEN; `soft_logout` tells the client it may refresh or re-login on the same device. */
export const unknownToken = (message: string, softLogout = false): MatrixError =>
  new MatrixError('M_UNKNOWN_TOKEN', message, { extras: { soft_logout: softLogout } });

export const missingToken = (): MatrixError => new MatrixError('M_MISSING_TOKEN', 'Missing access token');
