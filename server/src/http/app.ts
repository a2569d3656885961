/**
 * Builds a fastify app the way every Hearth listener needs it: TypeBox schemas (bodies not coerced,
 * query and path parameters coerced), JSON bodies whatever the content type, Matrix errors, and
 * request logging at debug with tokens kept out of the log.
 */
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { installJsonBodyParser } from './body-parser.js';
import { installErrorHandling } from './errors.js';
import type { TypedApp } from './types.js';

export interface AppOptions {
  readonly logger: FastifyBaseLogger;
  /** Largest request body; media uploads raise it in their own plugin. */
  readonly bodyLimit?: number;
}

/** The request URL with secrets (the deprecated access_token query parameter) masked. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]access_token=)[^&]*/gi, '$1<redacted>');
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
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  installJsonBodyParser(app);
  installErrorHandling(app);

  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      { method: request.method, url: redactUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });
  return app;
}
