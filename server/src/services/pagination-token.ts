/**
 * Room pagination tokens for /messages, /context, /members?at= and /sync's prev_batch.
 *
 * A token names a position BETWEEN events, never an event:
 * - `t{D}_{N}` (topological): just after the event at (depth D, stream ordering N) in the room's
 *   (depth, stream_ordering) order; every event ordered ≤ (D, N) lies before it. It need not name a
 *   stored event: `t{D}_{N-1}` is the position just before the event at (D, N), and `t0_0` is the
 *   start of every room (events have depth ≥ 1). Synapse's `t{topo}-{stream}` with `_` for `-`.
 * - `s{N}` (stream): just after the event with stream ordering N in the server-wide stream; every
 *   event with stream ordering ≤ N lies before it. /sync's next_batch is `s{max}` and a timeline whose
 *   first event has stream ordering F has prev_batch `s{F-1}`. Anything after `s{N}_` is ignored, so a
 *   multi-part sync token (`s12_4_…`) is accepted here too.
 *
 * Paginating back from a position returns the events before it, newest first; forward, the events after
 * it, oldest first. A stream token is mapped into a room's topological order as the position after the
 * room's newest event with stream ordering ≤ N (for a room whose events are stored in order, which
 * local rooms are, the two orders agree).
 */
import { MatrixError } from '../core/errors.js';

export type PaginationToken =
  | { readonly kind: 'topological'; readonly depth: number; readonly stream: number }
  | { readonly kind: 'stream'; readonly stream: number };

/** Parses a token; null when it is not one of ours. */
export function parsePaginationToken(token: string): PaginationToken | null {
  const topo = /^t(\d{1,15})_(\d{1,15})$/.exec(token);
  if (topo) return { kind: 'topological', depth: Number(topo[1]), stream: Number(topo[2]) };
  const stream = /^s(\d{1,15})(?:_|$)/.exec(token);
  if (stream) return { kind: 'stream', stream: Number(stream[1]) };
  return null;
}

/** Parses a token from a request parameter. @throws MatrixError 400 M_INVALID_PARAM */
export function requirePaginationToken(token: string, param: string): PaginationToken {
  const parsed = parsePaginationToken(token);
  if (!parsed) throw new MatrixError('M_INVALID_PARAM', `Invalid ${param} token`);
  return parsed;
}

/** The position just after the event at (depth, stream). */
export const topologicalToken = (depth: number, stream: number): string => `t${depth}_${stream}`;

/** The position just before the event at (depth, stream). */
export const tokenBefore = (depth: number, stream: number): string => `t${depth}_${Math.max(0, stream - 1)}`;

/** The position after every event with stream ordering ≤ N (what /sync hands out). */
export const streamToken = (stream: number): string => `s${stream}`;

/** The start of any room's timeline. */
export const START_TOKEN = 't0_0';
