/**
 * Request bodies are JSON whatever the Content-Type says, as Synapse treats them (some clients send
 * text/plain or none). An empty body parses to undefined, so DELETE without a body works and a
 * route that needs one answers M_NOT_JSON. Bytes that aren't valid UTF-8 are M_NOT_JSON too (spec:
 * JSON is UTF-8; sytest "POST rejects invalid utf-8 in JSON"), never silently replaced with U+FFFD.
 */
import type { FastifyError } from 'fastify';
import { MatrixError } from '../core/errors.js';
import type { TypedApp } from './types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

const notJson = (): FastifyError => new MatrixError('M_NOT_JSON', 'Content not JSON.') as unknown as FastifyError;

export function installJsonBodyParser(app: TypedApp): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    let text: string;
    try {
      text = typeof body === 'string' ? body : utf8.decode(body);
    } catch {
      done(notJson(), undefined);
      return;
    }
    if (text.trim().length === 0) {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(notJson(), undefined);
    }
  });
}
