/**
 * Request bodies are JSON whatever the Content-Type says, as Synapse treats them (some clients send
 * text/plain or none). An empty body parses to undefined, so DELETE without a body works and a
 * route that needs one answers M_NOT_JSON.
 */
import type { FastifyError } from 'fastify';
import { MatrixError } from '../core/errors.js';
import type { TypedApp } from './types.js';

export function installJsonBodyParser(app: TypedApp): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim().length === 0) {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(new MatrixError('M_NOT_JSON', 'Content not JSON.') as unknown as FastifyError, undefined);
    }
  });
}
