/**
 * Device management. Spec: client-server-api "Device Management", device_management.yaml (v1.19).
 */
import { Type } from 'typebox';
import type { DeviceId } from '../../core/ids.js';
import type { Services } from '../../services/index.js';
import { requesterOf, type TypedApp } from '../../http/types.js';

const DeviceParams = Type.Object({ deviceId: Type.String() });

export function devicesRoutes(app: TypedApp, services: Pick<Services, 'devices'>): void {
  /** GET /_matrix/client/v3/devices */
  app.get('/devices', { config: { auth: 'required', allowGuests: true } }, async (request) => ({
    devices: await services.devices.list(requesterOf(request)),
  }));

  /** GET /_matrix/client/v3/devices/{deviceId} */
  app.get('/devices/:deviceId', { config: { auth: 'required', allowGuests: true }, schema: { params: DeviceParams } }, async (request) =>
    services.devices.get(requesterOf(request), request.params.deviceId as DeviceId),
  );

  /** PUT /_matrix/client/v3/devices/{deviceId} */
  app.put(
    '/devices/:deviceId',
    {
      config: { auth: 'required', allowGuests: true },
      schema: { params: DeviceParams, body: Type.Object({ display_name: Type.Optional(Type.Union([Type.String(), Type.Null()])) }) },
    },
    async (request) => {
      // Spec: "If not given, the display name is unchanged" (null too, as Synapse treats it).
      await services.devices.rename(requesterOf(request), request.params.deviceId as DeviceId, request.body.display_name ?? undefined);
      return {};
    },
  );

  /**
   * DELETE /_matrix/client/v3/devices/{deviceId}: the body (with `auth`) is optional on the first attempt, as
   * Synapse treats it (older clients send none). Fastify validates a missing body as `null`, hence the union.
   */
  app.delete(
    '/devices/:deviceId',
    {
      config: { auth: 'required' },
      schema: { params: DeviceParams, body: Type.Union([Type.Object({ auth: Type.Optional(Type.Unknown()) }), Type.Null()]) },
    },
    async (request) => {
      await services.devices.delete(requesterOf(request), request.params.deviceId as DeviceId, request.body?.auth);
      return {};
    },
  );

  /** POST /_matrix/client/v3/delete_devices */
  app.post(
    '/delete_devices',
    {
      config: { auth: 'required' },
      schema: { body: Type.Object({ devices: Type.Array(Type.String(), { maxItems: 1000 }), auth: Type.Optional(Type.Unknown()) }) },
    },
    async (request) => {
      await services.devices.deleteMany(requesterOf(request), request.body.devices as DeviceId[], request.body.auth);
      return {};
    },
  );
}
