/**
 * POST /createRoom: the room's first events in the spec's order, persisted atomically, then invites.
 * Spec: client-server-api "Creation" and create_room.yaml (v1.19); presets and power levels as Synapse
 * sets them (private chats let members invite; trusted_private_chat makes invitees admins / v12 creators).
 */
import type { Logger } from 'pino';
import { MatrixError, invalidParam } from '../core/errors.js';
import { isUserId, type RoomId, type ServerName, type UserId } from '../core/ids.js';
import type { EventDraft } from '../rooms/build-event.js';
import { randomId } from '../rooms/hashes.js';
import { EventType } from '../rooms/pdu.js';
import { powerLevelsContentProblem } from '../rooms/power-levels.js';
import { roomVersionRules, type RoomVersionRules } from '../rooms/room-versions.js';
import type { RoomsStore } from '../storage/types.js';
import type { DirectoryService } from './directory.js';
import type { MembershipService } from './membership.js';
import type { Requester } from './requester.js';
import type { RoomEventsService } from './room-events.js';

export type Preset = 'private_chat' | 'trusted_private_chat' | 'public_chat';

export interface CreateRoomRequest {
  readonly visibility?: 'public' | 'private';
  readonly room_alias_name?: string;
  readonly name?: string;
  readonly topic?: string;
  readonly invite?: readonly string[];
  readonly invite_3pid?: readonly unknown[];
  readonly room_version?: string;
  readonly creation_content?: Record<string, unknown>;
  readonly initial_state?: ReadonlyArray<{ type: string; state_key?: string; content: Record<string, unknown> }>;
  readonly preset?: Preset;
  readonly is_direct?: boolean;
  readonly power_level_content_override?: Record<string, unknown>;
}

export interface RoomCreateDeps {
  readonly events: RoomEventsService;
  readonly membership: MembershipService;
  readonly directory: DirectoryService;
  readonly rooms: Pick<RoomsStore, 'setRoomPublic'>;
  readonly serverName: ServerName;
  readonly defaultRoomVersion: string;
  readonly memberProfile: (userId: UserId) => Promise<Record<string, unknown>>;
  readonly log: Logger;
}

const PRESETS: Record<Preset, { joinRule: string; historyVisibility: string; guestAccess: string | null; inviteesAreAdmins: boolean }> = {
  private_chat: { joinRule: 'invite', historyVisibility: 'shared', guestAccess: 'can_join', inviteesAreAdmins: false },
  trusted_private_chat: { joinRule: 'invite', historyVisibility: 'shared', guestAccess: 'can_join', inviteesAreAdmins: true },
  public_chat: { joinRule: 'public', historyVisibility: 'shared', guestAccess: null, inviteesAreAdmins: false },
};

/** Synapse's default power levels for a new room. */
function defaultPowerLevels(creator: UserId, admins: readonly UserId[], preset: Preset, rules: RoomVersionRules): Record<string, unknown> {
  const users: Record<string, number> = {};
  // v12: creators have infinite power and must not be listed (rooms/v12 auth rule 10.4).
  if (!rules.privilegedCreators) {
    users[creator] = 100;
    for (const admin of admins) users[admin] = 100;
  }
  return {
    users,
    users_default: 0,
    events: {
      'm.room.name': 50,
      'm.room.power_levels': 100,
      'm.room.history_visibility': 100,
      'm.room.canonical_alias': 50,
      'm.room.avatar': 50,
      'm.room.tombstone': 100,
      'm.room.server_acl': 100,
      'm.room.encryption': 100,
    },
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    // Members of private chats may invite others (Synapse's presets).
    invite: preset === 'public_chat' ? 50 : 0,
    historical: 100,
    notifications: { room: 50 },
  };
}

function validate(request: CreateRoomRequest): void {
  for (const invitee of request.invite ?? []) {
    if (typeof invitee !== 'string' || !isUserId(invitee)) throw invalidParam(`Invalid user ID in invite: ${String(invitee)}`);
  }
  if (request.invite_3pid && request.invite_3pid.length > 0) {
    throw new MatrixError('M_UNRECOGNIZED', 'Third-party invites need an identity server, which this server does not use', { status: 400 });
  }
  for (const event of request.initial_state ?? []) {
    if (!event || typeof event.type !== 'string' || typeof event.content !== 'object' || event.content === null) {
      throw new MatrixError('M_BAD_JSON', 'initial_state entries need a type and a content object');
    }
    if (event.state_key !== undefined && typeof event.state_key !== 'string') throw new MatrixError('M_BAD_JSON', 'state_key must be a string');
  }
}

