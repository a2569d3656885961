/**
 * Auth rules scenarios, each run over every room version it concerns. Ported from Synapse
 * tests/test_event_auth.py and ruma-state-res's event_auth tests, plus the spec's numbered rules.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventId, RoomId } from '../core/ids.js';
import { authStateFromEvents, checkAuthEvents, checkAuthRules, type AuthResult } from './auth-rules.js';
import { stateKey, type RoomEvent, type StateKey } from './pdu.js';
import { ROOM_VERSIONS, type RoomVersionRules } from './room-versions.js';
import { signingKeyFromSeed, signJson } from './signing.js';
import { buildRoom, member, type AddOptions, type EventDraft, type RoomBuilder } from './testing/room-builder.js';

const ALICE = '@alice:a'; // creator (v12: infinite power)
const ADMIN = '@admin:a'; // 100
const MOD = '@mod:m'; // 50
const BOB = '@bob:b'; // 0
const CAROL = '@carol:c'; // not in the room
const EVE = '@eve:e'; // not in the room

const ALL = [...ROOM_VERSIONS.values()];

function allowed(result: AuthResult, label: string): void {
  assert.ok(result.allowed, `${label}: expected allowed, got "${result.allowed ? '' : result.reason}"`);
}
function denied(result: AuthResult, label: string, reason?: RegExp): void {
  assert.equal(result.allowed, false, `${label}: expected a denial`);
  if (reason && !result.allowed) assert.match(result.reason, reason, label);
}

/** Alice creates a public room; admin (100), mod (50) and bob (0) join. */
function standardRoom(rules: RoomVersionRules, powerLevels: Record<string, unknown> = {}, joinRule?: string): RoomBuilder {
  const room = buildRoom({ version: rules.id, creator: ALICE, preset: 'bare' });
  room.join(ALICE);
  const creator = rules.privilegedCreators ? {} : { [ALICE]: 100 };
  room.setPowerLevels(ALICE, { users: { ...creator, [ADMIN]: 100, [MOD]: 50 }, ...powerLevels });
  room.setJoinRule(ALICE, 'public');
  room.join(ADMIN);
  room.join(MOD);
  room.join(BOB);
  if (joinRule) room.setJoinRule(ALICE, joinRule);
  return room;
}

const attempt = (room: RoomBuilder, draft: EventDraft, options?: AddOptions): AuthResult => room.check(room.build(draft, options));
const message = (sender: string): EventDraft => ({ type: 'm.room.message', sender, content: { msgtype: 'm.text', body: 'hi' } });
const state = (type: string, sender: string, content: Record<string, unknown> = {}, key = ''): EventDraft => ({
  type,
  sender,
  state_key: key,
  content,
});

test('the rooms the builder makes pass the auth rules, event by event', () => {
  for (const rules of ALL) {
    const room = standardRoom(rules);
    room.message(BOB);
    for (const event of room.events()) allowed(room.check(event), `v${rules.id} ${event.pdu.type}`);
  }
});

test('m.room.create: prev_events, room ID domain, room_version, creator', () => {
  for (const rules of ALL) {
    const room = buildRoom({ version: rules.id, creator: ALICE, preset: 'bare' });
    const create = (content: Record<string, unknown>, options: AddOptions = {}): AuthResult =>
      room.check(room.build(state('m.room.create', ALICE, content), { prevEvents: [], ...options }));
    const base = rules.implicitRoomCreator ? {} : { creator: ALICE };
    allowed(create({ ...base, room_version: rules.id }), `v${rules.id} valid`);
    allowed(create({ ...base }), `v${rules.id} room_version absent`);
    denied(create({ ...base }, { prevEvents: [room.create.eventId] }), `v${rules.id} prev_events`, /prev_events/);
    denied(create({ ...base, room_version: '99' }), `v${rules.id} unknown version`, /room version/);
    denied(create({ ...base, room_version: 12 }), `v${rules.id} numeric version`);
    const noCreator = create({ room_version: rules.id });
    if (rules.implicitRoomCreator) allowed(noCreator, `v${rules.id} no creator`);
    else denied(noCreator, `v${rules.id} no creator`, /creator/);
    if (rules.roomIdFromCreateEvent) {
      denied(create({}, { extra: { room_id: '!abc:a' } }), 'v12 create with room_id', /room_id/);
    } else {
      denied(create({ ...base }, { roomId: '!room:elsewhere' }), `v${rules.id} room ID domain`, /server name/);
      const other = buildRoom({ version: rules.id, creator: ALICE, preset: 'bare', roomId: '!x:b' });
      denied(other.check(other.create), `v${rules.id} builder room on another server`);
    }
  }
});

