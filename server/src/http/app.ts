/**
 * Builds a fastify app the way every Hearth listener needs it: TypeBox schemas (bodies not coerced,
 * query and path parameters coerced), JSON bodies whatever the content type, Matrix errors, and
 * request logging at debug with tokens kept out of the log.
 */
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { MatrixError } from '../core/errors.js';
import { installJsonBodyParser } from './body-parser.js';
import { CORS_HEADERS, installCors } from './cors.js';
import { installErrorHandling, sendMatrixError } from './errors.js';
import type { TypedApp } from './types.js';

export interface AppOptions {
  readonly logger: FastifyBaseLogger;
  /** Largest request body; media uploads raise it in their own plugin. */
  readonly bodyLimit?: number;
  /** CORS headers on every response and OPTIONS preflight (the public listener, for browser clients). */
  readonly cors?: boolean;
  /** Trust X-Forwarded-For from a reverse proxy for the client IP (Synapse's listener `x_forwarded`). */
  readonly trustProxy?: boolean;
}

/** The request URL with secrets (the deprecated access_token query parameter) masked. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]access_token=)[^&]*/gi, '$1<redacted>');
}

/**
 * Malformed HTTP (a broken request line, headers over Node's limit, a timeout) never reaches fastify's
 * routing; node answers on the raw socket. Same status codes as fastify's default handler, Matrix bodies.
 */
function matrixClientError(error: Error & { code?: string }, socket: Duplex, extraHeaders: Record<string, string>): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, errcode, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'M_UNKNOWN', 'Request timed out']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'M_TOO_LARGE', 'Request headers too large']
        : [400, 'M_UNKNOWN', 'Malformed HTTP request'];
  const body = JSON.stringify({ errcode, error: message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json\r\n` +
        Object.entries(extraHeaders).map(([name, value]) => `${name}: ${value}\r\n`).join('') +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

export function createApp(options: AppOptions): TypedApp {
  const app = Fastify({
    loggerInstance: options.logger,
    // Fastify's per-request info lines are replaced by one debug line (below) with the token masked.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Matrix IDs in paths contain characters that must arrive decoded but intact (e.g. `@a:b`).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    return503OnClosing: true,
    // Requests fastify rejects before routing still get the Matrix error shape (a JSON body with errcode).
    frameworkErrors: (error, _request, reply) => {
      if (options.cors) reply.headers(CORS_HEADERS);
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      void sendMatrixError(
        reply,
        tooLong
          ? new MatrixError('M_TOO_LARGE', 'A path parameter is too long', { status: 414 })
          : new MatrixError('M_UNRECOGNIZED', 'The request path is not valid', { status: 400 }),
      );
    },
    clientErrorHandler: (error, socket) => matrixClientError(error, socket, options.cors ? CORS_HEADERS : {}),
    trustProxy: options.trustProxy ?? false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  installJsonBodyParser(app);
  installErrorHandling(app);
  if (options.cors) installCors(app);

  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      { method: request.method, url: redactUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });
  return app;
}
