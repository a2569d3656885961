/**
 * One error handler for every surface: MatrixError as the spec's error body, fastify's own errors
 * (validation, bad JSON, size) as their Matrix equivalents, and anything else as a sanitised 500
 * (CONVENTIONS rule 7). Plus 404/405 M_UNRECOGNIZED for unknown endpoints and wrong methods.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay from 'find-my-way';
import { MatrixError, unrecognized } from '../core/errors.js';
import type { TypedApp } from './types.js';

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

function fromValidation(error: FastifyError, request: FastifyRequest): MatrixError {
  const issues = (error.validation ?? []) as ValidationIssue[];
  const context = error.validationContext ?? 'body';
  if (context === 'body' && request.body === undefined) return new MatrixError('M_NOT_JSON', 'Content not JSON.');
  const first = issues[0];
  const where = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : '';
  if (first?.keyword === 'required') {
    // TypeBox names them in `requiredProperties` (a list), Ajv in `missingProperty`.
    const listed = first.params?.requiredProperties;
    const missing = Array.isArray(listed) ? listed.join(', ') : first.params?.missingProperty;
    const name = [where, String(missing ?? '')].filter((part) => part.length > 0).join('.');
    return new MatrixError('M_MISSING_PARAM', `Missing ${context === 'body' ? 'property' : 'parameter'}: ${name}`);
  }
  const message = `Invalid ${context}${where ? ` "${where}"` : ''}: ${first?.message ?? 'invalid value'}`;
  return new MatrixError(context === 'body' ? 'M_BAD_JSON' : 'M_INVALID_PARAM', message);
}

export function toMatrixError(error: FastifyError | MatrixError | Error, request: FastifyRequest): MatrixError | null {
  if (error instanceof MatrixError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return fromValidation(fastifyError, request);
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new MatrixError('M_NOT_JSON', 'Content not JSON.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new MatrixError('M_TOO_LARGE', 'Request body too large', { status: 413 });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new MatrixError('M_UNKNOWN', 'Unsupported content type', { status: 415 });
  }
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) return new MatrixError('M_UNKNOWN', fastifyError.message, { status });
  return null;
}

export function sendMatrixError(reply: FastifyReply, error: MatrixError): FastifyReply {
  const retryAfterMs = error.extras.retry_after_ms;
  // Spec v1.10+: the Retry-After header (seconds) alongside the deprecated retry_after_ms.
  if (typeof retryAfterMs === 'number') reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  return reply.status(error.status).send(error.toJSON());
}

/** Installs the error handler and the 404/405 handler on the root app. */
export function installErrorHandling(app: TypedApp): void {
  // A method-agnostic copy of the routing table, to tell "no such endpoint" from "wrong method".
  const paths = FindMyWay();
  const seen = new Set<string>();
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*') || seen.has(route.url)) return;
    seen.add(route.url);
    paths.on('GET', route.url, () => undefined);
  });

  app.setErrorHandler((error, request, reply) => {
    const matrixError = toMatrixError(error as FastifyError, request);
    if (matrixError) {
      request.log.debug({ errcode: matrixError.errcode, status: matrixError.status }, 'request failed');
      return sendMatrixError(reply, matrixError);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendMatrixError(reply, new MatrixError('M_UNKNOWN', 'Internal server error', { status: 500 }));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const known = paths.find('GET', path) !== null;
    return sendMatrixError(reply, known ? unrecognized('Unrecognized request', 405) : unrecognized());
  });
}