test('v12 additional_creators must be an array of valid user IDs (ignored before v12)', () => {
  for (const rules of ALL) {
    const room = buildRoom({ version: rules.id, creator: ALICE, preset: 'bare' });
    const base = rules.implicitRoomCreator ? {} : { creator: ALICE };
    for (const [value, valid] of [
      [[BOB, CAROL], true],
      [[], true],
      ['@bob:b', false],
      [[BOB, 5], false],
      [['bob'], false],
      [['@bob'], false],
    ] as const) {
      const result = room.check(room.build(state('m.room.create', ALICE, { ...base, additional_creators: value }), { prevEvents: [] }));
      if (valid || !rules.privilegedCreators) allowed(result, `v${rules.id} ${JSON.stringify(value)}`);
      else denied(result, `v${rules.id} ${JSON.stringify(value)}`, /additional_creators/);
    }
  }
});

test('auth_events: duplicates, unexpected entries, other rooms, missing or rejected entries, no create', () => {
  for (const rules of ALL) {
    const room = standardRoom(rules);
    const ids = (event: RoomEvent): EventId[] => room.authEventsFor(event).map((authEvent) => authEvent.eventId);
    const msg = room.build(message(BOB));
    allowed(room.check(msg), `v${rules.id} baseline`);

    // Two member events for bob.
    const oldJoin = room.events().find((event) => event.pdu.state_key === BOB)!;
    const rejoin = room.join(BOB, { displayname: 'Bob' });
    const dup = room.build(message(BOB), { authEvents: [...ids(room.build(message(BOB))), oldJoin.eventId] });
    denied(room.check(dup), `v${rules.id} duplicate key`, /two entries/);
    denied(room.check(room.build(message(BOB), { authEvents: [rejoin.eventId, rejoin.eventId] })), `v${rules.id} listed twice`);

    // An entry the selection doesn't pick.
    const name = room.add(state('m.room.name', ALICE, { name: 'x' }));
    const unexpected = room.build(message(BOB), { authEvents: [...ids(msg), name.eventId] });
    denied(room.check(unexpected), `v${rules.id} unexpected`, /Unexpected auth event/);
    denied(
      checkAuthRules(unexpected, room.authStateFor(unexpected), rules),
      `v${rules.id} unexpected (map)`,
      /Unexpected auth event/,
    );

    // An auth event from another room.
    const foreign = room.build(member(CAROL, CAROL, 'join'), { roomId: '!elsewhere:c' });
    const nonMember = room.authEventsFor(msg).filter((event) => event.pdu.type !== 'm.room.member');
    const withForeign = room.build(message(CAROL), { authEvents: [...nonMember.map((event) => event.eventId), foreign.eventId] });
    denied(room.check(withForeign), `v${rules.id} other room`, /belongs to room/);

    // An auth event that is unknown (or was rejected, so the caller left it out).
    denied(checkAuthEvents(msg, room.authEventsFor(msg).slice(1), rules), `v${rules.id} unresolved`, /missing or was rejected/);

    if (!rules.roomIdFromCreateEvent) {
      const noCreate = room.build(message(BOB), { authEvents: ids(msg).filter((id) => id !== room.create.eventId) });
      denied(room.check(noCreate), `v${rules.id} no create`, /m\.room\.create/);
      const authState = new Map(room.authStateFor(noCreate));
      denied(checkAuthRules(noCreate, authState, rules), `v${rules.id} no create (map)`, /m\.room\.create/);
    }
  }
});

test('auth state entries must sit under their own (type, state_key)', () => {
  const rules = ROOM_VERSIONS.get('10')!;
  const room = standardRoom(rules);
  const msg = room.build(message(BOB));
  const authState = new Map(room.authStateFor(msg));
  authState.set(stateKey('m.room.member', BOB), authState.get(stateKey('m.room.power_levels', ''))!);
  denied(checkAuthRules(msg, authState, rules), 'misfiled entry', /filed under/);
  assert.equal(authStateFromEvents(room.authEventsFor(msg)).size, room.authEventsFor(msg).length);
});

