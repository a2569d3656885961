/**
 * Rule 5 of the authorisation rules (v6+: 4, v12: 5): m.room.member events: joins (incl. v8 restricted
 * and v10 knock_restricted), invites (incl. third-party invites), leaves and kicks, bans, and (v7+) knocks.
 * Spec: the same sections as auth-rules.ts. Synapse: event_auth._is_membership_change_allowed.
 * Imports only types from auth-rules.ts (which imports this), so the helpers both use live here.
 */
import { parseUserId } from '../core/ids.js';
import type { AuthContext, AuthResult } from './auth-rules.js';
import { EventType, membershipOf, prevEventIds, stateKey, type StateMap, type RoomEvent } from './pdu.js';
import { userPowerLevel } from './power-levels.js';
import { verifyJsonSignature } from './signing.js';

export const ALLOW: AuthResult = { allowed: true };
export const deny = (reason: string): AuthResult => ({ allowed: false, reason });

/** The server name of a user, room (pre-v12) or v1/v2 event ID: what follows the first colon. */
export function domainOf(id: string): string | null {
  const colon = id.indexOf(':');
  return colon < 0 ? null : id.slice(colon + 1);
}

/** A user's membership in the given state, or null when they have no (valid) member event. */
export function membershipIn(state: StateMap<RoomEvent>, userId: string): string | null {
  const member = state.get(stateKey(EventType.Member, userId));
  return member ? membershipOf(member.pdu) : null;
}

