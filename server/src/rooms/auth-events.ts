/**
 * Auth events selection: which state entries an event cites in its `auth_events`.
 * Spec: server-server-api "Auth events selection" (v1.19, changed in v1.16 for v12's create event);
 * Synapse: event_auth.auth_types_for_event.
 */
import type { EventId } from '../core/ids.js';
import { EventType, stateKey, type StateKey, type StateMap } from './pdu.js';
import type { RoomVersionRules } from './room-versions.js';

/** The parts of an event the selection depends on. */
export interface AuthEventsDraft {
  readonly type: string;
  readonly sender: string;
  readonly state_key?: string;
  readonly content: Record<string, unknown>;
}

/**
 * The (type, state_key) pairs an event's auth events may have, in a fixed order: create (not in v12),
 * power levels, the sender's member event, and for member events the join rules (join, invite, knock),
 * the target's member event, the third-party invite (invite with `third_party_invite`) and the
 * authorising user's member event (v8+ join with `join_authorised_via_users_server`).
 * An m.room.create event has no auth events.
 */
export function authEventKeys(draft: AuthEventsDraft, rules: RoomVersionRules): StateKey[] {
  if (draft.type === EventType.Create) return [];
  const keys: StateKey[] = [];
  const add = (key: StateKey): void => {
    if (!keys.includes(key)) keys.push(key);
  };
  // v12: the room ID implies the create event, which must not be selected.
  if (!rules.roomIdFromCreateEvent) add(stateKey(EventType.Create, ''));
  add(stateKey(EventType.PowerLevels, ''));
  add(stateKey(EventType.Member, draft.sender));
  if (draft.type !== EventType.Member) return keys;

  const membership = draft.content.membership;
  if (membership === 'join' || membership === 'invite' || membership === 'knock') {
    add(stateKey(EventType.JoinRules, ''));
  }
  if (typeof draft.state_key === 'string') add(stateKey(EventType.Member, draft.state_key));
  if (membership === 'invite') {
    const token = thirdPartyInviteToken(draft.content);
    if (token !== null) add(stateKey(EventType.ThirdPartyInvite, token));
  }
  if (membership === 'join' && rules.restrictedJoinRule) {
    const authoriser = draft.content.join_authorised_via_users_server;
    if (typeof authoriser === 'string') add(stateKey(EventType.Member, authoriser));
  }
  return keys;
}

/** `content.third_party_invite.signed.token` of an invite, when it is a string. */
export function thirdPartyInviteToken(content: Record<string, unknown>): string | null {
  const invite = content.third_party_invite;
  if (typeof invite !== 'object' || invite === null) return null;
  const signed = (invite as Record<string, unknown>).signed;
  if (typeof signed !== 'object' || signed === null) return null;
  const token = (signed as Record<string, unknown>).token;
  return typeof token === 'string' ? token : null;
}

/** The auth events for a new event: the selected keys looked up in the room state (missing ones skipped). */
export function selectAuthEvents(draft: AuthEventsDraft, state: StateMap<EventId>, rules: RoomVersionRules): EventId[] {
  const ids: EventId[] = [];
  for (const key of authEventKeys(draft, rules)) {
    const id = state.get(key);
    if (id !== undefined && !ids.includes(id)) ids.push(id);
  }
  return ids;
}
