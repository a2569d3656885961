/**
 * Send-to-device messaging. Spec: client-server-api "Send-to-Device messaging", to_device.yaml (v1.19).
 */
import { Type } from 'typebox';
import { requesterOf, type TypedApp } from '../../http/types.js';
import type { Services } from '../../services/index.js';

const SendParams = Type.Object({ eventType: Type.String(), txnId: Type.String() });
// to_device.yaml: messages: user ID → device ID (or `*`) → content object. Content is open.
const SendBody = Type.Object({
  messages: Type.Record(Type.String(), Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()))),
});

export function toDeviceRoutes(app: TypedApp, services: Pick<Services, 'toDevice'>): void {
  /** PUT /_matrix/client/v3/sendToDevice/{eventType}/{txnId} */
  app.put(
    '/sendToDevice/:eventType/:txnId',
    { config: { auth: 'required', allowGuests: true }, schema: { params: SendParams, body: SendBody } },
    async (request) => {
      const { eventType, txnId } = request.params;
      await services.toDevice.send(requesterOf(request), eventType, txnId, request.body.messages);
      return {};
    },
  );
}