/** The room's join rule: `content.join_rule` of m.room.join_rules; `invite` when the room has none. */
export function joinRuleIn(state: StateMap<RoomEvent>): unknown {
  const joinRules = state.get(stateKey(EventType.JoinRules, ''));
  return joinRules ? joinRules.pdu.content.join_rule : 'invite';
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Rule 5: an m.room.member event. */
export function checkMembership(context: AuthContext): AuthResult {
  const { pdu } = context.event;
  // 5.1: a state_key and a membership.
  if (typeof pdu.state_key !== 'string') return deny('A member event needs a state_key');
  if (!('membership' in pdu.content)) return deny('A member event needs a membership');

  // v8+ 4.2: the authorising user's server must have signed the event.
  if (context.rules.restrictedJoinRule && 'join_authorised_via_users_server' in pdu.content) {
    const authoriser = pdu.content.join_authorised_via_users_server;
    const server = typeof authoriser === 'string' ? parseUserId(authoriser)?.serverName : undefined;
    if (server === undefined) return deny('join_authorised_via_users_server must be a user ID');
    if (context.options.isSignedBy && !context.options.isSignedBy(pdu, server)) {
      return deny(`The event is not signed by ${server}, the server of the authorising user`);
    }
  }

  switch (pdu.content.membership) {
    case 'join':
      return checkJoin(context, pdu.state_key);
    case 'invite':
      return checkInvite(context, pdu.state_key);
    case 'leave':
      return checkLeave(context, pdu.state_key);
    case 'ban':
      return checkBan(context, pdu.state_key);
    case 'knock':
      if (context.rules.knockJoinRule) return checkKnock(context, pdu.state_key);
      break;
  }
  return deny(`Unknown membership ${JSON.stringify(pdu.content.membership)}`);
}

/** 5.2 (v8+: 4.3) join. */
function checkJoin(context: AuthContext, target: string): AuthResult {
  const { event, authState, rules, create, levels } = context;
  const { pdu } = event;
  // 5.2.1: the creator's own join right after the create event.
  const prev = prevEventIds(pdu);
  const creator = rules.implicitRoomCreator ? create.pdu.sender : create.pdu.content.creator;
  if (prev.length === 1 && prev[0] === create.eventId && target === creator) return { allowed: true };

  if (pdu.sender !== target) return deny("You can't make another user join");
  const membership = membershipIn(authState, pdu.sender);
  if (membership === 'ban') return deny('You are banned from this room');

  const joinRule = joinRuleIn(authState);
  const invitedOrJoined = membership === 'invite' || membership === 'join';
  if (joinRule === 'invite' || (rules.knockJoinRule && joinRule === 'knock')) {
    return invitedOrJoined ? ALLOW : deny('You are not invited to this room');
  }
  if ((rules.restrictedJoinRule && joinRule === 'restricted') || (rules.knockRestrictedJoinRule && joinRule === 'knock_restricted')) {
    if (invitedOrJoined) return ALLOW;
    const authoriser = pdu.content.join_authorised_via_users_server;
    if (typeof authoriser !== 'string') {
      return deny('This room is restricted: the join must be authorised by a member who can invite (join_authorised_via_users_server)');
    }
    if (membershipIn(authState, authoriser) !== 'join') return deny(`The authorising user ${authoriser} is not in the room`);
    if (userPowerLevel(levels, authoriser) < levels.invite) {
      return deny(`The authorising user ${authoriser} does not have permission to invite users`);
    }
    return ALLOW;
  }
  if (joinRule === 'public') return ALLOW;
  return deny(`You are not allowed to join this room (join rule ${JSON.stringify(joinRule)})`);
}

/** 5.3 (v8+: 4.4) invite. */
function checkInvite(context: AuthContext, target: string): AuthResult {
  const { event, authState, levels } = context;
  const { pdu } = event;
  const targetMembership = membershipIn(authState, target);
  if ('third_party_invite' in pdu.content) return checkThirdPartyInvite(context, target, targetMembership);

  if (membershipIn(authState, pdu.sender) !== 'join') return deny(`User ${pdu.sender} is not in the room`);
  if (targetMembership === 'join') return deny(`User ${target} is already in the room`);
  if (targetMembership === 'ban') return deny(`User ${target} is banned from the room`);
  if (userPowerLevel(levels, pdu.sender) < levels.invite) return deny("You don't have permission to invite users");
  return ALLOW;
}

/** 5.3.1: an invite that redeems a third-party invite. */
function checkThirdPartyInvite(context: AuthContext, target: string, targetMembership: string | null): AuthResult {
  const { event, authState } = context;
  const { pdu } = event;
  if (targetMembership === 'ban') return deny(`User ${target} is banned from the room`);
  const invite = pdu.content.third_party_invite;
  const signed = isObject(invite) ? invite.signed : undefined;
  if (!isObject(signed)) return deny('third_party_invite has no signed object');
  const { mxid, token } = signed;
  if (typeof mxid !== 'string' || typeof token !== 'string') return deny('third_party_invite.signed needs mxid and token');
  if (mxid !== target) return deny('third_party_invite.signed.mxid does not match the invited user');
  const thirdPartyInvite = authState.get(stateKey(EventType.ThirdPartyInvite, token));
  if (!thirdPartyInvite) return deny('No third-party invite matches this token');
  if (thirdPartyInvite.pdu.sender !== pdu.sender) return deny('Only the sender of the third-party invite can redeem it');

  const publicKeys: string[] = [];
  const { public_key: publicKey, public_keys: keyList } = thirdPartyInvite.pdu.content;
  if (typeof publicKey === 'string') publicKeys.push(publicKey);
  if (Array.isArray(keyList)) {
    for (const entry of keyList) if (isObject(entry) && typeof entry.public_key === 'string') publicKeys.push(entry.public_key);
  }
  if (isSignedByAnyKey(signed, publicKeys)) return ALLOW;
  return deny('The third-party invite is not signed by any of its public keys');
}

/**
 * 5.3.1.7: whether any ed25519 signature in `signed` verifies with any of the public keys (unpadded
 * base64, from `public_key` and `public_keys[].public_key` of the m.room.third_party_invite event).
 */
export function isSignedByAnyKey(signed: Record<string, unknown>, publicKeys: readonly string[]): boolean {
  const signatures = signed.signatures;
  if (!isObject(signatures)) return false;
  for (const publicKey of publicKeys) {
    for (const [server, byKey] of Object.entries(signatures)) {
      if (!isObject(byKey)) continue;
      for (const keyId of Object.keys(byKey)) {
        if (keyId.startsWith('ed25519:') && verifyJsonSignature(signed, server, keyId, publicKey)) return true;
      }
    }
  }
  return false;
}

/** 5.4 (v8+: 4.5) leave: leaving, rejecting an invite, retracting a knock, kicking, unbanning. */
function checkLeave(context: AuthContext, target: string): AuthResult {
  const { event, authState, rules, levels } = context;
  const { pdu } = event;
  const senderMembership = membershipIn(authState, pdu.sender);
  if (pdu.sender === target) {
    const canLeave =
      senderMembership === 'join' || senderMembership === 'invite' || (rules.knockJoinRule && senderMembership === 'knock');
    return canLeave ? ALLOW : deny("You can't leave a room you are not in");
  }
  if (senderMembership !== 'join') return deny(`User ${pdu.sender} is not in the room`);
  const senderLevel = userPowerLevel(levels, pdu.sender);
  const targetMembership = membershipIn(authState, target);
  if (targetMembership === 'ban' && senderLevel < levels.ban) return deny("You don't have permission to unban");
  if (senderLevel < levels.kick) return deny("You don't have permission to kick");
  if (userPowerLevel(levels, target) >= senderLevel) {
    return deny(`You can't ${targetMembership === 'ban' ? 'unban' : 'kick'} ${target}: their power level is not below yours`);
  }
  return ALLOW;
}

/** 5.5 (v8+: 4.6) ban. */
function checkBan(context: AuthContext, target: string): AuthResult {
  const { event, authState, levels } = context;
  const { pdu } = event;
  if (membershipIn(authState, pdu.sender) !== 'join') return deny(`User ${pdu.sender} is not in the room`);
  const senderLevel = userPowerLevel(levels, pdu.sender);
  if (senderLevel < levels.ban) return deny("You don't have permission to ban");
  if (userPowerLevel(levels, target) >= senderLevel) return deny(`You can't ban ${target}: their power level is not below yours`);
  return ALLOW;
}

/** v7+ 4.7: knock. */
function checkKnock(context: AuthContext, target: string): AuthResult {
  const { event, authState, rules } = context;
  const { pdu } = event;
  const joinRule = joinRuleIn(authState);
  if (joinRule !== 'knock' && !(rules.knockRestrictedJoinRule && joinRule === 'knock_restricted')) {
    return deny('This room does not accept knocks');
  }
  if (pdu.sender !== target) return deny("You can't knock on behalf of another user");
  const membership = membershipIn(authState, pdu.sender);
  if (membership === 'ban') return deny('You are banned from this room');
  if (membership === 'invite') return deny('You are already invited to this room');
  if (membership === 'join') return deny('You are already in the room');
  return ALLOW;
}
