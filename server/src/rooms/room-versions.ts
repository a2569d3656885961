/**
 * The stable room versions 1–12 as records of feature flags, so protocol code branches on a named
 * behaviour, never on a version string. Spec: content/rooms/v1.md … v12.md (v1.19);
 * Synapse's `RoomVersion` has the same shape.
 */

export interface RoomVersionRules {
  readonly id: string;
  /**
   * Event ID format. `random` (v1, v2): `$opaque:server`, carried in the PDU as `event_id`, with
   * `prev_events`/`auth_events` as `[event_id, {sha256}]` pairs. `base64` (v3): the reference hash in
   * standard unpadded base64. `urlsafe` (v4+): the reference hash in URL-safe unpadded base64.
   */
  readonly eventIdFormat: 'random' | 'base64' | 'urlsafe';
  /** State resolution algorithm: v1 (room v1), v2 (v2–v11), v2.1 (v12: starts from the unconflicted state's auth). */
  readonly stateRes: 'v1' | 'v2' | 'v2.1';
  /** v5+: signing keys must be valid at origin_server_ts (server-server, "Validating signing keys"). */
  readonly enforceKeyValidity: boolean;
  /** v1–v5: the m.room.aliases auth rule (rule 4 of v1–v5; removed in v6). */
  readonly specialCaseAliasesAuth: boolean;
  /** v6+: reject events whose JSON holds floats or integers outside [-(2^53)+1, (2^53)-1]. */
  readonly strictCanonicalJson: boolean;
  /** v6+: the `notifications` key of power levels is checked by the auth rules when it changes. */
  readonly limitNotificationsPowerLevels: boolean;
  /** v7+: the `knock` join rule and membership. */
  readonly knockJoinRule: boolean;
  /** v8+: the `restricted` join rule with `allow` conditions. */
  readonly restrictedJoinRule: boolean;
  /** v9+: redaction keeps `join_authorised_via_users_server` of member events. */
  readonly restrictedJoinRuleRedaction: boolean;
  /** v10+: the `knock_restricted` join rule. */
  readonly knockRestrictedJoinRule: boolean;
  /** v10+: power level values must be integers, not strings. */
  readonly enforceIntPowerLevels: boolean;
  /** v11+: the creator is the create event's sender (`content.creator` is gone). */
  readonly implicitRoomCreator: boolean;
  /** v11+: the updated redaction algorithm (create keeps all content, power levels keep `invite`, `redacts` in content). */
  readonly updatedRedactionRules: boolean;
  /** v12: the room ID is `!` + the create event's reference hash; the create event has no `room_id` and is never an auth event. */
  readonly roomIdFromCreateEvent: boolean;
  /** v12: the create event's sender and `additional_creators` have infinite power and can't appear in power levels. */
  readonly privilegedCreators: boolean;
}

const V1: RoomVersionRules = {
  id: '1',
  eventIdFormat: 'random',
  stateRes: 'v1',
  enforceKeyValidity: false,
  specialCaseAliasesAuth: true,
  strictCanonicalJson: false,
  limitNotificationsPowerLevels: false,
  knockJoinRule: false,
  restrictedJoinRule: false,
  restrictedJoinRuleRedaction: false,
  knockRestrictedJoinRule: false,
  enforceIntPowerLevels: false,
  implicitRoomCreator: false,
  updatedRedactionRules: false,
  roomIdFromCreateEvent: false,
  privilegedCreators: false,
};
const V2: RoomVersionRules = { ...V1, id: '2', stateRes: 'v2' };
const V3: RoomVersionRules = { ...V2, id: '3', eventIdFormat: 'base64' };
const V4: RoomVersionRules = { ...V3, id: '4', eventIdFormat: 'urlsafe' };
const V5: RoomVersionRules = { ...V4, id: '5', enforceKeyValidity: true };
const V6: RoomVersionRules = {
  ...V5,
  id: '6',
  specialCaseAliasesAuth: false,
  strictCanonicalJson: true,
  limitNotificationsPowerLevels: true,
};
const V7: RoomVersionRules = { ...V6, id: '7', knockJoinRule: true };
const V8: RoomVersionRules = { ...V7, id: '8', restrictedJoinRule: true };
const V9: RoomVersionRules = { ...V8, id: '9', restrictedJoinRuleRedaction: true };
const V10: RoomVersionRules = { ...V9, id: '10', knockRestrictedJoinRule: true, enforceIntPowerLevels: true };
const V11: RoomVersionRules = { ...V10, id: '11', implicitRoomCreator: true, updatedRedactionRules: true };
const V12: RoomVersionRules = { ...V11, id: '12', stateRes: 'v2.1', roomIdFromCreateEvent: true, privilegedCreators: true };

/** Every stable room version, keyed by its identifier. */
export const ROOM_VERSIONS: ReadonlyMap<string, RoomVersionRules> = new Map(
  [V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12].map((rules) => [rules.id, rules]),
);

/** The version's rules, or null for a version this server doesn't know. */
export function roomVersionRules(id: string): RoomVersionRules | null {
  return ROOM_VERSIONS.get(id) ?? null;
}

/** For /capabilities `m.room_versions`: every version here is stable. */
export function availableRoomVersions(): Record<string, 'stable'> {
  return Object.fromEntries([...ROOM_VERSIONS.keys()].map((id) => [id, 'stable' as const]));
}
