/** Fastify typing shared by the http glue and the api route modules. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Requester } from '../services/requester.js';

export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/**
 * How a route authenticates. `required`: a valid access token; `optional`: used if given; `none`.
 * `allowGuests`: guest accounts may call it (spec "Guest access" lists these endpoints).
 */
export interface RouteAuth {
  auth?: 'required' | 'optional' | 'none';
  allowGuests?: boolean;
  /** An expired (refreshable) access token is still accepted, e.g. to log out (Synapse does the same). */
  allowExpired?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the access-token hook on authenticated routes. */
    requester: Requester | null;
  }
  interface FastifyContextConfig extends RouteAuth {}
}

/** The authenticated requester of a route declared with `auth: 'required'`. */
export function requesterOf(request: { requester: Requester | null }): Requester {
  if (!request.requester) throw new Error('route declared no auth but used the requester');
  return request.requester;
}