test('v12: the room ID is the create event ID; create is never an auth event; state-res style maps work', () => {
  const rules = ROOM_VERSIONS.get('12')!;
  const room = standardRoom(rules);
  assert.equal(room.roomId, `!${room.create.eventId.slice(1)}`);
  assert.equal(room.create.pdu.room_id, undefined);
  const msg = room.build(message(BOB));
  assert.ok(!room.authEventsFor(msg).some((event) => event.pdu.type === 'm.room.create'));
  allowed(room.check(msg), 'baseline');

  const withCreate = room.build(message(BOB), { authEvents: [room.create.eventId, ...room.authEventsFor(msg).map((e) => e.eventId)] });
  denied(room.check(withCreate), 'create in auth_events', /must not include the m\.room\.create/);
  denied(checkAuthRules(withCreate, room.authStateFor(withCreate), rules), 'create in auth_events (map)', /must not include/);

  // The room ID must be derived from the create event the caller supplies.
  const wrongRoom = room.build(message(BOB), { roomId: '!notthisroom' });
  denied(checkAuthRules(wrongRoom, room.authStateFor(wrongRoom), rules), 'room_id mismatch', /does not match the room's m\.room\.create/);
  denied(room.check(wrongRoom), 'room_id mismatch (listed auth events)', /belongs to room/);
  const otherCreate = buildRoom({ version: '12', creator: CAROL }).create;
  const swapped = new Map<StateKey, RoomEvent>(room.authStateFor(msg));
  swapped.set(stateKey('m.room.create', ''), otherCreate);
  denied(checkAuthRules(msg, swapped, rules), 'a different create event', /does not match/);
  const missing = new Map(room.authStateFor(msg));
  missing.delete(stateKey('m.room.create', ''));
  denied(checkAuthRules(msg, missing, rules), 'create not supplied', /unknown/);
});

test('m.federate: false keeps other servers out', () => {
  for (const rules of ALL) {
    const room = buildRoom({ version: rules.id, creator: ALICE, createContent: { 'm.federate': false } });
    denied(attempt(room, member(BOB, BOB, 'join')), `v${rules.id} remote join`, /not federated/);
    room.join('@alice2:a');
    allowed(attempt(room, message('@alice2:a')), `v${rules.id} same server`);
  }
});

test('v1–v5 m.room.aliases: the sender’s server sets its own aliases, members or not; v6+ it is ordinary state', () => {
  for (const rules of ALL) {
    const room = standardRoom(rules);
    const own = attempt(room, state('m.room.aliases', CAROL, { aliases: ['#x:c'] }, 'c'));
    const other = attempt(room, state('m.room.aliases', BOB, { aliases: ['#x:c'] }, 'c'));
    const adminOwn = attempt(room, state('m.room.aliases', ADMIN, { aliases: ['#x:a'] }, 'a'));
    if (rules.specialCaseAliasesAuth) {
      allowed(own, `v${rules.id} own server, not a member`);
      denied(other, `v${rules.id} other server`, /server name/);
      denied(attempt(room, { type: 'm.room.aliases', sender: BOB, content: {} }), `v${rules.id} not state`);
    } else {
      denied(own, `v${rules.id} not a member`, /not in the room/);
      denied(attempt(room, state('m.room.aliases', BOB, { aliases: [] }, 'b')), `v${rules.id} below state_default`, /permission/);
      allowed(adminOwn, `v${rules.id} admin`);
    }
  }
});

test('the creator’s first join; v11+ the creator is the create event’s sender, not content.creator', () => {
  for (const rules of ALL) {
    const room = buildRoom({ version: rules.id, creator: ALICE, preset: 'bare', createContent: { creator: CAROL } });
    const aliceJoin = attempt(room, member(ALICE, ALICE, 'join'));
    const carolJoin = attempt(room, member(CAROL, CAROL, 'join'));
    if (rules.implicitRoomCreator) {
      allowed(aliceJoin, `v${rules.id} sender joins`);
      denied(carolJoin, `v${rules.id} content.creator joins`, /not invited/);
    } else {
      allowed(carolJoin, `v${rules.id} content.creator joins`);
      denied(aliceJoin, `v${rules.id} sender joins`, /not invited/);
    }
    // Only right after the create event.
    const later = buildRoom({ version: rules.id, creator: ALICE, preset: 'bare' });
    later.add(state('m.room.topic', ALICE, { topic: 't' }), { authEvents: [] });
    denied(attempt(later, member(ALICE, ALICE, 'join')), `v${rules.id} creator join not after create`);
  }
});

test('joins: public, invite-only, banned, for someone else', () => {
  for (const rules of ALL) {
    const room = standardRoom(rules);
    allowed(attempt(room, member(CAROL, CAROL, 'join')), `v${rules.id} public`);
    denied(attempt(room, member(BOB, CAROL, 'join')), `v${rules.id} for another user`, /another user/);
    room.ban(ADMIN, EVE);
    denied(attempt(room, member(EVE, EVE, 'join')), `v${rules.id} banned`, /banned/);

    room.setJoinRule(ALICE, 'invite');
    denied(attempt(room, member(CAROL, CAROL, 'join')), `v${rules.id} uninvited`, /not invited/);
    room.invite(BOB, CAROL);
    allowed(attempt(room, member(CAROL, CAROL, 'join')), `v${rules.id} invited`);
    allowed(attempt(room, member(BOB, BOB, 'join', { displayname: 'B' })), `v${rules.id} already joined`);

    room.setJoinRule(ALICE, 'private');
    denied(attempt(room, member(CAROL, CAROL, 'join')), `v${rules.id} unknown join rule`, /not allowed to join/);
  }
});

test('joins with join rule knock (v7+); unknown in v6 and earlier', () => {
  for (const rules of ALL) {
    const room = standardRoom(rules, {}, 'knock');
    denied(attempt(room, member(CAROL, CAROL, 'join')), `v${rules.id} uninvited`);
    room.invite(BOB, CAROL);
    const invited = attempt(room, member(CAROL, CAROL, 'join'));
    if (rules.knockJoinRule) allowed(invited, `v${rules.id} invited`);
    else denied(invited, `v${rules.id} invited, knock unknown`, /not allowed to join/);
  }
});

test('restricted (v8+) and knock_restricted (v10+) joins via join_authorised_via_users_server', () => {
  for (const joinRule of ['restricted', 'knock_restricted']) {
    for (const rules of ALL) {
      const supported = joinRule === 'restricted' ? rules.restrictedJoinRule : rules.knockRestrictedJoinRule;
      const room = standardRoom(rules, { invite: 50 }, joinRule);
      const via = (user: string): EventDraft => member(CAROL, CAROL, 'join', { join_authorised_via_users_server: user });
      const label = `v${rules.id} ${joinRule}`;
      if (!supported) {
        denied(attempt(room, via(MOD)), `${label} unsupported`);
        continue;
      }
      allowed(attempt(room, via(MOD)), `${label} authorised by a member who can invite`);
      denied(attempt(room, member(CAROL, CAROL, 'join')), `${label} no authoriser`, /join_authorised_via_users_server/);
      denied(attempt(room, via(BOB)), `${label} authoriser can't invite`, /permission to invite/);
      denied(attempt(room, via(EVE)), `${label} authoriser not joined`, /not in the room/);
      // Signature of the authorising server, when the caller can check it.
      const event = room.build(via(MOD));
      denied(room.check(event, { isSignedBy: (_pdu, server) => server !== 'm' }), `${label} unsigned`, /not signed by m/);
      allowed(room.check(event, { isSignedBy: (_pdu, server) => server === 'm' }), `${label} signed`);
      denied(attempt(room, member(CAROL, CAROL, 'join', { join_authorised_via_users_server: 'mod' })), `${label} not a user ID`);
      // Invited users need no authoriser.
      room.invite(MOD, CAROL);
      allowed(attempt(room, member(CAROL, CAROL, 'join')), `${label} invited`);
    }
  }
});

test('invites need membership and the invite level; targets can’t be joined or banned', () => {
  for (const rules of ALL) {
    const room = standardRoom(rules, { invite: 50 });
    allowed(attempt(room, member(MOD, CAROL, 'invite')), `v${rules.id} mod invites`);
    denied(attempt(room, member(BOB, CAROL, 'invite')), `v${rules.id} below invite level`, /permission to invite/);
    denied(attempt(room, member(EVE, CAROL, 'invite')), `v${rules.id} sender not joined`, /not in the room/);
    denied(attempt(room, member(MOD, BOB, 'invite')), `v${rules.id} target joined`, /already in the room/);
    room.ban(ADMIN, EVE);
    denied(attempt(room, member(MOD, EVE, 'invite')), `v${rules.id} target banned`, /@eve:e is banned/);
    const open = standardRoom(rules);
    allowed(attempt(open, member(BOB, CAROL, 'invite')), `v${rules.id} default invite level 0`);
  }
});

test('third-party invites: signed by a key of the m.room.third_party_invite, by its sender', () => {
  const key = signingKeyFromSeed('1', Buffer.alloc(32, 7));
  const otherKey = signingKeyFromSeed('1', Buffer.alloc(32, 9));
  for (const rules of ALL) {
    const room = standardRoom(rules);
    room.add(state('m.room.third_party_invite', MOD, { display_name: 'c…', public_key: key.publicKeyBase64, public_keys: [] }, 'tok'));
    const signed = (mxid: string, token: string, signingKey = key): Record<string, unknown> => {
      const result = signJson({ mxid, token, sender: MOD }, 'id.example', signingKey);
      assert.ok(result.ok);
      return result.value;
    };
    const invite = (sender: string, content: Record<string, unknown>, target = CAROL): AuthResult =>
      attempt(room, member(sender, target, 'invite', { third_party_invite: { display_name: 'c…', ...content } }));
    allowed(invite(MOD, { signed: signed(CAROL, 'tok') }), `v${rules.id} valid`);
    denied(invite(MOD, { signed: signed(CAROL, 'tok', otherKey) }), `v${rules.id} wrong key`, /not signed/);
    denied(invite(MOD, { signed: { ...signed(CAROL, 'tok'), mxid: '@dan:d' } }), `v${rules.id} tampered`);
    denied(invite(MOD, { signed: signed('@dan:d', 'tok') }), `v${rules.id} mxid mismatch`, /mxid/);
    denied(invite(MOD, { signed: signed(CAROL, 'nope') }), `v${rules.id} unknown token`, /token/);
    denied(invite(BOB, { signed: signed(CAROL, 'tok') }), `v${rules.id} not the inviter`, /sender of the third-party invite/);
    denied(invite(MOD, {}), `v${rules.id} no signed`, /signed/);
    room.ban(ADMIN, CAROL);
    denied(invite(MOD, { signed: signed(CAROL, 'tok') }), `v${rules.id} target banned`, /banned/);
  }
});

test('leaving: own leave, rejecting invites, retracting knocks (v7+); not when banned or absent', () => {
  for (const rules of ALL) {
    const room = standardRoom(rules);
    allowed(attempt(room, member(BOB, BOB, 'leave')), `v${rules.id} joined`);
    denied(attempt(room, member(CAROL, CAROL, 'leave')), `v${rules.id} never joined`);
    room.invite(BOB, CAROL);
    allowed(attempt(room, member(CAROL, CAROL, 'leave')), `v${rules.id} reject invite`);
    room.ban(ADMIN, EVE);
    denied(attempt(room, member(EVE, EVE, 'leave')), `v${rules.id} banned`);
    if (rules.knockJoinRule) {
      room.setJoinRule(ALICE, 'knock');
      room.knock('@dan:d');
      allowed(attempt(room, member('@dan:d', '@dan:d', 'leave')), `v${rules.id} retract knock`);
    }
  }
});

test('kicks need the kick level, membership and more power than the target', () => {
  for (const rules of ALL) {
    const room = standardRoom(rules, { users: { ...(rules.privilegedCreators ? {} : { [ALICE]: 100 }), [ADMIN]: 100, [MOD]: 50, '@mod2:m': 50 } });
    room.join('@mod2:m');
    allowed(attempt(room, member(MOD, BOB, 'leave')), `v${rules.id} mod kicks user`);
    denied(attempt(room, member(BOB, MOD, 'leave')), `v${rules.id} user kicks mod`, /permission to kick/);
    denied(attempt(room, member(MOD, '@mod2:m', 'leave')), `v${rules.id} equal power`, /not below yours/);
    denied(attempt(room, member(MOD, ADMIN, 'leave')), `v${rules.id} higher power`, /not below yours/);
    denied(attempt(room, member(CAROL, BOB, 'leave')), `v${rules.id} kicker not joined`, /not in the room/);
    allowed(attempt(room, member(ADMIN, MOD, 'leave')), `v${rules.id} admin kicks mod`);
    const kickHigh = standardRoom(rules, { kick: 75 });
    denied(attempt(kickHigh, member(MOD, BOB, 'leave')), `v${rules.id} below kick level`, /permission to kick/);
  }
});

test('bans need the ban level and more power; unbans also the kick level', () => {
  for (const rules of ALL) {
    const room = standardRoom(rules);
    allowed(attempt(room, member(MOD, CAROL, 'ban')), `v${rules.id} ban a non-member`);
    allowed(attempt(room, member(MOD, BOB, 'ban')), `v${rules.id} ban a member`);
    denied(attempt(room, member(BOB, CAROL, 'ban')), `v${rules.id} below ban level`, /permission to ban/);
    denied(attempt(room, member(MOD, ADMIN, 'ban')), `v${rules.id} higher target`, /not below yours/);
    denied(attempt(room, member(CAROL, BOB, 'ban')), `v${rules.id} banner not joined`, /not in the room/);
    room.ban(MOD, EVE);
    allowed(attempt(room, member(MOD, EVE, 'leave')), `v${rules.id} unban with ban power`);
    denied(attempt(room, member(BOB, EVE, 'leave')), `v${rules.id} unban without ban power`, /unban/);

    const split = standardRoom(rules, { ban: 75, kick: 50 });
    split.ban(ADMIN, EVE);
    denied(attempt(split, member(MOD, EVE, 'leave')), `v${rules.id} kick level only`, /unban/);
    const banOnly = standardRoom(rules, { ban: 50, kick: 75 });
    banOnly.ban(MOD, EVE);
    denied(attempt(banOnly, member(MOD, EVE, 'leave')), `v${rules.id} ban level only`, /kick/);
  }
});

test('knocks (v7+): only under knock or (v10+) knock_restricted, for oneself, not when invited, joined or banned', () => {
  for (const rules of ALL) {
    const room = standardRoom(rules, {}, 'knock');
    const knock = attempt(room, member(CAROL, CAROL, 'knock'));
    if (!rules.knockJoinRule) {
      denied(knock, `v${rules.id} knock membership unknown`, /Unknown membership/);
      continue;
    }
    allowed(knock, `v${rules.id} knock`);
    denied(attempt(room, member(BOB, CAROL, 'knock')), `v${rules.id} for someone else`, /behalf/);
    denied(attempt(room, member(BOB, BOB, 'knock')), `v${rules.id} joined`, /already in the room/);
    room.invite(BOB, CAROL);
    denied(attempt(room, member(CAROL, CAROL, 'knock')), `v${rules.id} invited`, /already invited/);
    room.ban(ADMIN, EVE);
    denied(attempt(room, member(EVE, EVE, 'knock')), `v${rules.id} banned`, /banned/);

    const inviteOnly = standardRoom(rules, {}, 'invite');
    denied(attempt(inviteOnly, member(CAROL, CAROL, 'knock')), `v${rules.id} invite-only`, /does not accept knocks/);
    const knockRestricted = standardRoom(rules, {}, 'knock_restricted');
    const result = attempt(knockRestricted, member(CAROL, CAROL, 'knock'));
    if (rules.knockRestrictedJoinRule) allowed(result, `v${rules.id} knock_restricted`);
    else denied(result, `v${rules.id} knock_restricted unknown`);
  }
});

test('member events need a state_key and a known membership', () => {
  for (const rules of ALL) {
    const room = standardRoom(rules);
    denied(attempt(room, { type: 'm.room.member', sender: BOB, content: { membership: 'join' } }), `v${rules.id} no state_key`);
    denied(attempt(room, state('m.room.member', BOB, {}, BOB)), `v${rules.id} no membership`, /membership/);
    denied(attempt(room, state('m.room.member', BOB, { membership: 'dance' }, BOB)), `v${rules.id} unknown`, /Unknown membership/);
  }
});

test('other events: sender joined, required power level, user-owned state keys, third_party_invite', () => {
  for (const rules of ALL) {
    const room = standardRoom(rules, { events: { 'm.room.topic': 10, 'm.custom': 60 }, invite: 50 });
    allowed(attempt(room, message(BOB)), `v${rules.id} message`);
    denied(attempt(room, message(CAROL)), `v${rules.id} not joined`, /@carol:c is not in the room/);
    denied(attempt(room, state('m.room.name', BOB, { name: 'n' })), `v${rules.id} below state_default`, /permission to send m\.room\.name/);
    allowed(attempt(room, state('m.room.name', MOD, { name: 'n' })), `v${rules.id} state at state_default`);
    denied(attempt(room, state('m.room.topic', BOB, { topic: 't' })), `v${rules.id} below events[type]`);
    denied(attempt(room, { type: 'm.custom', sender: MOD, content: {} }), `v${rules.id} message type above`);
    allowed(attempt(room, state('m.custom.state', MOD, {}, MOD)), `v${rules.id} own user state`);
    denied(attempt(room, state('m.custom.state', MOD, {}, BOB)), `v${rules.id} another user's state`, /belongs to another user/);
    allowed(attempt(room, state('m.custom.state', ADMIN, {}, 'x@y')), `v${rules.id} @ not first`);
    denied(attempt(room, state('m.room.third_party_invite', BOB, {}, 't')), `v${rules.id} 3pid below invite`, /invite/);
    allowed(attempt(room, state('m.room.third_party_invite', MOD, {}, 't')), `v${rules.id} 3pid at invite`);
  }
});

test('power levels: no raising above yourself, no touching equal or higher users, own level may drop', () => {
  for (const rules of ALL) {
    const creator = rules.privilegedCreators ? {} : { [ALICE]: 100 };
    const users = { ...creator, [ADMIN]: 100, [MOD]: 50, '@mod2:m': 50 };
    const room = standardRoom(rules, { users, kick: 75 });
    const pl = (sender: string, content: Record<string, unknown>): AuthResult =>
      attempt(room, state('m.room.power_levels', sender, { users, kick: 75, ...content }));
    allowed(pl(ADMIN, {}), `v${rules.id} unchanged`);
    allowed(pl(MOD, { users: { ...users, [BOB]: 50 } }), `v${rules.id} raise to own level`);
    denied(pl(MOD, { users: { ...users, [BOB]: 51 } }), `v${rules.id} raise above own`, /above your own/);
    denied(pl(MOD, { users: { ...users, '@mod2:m': 0 } }), `v${rules.id} demote equal`, /not below yours/);
    allowed(pl(MOD, { users: { ...users, [MOD]: 10 } }), `v${rules.id} demote self`);
    denied(pl(MOD, { users: { ...users, [ADMIN]: 0 } }), `v${rules.id} demote higher`);
    allowed(pl(ADMIN, { users: { ...users, [MOD]: 0 } }), `v${rules.id} admin demotes mod`);
    denied(pl(BOB, {}), `v${rules.id} below state_default`, /permission/);
    // Named levels: neither the old nor the new value above the sender.
    allowed(pl(MOD, { ban: 40 }), `v${rules.id} lower ban from default 50`);
    denied(pl(MOD, { kick: 40 }), `v${rules.id} change kick from 75`, /"kick"/);
    denied(pl(MOD, { redact: 60 }), `v${rules.id} add redact above own`);
    // events entries.
    const withEvents = standardRoom(rules, { users, events: { 'm.room.name': 100 } });
    const events = (sender: string, value: Record<string, unknown>): AuthResult =>
      attempt(withEvents, state('m.room.power_levels', sender, { users, events: value }));
    denied(events(MOD, { 'm.room.name': 50 }), `v${rules.id} lower an events entry above own`, /m\.room\.name/);
    denied(events(MOD, {}), `v${rules.id} remove an events entry above own`);
    allowed(events(MOD, { 'm.room.name': 100, 'm.room.topic': 50 }), `v${rules.id} add events entry at own`);
    denied(events(MOD, { 'm.room.name': 100, 'm.room.topic': 51 }), `v${rules.id} add events entry above own`);
  }
});

test('the first power levels event is allowed whatever its values; malformed users never', () => {
  for (const rules of ALL) {
    const room = buildRoom({ version: rules.id, creator: ALICE, preset: 'bare' });
    room.join(ALICE);
    const first = (content: Record<string, unknown>): AuthResult => attempt(room, state('m.room.power_levels', ALICE, content));
    allowed(first({ users: { [BOB]: 1000 }, ban: 1000 }), `v${rules.id} anything goes`);
    denied(first({ users: { bob: 10 } }), `v${rules.id} invalid user ID`, /invalid user ID/);
    denied(first({ users: { [BOB]: 'ten' } }), `v${rules.id} invalid level`);
  }
});

test('stringy power levels: accepted and compared as numbers in v1–v9, rejected in v10+', () => {
  for (const rules of ALL) {
    const creator = rules.privilegedCreators ? {} : { [ALICE]: 100 };
    const room = standardRoom(rules);
    const stringy = attempt(room, state('m.room.power_levels', ADMIN, { users: { ...creator, [ADMIN]: '100', [MOD]: ' +50 ' }, ban: '50' }));
    if (rules.enforceIntPowerLevels) denied(stringy, `v${rules.id} strings`, /integer/);
    else allowed(stringy, `v${rules.id} strings`);
    for (const content of [{ ban: '50' }, { events: { 'm.room.name': '50' } }, { notifications: { room: '50' } }, { users_default: ' 0' }]) {
      const result = attempt(room, state('m.room.power_levels', ADMIN, { users: { ...creator, [ADMIN]: 100, [MOD]: 50 }, ...content }));
      if (rules.enforceIntPowerLevels) denied(result, `v${rules.id} ${JSON.stringify(content)}`, /integer/);
      else allowed(result, `v${rules.id} ${JSON.stringify(content)}`);
    }
    if (!rules.enforceIntPowerLevels) {
      // A stringy users entry counts at its value: mod at "50" can't be demoted by mod2 at 50.
      const stringRoom = standardRoom(rules, { users: { ...creator, [MOD]: '50', '@mod2:m': 50 } });
      stringRoom.join('@mod2:m');
      denied(
        attempt(stringRoom, state('m.room.power_levels', '@mod2:m', { users: { ...creator, [MOD]: 0, '@mod2:m': 50 } })),
        `v${rules.id} stringy equal`,
      );
      allowed(attempt(stringRoom, message(MOD)), `v${rules.id} stringy member sends`);
    }
  }
});

test('notifications levels are protected from v6 on', () => {
  for (const rules of ALL) {
    const creator = rules.privilegedCreators ? {} : { [ALICE]: 100 };
    const users = { ...creator, [ADMIN]: 100, [MOD]: 50 };
    const room = standardRoom(rules, { users, notifications: { room: 100 } });
    const lower = attempt(room, state('m.room.power_levels', MOD, { users, notifications: { room: 0 } }));
    const raise = attempt(room, state('m.room.power_levels', MOD, { users, notifications: { room: 100, other: 99 } }));
    if (rules.limitNotificationsPowerLevels) {
      denied(lower, `v${rules.id} lower room notifications`, /notifications/);
      denied(raise, `v${rules.id} add above own`);
    } else {
      allowed(lower, `v${rules.id} lower room notifications`);
      allowed(raise, `v${rules.id} add above own`);
    }
  }
});

test('v12: creators and additional_creators have infinite power and can’t be listed in power levels', () => {
  const rules = ROOM_VERSIONS.get('12')!;
  const room = buildRoom({ version: '12', creator: ALICE, preset: 'bare', createContent: { additional_creators: [CAROL] } });
  room.join(ALICE);
  denied(attempt(room, state('m.room.power_levels', ALICE, { users: { [ALICE]: 100 } })), 'creator listed', /creator @alice:a/);
  denied(attempt(room, state('m.room.power_levels', ALICE, { users: { [CAROL]: 100 } })), 'additional creator listed', /@carol:c/);
  room.setPowerLevels(ALICE, { users: { [ADMIN]: 100 }, state_default: 100, ban: 100, kick: 100 });
  room.setJoinRule(ALICE, 'public');
  room.join(ADMIN);
  room.join(CAROL);
  allowed(attempt(room, state('m.room.name', CAROL, { name: 'x' })), 'additional creator sends state without a users entry');
  allowed(attempt(room, state('m.room.power_levels', CAROL, { users: { [ADMIN]: 0 }, state_default: 1000 })), 'creator demotes admin');
  denied(attempt(room, member(ADMIN, ALICE, 'ban')), 'admin bans creator', /not below yours/);
  denied(attempt(room, member(ADMIN, CAROL, 'leave')), 'admin kicks additional creator');
  denied(attempt(room, member(ALICE, CAROL, 'ban')), 'creators cannot ban each other');
  allowed(attempt(room, member(ALICE, ADMIN, 'ban')), 'creator bans admin');
  allowed(room.check(room.latest()), 'builder events pass');
  assert.equal(rules.privilegedCreators, true);

  // Before v12 the same additional_creators content gives no power.
  const v11 = buildRoom({ version: '11', creator: ALICE, createContent: { additional_creators: [CAROL] } });
  v11.join(CAROL);
  denied(attempt(v11, state('m.room.name', CAROL, { name: 'x' })), 'v11 additional creator has no power');
});

test('redactions: v1–v2 need the redact level or the same server; v3+ only the event type level', () => {
  for (const rules of ALL) {
    const room = standardRoom(rules, { events: { 'm.room.redaction': 0 } });
    const bobMsg = room.message(BOB);
    const modMsg = room.message(MOD);
    const redact = (sender: string, target: RoomEvent): AuthResult => {
      const content = rules.updatedRedactionRules ? { redacts: target.eventId } : {};
      return attempt(room, { type: 'm.room.redaction', sender, content }, { extra: rules.updatedRedactionRules ? {} : { redacts: target.eventId } });
    };
    allowed(redact(BOB, bobMsg), `v${rules.id} own event`);
    allowed(redact(MOD, bobMsg), `v${rules.id} mod`);
    const other = redact(BOB, modMsg);
    if (rules.eventIdFormat === 'random') denied(other, `v${rules.id} another server's event`, /redact/);
    else allowed(other, `v${rules.id} another server's event (checked on receipt instead)`);
    const closed = standardRoom(rules, { events: { 'm.room.redaction': 50 } });
    denied(attempt(closed, { type: 'm.room.redaction', sender: BOB, content: { redacts: '$x' } }, { extra: { redacts: '$x:b' } }), `v${rules.id} type level`);
  }
});

test('the builder: v1/v2 reference pairs and event IDs, depth, state snapshots and forks', () => {
  for (const rules of ALL) {
    const room = standardRoom(rules);
    const events = room.events();
    for (const [index, event] of events.entries()) assert.equal(event.pdu.depth, index + 1);
    const join = events[1]!;
    if (rules.eventIdFormat === 'random') {
      assert.match(join.eventId, /^\$\d+:a$/);
      assert.ok(Array.isArray(join.pdu.prev_events[0]));
    } else {
      assert.equal(typeof join.pdu.prev_events[0], 'string');
    }
    assert.equal(room.roomId, room.create.roomId as RoomId);
    // A fork from the join rules: its state doesn't include later joins.
    const joinRules = events[3]!;
    const forked = room.add(message(ALICE), { prevEvents: [joinRules.eventId] });
    assert.equal(room.stateAfter(forked.eventId).has(stateKey('m.room.member', BOB)), false);
    assert.equal(room.stateAfter(events.at(-1)!.eventId).has(stateKey('m.room.member', BOB)), true);
    allowed(checkAuthRules(forked, room.authStateFor(forked), rules), `v${rules.id} forked`);
  }
});

test('before the first power levels event: the creator has 100, others 0 and state needs 50', () => {
  for (const rules of ALL) {
    const room = buildRoom({ version: rules.id, creator: ALICE, preset: 'bare' });
    room.join(ALICE);
    room.setJoinRule(ALICE, 'public');
    room.join(BOB);
    denied(attempt(room, state('m.room.name', BOB, { name: 'x' })), `v${rules.id} member sends state`, /permission/);
    allowed(attempt(room, message(BOB)), `v${rules.id} member sends a message`);
    allowed(attempt(room, state('m.room.name', ALICE, { name: 'x' })), `v${rules.id} creator sends state`);
    allowed(attempt(room, member(ALICE, BOB, 'ban')), `v${rules.id} creator bans`);
    denied(attempt(room, member(BOB, ALICE, 'leave')), `v${rules.id} member kicks creator`, /kick/);
    denied(attempt(room, state('m.room.power_levels', BOB, { users: { [BOB]: 0 } })), `v${rules.id} member sends power levels`);
  }
});
