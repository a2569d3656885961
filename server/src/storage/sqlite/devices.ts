import type { DeviceId, UserId } from '../../core/ids.js';
import type { DeviceRecord, DevicesStore } from '../types.js';
import type { DeviceOps } from './device-ops.js';
import type { SqliteDatabase } from './open.js';
import type { WriteQueue } from './write-queue.js';

interface DeviceRow {
  user_id: string;
  device_id: string;
  display_name: string | null;
  created_ts: number;
  last_seen_ts: number | null;
  last_seen_ip: string | null;
  last_seen_user_agent: string | null;
}

const toDevice = (row: DeviceRow): DeviceRecord => ({
  userId: row.user_id as UserId,
  deviceId: row.device_id as DeviceId,
  displayName: row.display_name,
  createdTs: row.created_ts,
  lastSeenTs: row.last_seen_ts,
  lastSeenIp: row.last_seen_ip,
  lastSeenUserAgent: row.last_seen_user_agent,
});

export function createSqliteDevicesStore(db: SqliteDatabase, writes: WriteQueue, ops: DeviceOps): DevicesStore {
  const list = db.prepare('SELECT * FROM devices WHERE user_id = ? ORDER BY created_ts, device_id');
  const get = db.prepare('SELECT * FROM devices WHERE user_id = ? AND device_id = ?');
  const rename = db.prepare('UPDATE devices SET display_name = ? WHERE user_id = ? AND device_id = ?');
  const lastSeen = db.prepare(`UPDATE devices SET last_seen_ts = @ts, last_seen_ip = @ip, last_seen_user_agent = @userAgent
    WHERE user_id = @userId AND device_id = @deviceId AND coalesce(last_seen_ts, 0) <= @ts`);

  return {
    listDevices: async (userId) => (list.all(userId) as DeviceRow[]).map(toDevice),
    getDevice: async (userId, deviceId) => {
      const row = get.get(userId, deviceId) as DeviceRow | undefined;
      return row ? toDevice(row) : null;
    },
    renameDevice: (userId, deviceId, name) => writes.run(() => rename.run(name, userId, deviceId).changes > 0),
    deleteDevices: (userId, deviceIds) => writes.run(() => ops.deleteDevices(userId, deviceIds)),
    deleteAllDevices: (userId) => writes.run(() => ops.deleteDevices(userId, ops.allDeviceIds(userId))),
    recordLastSeen: (entries) =>
      writes.run(() => {
        for (const entry of entries) lastSeen.run(entry);
      }),
  };
}
