/**
 * The redaction algorithm: what of an event survives redaction. Used for reference hashes, signing,
 * and serving redacted events. Spec: rooms/fragments v1-redactions, v6-redactions (no m.room.aliases),
 * v9-redactions (restricted joins), v11-redactions (v1.19).
 */
import type { Pdu } from './pdu.js';
import type { RoomVersionRules } from './room-versions.js';

const TOP_LEVEL_V1 = new Set([
  'event_id', 'type', 'room_id', 'sender', 'state_key', 'content', 'hashes', 'signatures', 'depth',
  'prev_events', 'prev_state', 'auth_events', 'origin', 'origin_server_ts', 'membership',
]);
// v11 drops origin, membership and prev_state.
const TOP_LEVEL_V11 = new Set([
  'event_id', 'type', 'room_id', 'sender', 'state_key', 'content', 'hashes', 'signatures', 'depth',
  'prev_events', 'auth_events', 'origin_server_ts',
]);

const POWER_LEVEL_KEYS = ['ban', 'events', 'events_default', 'kick', 'redact', 'state_default', 'users', 'users_default'];

/** The content keys an event type keeps, or 'all' (v11 create). */
function keptContentKeys(type: string, rules: RoomVersionRules): readonly string[] | 'all' {
  switch (type) {
    case 'm.room.member':
      return rules.restrictedJoinRuleRedaction ? ['membership', 'join_authorised_via_users_server'] : ['membership'];
    case 'm.room.create':
      return rules.updatedRedactionRules ? 'all' : ['creator'];
    case 'm.room.join_rules':
      return rules.restrictedJoinRuleRedaction ? ['join_rule', 'allow'] : ['join_rule'];
    case 'm.room.power_levels':
      return rules.updatedRedactionRules ? [...POWER_LEVEL_KEYS, 'invite'] : POWER_LEVEL_KEYS;
    case 'm.room.history_visibility':
      return ['history_visibility'];
    case 'm.room.aliases':
      return rules.specialCaseAliasesAuth ? ['aliases'] : [];
    case 'm.room.redaction':
      return rules.updatedRedactionRules ? ['redacts'] : [];
    default:
      return [];
  }
}

/**
 * Returns the redacted form of an event: a new object with only the essential keys. `unsigned` is
 * dropped too (callers serving a redacted event to clients add `redacted_because` themselves).
 */
export function redactPdu<T extends Pdu>(pdu: T, rules: RoomVersionRules): Pdu {
  const topLevel = rules.updatedRedactionRules ? TOP_LEVEL_V11 : TOP_LEVEL_V1;
  const redacted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pdu)) if (topLevel.has(key)) redacted[key] = value;

  const kept = keptContentKeys(pdu.type, rules);
  // A non-object content (malformed event) redacts to {} rather than throwing on `in`.
  const original: Record<string, unknown> =
    pdu.content && typeof pdu.content === 'object' && !Array.isArray(pdu.content) ? pdu.content : {};
  // Object.fromEntries defines own keys, so a JSON `"__proto__"` key is copied, not run through the setter.
  const content: Record<string, unknown> = Object.fromEntries(
    kept === 'all' ? Object.entries(original) : kept.filter((key) => Object.hasOwn(original, key)).map((key) => [key, original[key]]),
  );

  // v11: a member event keeps third_party_invite.signed only.
  if (rules.updatedRedactionRules && pdu.type === 'm.room.member') {
    const invite = original.third_party_invite;
    if (invite && typeof invite === 'object' && 'signed' in invite) {
      content.third_party_invite = { signed: (invite as Record<string, unknown>).signed };
    }
  }
  redacted.content = content;
  return redacted as Pdu;
}
