/**
 * Reporting content. Spec: client-server-api "Reporting Content", report_content.yaml (v1.19):
 * events, rooms (v1.13) and users (v1.14).
 */
import { Type } from 'typebox';
import type { EventId, RoomId } from '../../core/ids.js';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

const RoomParams = Type.Object({ roomId: Type.String() });
const EventParams = Type.Object({ roomId: Type.String(), eventId: Type.String() });
const UserParams = Type.Object({ userId: Type.String() });
// reportEvent: `reason` optional; `score` was removed in v1.18 and is still accepted (-100..0).
const EventReportBody = Type.Object({ reason: Type.Optional(Type.String()), score: Type.Optional(Type.Integer()) });
// reportRoom, reportUser: `reason` required (may be blank).
const ReportBody = Type.Object({ reason: Type.String() });

export function reportsRoutes(app: TypedApp, services: Pick<Services, 'reports'>): void {
  const { reports } = services;

  /** POST /_matrix/client/v3/rooms/{roomId}/report/{eventId} */
  app.post('/rooms/:roomId/report/:eventId', { config: { auth: 'required' }, schema: { params: EventParams, body: EventReportBody } }, async (request) => {
    await reports.reportEvent(requesterOf(request), request.params.roomId as RoomId, request.params.eventId as EventId, request.body);
    return {};
  });

  /** POST /_matrix/client/v3/rooms/{roomId}/report */
  app.post('/rooms/:roomId/report', { config: { auth: 'required' }, schema: { params: RoomParams, body: ReportBody } }, async (request) => {
    await reports.reportRoom(requesterOf(request), request.params.roomId as RoomId, request.body);
    return {};
  });

  /** POST /_matrix/client/v3/users/{userId}/report */
  app.post('/users/:userId/report', { config: { auth: 'required' }, schema: { params: UserParams, body: ReportBody } }, async (request) => {
    await reports.reportUser(requesterOf(request), request.params.userId, request.body);
    return {};
  });
}
