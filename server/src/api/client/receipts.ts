/**
 * Read receipts. Spec: client-server-api "Receipts", receipts.yaml (v1.19; thread_id since v1.4).
 */
import { Type } from 'typebox';
import type { RoomId } from '../../core/ids.js';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';
import type { ClientReceiptType } from '../../services/receipts.js';

const ReceiptParams = Type.Object({ roomId: Type.String(), receiptType: Type.String(), eventId: Type.String() });
// receipts.yaml: an object with an optional thread_id; its checks (non-empty string, not with
// m.fully_read) give M_INVALID_PARAM in the service, so it is left unconstrained here.
const ReceiptBody = Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]);

export function receiptsRoutes(app: TypedApp, services: Pick<Services, 'receipts'>): void {
  /** POST /_matrix/client/v3/rooms/{roomId}/receipt/{receiptType}/{eventId} */
  app.post(
    '/rooms/:roomId/receipt/:receiptType/:eventId',
    { config: { auth: 'required', allowGuests: true }, schema: { params: ReceiptParams, body: ReceiptBody } },
    async (request) => {
      const { roomId, receiptType, eventId } = request.params;
      // Older clients post no body at all (r0): read it as {}.
      const body = (request.body ?? {}) as Record<string, unknown>;
      const threadId = 'thread_id' in body ? (body.thread_id as string) : undefined;
      await services.receipts.setReceipt(requesterOf(request), roomId as RoomId, receiptType as ClientReceiptType, eventId, threadId);
      return {};
    },
  );
}
