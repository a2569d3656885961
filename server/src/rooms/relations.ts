/**
 * Event relationships, pure: reading `m.relates_to`, the validity of replacements (edits), the thread an
 * event belongs to and which replacement is the most recent.
 * Spec: client-server-api "Forming relationships between events" (m.relates_to: rel_type and event_id
 * required, event_id starting with `$`), "Event replacements" ("Validity of replacement events",
 * "Server-side aggregation of m.replace relationships"), "Threading", "Event annotations"; v1.19.
 */
import type { EventId } from '../core/ids.js';

export const RelType = {
  Replace: 'm.replace',
  Thread: 'm.thread',
  Annotation: 'm.annotation',
  Reference: 'm.reference',
} as const;

export interface Relation {
  readonly relType: string;
  readonly eventId: EventId;
  /** m.annotation's `key` (null for other types, or when not a string). */
  readonly key: string | null;
}

/** The longest event ID or rel_type we index (longer ones are malformed anyway: event IDs are ≤ 255 bytes). */
const MAX_ID_LENGTH = 255;

/**
 * The relationship an event's content declares, or null when there is none or it doesn't match the
 * schema ("Relationships which don't match the schema ... are simply ignored"). Rich replies
 * (`m.in_reply_to` without rel_type) are not relationships here.
 */
export function relationOf(content: Readonly<Record<string, unknown>> | undefined): Relation | null {
  const relatesTo = content?.['m.relates_to'];
  if (typeof relatesTo !== 'object' || relatesTo === null || Array.isArray(relatesTo)) return null;
  const { rel_type: relType, event_id: eventId, key } = relatesTo as Record<string, unknown>;
  if (typeof relType !== 'string' || relType === '' || relType.length > MAX_ID_LENGTH) return null;
  if (typeof eventId !== 'string' || !eventId.startsWith('$') || eventId.length > MAX_ID_LENGTH) return null;
  return { relType, eventId: eventId as EventId, key: relType === RelType.Annotation && typeof key === 'string' ? key : null };
}

/** The thread root an event replies in (its m.thread relation's target), or null. */
export function threadIdOf(content: Readonly<Record<string, unknown>> | undefined): EventId | null {
  const relation = relationOf(content);
  return relation?.relType === RelType.Thread ? relation.eventId : null;
}

/** The fields of an event the validity rules look at. */
export interface RelatedEventFacts {
  readonly roomId: string;
  readonly sender: string;
  readonly type: string;
  readonly stateKey?: string | undefined;
  readonly content: Readonly<Record<string, unknown>>;
}

/**
 * Spec "Validity of replacement events": same room, same sender, same type, neither a state event, the
 * original not itself a replacement, and the replacement carrying `m.new_content`. For an encrypted
 * replacement `m.new_content` is inside the ciphertext, which the server can't read: it is accepted
 * (clients check it once decrypted).
 */
export function isValidReplacement(original: RelatedEventFacts, replacement: RelatedEventFacts): boolean {
  const relation = relationOf(replacement.content);
  if (relation?.relType !== RelType.Replace) return false;
  if (original.roomId !== replacement.roomId || original.sender !== replacement.sender || original.type !== replacement.type) return false;
  if (original.stateKey !== undefined || replacement.stateKey !== undefined) return false;
  if (relationOf(original.content)?.relType === RelType.Replace) return false;
  if (replacement.type === 'm.room.encrypted') return true;
  const newContent = replacement.content['m.new_content'];
  return typeof newContent === 'object' && newContent !== null && !Array.isArray(newContent);
}

/**
 * Whether replacement `a` is more recent than `b`: the larger origin_server_ts, then the
 * lexicographically larger event ID (spec "Server-side aggregation of m.replace relationships").
 */
export function isMoreRecent(a: { readonly originServerTs: number; readonly eventId: string }, b: { readonly originServerTs: number; readonly eventId: string }): boolean {
  if (a.originServerTs !== b.originServerTs) return a.originServerTs > b.originServerTs;
  return a.eventId > b.eventId;
}

/**
 * Whether a new event may start or reply in a thread off `parent` (spec "Validation of m.thread
 * relationships": the root must not itself have a rel_type). Null when allowed, else the reason.
 */
export function threadParentProblem(parentContent: Readonly<Record<string, unknown>>): string | null {
  return relationOf(parentContent) !== null ? 'Cannot start threads from an event with a relation' : null;
}