export function createRoomCreateService(deps: RoomCreateDeps) {
  return {
    async createRoom(requester: Requester, request: CreateRoomRequest): Promise<{ room_id: RoomId; room_alias?: string }> {
      validate(request);
      const version = request.room_version ?? deps.defaultRoomVersion;
      const rules = roomVersionRules(version);
      if (!rules) throw new MatrixError('M_UNSUPPORTED_ROOM_VERSION', `Room version ${version} is not supported by this server`);
      const preset: Preset = request.preset ?? (request.visibility === 'public' ? 'public_chat' : 'private_chat');
      const settings = PRESETS[preset];
      if (!settings) throw invalidParam(`Unknown preset ${String(preset)}`);
      const creator = requester.userId;
      const invitees = [...new Set((request.invite ?? []) as UserId[])].filter((id) => id !== creator);
      for (const invitee of invitees) await deps.membership.checkInvitee(invitee);

      let alias: string | undefined;
      if (request.room_alias_name !== undefined) {
        alias = `#${request.room_alias_name}:${deps.serverName}`;
        await deps.directory.checkNewAlias(alias);
      }

      const createContent: Record<string, unknown> = { ...request.creation_content, room_version: rules.id };
      if (!rules.implicitRoomCreator) createContent.creator = creator;
      else delete createContent.creator;
      if (rules.privilegedCreators && settings.inviteesAreAdmins && invitees.length > 0) {
        const extra = Array.isArray(createContent.additional_creators) ? (createContent.additional_creators as string[]) : [];
        createContent.additional_creators = [...new Set([...extra, ...invitees])];
      }

      const drafts: EventDraft[] = [
        { type: EventType.Create, sender: creator, state_key: '', content: createContent },
        { type: EventType.Member, sender: creator, state_key: creator, content: { ...(await deps.memberProfile(creator)), membership: 'join' } },
      ];
      const initialState = new Map((request.initial_state ?? []).map((event) => [`${event.type}\u0000${event.state_key ?? ''}`, event]));
      const takeInitial = (type: string) => {
        const event = initialState.get(`${type}\u0000`);
        initialState.delete(`${type}\u0000`);
        return event?.content;
      };
      const state = (type: string, content: Record<string, unknown>, key = ''): EventDraft => ({ type, sender: creator, state_key: key, content });

      const powerLevels =
        takeInitial(EventType.PowerLevels) ??
        defaultPowerLevels(creator, settings.inviteesAreAdmins && !rules.privilegedCreators ? invitees : [], preset, rules);
      const powerLevelsContent = { ...powerLevels, ...request.power_level_content_override };
      const powerLevelsProblem = powerLevelsContentProblem(powerLevelsContent, rules);
      if (powerLevelsProblem) throw new MatrixError('M_BAD_JSON', powerLevelsProblem);
      drafts.push(state(EventType.PowerLevels, powerLevelsContent));
      if (alias) drafts.push(state(EventType.CanonicalAlias, { alias }));
      drafts.push(state(EventType.JoinRules, takeInitial(EventType.JoinRules) ?? { join_rule: settings.joinRule }));
      drafts.push(state(EventType.HistoryVisibility, takeInitial(EventType.HistoryVisibility) ?? { history_visibility: settings.historyVisibility }));
      const guestAccess = takeInitial(EventType.GuestAccess) ?? (settings.guestAccess ? { guest_access: settings.guestAccess } : undefined);
      if (guestAccess) drafts.push(state(EventType.GuestAccess, guestAccess));
      for (const event of initialState.values()) {
        if (event.type === EventType.Create || event.type === EventType.Member) continue;
        drafts.push(state(event.type, event.content, event.state_key ?? ''));
      }
      if (request.name !== undefined) {
        if (typeof request.name !== 'string') throw new MatrixError('M_BAD_JSON', 'name must be a string');
        drafts.push(state(EventType.Name, { name: request.name }));
      }
      if (request.topic !== undefined) {
        if (typeof request.topic !== 'string') throw new MatrixError('M_BAD_JSON', 'topic must be a string');
        drafts.push(state(EventType.Topic, { topic: request.topic, 'm.topic': { 'm.text': [{ body: request.topic }] } }));
      }

      const roomId = rules.roomIdFromCreateEvent ? null : (randomId('!', deps.serverName) as RoomId);
      const created = await deps.events.createRoom(rules, roomId, creator, drafts);
      if (alias) await deps.directory.createAlias(alias, created.roomId, creator);
      if (request.visibility === 'public') await deps.rooms.setRoomPublic(created.roomId, true);

      for (const invitee of invitees) {
        try {
          await deps.membership.invite(requester, created.roomId, invitee, { isDirect: request.is_direct === true });
        } catch (error) {
          // Invitees were checked first; a failure now leaves the room created and is logged.
          deps.log.warn({ err: error, invitee }, 'invite during room creation failed');
        }
      }
      return alias ? { room_id: created.roomId, room_alias: alias } : { room_id: created.roomId };
    },
  };
}

export type RoomCreateService = ReturnType<typeof createRoomCreateService>;
