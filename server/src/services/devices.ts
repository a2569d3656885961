/**
 * A user's devices: list, inspect, rename, delete (with UIA).
 * Spec: client-server-api "Device Management" (v1.19), device_management.yaml.
 */
import { MatrixError, notFound } from '../core/errors.js';
import type { DeviceId } from '../core/ids.js';
import type { DeviceRecord, Storage } from '../storage/types.js';
import type { ClientIps } from './client-ips.js';
import type { Requester } from './requester.js';
import type { UiaService } from './uia.js';

/** Synapse's limit on device display names. */
export const MAX_DEVICE_DISPLAY_NAME_LENGTH = 100;

export interface DeviceView {
  device_id: string;
  display_name?: string;
  last_seen_ip?: string;
  last_seen_ts?: number;
}

export interface DevicesDeps {
  readonly storage: Pick<Storage, 'devices'>;
  readonly clientIps: ClientIps;
  readonly uia: UiaService;
}

export type DevicesService = ReturnType<typeof createDevicesService>;

/**
 * The UIA operation deleting these devices authorises. The set is JSON-encoded: device IDs may contain any
 * character, so joining them with a separator would let the session for ["a,b"] delete "a" and "b".
 */
const deleteOperation = (requester: Requester, deviceIds: readonly DeviceId[]): string =>
  `delete_devices:${requester.userId}:${JSON.stringify([...new Set(deviceIds)].sort())}`;

export function createDevicesService(deps: DevicesDeps) {
  const view = (device: DeviceRecord): DeviceView => {
    const recent = deps.clientIps.pendingFor(device.userId, device.deviceId);
    const out: DeviceView = { device_id: device.deviceId };
    if (device.displayName !== null) out.display_name = device.displayName;
    const ip = recent?.ip ?? device.lastSeenIp;
    const ts = recent?.ts ?? device.lastSeenTs;
    if (ip !== null) out.last_seen_ip = ip;
    if (ts !== null) out.last_seen_ts = ts;
    return out;
  };

  async function deleteWithAuth(requester: Requester, deviceIds: readonly DeviceId[], auth: unknown, operation: string): Promise<void> {
    // Spec: these endpoints use User-Interactive Authentication; a session is bound to the devices named.
    const outcome = await deps.uia.authenticate({
      operation,
      flows: [{ stages: ['m.login.password'] }],
      auth,
      requester,
    });
    await deps.storage.devices.deleteDevices(requester.userId, deviceIds);
    await deps.uia.finish(outcome.sessionId);
  }

  return {
    /** GET /devices */
    async list(requester: Requester): Promise<DeviceView[]> {
      return (await deps.storage.devices.listDevices(requester.userId)).map(view);
    },

    /** GET /devices/{deviceId} */
    async get(requester: Requester, deviceId: DeviceId): Promise<DeviceView> {
      const device = await deps.storage.devices.getDevice(requester.userId, deviceId);
      if (!device) throw notFound('Device not found');
      return view(device);
    },

    /** PUT /devices/{deviceId}. `undefined`: the name stays as it is (spec: "If not given, ... unchanged"). */
    async rename(requester: Requester, deviceId: DeviceId, displayName: string | undefined): Promise<void> {
      if (displayName === undefined) {
        if (!(await deps.storage.devices.getDevice(requester.userId, deviceId))) throw notFound('Device not found');
        return;
      }
      if (displayName.length > MAX_DEVICE_DISPLAY_NAME_LENGTH) {
        throw new MatrixError('M_INVALID_PARAM', `Device display name is too long (max ${MAX_DEVICE_DISPLAY_NAME_LENGTH})`);
      }
      if (!(await deps.storage.devices.renameDevice(requester.userId, deviceId, displayName))) throw notFound('Device not found');
    },

    /** DELETE /devices/{deviceId} */
    delete: (requester: Requester, deviceId: DeviceId, auth: unknown): Promise<void> =>
      deleteWithAuth(requester, [deviceId], auth, deleteOperation(requester, [deviceId])),

    /** POST /delete_devices */
    deleteMany: (requester: Requester, deviceIds: readonly DeviceId[], auth: unknown): Promise<void> =>
      deleteWithAuth(requester, deviceIds, auth, deleteOperation(requester, deviceIds)),
  };
}
