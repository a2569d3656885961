/**
 * Reporting content. Spec: client-server-api "Reporting Content" (modules/report_content.md,
 * report_content.yaml; v1.19):
 * - an event: the reporter must be joined to its room and able to see it, else 404 (also for an
 *   unknown room or event); `score` (removed from the spec in v1.18) is still accepted, -100..0;
 * - a room (v1.13): no membership needed ("servers MUST NOT restrict room reports"); 404 for a room this
 *   server doesn't know, as the spec describes;
 * - a user (v1.14): 200 whether or not the user exists (the spec lets servers hide it; Synapse does),
 *   stored only for an existing local user.
 * Reports are stored for the admin API (ReportsStore).
 */
import type { Clock } from '../core/clock.js';
import { MatrixError, notFound } from '../core/errors.js';
import { parseUserId, type EventId, type RoomId, type UserId } from '../core/ids.js';
import { membershipOf } from '../rooms/pdu.js';
import type { ReportsStore, RoomsStore, UsersStore } from '../storage/types.js';
import type { HistoryVisibilityService } from './history-visibility.js';
import type { RoomAccessService } from './room-access.js';
import type { Requester } from './requester.js';

/** Longest reason kept (Synapse's limit). */
export const MAX_REASON_LENGTH = 1_000;

export interface ReportsDeps {
  readonly reports: Pick<ReportsStore, 'add'>;
  readonly rooms: Pick<RoomsStore, 'getEvents' | 'getRoom'>;
  readonly users: Pick<UsersStore, 'getUser'>;
  readonly access: Pick<RoomAccessService, 'standingIn' | 'memberEventOf'>;
  readonly visibility: Pick<HistoryVisibilityService, 'canSee'>;
  readonly serverName: string;
  readonly clock: Clock;
}

function checkReason(reason: string | undefined): string | null {
  if (reason === undefined) return null;
  if (reason.length > MAX_REASON_LENGTH) throw new MatrixError('M_BAD_JSON', `reason must be at most ${MAX_REASON_LENGTH} characters`);
  return reason;
}

export function createReportsService(deps: ReportsDeps) {
  const { reports, clock } = deps;

  return {
    /** POST /rooms/{roomId}/report/{eventId} @throws MatrixError 404, 400 */
    async reportEvent(requester: Requester, roomId: RoomId, eventId: EventId, body: { reason?: string | undefined; score?: number | undefined }): Promise<void> {
      const reason = checkReason(body.reason);
      if (body.score !== undefined && (body.score < -100 || body.score > 0)) {
        throw new MatrixError('M_INVALID_PARAM', 'score must be an integer from -100 to 0');
      }
      const missing = () => notFound('The event was not found or you are not joined to the room.');
      const event = (await deps.rooms.getEvents([eventId])).get(eventId);
      if (!event || event.roomId !== roomId) throw missing();
      const found = await deps.access.standingIn(roomId, requester.userId);
      if (!found) throw missing();
      // Spec v1.8: "servers MUST verify that the reporting user is currently joined to the room".
      const member = await deps.access.memberEventOf(found.room, requester.userId);
      if (!member || membershipOf(member.pdu) !== 'join' || !(await deps.visibility.canSee(found.standing, event))) throw missing();
      await reports.add({
        kind: 'event',
        reporter: requester.userId,
        receivedTs: clock.now(),
        reason,
        score: body.score ?? null,
        roomId,
        eventId,
        targetUserId: null,
      });
    },

    /** POST /rooms/{roomId}/report @throws MatrixError 404, 400 */
    async reportRoom(requester: Requester, roomId: RoomId, body: { reason: string }): Promise<void> {
      const reason = checkReason(body.reason);
      if (!(await deps.rooms.getRoom(roomId))) throw notFound('The room was not found.');
      await reports.add({
        kind: 'room',
        reporter: requester.userId,
        receivedTs: clock.now(),
        reason,
        score: null,
        roomId,
        eventId: null,
        targetUserId: null,
      });
    },

    /** POST /users/{userId}/report: succeeds whether or not the user exists. @throws MatrixError 400 */
    async reportUser(requester: Requester, userId: string, body: { reason: string }): Promise<void> {
      const reason = checkReason(body.reason);
      const parsed = parseUserId(userId);
      if (!parsed) throw new MatrixError('M_INVALID_PARAM', 'Invalid user ID');
      if (parsed.serverName !== deps.serverName) return;
      if (!(await deps.users.getUser(userId as UserId))) return;
      await reports.add({
        kind: 'user',
        reporter: requester.userId,
        receivedTs: clock.now(),
        reason,
        score: null,
        roomId: null,
        eventId: null,
        targetUserId: userId as UserId,
      });
    },
  };
}

export type ReportsService = ReturnType<typeof createReportsService>;
