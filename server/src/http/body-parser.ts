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

/** RFC 9110 media type: type "/" subtype, then parameters. */
const MEDIA_TYPE_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*(;.*)?$/;

export function installJsonBodyParser(app: TypedApp): void {
  // fastify answers 415 to a Content-Type it can't parse ("json", "", ";;") before any parser runs;
  // Synapse reads such a body as JSON like any other, so the header is treated as absent.
  app.addHook('onRequest', async (request) => {
    const contentType = request.headers['content-type'];
    if (contentType !== undefined && !MEDIA_TYPE_RE.test(contentType.trim())) {
      request.headers['content-type'] = 'application/octet-stream';
    }
  });
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
